//! The key file and the key-encryption key (KEK) it holds.
//!
//! The key file lives outside the data directory and its backups: whoever has a backup of the
//! database but not this file has ciphertext only. It is a small text file, mode 0600:
//!
//! ```text
//! # Portico key file ...
//! kek = <base64 of 32 random bytes>
//! audit_signing = <base64 of a 32-byte Ed25519 seed>
//! ```
//!
//! The audit signing key signs the audit log's checkpoints. It lives here, beside the KEK and
//! never in the database, so whoever can change the database cannot forge a checkpoint. Key
//! rotation replaces the KEK and keeps the signing key.
//!
//! Data keys are wrapped (sealed) under the KEK with associated data naming what they are for.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::aead::{Aad, DataKey, Sealed, open_with, seal_with};
use crate::{CryptoError, hex, random_bytes, sha256};

/// Why a key file could not be used. Messages name the path and the fix, never key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Reading or writing failed.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Group or others may read it.
    #[error("key file {path} is readable by group or others (mode {mode:o}); run: chmod 600 {path}")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The content is not a key file.
    #[error("key file {path} is not a Portico key file: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// It already exists (when asked to create a new one).
    #[error("key file {0} already exists; refusing to overwrite a key")]
    Exists(PathBuf),
    /// Random generation failed.
    #[error("key generation failed: {0}")]
    Crypto(#[from] CryptoError),
}

/// The key-encryption key. Zeroed on drop; `Debug` shows only its id.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Kek {
    key: [u8; 32],
    audit_seed: [u8; 32],
    #[zeroize(skip)]
    id: String,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek(id={})", self.id)
    }
}

impl Kek {
    fn from_bytes(key: [u8; 32], audit_seed: [u8; 32]) -> Self {
        // The id is a hash of a hash: it identifies the key without helping to guess it.
        let id = hex(&sha256(&sha256(&key))[..8]);
        Self { key, audit_seed, id }
    }

    /// The Ed25519 public key that verifies audit checkpoints.
    pub fn audit_public_key(&self) -> Vec<u8> {
        use aws_lc_rs::signature::KeyPair;
        self.audit_signer().map(|k| k.public_key().as_ref().to_vec()).unwrap_or_default()
    }

    /// Signs an audit checkpoint.
    pub fn sign_checkpoint(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(self.audit_signer()?.sign(message).as_ref().to_vec())
    }

    fn audit_signer(&self) -> Result<aws_lc_rs::signature::Ed25519KeyPair, CryptoError> {
        aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&self.audit_seed).map_err(|_| CryptoError::Integrity)
    }

    /// A short public identifier of this key, stored beside every value wrapped under it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Loads the key file at `path`, refusing one that group or others can read.
    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let io = |source| KeyFileError::Io { path: path.to_owned(), source };
        let meta = std::fs::metadata(path).map_err(io)?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::Permissions { path: path.to_owned(), mode });
        }
        let mut text = std::fs::read_to_string(path).map_err(io)?;
        let parsed = parse(&text).map_err(|reason| KeyFileError::Format { path: path.to_owned(), reason });
        text.zeroize();
        parsed
    }

    /// Creates a new key file at `path` with mode 0600. Refuses to overwrite an existing file.
    pub fn create(path: &Path) -> Result<Self, KeyFileError> {
        let mut seed = [0u8; 32];
        random_bytes(&mut seed)?;
        let made = Self::create_with_audit_seed(path, seed);
        seed.zeroize();
        made
    }

    /// Creates the key file of a rotation: a new KEK, the same audit signing key as `self`, so
    /// earlier checkpoints still verify.
    pub fn create_successor(&self, path: &Path) -> Result<Self, KeyFileError> {
        Self::create_with_audit_seed(path, self.audit_seed)
    }

    /// Whether two key files share the audit signing key.
    pub fn same_audit_key(&self, other: &Kek) -> bool {
        crate::constant_time_eq(&self.audit_seed, &other.audit_seed)
    }

    fn create_with_audit_seed(path: &Path, audit_seed: [u8; 32]) -> Result<Self, KeyFileError> {
        let mut key = [0u8; 32];
        random_bytes(&mut key)?;
        let mut file =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| {
                match e.kind() {
                    std::io::ErrorKind::AlreadyExists => KeyFileError::Exists(path.to_owned()),
                    _ => KeyFileError::Io { path: path.to_owned(), source: e },
                }
            })?;
        let mut text = format!(
            "# Portico key file. Keep it outside the data directory and outside database backups;\n\
             # without it the data cannot be read. Mode must stay 0600.\nkek = {}\naudit_signing = {}\n",
            STANDARD.encode(key),
            STANDARD.encode(audit_seed)
        );
        let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
        text.zeroize();
        written.map_err(|source| KeyFileError::Io { path: path.to_owned(), source })?;
        Ok(Self::from_bytes(key, audit_seed))
    }

    /// Loads the key file, creating it first if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyFileError> {
        match Self::create(path) {
            Ok(k) => Ok((k, true)),
            Err(KeyFileError::Exists(_)) => Self::load(path).map(|k| (k, false)),
            Err(e) => Err(e),
        }
    }

    /// Wraps a data key under this KEK, bound to `aad`.
    pub fn wrap(&self, aad: &Aad, key: &DataKey) -> Result<Sealed, CryptoError> {
        seal_with(&self.key, &aad_bytes(aad), key.bytes())
    }

    /// Unwraps a data key; fails if it was wrapped under another KEK or for another purpose.
    pub fn unwrap_key(&self, aad: &Aad, wrapped: &Sealed) -> Result<DataKey, CryptoError> {
        let mut raw = open_with(&self.key, &aad_bytes(aad), wrapped.as_bytes())?;
        let result = <[u8; 32]>::try_from(raw.as_slice()).map(DataKey::from_bytes).map_err(|_| CryptoError::Integrity);
        raw.zeroize();
        result
    }

    /// Derives a 32-byte subkey for `purpose` (HMAC-SHA256 of the purpose under the KEK).
    /// Used for keys that must be stable for the life of one KEK only.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &self.key);
        let tag = aws_lc_rs::hmac::sign(&k, format!("portico/derive/v1/{purpose}").as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

fn aad_bytes(aad: &Aad) -> Vec<u8> {
    // Domain-separate key wrapping from field sealing even if a caller reuses a triple.
    let mut v = b"kek-wrap\x1f".to_vec();
    v.extend_from_slice(aad.as_bytes());
    v
}

fn parse(text: &str) -> Result<Kek, &'static str> {
    let field = |name: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.split_once('=').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim().to_owned()))
    };
    let decode = |value: String, what: &'static str| -> Result<[u8; 32], &'static str> {
        let mut raw = STANDARD.decode(value).map_err(|_| what)?;
        let key = <[u8; 32]>::try_from(raw.as_slice()).map_err(|_| "a key is not 32 bytes");
        raw.zeroize();
        key
    };
    let key = decode(field("kek").ok_or("no 'kek = ...' line")?, "the kek is not base64")?;
    let audit_seed =
        decode(field("audit_signing").ok_or("no 'audit_signing = ...' line")?, "the audit signing key is not base64")?;
    Ok(Kek::from_bytes(key, audit_seed))
}

/// Verifies an audit checkpoint signature with an Ed25519 public key.
pub fn verify_checkpoint(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, public_key)
        .verify(message, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_file_is_private_and_loads_back_to_the_same_key() {
        let dir = std::env::temp_dir().join(format!("portico-kf-{}", hex(&sha256(file!().as_bytes()))));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.key");
        let k = Kek::create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(Kek::load(&path).unwrap().id(), k.id());
        assert!(matches!(Kek::create(&path), Err(KeyFileError::Exists(_))));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(Kek::load(&path), Err(KeyFileError::Permissions { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn wrapped_keys_unwrap_only_under_the_same_kek_and_purpose() {
        let a = Kek::from_bytes([1; 32], [9; 32]);
        let b = Kek::from_bytes([2; 32], [9; 32]);
        let dk = DataKey::generate().unwrap();
        let aad = Aad::field("patient_keys", "wrapped_key", "p1");
        let w = a.wrap(&aad, &dk).unwrap();
        assert_eq!(a.unwrap_key(&aad, &w).unwrap().bytes(), dk.bytes());
        assert!(b.unwrap_key(&aad, &w).is_err());
        assert!(a.unwrap_key(&Aad::field("patient_keys", "wrapped_key", "p2"), &w).is_err());
    }

    #[test]
    fn malformed_key_files_are_refused_with_a_reason() {
        assert_eq!(parse("nothing here").unwrap_err(), "no 'kek = ...' line");
        assert_eq!(parse("kek = !!!").unwrap_err(), "the kek is not base64");
        assert_eq!(parse("kek = AAAA").unwrap_err(), "a key is not 32 bytes");
        let kek_only = format!("kek = {}", STANDARD.encode([1u8; 32]));
        assert_eq!(parse(&kek_only).unwrap_err(), "no 'audit_signing = ...' line");
    }

    #[test]
    fn checkpoints_verify_under_the_audit_key_and_rotation_keeps_it() {
        let dir = std::env::temp_dir().join(format!("portico-audit-kf-{}", hex(&sha256(b"audit-kf"))));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = Kek::create(&dir.join("a.key")).unwrap();
        let sig = first.sign_checkpoint(b"size=10").unwrap();
        assert!(verify_checkpoint(&first.audit_public_key(), b"size=10", &sig));
        assert!(!verify_checkpoint(&first.audit_public_key(), b"size=11", &sig));
        let next = first.create_successor(&dir.join("b.key")).unwrap();
        assert_ne!(next.id(), first.id(), "a new KEK");
        assert!(next.same_audit_key(&first));
        assert!(verify_checkpoint(&next.audit_public_key(), b"size=10", &sig));
        assert!(!Kek::create(&dir.join("c.key")).unwrap().same_audit_key(&first));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

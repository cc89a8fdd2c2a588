//! AES-256-GCM sealing. A [`Sealed`] value is `version (1 byte) || nonce (12) || ciphertext || tag (16)`.
//! The associated data names the table, column and row a value belongs to, so a ciphertext
//! copied to another row or column fails to open instead of yielding someone else's data.

use aws_lc_rs::aead::{AES_256_GCM, Aad as LcAad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{CryptoError, random_bytes};

const VERSION: u8 = 1;
const TAG_LEN: usize = 16;

/// A 256-bit symmetric key (a patient's data key or a system key). Zeroed on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut k = [0u8; 32];
        random_bytes(&mut k)?;
        Ok(Self(k))
    }
    /// From raw bytes (after unwrapping).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
    /// The raw bytes, for wrapping under the KEK only.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Seals `plaintext` bound to `aad`.
    pub fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Result<Sealed, CryptoError> {
        seal_with(&self.0, aad.as_bytes(), plaintext)
    }

    /// Opens a sealed value; fails if it was altered, moved to another row/column, or sealed
    /// under another key.
    pub fn open(&self, aad: &Aad, sealed: &Sealed) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.0, aad.as_bytes(), &sealed.0)
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

/// Associated data: what a ciphertext is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aad(Vec<u8>);

impl Aad {
    /// Binds a value to `table`, `column` and `row` (unit-separated so no two triples collide).
    pub fn field(table: &str, column: &str, row: &str) -> Self {
        Self(format!("portico/v1\u{1f}{table}\u{1f}{column}\u{1f}{row}").into_bytes())
    }
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Ciphertext as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(Vec<u8>);

impl Sealed {
    /// Wraps stored bytes (not yet checked: [`DataKey::open`] checks).
    pub fn from_bytes(b: Vec<u8>) -> Self {
        Self(b)
    }
    /// The stored bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// Into the stored bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}

pub(crate) fn seal_with(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Sealed, CryptoError> {
    let key = less_safe_key(key)?;
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce)?;
    let mut buf = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
    buf.push(VERSION);
    buf.extend_from_slice(&nonce);
    let mut body = plaintext.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), LcAad::from(aad), &mut body)
        .map_err(|_| CryptoError::Integrity)?;
    buf.extend_from_slice(&body);
    body.zeroize();
    Ok(Sealed(buf))
}

pub(crate) fn open_with(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (&version, rest) = sealed.split_first().ok_or(CryptoError::Integrity)?;
    if version != VERSION || rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Integrity);
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Integrity)?;
    let key = less_safe_key(key)?;
    let mut body = body.to_vec();
    let len = key.open_in_place(nonce, LcAad::from(aad), &mut body).map_err(|_| CryptoError::Integrity)?.len();
    body.truncate(len);
    Ok(body)
}

fn less_safe_key(key: &[u8; 32]) -> Result<LessSafeKey, CryptoError> {
    UnboundKey::new(&AES_256_GCM, key).map(LessSafeKey::new).map_err(|_| CryptoError::Integrity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_round_trip_and_never_contain_the_plaintext() {
        let k = DataKey::generate().unwrap();
        let aad = Aad::field("patients", "name", "row-1");
        let s = k.seal(&aad, b"Canary Patient").unwrap();
        assert!(!s.as_bytes().windows(6).any(|w| w == b"Canary"));
        assert_eq!(k.open(&aad, &s).unwrap(), b"Canary Patient");
    }

    #[test]
    fn any_flipped_byte_fails_the_integrity_check() {
        let k = DataKey::generate().unwrap();
        let aad = Aad::field("patients", "mrn", "row-1");
        let s = k.seal(&aad, b"MRN-0001").unwrap();
        for i in 0..s.as_bytes().len() {
            for bit in [0x01u8, 0x80] {
                let mut b = s.as_bytes().to_vec();
                b[i] ^= bit;
                assert_eq!(k.open(&aad, &Sealed::from_bytes(b)), Err(CryptoError::Integrity), "byte {i}");
            }
        }
    }

    #[test]
    fn a_value_moved_to_another_row_column_or_key_does_not_open() {
        let k = DataKey::generate().unwrap();
        let s = k.seal(&Aad::field("patients", "name", "a"), b"x").unwrap();
        assert!(k.open(&Aad::field("patients", "name", "b"), &s).is_err());
        assert!(k.open(&Aad::field("patients", "mrn", "a"), &s).is_err());
        assert!(DataKey::generate().unwrap().open(&Aad::field("patients", "name", "a"), &s).is_err());
        assert!(k.open(&Aad::field("patients", "name", "a"), &Sealed::from_bytes(vec![1, 2])).is_err());
    }

    #[test]
    fn two_seals_of_the_same_text_differ() {
        let k = DataKey::generate().unwrap();
        let aad = Aad::field("t", "c", "r");
        assert_ne!(k.seal(&aad, b"same").unwrap(), k.seal(&aad, b"same").unwrap());
    }
}

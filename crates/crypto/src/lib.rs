//! Portico's cryptography, in one small leaf crate.
//!
//! AES-256-GCM sealing with associated data ([`aead`]), the key-encryption key read from the key
//! file and the wrapping of data keys under it ([`keyfile`]), blind indexes for exact lookup of
//! sealed values ([`blind`]), Argon2id password hashing ([`password`]), random tokens and their
//! hashes ([`token`]). It knows nothing about tables or HTTP; callers say what a ciphertext is
//! bound to through [`aead::Aad`]. Do not add a primitive here without a test vector or a
//! round-trip and tamper test.

pub mod aead;
pub mod blind;
pub mod keyfile;
pub mod password;
pub mod token;

pub use aead::{Aad, DataKey, Sealed};
pub use keyfile::{Kek, KeyFileError};

/// A cryptographic operation failed. Deliberately says nothing about why: an integrity failure,
/// a wrong key and a truncated input all look the same to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A ciphertext did not authenticate under this key and associated data.
    #[error("ciphertext failed integrity check (altered, swapped, or wrong key)")]
    Integrity,
    /// The system random number generator failed.
    #[error("random number generator failure")]
    Random,
}

/// Fills `buf` from the operating system's CSPRNG.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), CryptoError> {
    aws_lc_rs::rand::fill(buf).map_err(|_| CryptoError::Random)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Compares two secrets in constant time (for equal lengths). The one helper for this.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

//! Blind indexes: an HMAC of a normalized value under a secret key, stored beside the sealed
//! value so that an exact lookup (by MRN, by email) needs no plaintext. Each purpose gets its
//! own domain separation so equal MRN and email strings never share an index.

use crate::aead::DataKey;

/// The key behind blind indexes (a system key, wrapped under the KEK in storage).
#[derive(Clone, Debug)]
pub struct BlindIndexKey(DataKey);

impl BlindIndexKey {
    /// Uses `key` for blind indexes.
    pub fn new(key: DataKey) -> Self {
        Self(key)
    }

    /// The index of an already-normalized `value` for `purpose` (e.g. `patient.mrn`).
    pub fn index(&self, purpose: &str, value: &str) -> Vec<u8> {
        let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, self.0.bytes());
        let mut ctx = aws_lc_rs::hmac::Context::with_key(&k);
        ctx.update(purpose.as_bytes());
        ctx.update(&[0x1f]);
        ctx.update(value.as_bytes());
        ctx.sign().as_ref().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_stable_per_key_and_separated_by_purpose() {
        let k = BlindIndexKey::new(DataKey::from_bytes([7; 32]));
        let other = BlindIndexKey::new(DataKey::from_bytes([8; 32]));
        assert_eq!(k.index("patient.mrn", "A1"), k.index("patient.mrn", "A1"));
        assert_ne!(k.index("patient.mrn", "A1"), k.index("account.email", "A1"));
        assert_ne!(k.index("patient.mrn", "A1"), other.index("patient.mrn", "A1"));
        assert_eq!(k.index("patient.mrn", "A1").len(), 32);
    }
}

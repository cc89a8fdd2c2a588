//! Secret tokens: session tokens and invitation codes. The plain value goes to the holder once;
//! storage keeps only its SHA-256 hash. These are high-entropy random values, so a fast hash is
//! the right tool (unlike passwords).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{CryptoError, random_bytes, sha256};

/// A plain session token as sent in the cookie. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

/// The stored form of a session token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenHash(Vec<u8>);

impl SessionToken {
    /// A new random token (256 bits).
    pub fn generate() -> Result<Self, CryptoError> {
        let mut b = [0u8; 32];
        random_bytes(&mut b)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(b)))
    }
    /// Wraps a token received from a client (unchecked; look up its hash).
    pub fn from_client(s: &str) -> Self {
        Self(s.to_owned())
    }
    /// The cookie value.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Its stored hash.
    pub fn hash(&self) -> TokenHash {
        TokenHash(sha256(self.0.as_bytes()).to_vec())
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

impl TokenHash {
    /// From stored bytes.
    pub fn from_bytes(b: Vec<u8>) -> Self {
        Self(b)
    }
    /// The stored bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// Hex, for audit records.
    pub fn to_hex(&self) -> String {
        crate::hex(&self.0)
    }
}

/// Letters and digits that cannot be confused when read aloud or typed from paper (no 0/O, 1/I/L).
const INVITE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new invitation code, `XXXX-XXXX-XXXX` (about 59 bits), and its stored hash.
pub fn invitation_code() -> Result<(String, Vec<u8>), CryptoError> {
    let code = readable_code()?;
    let hash = invitation_code_hash(&code);
    Ok((code, hash))
}

/// Twelve characters of the unambiguous alphabet in groups of four (`ABCD-EFGH-JKMN`).
fn readable_code() -> Result<String, CryptoError> {
    let mut raw = [0u8; 12];
    random_bytes(&mut raw)?;
    let chars: Vec<char> =
        raw.iter().map(|b| char::from(INVITE_ALPHABET[usize::from(*b) % INVITE_ALPHABET.len()])).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// A one-time recovery code for signing in without the authenticator, and its stored hash.
pub fn recovery_code() -> Result<(String, Vec<u8>), CryptoError> {
    let code = readable_code()?;
    let hash = recovery_code_hash(&code);
    Ok((code, hash))
}

/// The stored hash of a recovery code as typed (case, spaces and dashes ignored).
pub fn recovery_code_hash(typed: &str) -> Vec<u8> {
    sha256(format!("portico/recovery/v1/{}", normalize_code(typed)).as_bytes()).to_vec()
}

fn normalize_code(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// The stored hash of an invitation code as typed by a person: case, spaces and dashes are
/// ignored so that `abcd efgh jkmn` finds `ABCD-EFGH-JKMN`.
pub fn invitation_code_hash(typed: &str) -> Vec<u8> {
    sha256(format!("portico/invite/v1/{}", normalize_code(typed)).as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tokens_are_random_and_stored_only_as_hashes() {
        let a = SessionToken::generate().unwrap();
        let b = SessionToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert_eq!(a.hash(), SessionToken::from_client(a.expose()).hash());
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn invitation_codes_are_readable_and_forgiving_to_type() {
        let (code, hash) = invitation_code().unwrap();
        assert_eq!(code.len(), 14);
        assert!(code.chars().all(|c| c == '-' || INVITE_ALPHABET.contains(&(c as u8))));
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(invitation_code_hash(&typed), hash);
    }
}

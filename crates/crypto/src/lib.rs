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
    // By table, not `write!` per byte: every request hashes its session into its audit context.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Unpadded base64url of `bytes` (as WebAuthn writes credential ids).
pub fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two secrets in constant time (for equal lengths). The one helper for this.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// Webhook signatures of outside services, checked before a request is parsed.
pub mod webhook {
    use base64::Engine as _;

    /// `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the account's auth token, over the
    /// full URL Twilio requested followed by every POST parameter's name and value, sorted by
    /// name. SHA-1 is Twilio's choice, not ours; it is used here for nothing else.
    pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
        let mut sorted: Vec<&(String, String)> = params.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut data = url.to_owned();
        for (k, v) in sorted {
            data.push_str(k);
            data.push_str(v);
        }
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth_token.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(aws_lc_rs::hmac::sign(&key, data.as_bytes()).as_ref())
    }

    /// Whether `given` is the Twilio signature of this request (constant-time comparison).
    pub fn twilio_signature_ok(auth_token: &str, url: &str, params: &[(String, String)], given: &str) -> bool {
        super::constant_time_eq(twilio_signature(auth_token, url, params).as_bytes(), given.as_bytes())
    }

    /// `X-Hub-Signature-256` of Meta's webhooks: `sha256=` and the hex HMAC-SHA256 of the raw
    /// request body, keyed with the app secret.
    pub fn meta_signature(app_secret: &str, body: &[u8]) -> String {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, app_secret.as_bytes());
        let tag = aws_lc_rs::hmac::sign(&key, body);
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256=");
        for b in tag.as_ref() {
            out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        out
    }

    /// Whether `header` is the `X-Hub-Signature-256` of `body` under `app_secret`. The tag is
    /// checked in constant time; a malformed header is simply not a match.
    pub fn meta_signature_ok(app_secret: &str, body: &[u8], header: &str) -> bool {
        let Some(hex) = header.strip_prefix("sha256=") else { return false };
        let hex = hex.as_bytes();
        if hex.len() != 64 || app_secret.is_empty() {
            return false;
        }
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        };
        let mut tag = [0u8; 32];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            match (nibble(pair[0]), nibble(pair[1])) {
                (Some(h), Some(l)) => tag[i] = h << 4 | l,
                _ => return false,
            }
        }
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, app_secret.as_bytes());
        aws_lc_rs::hmac::verify(&key, body, &tag).is_ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// HMAC-SHA256 test case 2 of RFC 4231 (key "Jefe"), in Meta's header form.
        #[test]
        fn meta_signatures_follow_hmac_sha256_and_refuse_any_change() {
            let body = b"what do ya want for nothing?";
            let sig = meta_signature("Jefe", body);
            assert_eq!(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
            assert!(meta_signature_ok("Jefe", body, &sig));
            assert!(meta_signature_ok("Jefe", body, &sig.to_uppercase().replace("SHA256=", "sha256=")));
            assert!(!meta_signature_ok("Jefe", b"what do ya want for nothing!", &sig));
            assert!(!meta_signature_ok("jefe", body, &sig));
            assert!(!meta_signature_ok("Jefe", body, &sig[..70]));
            assert!(!meta_signature_ok("Jefe", body, &sig.replace("sha256=", "sha1=")));
            assert!(!meta_signature_ok("Jefe", body, &format!("{}z", &sig[..70])));
            assert!(!meta_signature_ok("", body, &meta_signature("", body)));
        }

        /// The published example vector of Twilio's request validation.
        #[test]
        fn matches_twilios_documented_example() {
            let params: Vec<(String, String)> = [
                ("CallSid", "CA1234567890ABCDE"),
                ("Caller", "+14158675309"),
                ("Digits", "1234"),
                ("From", "+14158675309"),
                ("To", "+18005551212"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
            assert_eq!(twilio_signature("12345", url, &params), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
            assert!(twilio_signature_ok("12345", url, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
            assert!(!twilio_signature_ok("12345", url, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B9="));
            assert!(!twilio_signature_ok("54321", url, &params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_spells_the_sha256_of_abc_as_fips_180_2_does() {
        assert_eq!(
            super::hex(&super::sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(super::hex(&[0x00, 0x0f, 0xf0, 0xff]), "000ff0ff");
    }
}

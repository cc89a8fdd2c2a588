//! RFC 6238 time-based one-time passwords (SHA-1, 6 digits, 30 s, one step of skew), the form
//! every authenticator app understands. Replay protection lives in the store: a used time step
//! is recorded and never accepted again for the same account.

use portico_domain::Timestamp;
use totp_rs::{Builder, Totp};

use crate::Unexpected;

/// Bytes of a new secret (160 bits, the RFC 4226 recommendation).
const SECRET_LEN: usize = 20;

fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, Unexpected> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_issuer(Some(issuer))
        .with_account_name(account)
        .build()
        .map_err(|e| Unexpected(anyhow::anyhow!("totp: {e}")))
}

/// A fresh random secret.
pub(crate) fn new_secret() -> Result<Vec<u8>, Unexpected> {
    let mut s = vec![0u8; SECRET_LEN];
    portico_crypto::random_bytes(&mut s)?;
    Ok(s)
}

/// The `otpauth://totp/...` URI an authenticator app scans.
pub(crate) fn provisioning_uri(secret: &[u8], issuer: &str, account: &str) -> Result<String, Unexpected> {
    totp(secret, issuer, account)?.to_url().map_err(|e| Unexpected(anyhow::anyhow!("totp url: {e}")))
}

/// The time step `code` is valid for at `now`, if it is valid.
pub(crate) fn matching_step(secret: &[u8], code: &str, now: Timestamp) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let secs = u64::try_from(now.unix_millis() / 1000).ok()?;
    let t = totp(secret, "x", "x").ok()?;
    t.check(&code, secs).and_then(|step| i64::try_from(step).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_6238_sha1_vector_matches() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s -> 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = b"12345678901234567890";
        assert_eq!(matching_step(secret, "287082", Timestamp::from_unix_millis(59_000)), Some(1));
        assert_eq!(matching_step(secret, "287 082", Timestamp::from_unix_millis(59_000)), Some(1));
        assert_eq!(matching_step(secret, "000000", Timestamp::from_unix_millis(59_000)), None);
        assert!(provisioning_uri(secret, "Clinic", "a@b.org").unwrap().starts_with("otpauth://totp/"));
    }
}

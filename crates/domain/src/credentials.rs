//! Credentials as parsed types: a [`Password`] that meets the policy and never prints itself.

/// A password that meets the policy: 12 to 128 characters, not all the same character.
/// Length over composition rules, after NIST SP 800-63B.
#[derive(Clone)]
pub struct Password(String);

/// Why a password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than 12 characters.
    #[error("password must be at least 12 characters")]
    TooShort,
    /// More than 128 characters.
    #[error("password must be at most 128 characters")]
    TooLong,
    /// One character repeated.
    #[error("password must not be a single repeated character")]
    Repetitive,
}

impl Password {
    /// Minimum length in characters.
    pub const MIN_CHARS: usize = 12;

    /// Checks a new password against the policy.
    pub fn parse(s: &str) -> Result<Self, PasswordError> {
        let n = s.chars().count();
        if n < Self::MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if n > 128 {
            return Err(PasswordError::TooLong);
        }
        let mut chars = s.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(PasswordError::Repetitive);
        }
        Ok(Self(s.to_owned()))
    }
    /// The password, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_policy_is_length_based() {
        assert_eq!(Password::parse("short").unwrap_err(), PasswordError::TooShort);
        assert_eq!(Password::parse(&"a".repeat(12)).unwrap_err(), PasswordError::Repetitive);
        assert_eq!(Password::parse(&"ab".repeat(65)).unwrap_err(), PasswordError::TooLong);
        assert!(Password::parse("correct horse battery").is_ok());
        assert!(!format!("{:?}", Password::parse("correct horse battery").unwrap()).contains("horse"));
    }
}

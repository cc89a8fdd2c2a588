//! [`PhiText`]: a string that holds protected health information. Its `Debug` and `Display`
//! never show the content, so a stray `{:?}` in a log line cannot leak it.

use serde::{Serialize, Serializer};

/// Text that is PHI. Read it with [`PhiText::expose`], only where it is sent to an authorized
/// reader or sealed for storage.
#[derive(Clone, PartialEq, Eq)]
pub struct PhiText(String);

impl PhiText {
    /// Wraps a string that holds PHI.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The plain text. Call sites are the places to review for leaks.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PhiText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PhiText([redacted])")
    }
}

impl std::fmt::Display for PhiText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Serializing is how PHI reaches an authorized reader in an API response.
impl Serialize for PhiText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_text() {
        let t = PhiText::new("Jane Canary-Doe");
        assert!(!format!("{t:?} {t}").contains("Canary"));
        assert_eq!(t.expose(), "Jane Canary-Doe");
    }
}

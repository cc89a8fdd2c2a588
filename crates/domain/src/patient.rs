//! Patient demographics as parsed types. Each constructor validates and normalizes its input
//! and fails with a [`FieldError`] that names the field but never repeats the value (the value
//! is PHI). Every type redacts itself in `Debug`.

use crate::phi_text::PhiText;

/// A demographic field failed validation. The message names the field, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The field name as the API and CLI spell it.
    pub field: &'static str,
    /// What is wrong, in words safe to show and log.
    pub reason: &'static str,
}

fn err(field: &'static str, reason: &'static str) -> FieldError {
    FieldError { field, reason }
}

macro_rules! phi_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// The normalized text (PHI: handle with care).
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

phi_newtype!(
    /// A person's full name as they write it: trimmed, 1 to 200 characters, no control characters.
    PersonName
);
phi_newtype!(
    /// A medical record number: letters, digits and dashes, stored upper case.
    Mrn
);
phi_newtype!(
    /// An email address, stored lower case.
    EmailAddress
);
phi_newtype!(
    /// A phone number in E.164 form (`+` and 8 to 15 digits).
    PhoneNumber
);

impl PersonName {
    /// Parses a name.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(err("name", "must not be empty"));
        }
        if t.chars().count() > 200 {
            return Err(err("name", "must be at most 200 characters"));
        }
        if t.chars().any(char::is_control) {
            return Err(err("name", "must not contain control characters"));
        }
        Ok(Self(t.to_owned()))
    }
}

impl Mrn {
    /// Parses a medical record number.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        if t.is_empty() || t.len() > 64 {
            return Err(err("mrn", "must be 1 to 64 characters"));
        }
        if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(err("mrn", "may contain only letters, digits and dashes"));
        }
        Ok(Self(t.to_ascii_uppercase()))
    }
}

impl EmailAddress {
    /// Parses an email address (one `@`, a dotted domain, no spaces, at most 254 characters).
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        let reason = "must be an email address like name@example.org";
        if t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("email", reason));
        }
        let (local, domain) = t.split_once('@').ok_or_else(|| err("email", reason))?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !domain.contains("..");
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(err("email", reason));
        }
        Ok(Self(t.to_lowercase()))
    }
}

impl PhoneNumber {
    /// Parses a phone number in international form; spaces, dots, dashes and parentheses are
    /// dropped. A number without a leading `+` is refused rather than guessed.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let t: String = s.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let digits =
            t.strip_prefix('+').ok_or_else(|| err("phone", "must be in international form, e.g. +15551234567"))?;
        if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) || digits.starts_with('0') {
            return Err(err("phone", "must be + followed by 8 to 15 digits"));
        }
        Ok(Self(t))
    }
}

/// A date of birth. Never in the future, never before 1880.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DateOfBirth(time::Date);

impl DateOfBirth {
    /// Parses `YYYY-MM-DD`, checked against `today` (UTC).
    pub fn parse(s: &str, today: time::Date) -> Result<Self, FieldError> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let d = time::Date::parse(s.trim(), &fmt)
            .map_err(|_| err("date_of_birth", "must be a real date written YYYY-MM-DD"))?;
        if d > today {
            return Err(err("date_of_birth", "must not be in the future"));
        }
        if d.year() < 1880 {
            return Err(err("date_of_birth", "must be after 1880"));
        }
        Ok(Self(d))
    }
    /// `YYYY-MM-DD`.
    pub fn to_iso(self) -> String {
        let (y, m, d) = (self.0.year(), u8::from(self.0.month()), self.0.day());
        format!("{y:04}-{m:02}-{d:02}")
    }
}

impl std::fmt::Debug for DateOfBirth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DateOfBirth([redacted])")
    }
}

/// A preferred language as a lower-case BCP 47 primary tag with an optional region (`en`, `es-MX`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language(String);

impl Language {
    /// Parses a language tag.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let t = s.trim();
        let reason = "must be a language tag like en or es-MX";
        let (primary, region) = match t.split_once('-') {
            Some((p, r)) => (p, Some(r)),
            None => (t, None),
        };
        let primary_ok = (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
        let region_ok = region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()));
        if !primary_ok || !region_ok {
            return Err(err("preferred_language", reason));
        }
        Ok(Self(match region {
            Some(r) => format!("{}-{}", primary.to_ascii_lowercase(), r.to_ascii_uppercase()),
            None => primary.to_ascii_lowercase(),
        }))
    }
    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Language {
    fn default() -> Self {
        Self("en".to_owned())
    }
}

/// Everything needed to create a patient record.
#[derive(Clone, Debug)]
pub struct NewPatient {
    /// Full name.
    pub name: PersonName,
    /// Date of birth.
    pub date_of_birth: DateOfBirth,
    /// Medical record number (unique).
    pub mrn: Mrn,
    /// Email on file, used for notifications.
    pub email: Option<EmailAddress>,
    /// Phone on file, used for notifications.
    pub phone: Option<PhoneNumber>,
    /// Preferred language.
    pub language: Language,
}

impl NewPatient {
    /// A registration as typed (optional fields `None` when left empty), every field checked;
    /// the date of birth against `today`.
    pub fn parse(
        name: &str,
        date_of_birth: &str,
        mrn: &str,
        email: Option<&str>,
        phone: Option<&str>,
        language: Option<&str>,
        today: time::Date,
    ) -> Result<Self, FieldError> {
        Ok(NewPatient {
            name: PersonName::parse(name)?,
            date_of_birth: DateOfBirth::parse(date_of_birth, today)?,
            mrn: Mrn::parse(mrn)?,
            email: email.map(EmailAddress::parse).transpose()?,
            phone: phone.map(PhoneNumber::parse).transpose()?,
            language: language.map(Language::parse).transpose()?.unwrap_or_default(),
        })
    }
}

/// A patient's demographics as read back from storage (opened, so PHI).
#[derive(Clone, Debug)]
pub struct PatientRecord {
    /// The patient.
    pub id: crate::PatientId,
    /// Full name.
    pub name: PhiText,
    /// `YYYY-MM-DD`.
    pub date_of_birth: PhiText,
    /// Medical record number.
    pub mrn: PhiText,
    /// Email on file.
    pub email: Option<PhiText>,
    /// Phone on file.
    pub phone: Option<PhiText>,
    /// Preferred language tag.
    pub language: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::macros::date!(2026 - 11 - 24)
    }

    #[test]
    fn demographic_parsers_accept_and_normalize_good_input() {
        assert_eq!(Mrn::parse(" ab-123 ").unwrap().expose(), "AB-123");
        assert_eq!(EmailAddress::parse("Jo.Doe@Example.ORG").unwrap().expose(), "jo.doe@example.org");
        assert_eq!(PhoneNumber::parse("+1 (555) 123-4567").unwrap().expose(), "+15551234567");
        assert_eq!(DateOfBirth::parse("1971-03-14", today()).unwrap().to_iso(), "1971-03-14");
        assert_eq!(Language::parse("ES-mx").unwrap().as_str(), "es-MX");
        assert_eq!(PersonName::parse("  José Ñúñez ").unwrap().expose(), "José Ñúñez");
    }

    #[test]
    fn demographic_parsers_refuse_bad_input_without_echoing_it() {
        let cases: Vec<(&str, Result<(), FieldError>)> = vec![
            ("name", PersonName::parse("   ").map(|_| ())),
            ("name", PersonName::parse("a\u{7}b").map(|_| ())),
            ("mrn", Mrn::parse("12 34").map(|_| ())),
            ("mrn", Mrn::parse("").map(|_| ())),
            ("email", EmailAddress::parse("secret-canary").map(|_| ())),
            ("email", EmailAddress::parse("a@b").map(|_| ())),
            ("email", EmailAddress::parse("a b@c.org").map(|_| ())),
            ("phone", PhoneNumber::parse("5551234567").map(|_| ())),
            ("phone", PhoneNumber::parse("+12").map(|_| ())),
            ("date_of_birth", DateOfBirth::parse("1971-02-30", today()).map(|_| ())),
            ("date_of_birth", DateOfBirth::parse("2030-01-01", today()).map(|_| ())),
            ("date_of_birth", DateOfBirth::parse("3/14/71", today()).map(|_| ())),
            ("preferred_language", Language::parse("english").map(|_| ())),
        ];
        for (field, result) in cases {
            let e = result.unwrap_err();
            assert_eq!(e.field, field);
            assert!(!e.to_string().contains("secret-canary"));
        }
    }

    #[test]
    fn demographics_never_show_in_debug_output() {
        let n = PersonName::parse("Canary Name").unwrap();
        let d = DateOfBirth::parse("1971-03-14", today()).unwrap();
        assert!(!format!("{n:?}{d:?}").contains("Canary"));
        assert!(!format!("{d:?}").contains("1971"));
    }
}

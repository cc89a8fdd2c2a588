//! Testimonials and the HIPAA authorizations that allow publishing them (45 CFR 164.508).
//!
//! A patient's words about their care are PHI. They may be published (on the clinic's website
//! or page) only de-identified and only under a written authorization that is in force: signed,
//! not yet expired, not revoked. [`Authorization::in_force`] is the one check.

use crate::patient::FieldError;
use crate::vendor::{Date, parse_date, text};

/// A signed authorization to use a patient's testimonial, as recorded by staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// What may be used and where ("testimonial, first-name initial, clinic website and
    /// Facebook page").
    pub scope: String,
    /// When the patient signed it.
    pub signed_on: Date,
    /// When it ends (164.508(c)(1)(v) requires an expiration date or event; Portico asks for a
    /// date).
    pub expires_on: Date,
    /// Where the signed form is kept.
    pub document_ref: String,
}

impl Authorization {
    /// Validates the fields: a scope of 1 to 200 characters, ISO dates, an end after signing.
    pub fn parse(scope: &str, signed_on: &str, expires_on: &str, document_ref: &str) -> Result<Self, FieldError> {
        let a = Self {
            scope: text("scope", scope, 200, true)?,
            signed_on: parse_date("signed_on", signed_on)?,
            expires_on: parse_date("expires_on", expires_on)?,
            document_ref: text("document_ref", document_ref, 200, false)?,
        };
        if a.expires_on <= a.signed_on {
            return Err(FieldError { field: "expires_on", reason: "must be after signed_on" });
        }
        Ok(a)
    }

    /// Whether it allows publishing on `today`: signed by then, not expired, not revoked.
    pub fn in_force(&self, today: Date, revoked: bool) -> bool {
        !revoked && self.signed_on <= today && today <= self.expires_on
    }
}

/// Where a testimonial stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestimonialStatus {
    /// De-identified, not cleared for publishing.
    Draft,
    /// Cleared: an authorization was in force when it was marked.
    Publishable,
    /// Its authorization was revoked: it must come down.
    Withdrawn,
}

impl TestimonialStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TestimonialStatus::Draft => "draft",
            TestimonialStatus::Publishable => "publishable",
            TestimonialStatus::Withdrawn => "withdrawn",
        }
    }

    /// The status of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [TestimonialStatus::Draft, TestimonialStatus::Publishable, TestimonialStatus::Withdrawn]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn an_authorization_is_in_force_from_signing_to_expiry_unless_revoked() {
        let a = Authorization::parse("testimonial on website", "2026-01-10", "2027-01-10", "scan 42").unwrap();
        assert!(!a.in_force(d("2026-01-09"), false));
        assert!(a.in_force(d("2026-01-10"), false));
        assert!(a.in_force(d("2027-01-10"), false));
        assert!(!a.in_force(d("2027-01-11"), false));
        assert!(!a.in_force(d("2026-06-01"), true));
    }

    #[test]
    fn bad_authorizations_are_refused_by_field() {
        let field = |r: Result<Authorization, FieldError>| r.unwrap_err().field;
        assert_eq!(field(Authorization::parse("", "2026-01-10", "2027-01-10", "")), "scope");
        assert_eq!(field(Authorization::parse("x", "10/01/2026", "2027-01-10", "")), "signed_on");
        assert_eq!(field(Authorization::parse("x", "2026-01-10", "2026-01-10", "")), "expires_on");
        assert_eq!(field(Authorization::parse("x", "2026-01-10", "", "")), "expires_on");
    }
}

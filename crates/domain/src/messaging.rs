//! Messaging vocabulary: thread categories and statuses, who a party is, and parsed subjects and
//! bodies (PHI, redacted in `Debug`).

use serde::{Deserialize, Serialize};

use crate::patient::FieldError;
use crate::{AccountId, PatientId, StaffId, TeamId};

/// What a thread is about; routes it and sets expectations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Anything else.
    General,
    /// Scheduling.
    Appointment,
    /// Bills and insurance.
    Billing,
    /// Test results shared by the care team.
    Results,
    /// Symptoms, medications, care questions.
    Clinical,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 5] =
        [Category::General, Category::Appointment, Category::Billing, Category::Results, Category::Clinical];

    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::General => "general",
            Category::Appointment => "appointment",
            Category::Billing => "billing",
            Category::Results => "results",
            Category::Clinical => "clinical",
        }
    }

    /// Parses a category name.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|c| c.as_str() == s).ok_or(FieldError {
            field: "category",
            reason: "must be one of general, appointment, billing, results, clinical",
        })
    }
}

/// Whether a thread is still being worked on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadStatus {
    /// Open.
    Open,
    /// Closed.
    Closed,
}

impl ThreadStatus {
    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadStatus::Open => "open",
            ThreadStatus::Closed => "closed",
        }
    }
    /// Parses a status name.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s {
            "open" => Ok(ThreadStatus::Open),
            "closed" => Ok(ThreadStatus::Closed),
            _ => Err(FieldError { field: "status", reason: "must be open or closed" }),
        }
    }
}

/// A person who writes or reads: a staff member or a patient account (self or proxy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    /// A staff member.
    Staff(StaffId),
    /// A patient portal account.
    Patient(AccountId),
}

impl Party {
    /// `staff` or `patient`.
    pub fn kind(self) -> &'static str {
        match self {
            Party::Staff(_) => "staff",
            Party::Patient(_) => "patient",
        }
    }
    /// The id as text.
    pub fn id(self) -> String {
        match self {
            Party::Staff(s) => s.to_string(),
            Party::Patient(a) => a.to_string(),
        }
    }
    /// Whether this party is on the care-team side of a conversation.
    pub fn is_staff(self) -> bool {
        matches!(self, Party::Staff(_))
    }
}

/// The facts the policy needs about a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadFacts {
    /// Whose thread.
    pub patient: PatientId,
    /// Which team it is addressed to.
    pub team: TeamId,
}

macro_rules! phi_text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Parses: trimmed, not empty, at most the limit in characters, no control
            /// characters other than newlines and tabs.
            pub fn parse(s: &str) -> Result<Self, FieldError> {
                let t = s.trim();
                if t.is_empty() {
                    return Err(FieldError { field: $field, reason: "must not be empty" });
                }
                if t.chars().count() > $max {
                    return Err(FieldError { field: $field, reason: concat!("must be at most ", stringify!($max), " characters") });
                }
                if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
                    return Err(FieldError { field: $field, reason: "must not contain control characters" });
                }
                Ok(Self(t.to_owned()))
            }
            /// The text (PHI).
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

phi_text_type!(
    /// A thread's subject line.
    Subject,
    "subject",
    200
);
phi_text_type!(
    /// A message body.
    MessageBody,
    "body",
    20000
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_bodies_are_trimmed_bounded_and_redacted() {
        assert_eq!(Subject::parse("  Refill  ").unwrap().expose(), "Refill");
        assert!(Subject::parse("   ").is_err());
        assert!(Subject::parse(&"x".repeat(201)).is_err());
        assert!(MessageBody::parse("line one\nline two").is_ok());
        assert!(MessageBody::parse("bell\u{7}").is_err());
        assert!(!format!("{:?}", MessageBody::parse("Canary secret").unwrap()).contains("Canary"));
        assert_eq!(Category::parse("clinical").unwrap(), Category::Clinical);
        assert!(Category::parse("gossip").is_err());
    }
}

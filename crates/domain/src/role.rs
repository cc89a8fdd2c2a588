//! Staff roles. The set is closed: a role string that is not one of these is refused.

use serde::{Deserialize, Serialize};

/// What a staff member does at the clinic; drives the authorization policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Manages accounts, teams, channels and keys; does not read patient messages.
    Admin,
    /// Reviews audit data and break-glass uses; does not read patient messages.
    PrivacyOfficer,
    /// Answers clinical threads of their teams.
    Clinician,
    /// Answers clinical threads of their teams.
    Nurse,
    /// Triages the shared inbox, scheduling.
    FrontDesk,
    /// Answers billing threads.
    Billing,
}

impl StaffRole {
    /// Every role, in a stable order (used by the authorization matrix tests).
    pub const ALL: [StaffRole; 6] = [
        StaffRole::Admin,
        StaffRole::PrivacyOfficer,
        StaffRole::Clinician,
        StaffRole::Nurse,
        StaffRole::FrontDesk,
        StaffRole::Billing,
    ];

    /// The stored and wire name, e.g. `front_desk`.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::PrivacyOfficer => "privacy_officer",
            StaffRole::Clinician => "clinician",
            StaffRole::Nurse => "nurse",
            StaffRole::FrontDesk => "front_desk",
            StaffRole::Billing => "billing",
        }
    }

    /// Parses a role name; unknown names are an error that lists the valid ones.
    pub fn parse(s: &str) -> Result<Self, UnknownRole> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.chars().take(40).collect()))
    }

    /// Whether this role takes part in patient care (and so may read threads of its teams).
    pub fn is_care_team(self) -> bool {
        matches!(self, StaffRole::Clinician | StaffRole::Nurse | StaffRole::FrontDesk | StaffRole::Billing)
    }
}

/// A role name that is not one of [`StaffRole::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown role '{0}': expected one of admin, privacy_officer, clinician, nurse, front_desk, billing")]
pub struct UnknownRole(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()).unwrap(), r);
        }
        assert!(StaffRole::parse("superuser").is_err());
    }
}

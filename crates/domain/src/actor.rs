//! The acting party of every use case. A use case takes an [`Actor`] as an argument, so none
//! can run without one; the web layer builds it from a verified session.

use crate::{AccountId, PatientId, StaffId, StaffRole, TeamId};

/// Who is acting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in staff member.
    Staff(StaffActor),
    /// A signed-in patient (or proxy) account.
    Patient(PatientActor),
    /// Portico itself (workers, the CLI run by the operator).
    System,
}

/// A staff member with their role and team memberships at the time of the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffActor {
    /// The staff member.
    pub id: StaffId,
    /// Their role.
    pub role: StaffRole,
    /// The teams they belong to.
    pub teams: Vec<TeamId>,
    /// Patients they hold an unexpired break-glass grant for.
    pub emergency: Vec<crate::PatientId>,
}

/// A patient portal account, the record it belongs to, and the records it may act for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientActor {
    /// The login.
    pub account_id: AccountId,
    /// The patient record the account belongs to.
    pub patient_id: PatientId,
    /// Other patients this account acts for as a proxy (links currently in force).
    pub acts_for: Vec<PatientId>,
}

impl PatientActor {
    /// Whether this account may act for `patient` (its own record or a proxy link in force).
    pub fn may_act_for(&self, patient: PatientId) -> bool {
        self.patient_id == patient || self.acts_for.contains(&patient)
    }
}

impl Actor {
    /// The actor's id as text for audit records (`system` for Portico itself).
    pub fn audit_id(&self) -> String {
        match self {
            Actor::Staff(s) => s.id.to_string(),
            Actor::Patient(p) => p.account_id.to_string(),
            Actor::System => "system".to_owned(),
        }
    }
    /// The actor's role as text for audit records.
    pub fn audit_role(&self) -> &'static str {
        match self {
            Actor::Staff(s) => s.role.as_str(),
            Actor::Patient(_) => "patient",
            Actor::System => "system",
        }
    }
}

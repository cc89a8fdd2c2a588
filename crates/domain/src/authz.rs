//! The authorization policy: one pure function, deny by default.
//!
//! Every use case asks [`permits`] before it touches data. An [`Action`] carries the facts the
//! decision needs (whose record, which teams), gathered by the caller from storage. Add a new
//! action here, with its rule and a row in the table test, before any route uses it.

use crate::actor::{Actor, StaffActor};
use crate::{PatientId, StaffRole};

/// Something an actor wants to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read one's own account (`GET /me`).
    ReadOwnAccount,
    /// List the teams (patients: those open to patient messages).
    ListTeams,
    /// Create or change staff accounts and teams.
    ManageStaff,
    /// Register patients: create records, issue invitations, link proxies.
    RegisterPatient,
    /// Read a patient's demographics.
    ReadPatientDemographics {
        /// Whose record.
        patient: PatientId,
        /// Whether the staff actor shares a team with a thread of this patient (treatment
        /// relationship). Ignored for patient actors.
        care_relationship: bool,
    },
    /// Read operational metrics.
    ReadMetrics,
}

/// Whether `actor` may perform `action`. Anything not explicitly allowed is denied.
pub fn permits(actor: &Actor, action: &Action) -> bool {
    match (actor, action) {
        (Actor::System, _) => true,
        (_, Action::ReadOwnAccount) | (_, Action::ListTeams) => true,
        (Actor::Staff(s), Action::ManageStaff) => s.role == StaffRole::Admin,
        (Actor::Staff(s), Action::RegisterPatient) => {
            matches!(s.role, StaffRole::Admin | StaffRole::FrontDesk)
        }
        (Actor::Staff(s), Action::ReadMetrics) => s.role == StaffRole::Admin,
        (
            Actor::Staff(s),
            Action::ReadPatientDemographics {
                care_relationship, ..
            },
        ) => staff_may_read_demographics(s, *care_relationship),
        (Actor::Patient(p), Action::ReadPatientDemographics { patient, .. }) => {
            p.may_act_for(*patient)
        }
        (Actor::Patient(_), _) => false,
    }
}

/// Minimum necessary: care-team roles read demographics of patients they treat; front desk
/// also needs them to register and find patients. Admins and privacy officers do not.
fn staff_may_read_demographics(s: &StaffActor, care_relationship: bool) -> bool {
    match s.role {
        StaffRole::FrontDesk => true,
        r if r.is_care_team() => care_relationship,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::PatientActor;
    use crate::{AccountId, StaffId, Timestamp};

    fn staff(role: StaffRole) -> Actor {
        Actor::Staff(StaffActor {
            id: StaffId::generate(Timestamp::from_unix_millis(1)),
            role,
            teams: vec![],
        })
    }

    #[test]
    fn the_policy_table_holds_for_every_role() {
        let t = Timestamp::from_unix_millis(1);
        let own = PatientId::generate(t);
        let other = PatientId::generate(t);
        let patient = Actor::Patient(PatientActor {
            account_id: AccountId::generate(t),
            patient_id: own,
            acts_for: vec![],
        });
        let read = |patient, care| Action::ReadPatientDemographics {
            patient,
            care_relationship: care,
        };
        use StaffRole::*;
        let rows: Vec<(Actor, Action, bool)> = vec![
            (staff(Admin), Action::ManageStaff, true),
            (staff(PrivacyOfficer), Action::ManageStaff, false),
            (staff(Clinician), Action::ManageStaff, false),
            (patient.clone(), Action::ManageStaff, false),
            (staff(Admin), Action::RegisterPatient, true),
            (staff(FrontDesk), Action::RegisterPatient, true),
            (staff(Nurse), Action::RegisterPatient, false),
            (patient.clone(), Action::RegisterPatient, false),
            (staff(Admin), Action::ReadMetrics, true),
            (staff(Billing), Action::ReadMetrics, false),
            (patient.clone(), Action::ReadMetrics, false),
            (staff(Admin), read(own, true), false),
            (staff(PrivacyOfficer), read(own, true), false),
            (staff(Clinician), read(own, true), true),
            (staff(Clinician), read(own, false), false),
            (staff(FrontDesk), read(own, false), true),
            (patient.clone(), read(own, false), true),
            (patient.clone(), read(other, false), false),
            (patient.clone(), Action::ReadOwnAccount, true),
            (patient.clone(), Action::ListTeams, true),
        ];
        for (actor, action, expected) in rows {
            assert_eq!(permits(&actor, &action), expected, "{actor:?} {action:?}");
        }
    }

    #[test]
    fn a_proxy_may_act_only_for_linked_patients() {
        let t = Timestamp::from_unix_millis(1);
        let (own, child, stranger) = (
            PatientId::generate(t),
            PatientId::generate(t),
            PatientId::generate(t),
        );
        let parent = Actor::Patient(PatientActor {
            account_id: AccountId::generate(t),
            patient_id: own,
            acts_for: vec![child],
        });
        let read = |patient| Action::ReadPatientDemographics {
            patient,
            care_relationship: false,
        };
        assert!(permits(&parent, &read(child)));
        assert!(!permits(&parent, &read(stranger)));
    }
}

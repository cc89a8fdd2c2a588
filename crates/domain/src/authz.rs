//! The authorization policy: one pure function, deny by default.
//!
//! Every use case asks [`permits`] before it touches data. An [`Action`] carries the facts the
//! decision needs (whose record, which teams), gathered by the caller from storage. Add a new
//! action here, with its rule and a row in the table test, before any route uses it.

use crate::actor::{Actor, StaffActor};
use crate::messaging::ThreadFacts;
use crate::{PatientId, StaffRole, TeamId};

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
    /// Read a thread and its messages.
    ReadThread(ThreadFacts),
    /// Write a message in a thread (or open a new thread with these facts).
    WriteMessage(ThreadFacts),
    /// Write a staff-only internal note, assign, close or reopen a thread.
    ManageThread(ThreadFacts),
    /// Share a result file with the patient.
    ShareResult(ThreadFacts),
    /// Recall a message.
    RecallMessage {
        /// The thread it is in.
        thread: ThreadFacts,
        /// Whether the actor wrote it.
        is_author: bool,
    },
    /// Read or write the saved replies of a team.
    UseSavedReplies(TeamId),
    /// Review misdirected-message records.
    ReviewMisdirected,
    /// Record vendors and their business associate agreements.
    ManageVendors,
    /// See the vendor registry and which agreements need attention.
    ViewVendors,
    /// Request break-glass emergency access to a patient.
    BreakGlass,
    /// Review break-glass grants.
    ReviewBreakGlass,
    /// Read the social inbox and moderation queue (redacted), mark items handled, send the
    /// standard invitation, hide or unhide comments.
    HandleSocial,
    /// Record HIPAA authorizations and de-identify testimonials, clear them for publishing.
    ManageTestimonials,
    /// See what needs an administrator: agreements ending or ended, dead-lettered deliveries.
    ReadAdminAlerts,
    /// See and change the settings kept in the database (the social bridge's credentials,
    /// standard messages and policies).
    ManageSettings,
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
        (Actor::Staff(s), Action::ReadPatientDemographics { care_relationship, .. }) => {
            staff_may_read_demographics(s, *care_relationship)
        }
        (Actor::Patient(p), Action::ReadPatientDemographics { patient, .. }) => p.may_act_for(*patient),
        (Actor::Staff(s), Action::ReadThread(t)) => in_care_team(s, t.team) || has_emergency_access(s, t.patient),
        (Actor::Staff(s), Action::WriteMessage(t) | Action::ManageThread(t)) => in_care_team(s, t.team),
        (Actor::Staff(s), Action::BreakGlass) => matches!(s.role, StaffRole::Clinician | StaffRole::Nurse),
        (Actor::Staff(s), Action::ReviewBreakGlass) => s.role == StaffRole::PrivacyOfficer,
        (Actor::Patient(p), Action::ReadThread(t) | Action::WriteMessage(t)) => p.may_act_for(t.patient),
        (Actor::Staff(s), Action::ShareResult(t)) => {
            matches!(s.role, StaffRole::Clinician | StaffRole::Nurse) && s.teams.contains(&t.team)
        }
        (Actor::Staff(s), Action::RecallMessage { thread, is_author }) => {
            s.role == StaffRole::Admin || (*is_author && in_care_team(s, thread.team))
        }
        (Actor::Patient(p), Action::RecallMessage { thread, is_author }) => *is_author && p.may_act_for(thread.patient),
        (Actor::Staff(s), Action::UseSavedReplies(team)) => in_care_team(s, *team),
        (Actor::Staff(s), Action::ManageVendors) => s.role == StaffRole::Admin,
        (Actor::Staff(s), Action::ViewVendors) => matches!(s.role, StaffRole::Admin | StaffRole::PrivacyOfficer),
        (Actor::Staff(s), Action::HandleSocial) => {
            matches!(s.role, StaffRole::FrontDesk | StaffRole::PrivacyOfficer | StaffRole::Admin)
        }
        (Actor::Staff(s), Action::ReadAdminAlerts | Action::ManageSettings) => s.role == StaffRole::Admin,
        (Actor::Staff(s), Action::ManageTestimonials) => {
            matches!(s.role, StaffRole::PrivacyOfficer | StaffRole::Admin)
        }
        (Actor::Staff(s), Action::ReviewMisdirected) => {
            matches!(s.role, StaffRole::PrivacyOfficer | StaffRole::Admin)
        }
        (Actor::Patient(_), _) => false,
    }
}

/// Care-team roles see the threads of the teams they belong to; admins and privacy officers
/// never read messages (minimum necessary).
fn in_care_team(s: &StaffActor, team: TeamId) -> bool {
    s.role.is_care_team() && s.teams.contains(&team)
}

/// A clinician or nurse holding an unexpired break-glass grant for this patient (read only).
pub fn has_emergency_access(s: &StaffActor, patient: PatientId) -> bool {
    matches!(s.role, StaffRole::Clinician | StaffRole::Nurse) && s.emergency.contains(&patient)
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
    use crate::messaging::ThreadFacts;
    use crate::{AccountId, StaffId, Timestamp};

    fn staff(role: StaffRole) -> Actor {
        Actor::Staff(StaffActor {
            id: StaffId::generate(Timestamp::from_unix_millis(1)),
            role,
            teams: vec![],
            emergency: vec![],
        })
    }

    #[test]
    fn the_policy_table_holds_for_every_role() {
        let t = Timestamp::from_unix_millis(1);
        let own = PatientId::generate(t);
        let other = PatientId::generate(t);
        let patient =
            Actor::Patient(PatientActor { account_id: AccountId::generate(t), patient_id: own, acts_for: vec![] });
        let read = |patient, care| Action::ReadPatientDemographics { patient, care_relationship: care };
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
    fn thread_rules_follow_team_membership_and_the_patient_relationship() {
        let t = Timestamp::from_unix_millis(1);
        let (own, other) = (PatientId::generate(t), PatientId::generate(t));
        let (team, other_team) = (TeamId::generate(t), TeamId::generate(t));
        let member =
            |role| Actor::Staff(StaffActor { id: StaffId::generate(t), role, teams: vec![team], emergency: vec![] });
        let patient =
            Actor::Patient(PatientActor { account_id: AccountId::generate(t), patient_id: own, acts_for: vec![] });
        let mine = ThreadFacts { patient: own, team };
        let theirs = ThreadFacts { patient: other, team: other_team };
        use StaffRole::*;
        let rows: Vec<(Actor, Action, bool)> = vec![
            (member(Clinician), Action::ReadThread(mine), true),
            (member(Clinician), Action::ReadThread(theirs), false),
            (member(Nurse), Action::WriteMessage(mine), true),
            (member(FrontDesk), Action::ManageThread(mine), true),
            (member(Billing), Action::ReadThread(mine), true),
            (member(Admin), Action::ReadThread(mine), false),
            (member(PrivacyOfficer), Action::ReadThread(mine), false),
            (patient.clone(), Action::ReadThread(mine), true),
            (patient.clone(), Action::ReadThread(theirs), false),
            (patient.clone(), Action::WriteMessage(mine), true),
            (patient.clone(), Action::ManageThread(mine), false),
            (member(Clinician), Action::ShareResult(mine), true),
            (member(FrontDesk), Action::ShareResult(mine), false),
            (patient.clone(), Action::ShareResult(mine), false),
            (member(Nurse), Action::RecallMessage { thread: mine, is_author: true }, true),
            (member(Nurse), Action::RecallMessage { thread: mine, is_author: false }, false),
            (member(Admin), Action::RecallMessage { thread: theirs, is_author: false }, true),
            (patient.clone(), Action::RecallMessage { thread: mine, is_author: true }, true),
            (patient.clone(), Action::RecallMessage { thread: theirs, is_author: true }, false),
            (member(Clinician), Action::UseSavedReplies(team), true),
            (member(Clinician), Action::UseSavedReplies(other_team), false),
            (member(Admin), Action::ManageVendors, true),
            (member(PrivacyOfficer), Action::ManageVendors, false),
            (patient.clone(), Action::ManageVendors, false),
            (member(PrivacyOfficer), Action::ViewVendors, true),
            (member(Admin), Action::ViewVendors, true),
            (member(Billing), Action::ViewVendors, false),
            (member(PrivacyOfficer), Action::ReviewMisdirected, true),
            (member(Clinician), Action::ReviewMisdirected, false),
            (patient.clone(), Action::ReviewMisdirected, false),
            (member(Nurse), Action::BreakGlass, true),
            (member(FrontDesk), Action::BreakGlass, false),
            (member(Admin), Action::BreakGlass, false),
            (member(PrivacyOfficer), Action::ReviewBreakGlass, true),
            (member(Clinician), Action::ReviewBreakGlass, false),
            (member(FrontDesk), Action::HandleSocial, true),
            (member(PrivacyOfficer), Action::HandleSocial, true),
            (member(Admin), Action::HandleSocial, true),
            (member(Clinician), Action::HandleSocial, false),
            (member(Billing), Action::HandleSocial, false),
            (member(PrivacyOfficer), Action::ManageTestimonials, true),
            (member(Admin), Action::ManageTestimonials, true),
            (member(FrontDesk), Action::ManageTestimonials, false),
            (member(Clinician), Action::ManageTestimonials, false),
            (member(Admin), Action::ReadAdminAlerts, true),
            (member(PrivacyOfficer), Action::ReadAdminAlerts, false),
            (member(Admin), Action::ManageSettings, true),
            (member(PrivacyOfficer), Action::ManageSettings, false),
            (member(FrontDesk), Action::ManageSettings, false),
        ];
        for (actor, action, expected) in rows {
            assert_eq!(permits(&actor, &action), expected, "{actor:?} {action:?}");
        }
    }

    #[test]
    fn a_break_glass_grant_opens_one_patients_threads_for_reading_only() {
        let t = Timestamp::from_unix_millis(1);
        let (patient, other) = (PatientId::generate(t), PatientId::generate(t));
        let their_team = TeamId::generate(t);
        let nurse = |emergency: Vec<PatientId>| {
            Actor::Staff(StaffActor { id: StaffId::generate(t), role: StaffRole::Nurse, teams: vec![], emergency })
        };
        let facts = ThreadFacts { patient, team: their_team };
        assert!(!permits(&nurse(vec![]), &Action::ReadThread(facts)));
        assert!(permits(&nurse(vec![patient]), &Action::ReadThread(facts)));
        assert!(!permits(&nurse(vec![patient]), &Action::WriteMessage(facts)));
        assert!(!permits(&nurse(vec![other]), &Action::ReadThread(facts)));
        let billing = Actor::Staff(StaffActor {
            id: StaffId::generate(t),
            role: StaffRole::Billing,
            teams: vec![],
            emergency: vec![patient],
        });
        assert!(!permits(&billing, &Action::ReadThread(facts)), "only clinicians and nurses");
    }

    #[test]
    fn a_proxy_may_act_only_for_linked_patients() {
        let t = Timestamp::from_unix_millis(1);
        let (own, child, stranger) = (PatientId::generate(t), PatientId::generate(t), PatientId::generate(t));
        let parent =
            Actor::Patient(PatientActor { account_id: AccountId::generate(t), patient_id: own, acts_for: vec![child] });
        let read = |patient| Action::ReadPatientDemographics { patient, care_relationship: false };
        assert!(permits(&parent, &read(child)));
        assert!(!permits(&parent, &read(stranger)));
    }
}

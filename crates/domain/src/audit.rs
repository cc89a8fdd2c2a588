//! Audit records: what is written, in the same transaction, for every access to PHI and every
//! security event. Fields are ids and fixed words only, never PHI.

use crate::{Actor, PatientId};

/// Why data was accessed (the HIPAA purposes of use Portico distinguishes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Care of the patient.
    Treatment,
    /// Billing.
    Payment,
    /// Running the clinic (administration, account management).
    Operations,
    /// Break-glass emergency access.
    Emergency,
    /// The patient (or proxy) acting on their own record.
    PatientRequest,
    /// Portico itself.
    System,
}

impl Purpose {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Treatment => "treatment",
            Purpose::Payment => "payment",
            Purpose::Operations => "operations",
            Purpose::Emergency => "emergency",
            Purpose::PatientRequest => "patient_request",
            Purpose::System => "system",
        }
    }
}

/// Whether the audited action succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was refused (bad credentials, denied, expired).
    Failure,
}

impl Outcome {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// Where a request came from, carried into every audit record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// Client IP as text.
    pub source_ip: Option<String>,
    /// Hex SHA-256 of the session token, when there is a session.
    pub session_hash: Option<String>,
    /// The request id given to the client.
    pub request_id: Option<String>,
}

/// One audit event to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Actor id (`system`, a staff id, an account id, or `anonymous`).
    pub actor_id: String,
    /// Actor role.
    pub actor_role: String,
    /// Dotted action name, e.g. `auth.login`, `patient.create`.
    pub action: &'static str,
    /// The patient concerned, if any.
    pub patient_id: Option<PatientId>,
    /// Resource type, e.g. `patient`, `session`.
    pub resource_type: &'static str,
    /// Resource id.
    pub resource_id: Option<String>,
    /// Purpose of use.
    pub purpose: Purpose,
    /// Outcome.
    pub outcome: Outcome,
    /// Request context.
    pub context: RequestContext,
}

impl AuditRecord {
    /// A record for `actor` doing `action` on a resource, successful, with no patient.
    pub fn new(
        actor: &Actor,
        action: &'static str,
        resource_type: &'static str,
        purpose: Purpose,
        ctx: &RequestContext,
    ) -> Self {
        Self {
            actor_id: actor.audit_id(),
            actor_role: actor.audit_role().to_owned(),
            action,
            patient_id: None,
            resource_type,
            resource_id: None,
            purpose,
            outcome: Outcome::Success,
            context: ctx.clone(),
        }
    }
    /// Sets the patient concerned.
    pub fn patient(mut self, id: PatientId) -> Self {
        self.patient_id = Some(id);
        self
    }
    /// Sets the resource id.
    pub fn resource(mut self, id: impl ToString) -> Self {
        self.resource_id = Some(id.to_string());
        self
    }
    /// Marks the record as a failure.
    pub fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }
}

impl Purpose {
    /// The purpose of use of an actor acting in their role: billing staff for payment, care
    /// staff for treatment, patients on their own behalf.
    pub fn of(actor: &Actor) -> Purpose {
        match actor {
            Actor::Staff(s) => match s.role {
                crate::StaffRole::Billing => Purpose::Payment,
                crate::StaffRole::Admin | crate::StaffRole::PrivacyOfficer => Purpose::Operations,
                _ => Purpose::Treatment,
            },
            Actor::Patient(_) => Purpose::PatientRequest,
            Actor::System => Purpose::System,
        }
    }
}

impl Purpose {
    /// The purpose of an access to a thread: `emergency` when a staff member reaches it only
    /// through a break-glass grant, otherwise the actor's usual purpose.
    pub fn for_thread(actor: &Actor, facts: crate::messaging::ThreadFacts) -> Purpose {
        match actor {
            Actor::Staff(s)
                if !(s.role.is_care_team() && s.teams.contains(&facts.team))
                    && s.emergency.contains(&facts.patient) =>
            {
                Purpose::Emergency
            }
            _ => Purpose::of(actor),
        }
    }
}

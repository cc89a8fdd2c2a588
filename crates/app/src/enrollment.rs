//! A patient turns an invitation code into a portal account: the code, their date of birth
//! (the identity check), an email and a password. Wrong dates of birth are counted and void the
//! code at the limit; failures are throttled per client IP.

use portico_domain::audit::{AuditRecord, Outcome, Purpose, RequestContext};
use portico_domain::credentials::{Password, PasswordError};
use portico_domain::patient::{DateOfBirth, EmailAddress, FieldError};
use portico_domain::{AccountId, PatientId};
use portico_store::{EnrollOutcome, NewAccount};

use crate::{App, Unexpected, blocking};

/// An enrollment request, as typed.
#[derive(Clone)]
pub struct EnrollRequest {
    /// The invitation code.
    pub invite_code: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Login email.
    pub email: String,
    /// New password.
    pub password: String,
}

/// Why enrollment failed.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    /// A field is malformed.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The password does not meet the policy.
    #[error(transparent)]
    WeakPassword(#[from] PasswordError),
    /// Unknown, expired, used or voided code, or a date of birth that does not match. One
    /// answer for all, so the endpoint is no oracle for which part was wrong.
    #[error("the invitation code and date of birth do not match an open invitation")]
    Rejected,
    /// Another account uses this email.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// This patient already has an account.
    #[error("this patient already has an account")]
    AlreadyEnrolled,
    /// Too many failures from this client.
    #[error("too many attempts")]
    Throttled(std::time::Duration),
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// A new account.
#[derive(Clone, Debug)]
pub struct Enrolled {
    /// The account.
    pub account_id: AccountId,
    /// Its patient record.
    pub patient_id: PatientId,
}

impl App {
    /// Enrolls a patient with an invitation code.
    pub async fn enroll(&self, req: EnrollRequest, ctx: &RequestContext) -> Result<Enrolled, EnrollError> {
        let now = self.now();
        let ip_key = format!("enroll-ip:{}", ctx.source_ip.as_deref().unwrap_or("unknown"));
        self.throttle.check(&ip_key, self.throttle.policy().per_ip, now).map_err(EnrollError::Throttled)?;
        let today = now.utc_date().ok_or_else(|| Unexpected(anyhow::anyhow!("clock out of range")))?;
        let dob = DateOfBirth::parse(&req.date_of_birth, today)?;
        let email = EmailAddress::parse(&req.email)?;
        let password = Password::parse(&req.password)?;
        let hash = blocking(move || portico_crypto::password::hash_password(password.expose()))
            .await?
            .map_err(Unexpected::from)?;
        let audit = AuditRecord {
            actor_id: "anonymous".to_owned(),
            actor_role: "patient".to_owned(),
            action: "patient.enroll",
            patient_id: None,
            resource_type: "invitation",
            resource_id: None,
            purpose: Purpose::PatientRequest,
            outcome: Outcome::Success,
            context: ctx.clone(),
        };
        let code_hash = portico_crypto::token::invitation_code_hash(&req.invite_code);
        let account = NewAccount { email, password_hash: hash };
        let outcome = self
            .store
            .enroll_with_invitation(&code_hash, dob, &account, self.settings.enrollment_max_attempts, now, &audit)
            .await
            .map_err(Unexpected::from)?;
        match outcome {
            EnrollOutcome::Enrolled { account_id, patient_id } => Ok(Enrolled { account_id, patient_id }),
            EnrollOutcome::InvalidCode | EnrollOutcome::WrongDateOfBirth { .. } => {
                self.throttle.record_failure(&ip_key, now);
                Err(EnrollError::Rejected)
            }
            EnrollOutcome::EmailTaken => Err(EnrollError::EmailTaken),
            EnrollOutcome::AlreadyEnrolled => Err(EnrollError::AlreadyEnrolled),
        }
    }
}

//! Break-glass emergency access (45 CFR 164.312(a)(2)(ii)): a clinician or nurse outside a
//! patient's care teams opens that patient's threads for a limited time by giving a reason and a
//! fresh second factor. Every access under the grant is audited with purpose `emergency`, and
//! every grant waits in the privacy officer's review queue.

use portico_crypto::token::TokenHash;
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::authz::{Action, permits};
use portico_domain::patient::FieldError;
use portico_domain::session::AccountKind;
use portico_domain::{Actor, PatientId, Timestamp};
use portico_store::StoreError;
use portico_store::break_glass::Grant;

use crate::{App, Unexpected, totp};

/// The shortest reason accepted.
pub const MIN_REASON_CHARS: usize = 15;

/// Why a break-glass request or review failed.
#[derive(Debug, thiserror::Error)]
pub enum BreakGlassError {
    /// Not a clinician or nurse (or, for reviews, not the privacy officer).
    #[error("not permitted")]
    Forbidden,
    /// The reason is too short, or the verdict unknown.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The second factor is missing, wrong or already used.
    #[error("a fresh code from the authenticator app is required")]
    SecondFactor,
    /// No such patient or grant.
    #[error("not found")]
    NotFound,
    /// Already reviewed.
    #[error("already reviewed")]
    AlreadyReviewed,
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for BreakGlassError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => BreakGlassError::NotFound,
            StoreError::Conflict(_) => BreakGlassError::AlreadyReviewed,
            other => BreakGlassError::Unexpected(other.into()),
        }
    }
}

/// A granted emergency access.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Granted {
    /// Grant id.
    pub id: String,
    /// The patient.
    pub patient_id: PatientId,
    /// When it ends.
    pub expires_at: Timestamp,
}

impl App {
    /// Grants emergency access to `patient` for the configured time.
    pub async fn break_glass(
        &self,
        actor: &Actor,
        session: &TokenHash,
        patient: PatientId,
        reason: &str,
        code: &str,
        ctx: &RequestContext,
    ) -> Result<Granted, BreakGlassError> {
        let Actor::Staff(staff) = actor else { return Err(BreakGlassError::Forbidden) };
        if !permits(actor, &Action::BreakGlass) {
            return Err(BreakGlassError::Forbidden);
        }
        let reason = reason.trim();
        if reason.chars().count() < MIN_REASON_CHARS || reason.chars().count() > 2000 {
            return Err(
                FieldError { field: "reason", reason: "must explain the emergency in 15 to 2000 characters" }.into()
            );
        }
        let now = self.now();
        let secret = self.store.staff_totp_secret(staff.id).await?.ok_or(BreakGlassError::SecondFactor)?;
        let step = totp::matching_step(&secret, code, now).ok_or(BreakGlassError::SecondFactor)?;
        if !self.store.claim_totp_step(AccountKind::Staff, &staff.id.to_string(), step).await? {
            return Err(BreakGlassError::SecondFactor);
        }
        let expires_at = now.plus(self.settings.break_glass);
        let rec = AuditRecord::new(actor, "break_glass.grant", "break_glass_grant", Purpose::Emergency, ctx);
        let id = self.store.grant_break_glass(staff.id, patient, reason, now, expires_at, &rec).await?;
        self.refresh_session(session);
        Ok(Granted { id, patient_id: patient, expires_at })
    }

    /// Every grant with its reason, for review (privacy officer).
    pub async fn break_glass_reviews(
        &self,
        actor: &Actor,
        ctx: &RequestContext,
    ) -> Result<Vec<Grant>, BreakGlassError> {
        if !permits(actor, &Action::ReviewBreakGlass) {
            return Err(BreakGlassError::Forbidden);
        }
        let rec = AuditRecord::new(actor, "break_glass.review_list", "break_glass_grant", Purpose::Operations, ctx);
        Ok(self.store.break_glass_grants(self.now(), &rec).await?)
    }

    /// Records the privacy officer's verdict on a grant: `appropriate` or `inappropriate`.
    pub async fn review_break_glass(
        &self,
        actor: &Actor,
        id: &str,
        verdict: &str,
        note: &str,
        ctx: &RequestContext,
    ) -> Result<(), BreakGlassError> {
        let Actor::Staff(officer) = actor else { return Err(BreakGlassError::Forbidden) };
        if !permits(actor, &Action::ReviewBreakGlass) {
            return Err(BreakGlassError::Forbidden);
        }
        if !matches!(verdict, "appropriate" | "inappropriate") {
            return Err(FieldError { field: "verdict", reason: "must be appropriate or inappropriate" }.into());
        }
        let note = note.trim();
        if note.chars().count() > 2000 {
            return Err(FieldError { field: "note", reason: "must be at most 2000 characters" }.into());
        }
        let rec = AuditRecord::new(actor, "break_glass.review", "break_glass_grant", Purpose::Operations, ctx);
        Ok(self.store.review_break_glass(id, officer.id, verdict, note, self.now(), &rec).await?)
    }
}

//! Testimonials and HIPAA authorizations (45 CFR 164.508): a patient's words about their care
//! are de-identified with the PHI scanner (names become initials; conditions, symptoms,
//! procedures and medications are removed; other identifiers masked) and may be cleared for
//! publishing only while a signed authorization of that patient is in force.

use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::authz::Action;
use portico_domain::testimonial::{Authorization, TestimonialStatus};
use portico_domain::{Actor, PatientId};
use portico_store::StoreError;
use portico_store::testimonials::{ClearError, StoredAuthorization, StoredTestimonial};
use serde::Serialize;

use crate::App;
use crate::admin::{AdminError, require};

/// An authorization as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct AuthorizationView {
    /// Id.
    pub id: String,
    /// Whose.
    pub patient_id: String,
    /// What may be used and where.
    pub scope: String,
    /// Signed (YYYY-MM-DD).
    pub signed_on: String,
    /// Ends (YYYY-MM-DD).
    pub expires_on: String,
    /// Where the signed form is kept.
    pub document_ref: String,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Whether it allows publishing today.
    pub in_force: bool,
}

/// A testimonial as the API shows it (never the words as given).
#[derive(Clone, Debug, Serialize)]
pub struct TestimonialView {
    /// Id.
    pub id: String,
    /// Whose.
    pub patient_id: String,
    /// The de-identified text.
    pub deidentified: String,
    /// `draft`, `publishable` or `withdrawn`.
    pub status: &'static str,
    /// Cleared and its authorization still in force today: it may be shown.
    pub may_publish_today: bool,
    /// The authorization it was cleared under.
    pub authorization_id: Option<String>,
}

/// Why a testimonial could not be cleared.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Refused or not found (see [`AdminError`]).
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// No authorization of the patient is in force today.
    #[error("no HIPAA authorization of this patient is in force today")]
    NoAuthorization,
}

impl App {
    /// Records a patient's signed authorization to use their testimonial; audited.
    pub async fn record_authorization(
        &self,
        actor: &Actor,
        patient: PatientId,
        a: &Authorization,
        ctx: &RequestContext,
    ) -> Result<String, AdminError> {
        require(actor, &Action::ManageTestimonials)?;
        let rec = AuditRecord::new(actor, "authorization.record", "hipaa_authorization", Purpose::Operations, ctx);
        let by = actor.audit_id();
        self.store.record_authorization(patient, a, &by, self.now(), &rec).await.map_err(AdminError::from)
    }

    /// A patient's authorizations; audited.
    pub async fn authorizations(
        &self,
        actor: &Actor,
        patient: PatientId,
        ctx: &RequestContext,
    ) -> Result<Vec<AuthorizationView>, AdminError> {
        require(actor, &Action::ManageTestimonials)?;
        let today = self.today()?;
        let rec = AuditRecord::new(actor, "authorization.list", "hipaa_authorization", Purpose::Operations, ctx);
        let rows = self.store.authorizations_of(patient, self.now(), &rec).await?;
        Ok(rows.into_iter().map(|a| authorization_view(a, today)).collect())
    }

    /// Revokes an authorization; testimonials cleared under it are withdrawn. Returns how many.
    pub async fn revoke_authorization(&self, actor: &Actor, id: &str, ctx: &RequestContext) -> Result<u64, AdminError> {
        require(actor, &Action::ManageTestimonials)?;
        let rec = AuditRecord::new(actor, "authorization.revoke", "hipaa_authorization", Purpose::Operations, ctx);
        self.store.revoke_authorization(id, self.now(), &rec).await.map_err(AdminError::from)
    }

    /// De-identifies and records a patient's testimonial (a draft); audited. Returns its id and
    /// the de-identified text.
    pub async fn add_testimonial(
        &self,
        actor: &Actor,
        patient: PatientId,
        text: &str,
        ctx: &RequestContext,
    ) -> Result<(String, String), AdminError> {
        require(actor, &Action::ManageTestimonials)?;
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 5000 {
            return Err(AdminError::Invalid(portico_domain::patient::FieldError {
                field: "text",
                reason: "must be 1 to 5000 characters",
            }));
        }
        let deidentified = portico_phi::redact(text, portico_phi::Mode::Testimonial);
        let rec = AuditRecord::new(actor, "testimonial.create", "testimonial", Purpose::Operations, ctx);
        let id =
            self.store.create_testimonial(patient, text, &deidentified, self.now(), &rec).await.map_err(
                |e| match e {
                    // No data key: no such patient (or erased).
                    StoreError::KeyShredded => AdminError::NotFound("patient"),
                    e => e.into(),
                },
            )?;
        Ok((id, deidentified))
    }

    /// Every testimonial, de-identified, with whether it may be shown today; audited.
    pub async fn testimonials(&self, actor: &Actor, ctx: &RequestContext) -> Result<Vec<TestimonialView>, AdminError> {
        require(actor, &Action::ManageTestimonials)?;
        let today = self.today()?;
        let rec = AuditRecord::new(actor, "testimonial.list", "testimonial", Purpose::Operations, ctx);
        let rows = self.store.testimonials(self.now(), &rec).await?;
        Ok(rows.into_iter().map(|t| testimonial_view(t, today)).collect())
    }

    /// Clears a testimonial for publishing if an authorization of its patient is in force today;
    /// audited. Returns the authorization's id.
    pub async fn clear_testimonial(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<String, PublishError> {
        require(actor, &Action::ManageTestimonials)?;
        let today = self.today()?;
        let rec = AuditRecord::new(actor, "testimonial.publishable", "testimonial", Purpose::Operations, ctx);
        self.store.clear_testimonial(id, today, self.now(), &rec).await.map_err(|e| match e {
            ClearError::NotFound => PublishError::Admin(AdminError::NotFound("testimonial")),
            ClearError::NoAuthorization => PublishError::NoAuthorization,
            ClearError::Store(e) => PublishError::Admin(e.into()),
        })
    }
}

fn authorization_view(a: StoredAuthorization, today: portico_domain::vendor::Date) -> AuthorizationView {
    let revoked = a.revoked_at.is_some();
    AuthorizationView {
        in_force: a.record.in_force(today, revoked),
        id: a.id,
        patient_id: a.patient_id,
        scope: a.record.scope,
        signed_on: a.record.signed_on.to_string(),
        expires_on: a.record.expires_on.to_string(),
        document_ref: a.record.document_ref,
        revoked,
    }
}

fn testimonial_view(t: StoredTestimonial, today: portico_domain::vendor::Date) -> TestimonialView {
    let cleared = t.status == TestimonialStatus::Publishable;
    TestimonialView {
        may_publish_today: cleared && t.authorization_expires_on.is_some_and(|end| today <= end),
        status: t.status.as_str(),
        id: t.id,
        patient_id: t.patient_id,
        deidentified: t.deidentified,
        authorization_id: t.authorization_id,
    }
}

//! Testimonials and the register of HIPAA authorizations (privacy officer, admin).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use portico_app::admin::AdminError;
use portico_app::testimonials::PublishError;
use portico_domain::PatientId;
use portico_domain::testimonial::Authorization;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, Json};

fn admin_error(e: AdminError) -> ApiError {
    match e {
        AdminError::Forbidden => ApiError::new(ErrorCode::Forbidden, "This account may not do that."),
        AdminError::Invalid(f) => ApiError::new(ErrorCode::InvalidRequest, f.to_string()),
        AdminError::NotFound(_) => ApiError::not_found(),
        AdminError::Conflict(what) => ApiError::new(ErrorCode::Conflict, format!("{what} already exists.")),
        AdminError::WeakPassword(_) | AdminError::Unexpected(_) => ApiError::Internal(anyhow::anyhow!("{e}")),
    }
}

fn patient(id: &str) -> Result<PatientId, ApiError> {
    id.parse().map_err(|_| ApiError::not_found())
}

/// A signed authorization (45 CFR 164.508) to use a patient's testimonial.
#[derive(Deserialize, ToSchema)]
pub struct AuthorizationBody {
    /// What may be used and where.
    pub scope: String,
    /// Signed (YYYY-MM-DD).
    pub signed_on: String,
    /// Ends (YYYY-MM-DD).
    pub expires_on: String,
    /// Where the signed form is kept.
    #[serde(default)]
    pub document_ref: String,
}

/// Records a patient's signed authorization.
#[utoipa::path(post, path = "/api/v1/patients/{id}/authorizations", tag = "testimonials", params(("id" = String, Path)), request_body = AuthorizationBody,
    responses((status = 201, description = "`{\"id\"}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_authorization(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    Json(b): Json<AuthorizationBody>,
) -> Result<(StatusCode, axum::Json<serde_json::Value>), ApiError> {
    let patient = patient(&id)?;
    let a = Authorization::parse(&b.scope, &b.signed_on, &b.expires_on, &b.document_ref)
        .map_err(|f| ApiError::new(ErrorCode::InvalidRequest, f.to_string()))?;
    let aid = s.app.record_authorization(&actor, patient, &a, &ctx).await.map_err(admin_error)?;
    Ok((StatusCode::CREATED, axum::Json(serde_json::json!({ "id": aid }))))
}

/// A patient's authorizations, each with whether it is in force today.
#[utoipa::path(get, path = "/api/v1/patients/{id}/authorizations", tag = "testimonials", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"authorizations\":[...]}`"), (status = 403, body = ErrorBody)))]
pub async fn authorizations(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let list = s.app.authorizations(&actor, patient(&id)?, &ctx).await.map_err(admin_error)?;
    Ok(axum::Json(serde_json::json!({ "authorizations": list })))
}

/// Revokes an authorization; testimonials cleared under it are withdrawn.
#[utoipa::path(post, path = "/api/v1/authorizations/{id}/revoke", tag = "testimonials", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"withdrawn\":N}`"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let withdrawn = s.app.revoke_authorization(&actor, &id, &ctx).await.map_err(admin_error)?;
    Ok(axum::Json(serde_json::json!({ "withdrawn": withdrawn })))
}

/// A patient's testimonial, as they gave it.
#[derive(Deserialize, ToSchema)]
pub struct TestimonialBody {
    /// The patient.
    pub patient_id: String,
    /// Their words.
    pub text: String,
}

/// De-identifies and records a testimonial (a draft): names become initials; conditions,
/// symptoms, procedures and medications are removed; other identifiers are masked.
#[utoipa::path(post, path = "/api/v1/testimonials", tag = "testimonials", request_body = TestimonialBody,
    responses((status = 201, description = "`{\"id\",\"deidentified\",\"status\":\"draft\"}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Json(b): Json<TestimonialBody>,
) -> Result<(StatusCode, axum::Json<serde_json::Value>), ApiError> {
    let patient =
        b.patient_id.parse().map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "patient_id: not an id"))?;
    let (id, text) = s.app.add_testimonial(&actor, patient, &b.text, &ctx).await.map_err(admin_error)?;
    Ok((StatusCode::CREATED, axum::Json(serde_json::json!({ "id": id, "deidentified": text, "status": "draft" }))))
}

/// Every testimonial, de-identified, with whether it may be shown today.
#[utoipa::path(get, path = "/api/v1/testimonials", tag = "testimonials",
    responses((status = 200, description = "`{\"testimonials\":[...]}`"), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let list = s.app.testimonials(&actor, &ctx).await.map_err(admin_error)?;
    Ok(axum::Json(serde_json::json!({ "testimonials": list })))
}

/// Clears a testimonial for publishing; refused (409 `authorization_required`) unless an
/// authorization of the patient is in force today.
#[utoipa::path(post, path = "/api/v1/testimonials/{id}/publishable", tag = "testimonials", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"status\":\"publishable\",\"authorization_id\"}`"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publishable(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let aid = s.app.clear_testimonial(&actor, &id, &ctx).await.map_err(|e| match e {
        PublishError::Admin(e) => admin_error(e),
        PublishError::NoAuthorization => ApiError::new(
            ErrorCode::AuthorizationRequired,
            "No HIPAA authorization of this patient is in force today; record a signed one first.",
        ),
    })?;
    Ok(axum::Json(serde_json::json!({ "status": "publishable", "authorization_id": aid })))
}

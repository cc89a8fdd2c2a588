//! Break-glass emergency access and its review queue.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use portico_app::break_glass::{BreakGlassError, Granted};
use portico_domain::PatientId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, CurrentSession, Json};

pub(crate) fn break_glass_error(e: BreakGlassError) -> ApiError {
    match e {
        BreakGlassError::Forbidden => ApiError::new(ErrorCode::Forbidden, "This account may not do that."),
        BreakGlassError::Invalid(f) => ApiError::new(ErrorCode::InvalidRequest, f.to_string()),
        BreakGlassError::SecondFactor => {
            ApiError::new(ErrorCode::InvalidCode, "Enter a fresh code from your authenticator app.")
        }
        BreakGlassError::NotFound => ApiError::not_found(),
        BreakGlassError::AlreadyReviewed => ApiError::new(ErrorCode::Conflict, "This grant was already reviewed."),
        BreakGlassError::Unexpected(e) => ApiError::Internal(e.into()),
    }
}

/// An emergency access request.
#[derive(Deserialize, ToSchema)]
pub struct BreakGlassBody {
    /// The patient.
    #[schema(value_type = String)]
    pub patient_id: PatientId,
    /// Why, in at least 15 characters.
    pub reason: String,
    /// A fresh code from the authenticator app.
    pub totp: String,
}

/// Opens a patient's threads for reading in an emergency (clinicians and nurses).
#[utoipa::path(post, path = "/api/v1/break-glass", tag = "privacy", request_body = BreakGlassBody,
    responses((status = 201, description = "`{\"id\",\"patient_id\",\"expires_at\"}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn request(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
    Json(b): Json<BreakGlassBody>,
) -> Result<(StatusCode, axum::Json<Granted>), ApiError> {
    let granted = s
        .app
        .break_glass(&auth.actor, &auth.session, b.patient_id, &b.reason, &b.totp, &ctx)
        .await
        .map_err(break_glass_error)?;
    Ok((StatusCode::CREATED, axum::Json(granted)))
}

/// Every break-glass grant with its reason and review (privacy officer).
#[utoipa::path(get, path = "/api/v1/break-glass/reviews", tag = "privacy",
    responses((status = 200, description = "`{\"grants\":[...]}`"), (status = 403, body = ErrorBody)))]
pub async fn reviews(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let grants = s.app.break_glass_reviews(&actor, &ctx).await.map_err(break_glass_error)?;
    Ok(axum::Json(serde_json::json!({ "grants": grants })))
}

/// A review verdict.
#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    /// `appropriate` or `inappropriate`.
    pub verdict: String,
    /// The reviewer's note.
    #[serde(default)]
    pub note: String,
}

/// Records the verdict on a grant (privacy officer; once).
#[utoipa::path(post, path = "/api/v1/break-glass/reviews/{id}", tag = "privacy", params(("id" = String, Path)), request_body = ReviewBody,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn review(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    Json(b): Json<ReviewBody>,
) -> Result<StatusCode, ApiError> {
    s.app.review_break_glass(&actor, &id, &b.verdict, &b.note, &ctx).await.map_err(break_glass_error)?;
    Ok(StatusCode::NO_CONTENT)
}

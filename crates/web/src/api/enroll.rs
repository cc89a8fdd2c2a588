//! `POST /api/v1/enroll`: a patient creates their portal account with an invitation code.

use axum::extract::State;
use axum::http::StatusCode;
use portico_app::enrollment::{EnrollError, EnrollRequest};
use portico_domain::{AccountId, PatientId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, Json};

/// An enrollment.
#[derive(Deserialize, ToSchema)]
pub struct EnrollBody {
    /// The code from the clinic, e.g. `ABCD-EFGH-JKMN`.
    pub invite_code: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Login email.
    pub email: String,
    /// At least 12 characters.
    pub password: String,
}

/// The new account.
#[derive(Serialize, ToSchema)]
pub struct EnrollResponse {
    /// Account id.
    #[schema(value_type = String)]
    pub account_id: AccountId,
    /// Patient record id.
    #[schema(value_type = String)]
    pub patient_id: PatientId,
}

/// Enrolls with an invitation code and date of birth.
#[utoipa::path(post, path = "/api/v1/enroll", request_body = EnrollBody, tag = "auth",
    responses((status = 201, body = EnrollResponse),
              (status = 400, body = ErrorBody, description = "`enrollment_failed`, `invalid_request`, `weak_password`"),
              (status = 409, body = ErrorBody, description = "`email_taken`, `already_enrolled`"),
              (status = 429, body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Json(body): Json<EnrollBody>,
) -> Result<(StatusCode, axum::Json<EnrollResponse>), ApiError> {
    let req = EnrollRequest {
        invite_code: body.invite_code,
        date_of_birth: body.date_of_birth,
        email: body.email,
        password: body.password,
    };
    let done = state.app.enroll(req, &ctx).await.map_err(enroll_error)?;
    Ok((StatusCode::CREATED, axum::Json(EnrollResponse { account_id: done.account_id, patient_id: done.patient_id })))
}

/// An enrollment refused, in the code table (the page shows the same words).
pub(crate) fn enroll_error(e: EnrollError) -> ApiError {
    match e {
        EnrollError::Invalid(f) => ApiError::new(ErrorCode::InvalidRequest, f.to_string()),
        EnrollError::WeakPassword(p) => ApiError::new(ErrorCode::WeakPassword, p.to_string()),
        EnrollError::Rejected => ApiError::new(
            ErrorCode::EnrollmentFailed,
            "The invitation code and date of birth do not match an open invitation.",
        ),
        EnrollError::EmailTaken => ApiError::new(ErrorCode::EmailTaken, "An account with this email already exists."),
        EnrollError::AlreadyEnrolled => {
            ApiError::new(ErrorCode::AlreadyEnrolled, "This patient already has an account. Sign in instead.")
        }
        EnrollError::Throttled(after) => ApiError::rate_limited(after),
        EnrollError::Unexpected(e) => ApiError::Internal(e.into()),
    }
}

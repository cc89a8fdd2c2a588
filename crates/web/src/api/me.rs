//! `GET /api/v1/me` and TOTP enrollment of the signed-in account.

use axum::extract::State;
use axum::http::StatusCode;
use portico_app::auth::{Me, TotpEnrollError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, Json};

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, description = "`{\"kind\":\"staff\",...}` or `{\"kind\":\"patient\",...}`"),
              (status = 401, body = ErrorBody)))]
pub async fn get_me(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<Me>, ApiError> {
    Ok(axum::Json(state.app.me(&actor, &ctx).await?))
}

/// A TOTP secret to scan.
#[derive(Serialize, ToSchema)]
pub struct TotpBegin {
    /// The `otpauth://` URI for an authenticator app.
    pub otpauth_uri: String,
}

/// Starts TOTP enrollment; confirm with a code to make it take effect.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "account",
    responses((status = 200, body = TotpBegin), (status = 401, body = ErrorBody)))]
pub async fn begin_totp(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<TotpBegin>, ApiError> {
    let otpauth_uri = state.app.begin_totp_enrollment(&actor).await?;
    Ok(axum::Json(TotpBegin { otpauth_uri }))
}

/// A code from the authenticator app.
#[derive(Deserialize, ToSchema)]
pub struct TotpConfirm {
    /// Six digits.
    pub code: String,
}

/// Confirms TOTP enrollment.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", request_body = TotpConfirm, tag = "account",
    responses((status = 204, description = "Second factor enrolled"), (status = 400, body = ErrorBody, description = "`invalid_code`")))]
pub async fn confirm_totp(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Json(body): Json<TotpConfirm>,
) -> Result<StatusCode, ApiError> {
    state.app.confirm_totp_enrollment(&actor, &body.code, &ctx).await.map_err(|e| match e {
        TotpEnrollError::CodeMismatch => {
            ApiError::new(ErrorCode::InvalidCode, "That code does not match. Try the current one.")
        }
        TotpEnrollError::Unexpected(e) => ApiError::Internal(e.into()),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

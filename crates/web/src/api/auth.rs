//! `POST /api/v1/auth/login` and `POST /api/v1/auth/logout`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portico_app::auth::{LoginError, LoginRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentSession, Json, session_cookie};
use crate::{AppState, cookies};

/// Sign-in credentials.
#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
    /// Six-digit code from the authenticator app, when enrolled (always for staff).
    #[serde(default)]
    pub totp: Option<String>,
}

/// A successful sign-in. The session is in the `portico_session` cookie.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// `staff` or `patient`.
    pub kind: &'static str,
    /// Seconds of inactivity after which the session ends.
    pub idle_timeout_secs: u64,
}

/// Signs in.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginBody, tag = "auth",
    responses((status = 200, body = LoginResponse, description = "Signed in; sets the session cookie"),
              (status = 401, body = ErrorBody, description = "`invalid_credentials` or `mfa_required`"),
              (status = 429, body = ErrorBody, description = "`rate_limited`, with `Retry-After`")))]
pub async fn login(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    Json(body): Json<LoginBody>,
) -> Result<Response, ApiError> {
    let previous = session_cookie(&headers);
    let device = crate::extract::cookie_value(&headers, crate::extract::DEVICE_COOKIE).map(str::to_owned);
    let req = LoginRequest { email: body.email, password: body.password, totp: body.totp, device };
    let ok = state.app.login(req, &ctx, previous.as_ref()).await.map_err(|e| match e {
        LoginError::InvalidCredentials => {
            ApiError::new(ErrorCode::InvalidCredentials, "The email, password or code is not right.")
        }
        LoginError::MfaRequired => ApiError::new(ErrorCode::MfaRequired, "Enter the code from your authenticator app."),
        LoginError::Throttled(after) => ApiError::rate_limited(after),
        LoginError::Unexpected(e) => ApiError::Internal(e.into()),
    })?;
    let idle = state.app.settings().sessions.idle_for(ok.kind).as_secs();
    let resp = axum::Json(LoginResponse { kind: ok.kind.as_str(), idle_timeout_secs: idle }).into_response();
    let resp = cookies::with_session(resp, &state, &ok.token);
    Ok(match &ok.new_device {
        Some(device) => cookies::with_device(resp, &state, device),
        None => resp,
    })
}

/// Signs out: the session is destroyed on the server and the cookie cleared.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
) -> Result<Response, ApiError> {
    state.app.logout(&auth, &ctx).await?;
    Ok(cookies::with_cleared_session(StatusCode::NO_CONTENT.into_response(), &state))
}

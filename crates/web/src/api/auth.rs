//! `POST /api/v1/auth/login` and `POST /api/v1/auth/logout`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portico_app::auth::{LoginError, LoginRequest, LoginSuccess};
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
    let ok = sign_in(&state, &ctx, &headers, body.email, body.password, body.totp).await.map_err(|e| match e {
        LoginError::InvalidCredentials => {
            ApiError::new(ErrorCode::InvalidCredentials, "The email, password or code is not right.")
        }
        LoginError::MfaRequired => ApiError::new(ErrorCode::MfaRequired, "Enter the code from your authenticator app."),
        LoginError::Throttled(after) => ApiError::rate_limited(after),
        LoginError::Unexpected(e) => ApiError::Internal(e.into()),
    })?;
    let idle = state.app.settings().sessions.idle_for(ok.kind).as_secs();
    let resp = axum::Json(LoginResponse { kind: ok.kind.as_str(), idle_timeout_secs: idle }).into_response();
    Ok(with_login_cookies(resp, &state, &ok))
}

/// Signs in with what the request carries besides the credentials: the session it came with
/// (ended, so the id changes) and the device cookie (a new device is announced to patients).
pub(crate) async fn sign_in(
    state: &AppState,
    ctx: &portico_domain::audit::RequestContext,
    headers: &HeaderMap,
    email: String,
    password: String,
    totp: Option<String>,
) -> Result<LoginSuccess, LoginError> {
    let previous = session_cookie(headers);
    let device = crate::extract::cookie_value(headers, crate::extract::DEVICE_COOKIE).map(str::to_owned);
    let req = LoginRequest { email, password, totp, device };
    state.app.login(req, ctx, previous.as_ref()).await
}

/// Adds the new session's cookie (and a new device's) to a sign-in response.
pub(crate) fn with_login_cookies(resp: Response, state: &AppState, ok: &LoginSuccess) -> Response {
    let resp = cookies::with_session(resp, state, &ok.token);
    match &ok.new_device {
        Some(device) => cookies::with_device(resp, state, device),
        None => resp,
    }
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

//! Passkeys: adding and removing one's own (`/api/v1/me/passkeys`), and signing in with one
//! (`/api/v1/auth/passkey/...`). Each ceremony is two calls: a start that returns the options
//! for `navigator.credentials.create` or `get`, and a finish that sends the browser's answer.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portico_app::auth::LoginError;
use portico_app::passkeys::{CeremonyStart, PasskeyError, PasskeyView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, CurrentSession, Json, session_cookie};

/// A ceremony to run in the browser.
#[derive(Serialize, ToSchema)]
pub struct CeremonyBody {
    /// Send it back with the answer.
    pub ceremony: String,
    /// `{"publicKey": {...}}` for `navigator.credentials.create` (adding) or `get` (signing
    /// in); binary fields are base64url.
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

impl From<CeremonyStart> for CeremonyBody {
    fn from(c: CeremonyStart) -> Self {
        Self { ceremony: c.ceremony, options: c.options }
    }
}

/// The browser's answer to a ceremony.
#[derive(Deserialize, ToSchema)]
pub struct CeremonyAnswer {
    /// The ceremony's id, from its start.
    pub ceremony: String,
    /// The `PublicKeyCredential`, as JSON with base64url binary fields.
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
}

/// A passkey of the signed-in account.
#[derive(Serialize, ToSchema)]
pub struct PasskeyBody {
    /// Its credential id (base64url).
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was added (ms since the epoch).
    pub created_at: i64,
    /// When it last signed in (ms since the epoch).
    pub last_used_at: Option<i64>,
}

impl From<PasskeyView> for PasskeyBody {
    fn from(p: PasskeyView) -> Self {
        Self {
            id: p.id,
            name: p.name,
            created_at: p.created_at.unix_millis(),
            last_used_at: p.last_used_at.map(|t| t.unix_millis()),
        }
    }
}

/// The signed-in account's passkeys.
#[derive(Serialize, ToSchema)]
pub struct PasskeyList {
    /// Oldest first.
    pub passkeys: Vec<PasskeyBody>,
}

fn refused(e: PasskeyError) -> ApiError {
    match e {
        PasskeyError::Unavailable => ApiError::new(
            ErrorCode::NotFound,
            "Passkeys are not available at this address. Use the clinic's https address.",
        ),
        PasskeyError::Expired => ApiError::new(ErrorCode::InvalidRequest, "This passkey request expired. Start again."),
        PasskeyError::Rejected => ApiError::new(ErrorCode::InvalidRequest, "The passkey could not be verified."),
        PasskeyError::AlreadyRegistered => ApiError::new(ErrorCode::Conflict, "This passkey is already registered."),
        PasskeyError::Throttled(after) => ApiError::rate_limited(after),
        PasskeyError::Unexpected(e) => ApiError::Internal(e.into()),
    }
}

/// Lists the signed-in account's passkeys.
#[utoipa::path(get, path = "/api/v1/me/passkeys", tag = "account",
    responses((status = 200, body = PasskeyList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<PasskeyList>, ApiError> {
    let passkeys = state.app.my_passkeys(&actor).await?.into_iter().map(PasskeyBody::from).collect();
    Ok(axum::Json(PasskeyList { passkeys }))
}

/// Starts adding a passkey to the signed-in account.
#[utoipa::path(post, path = "/api/v1/me/passkeys/start", tag = "account",
    responses((status = 200, body = CeremonyBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody, description = "Passkeys are not available at this server's address")))]
pub async fn start_adding(
    State(state): State<AppState>,
    CurrentSession(auth): CurrentSession,
) -> Result<axum::Json<CeremonyBody>, ApiError> {
    Ok(axum::Json(state.app.start_passkey_registration(&auth).await.map_err(refused)?.into()))
}

/// Finishes adding a passkey with the browser's answer.
#[utoipa::path(post, path = "/api/v1/me/passkeys", request_body = CeremonyAnswer, tag = "account",
    responses((status = 201, body = PasskeyBody),
              (status = 400, body = ErrorBody, description = "Expired or unverifiable: nothing is added"),
              (status = 409, body = ErrorBody, description = "This passkey is already registered")))]
pub async fn add(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
    Json(body): Json<CeremonyAnswer>,
) -> Result<Response, ApiError> {
    let added =
        state.app.finish_passkey_registration(&auth, &body.ceremony, body.credential, &ctx).await.map_err(refused)?;
    Ok((StatusCode::CREATED, axum::Json(PasskeyBody::from(added))).into_response())
}

/// Removes one of the signed-in account's passkeys.
#[utoipa::path(delete, path = "/api/v1/me/passkeys/{id}", tag = "account",
    params(("id" = String, Path, description = "The passkey's credential id")),
    responses((status = 204, description = "Removed"), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.app.remove_passkey(&auth, &id, &ctx).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(ErrorCode::NotFound, "No such passkey."))
    }
}

/// Starts a sign-in with a passkey (no email: the device offers its passkeys for this site).
#[utoipa::path(post, path = "/api/v1/auth/passkey/start", tag = "auth",
    responses((status = 200, body = CeremonyBody),
              (status = 429, body = ErrorBody, description = "`rate_limited`: too many started from this address"),
              (status = 404, body = ErrorBody, description = "Passkeys are not available at this server's address")))]
pub async fn start_sign_in(State(state): State<AppState>, Ctx(ctx): Ctx) -> Result<axum::Json<CeremonyBody>, ApiError> {
    Ok(axum::Json(state.app.start_passkey_sign_in(&ctx).await.map_err(refused)?.into()))
}

/// A passkey sign-in: where the account's pages start.
#[derive(Serialize, ToSchema)]
pub struct PasskeySignedIn {
    /// `staff` or `patient`.
    pub kind: &'static str,
    /// Seconds of inactivity after which the session ends.
    pub idle_timeout_secs: u64,
    /// The account's home page.
    pub home: &'static str,
}

/// Finishes a sign-in with a passkey: sets the session cookie like a password sign-in.
#[utoipa::path(post, path = "/api/v1/auth/passkey/finish", request_body = CeremonyAnswer, tag = "auth",
    responses((status = 200, body = PasskeySignedIn, description = "Signed in; sets the session cookie"),
              (status = 401, body = ErrorBody, description = "`invalid_credentials`: expired, unknown or unverifiable"),
              (status = 429, body = ErrorBody, description = "`rate_limited`, with `Retry-After`")))]
pub async fn finish_sign_in(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    Json(body): Json<CeremonyAnswer>,
) -> Result<Response, ApiError> {
    let previous = session_cookie(&headers);
    let device = crate::extract::cookie_value(&headers, crate::extract::DEVICE_COOKIE).map(str::to_owned);
    let ok = state
        .app
        .finish_passkey_sign_in(&body.ceremony, body.credential, &ctx, previous.as_ref(), device)
        .await
        .map_err(|e| match e {
        LoginError::Throttled(after) => ApiError::rate_limited(after),
        LoginError::Unexpected(e) => ApiError::Internal(e.into()),
        LoginError::InvalidCredentials | LoginError::MfaRequired => {
            ApiError::new(ErrorCode::InvalidCredentials, "That passkey could not sign you in.")
        }
    })?;
    let home = crate::pages::Side::of(ok.kind).home();
    let idle = state.app.settings().sessions.idle_for(ok.kind).as_secs();
    let resp = axum::Json(PasskeySignedIn { kind: ok.kind.as_str(), idle_timeout_secs: idle, home }).into_response();
    Ok(crate::api::auth::with_login_cookies(resp, &state, &ok))
}

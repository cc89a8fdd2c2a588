//! Extractors: JSON bodies with coded errors, the request context for audit records, and the
//! signed-in actor placed in the request by the access guard.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use portico_app::auth::Authenticated;
use portico_crypto::token::SessionToken;
use portico_domain::Actor;
use portico_domain::actor::{PatientActor, StaffActor};
use portico_domain::audit::RequestContext;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "portico_session";

/// A JSON body. Rejections become coded errors (`malformed_json`, `invalid_request`,
/// `payload_too_large`, `unsupported_media_type`) whose messages never echo the body.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(r: &JsonRejection) -> ApiError {
    match r {
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::new(ErrorCode::MalformedJson, "The request body is not valid JSON.")
        }
        JsonRejection::JsonDataError(_) => ApiError::new(
            ErrorCode::InvalidRequest,
            "The request body is missing a field or has a field of the wrong type.",
        ),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(ErrorCode::UnsupportedMediaType, "The request body must be sent as application/json.")
        }
        other if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
        }
        _ => ApiError::new(ErrorCode::InvalidRequest, "The request body could not be read."),
    }
}

/// The request id assigned by the boundary middleware.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The session token from the request's cookie, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<SessionToken> {
    cookie_value(headers, SESSION_COOKIE).map(SessionToken::from_client)
}

/// The long-lived cookie that recognizes a browser an account signed in from before.
pub const DEVICE_COOKIE: &str = "portico_device";

/// The value of the cookie `name`, if the request carries a non-empty one.
pub fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value)
}

/// Builds the audit context of a request: client IP, request id and session hash.
pub fn request_context(parts: &Parts, trust_forwarded: bool) -> RequestContext {
    let forwarded = trust_forwarded
        .then(|| parts.headers.get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_owned());
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    RequestContext {
        source_ip: forwarded.or(peer),
        session_hash: session_cookie(&parts.headers).map(|t| t.hash().to_hex()),
        request_id: parts.extensions.get::<RequestId>().map(|r| r.0.clone()),
    }
}

/// The request's audit context.
pub struct Ctx(pub RequestContext);

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Ctx(request_context(parts, state.config.trust_forwarded_for)))
    }
}

fn authenticated(parts: &Parts) -> Result<Authenticated, ApiError> {
    // Placed by the access guard for every route whose policy needs a session.
    parts
        .extensions
        .get::<Authenticated>()
        .cloned()
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "Sign in first."))
}

/// Any signed-in account, with its session.
pub struct CurrentSession(pub Authenticated);

impl<S: Send + Sync> FromRequestParts<S> for CurrentSession {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        authenticated(parts).map(CurrentSession)
    }
}

/// Any signed-in account.
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        authenticated(parts).map(|a| CurrentActor(a.actor))
    }
}

/// A signed-in staff member.
pub struct CurrentStaff(pub StaffActor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentStaff {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match authenticated(parts)?.actor {
            Actor::Staff(s) => Ok(CurrentStaff(s)),
            _ => Err(ApiError::new(ErrorCode::Forbidden, "This is for staff accounts.")),
        }
    }
}

/// A signed-in patient (or proxy) account.
pub struct CurrentPatient(pub PatientActor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentPatient {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match authenticated(parts)?.actor {
            Actor::Patient(p) => Ok(CurrentPatient(p)),
            _ => Err(ApiError::new(ErrorCode::Forbidden, "This is for patient accounts.")),
        }
    }
}

//! The one place that knows HTTP status codes. Every client error has a stable code from
//! [`ErrorCode`]; a server fault is a 500 whose body says only that something went wrong and
//! which request it was (the boundary middleware logs the cause once with that request id).

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The stable error code table. Clients may branch on these; never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body is not valid JSON.
    MalformedJson,
    /// The request is well-formed but a field is missing or invalid.
    InvalidRequest,
    /// The body is larger than the configured limit.
    PayloadTooLarge,
    /// The body must be `application/json`.
    UnsupportedMediaType,
    /// An uploaded file is not one of the accepted types (PDF, PNG, JPEG, plain text).
    UnsupportedFile,
    /// Email, password or code not right (same answer for every cause).
    InvalidCredentials,
    /// The password is right; a second factor is required.
    MfaRequired,
    /// No valid session.
    Unauthenticated,
    /// The session ended after inactivity or its maximum lifetime.
    SessionExpired,
    /// Signed in, but this is not allowed for this account.
    Forbidden,
    /// Nothing here (or nothing this account may know about).
    NotFound,
    /// The method is not allowed on this path.
    MethodNotAllowed,
    /// A unique value is already taken.
    Conflict,
    /// The invitation code and date of birth do not match an open invitation.
    EnrollmentFailed,
    /// An account already uses this email.
    EmailTaken,
    /// The patient already has an account.
    AlreadyEnrolled,
    /// The password does not meet the policy.
    WeakPassword,
    /// The second-factor code did not match.
    InvalidCode,
    /// Too many attempts; see `Retry-After`.
    RateLimited,
    /// A testimonial cannot be cleared: no HIPAA authorization of the patient is in force.
    AuthorizationRequired,
    /// A dependency (the database) is not reachable.
    Unavailable,
    /// Something went wrong on the server.
    Internal,
}

impl ErrorCode {
    /// The HTTP status for this code.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            MalformedJson | InvalidRequest | EnrollmentFailed | WeakPassword | InvalidCode | UnsupportedFile => {
                StatusCode::BAD_REQUEST
            }
            InvalidCredentials | MfaRequired | Unauthenticated | SessionExpired => StatusCode::UNAUTHORIZED,
            Forbidden => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Conflict | EmailTaken | AlreadyEnrolled | AuthorizationRequired => StatusCode::CONFLICT,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answer: `{"error":{"code":"...","message":"..."}}`.
#[derive(Debug)]
pub enum ApiError {
    /// A client error with a fixed, PHI-free message.
    Client {
        /// The code.
        code: ErrorCode,
        /// Human-readable text safe to show and log.
        message: String,
        /// For 429.
        retry_after: Option<Duration>,
    },
    /// A server fault: logged at the boundary, opaque to the client.
    Internal(anyhow::Error),
}

impl ApiError {
    /// A client error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Client { code, message: message.into(), retry_after: None }
    }
    /// 429 with `Retry-After`.
    pub fn rate_limited(retry_after: Duration) -> Self {
        ApiError::Client {
            code: ErrorCode::RateLimited,
            message: "Too many attempts. Try again later.".into(),
            retry_after: Some(retry_after),
        }
    }
    /// 404.
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "Not found.")
    }
}

impl<E: Into<anyhow::Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError::Internal(e.into())
    }
}

/// The body shape of every error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The error's code and message.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable message.
    pub message: String,
    /// The request id, on server errors, to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// A server fault's cause, carried to the boundary middleware in the response extensions.
#[derive(Clone)]
pub(crate) struct InternalCause(pub(crate) Arc<anyhow::Error>);

/// Builds the JSON error response for `code`.
pub(crate) fn error_response(code: ErrorCode, message: String, request_id: Option<String>) -> Response {
    let body = ErrorBody { error: ErrorDetail { code, message, request_id } };
    let mut resp = (code.status(), axum::Json(body)).into_response();
    // For layers that answer in other terms (pages turn a refusal into a redirect).
    resp.extensions_mut().insert(code);
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Client { code, message, retry_after } => {
                let mut resp = error_response(code, message, None);
                if let Some(after) = retry_after {
                    let secs = after.as_secs().max(1).to_string();
                    if let Ok(v) = HeaderValue::from_str(&secs) {
                        resp.headers_mut().insert(header::RETRY_AFTER, v);
                    }
                }
                resp
            }
            ApiError::Internal(e) => {
                let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                resp.extensions_mut().insert(InternalCause(Arc::new(e)));
                resp
            }
        }
    }
}

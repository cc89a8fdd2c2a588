//! The session cookie: `HttpOnly`, `SameSite=Strict`, path `/`, and `Secure` when Portico is
//! served over HTTPS. No `Max-Age`: it lives for the browser session; the server decides expiry.
//! The device cookie has the same attributes and lasts 400 days.

use axum::http::{HeaderValue, header};
use axum::response::Response;
use portico_crypto::token::SessionToken;

use crate::AppState;
use crate::extract::SESSION_COOKIE;

fn attributes(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "; Path=/; HttpOnly; SameSite=Strict; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Strict"
    }
}

/// Adds the cookie that carries a new session.
pub(crate) fn with_session(mut resp: Response, state: &AppState, token: &SessionToken) -> Response {
    let value = format!("{SESSION_COOKIE}={}{}", token.expose(), attributes(state));
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Adds the long-lived device cookie (400 days, the most browsers keep): it only lets Portico
/// recognize a browser seen before, so a sign-in from a new one can be announced to the patient.
pub(crate) fn with_device(mut resp: Response, state: &AppState, device: &str) -> Response {
    let value = format!("{}={device}; Max-Age=34560000{}", crate::extract::DEVICE_COOKIE, attributes(state));
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Adds a cookie that removes the session cookie.
pub(crate) fn with_cleared_session(mut resp: Response, state: &AppState) -> Response {
    let value = format!("{SESSION_COOKIE}=; Max-Age=0{}", attributes(state));
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

//! The session cookie: `HttpOnly`, `SameSite=Strict`, path `/`, and `Secure` when Portico is
//! served over HTTPS. No `Max-Age`: it lives for the browser session; the server decides expiry.

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

/// Adds a cookie that removes the session cookie.
pub(crate) fn with_cleared_session(mut resp: Response, state: &AppState) -> Response {
    let value = format!("{SESSION_COOKIE}=; Max-Age=0{}", attributes(state));
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

//! Signing in and out from the pages: the same use case as `POST /api/v1/auth/login`, with a
//! form and a redirect instead of JSON.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use portico_app::auth::LoginError;
use serde::Deserialize;

use super::{Chrome, Side, clear_site_data, render, see_other};
use crate::error::ApiError;
use crate::extract::{Ctx, CurrentSession};
use crate::form::Form;
use crate::{AppState, cookies};

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn {
    chrome: Chrome,
    action: &'static str,
    staff: bool,
    code_required: bool,
    email: String,
    /// Where passkeys work (`None`: not at this server's address).
    passkey_origin: Option<String>,
    error: Option<&'static str>,
    notice: Option<&'static str>,
}

/// `?expired=1` after idle logoff, `?signed_out=1` after signing out.
#[derive(Deserialize)]
pub(crate) struct SignInQuery {
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    signed_out: Option<String>,
}

fn form_page(state: &AppState, side: Side, q: &SignInQuery) -> SignIn {
    let chrome = Chrome::public(Some(side));
    let notice = if q.expired.is_some() {
        Some(chrome.t.expired)
    } else if q.signed_out.is_some() {
        Some(chrome.t.signed_out)
    } else {
        None
    };
    SignIn {
        chrome,
        action: side.sign_in(),
        staff: side == Side::Staff,
        code_required: side == Side::Staff && state.app.settings().require_staff_mfa,
        email: String::new(),
        passkey_origin: state.app.passkey_origin().map(str::to_owned),
        error: None,
        notice,
    }
}

/// `GET /portal/sign-in`.
pub(crate) async fn portal_sign_in_form(
    State(state): State<AppState>,
    Query(q): Query<SignInQuery>,
) -> Result<Response, ApiError> {
    render(StatusCode::OK, &form_page(&state, Side::Portal, &q))
}

/// `GET /staff/sign-in`.
pub(crate) async fn staff_sign_in_form(
    State(state): State<AppState>,
    Query(q): Query<SignInQuery>,
) -> Result<Response, ApiError> {
    render(StatusCode::OK, &form_page(&state, Side::Staff, &q))
}

/// `POST /portal/sign-in`.
pub(crate) async fn portal_sign_in(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ApiError> {
    sign_in(state, ctx, headers, form, Side::Portal).await
}

/// `POST /staff/sign-in`.
pub(crate) async fn staff_sign_in(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ApiError> {
    sign_in(state, ctx, headers, form, Side::Staff).await
}

async fn sign_in(
    state: AppState,
    ctx: portico_domain::audit::RequestContext,
    headers: HeaderMap,
    form: Form,
    side: Side,
) -> Result<Response, ApiError> {
    let email = form.opt("email").unwrap_or_default();
    let password = form.opt("password").unwrap_or_default();
    let result = if email.trim().is_empty() || password.is_empty() {
        Err(None)
    } else {
        crate::api::auth::sign_in(&state, &ctx, &headers, email.clone(), password, form.opt("code")).await.map_err(Some)
    };
    let t = super::t();
    let (status, error) = match result {
        Err(None) => (StatusCode::BAD_REQUEST, t.err_missing),
        Ok(ok) => {
            let home = Side::of(ok.kind).home();
            return Ok(crate::api::auth::with_login_cookies(see_other(home), &state, &ok));
        }
        Err(Some(LoginError::InvalidCredentials)) => (StatusCode::UNAUTHORIZED, t.err_credentials),
        Err(Some(LoginError::MfaRequired)) => (StatusCode::UNAUTHORIZED, t.err_mfa),
        Err(Some(LoginError::Throttled(_))) => (StatusCode::TOO_MANY_REQUESTS, t.err_throttled),
        Err(Some(LoginError::Unexpected(e))) => return Err(ApiError::Internal(e.into())),
    };
    let mut page = form_page(&state, side, &SignInQuery { expired: None, signed_out: None });
    page.email = email;
    page.error = Some(error);
    render(status, &page)
}

/// `POST /sign-out`: ends the session on the server, clears the cookie and asks the browser to
/// drop its cache and storage, then shows the sign-in page of the side the visitor was on.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
) -> Result<Response, ApiError> {
    state.app.logout(&auth, &ctx).await?;
    let side = match auth.actor {
        portico_domain::Actor::Staff(_) => Side::Staff,
        _ => Side::Portal,
    };
    let to = format!("{}?signed_out=1", side.sign_in());
    Ok(clear_site_data(cookies::with_cleared_session(see_other(&to), &state)))
}

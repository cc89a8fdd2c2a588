//! Security settings of the signed-in account: the password, the sessions signed in elsewhere,
//! and (patients) two-step sign-in with an authenticator app, whose QR code is drawn on the
//! server as SVG (nothing leaves for another site). Staff have the same page without the
//! enrollment: their authenticator is set when the account is created.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::auth::{Authenticated, PasswordChangeError};
use serde::Deserialize;

use super::{Chrome, Side, render, see_other};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, CurrentSession};
use crate::form::Form;

#[derive(Template)]
#[template(path = "portal_security.html")]
struct Security {
    chrome: Chrome,
    staff: bool,
    action: &'static str,
    enrolled: bool,
    /// While enrolling: the QR code (SVG drawn here) and the secret for typing in.
    qr_svg: Option<String>,
    secret: String,
    /// (signed in, last used, this browser)
    sessions: Vec<(String, String, bool)>,
    /// (credential id, name, added, last used)
    passkeys: Vec<(String, String, String, Option<String>)>,
    /// Where passkeys work (`None`: not at this server's address).
    passkey_origin: Option<String>,
    /// Staff: the daily e-mail digest of new threads is on.
    staff_digest: bool,
    /// Unused recovery codes.
    recovery_left: i64,
    /// New recovery codes, shown once.
    recovery_codes: Vec<String>,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

/// `?done=` after a change: `totp`, `password` or `sessions`.
#[derive(Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: Option<String>,
}

fn side_of(auth: &Authenticated) -> Side {
    match auth.actor {
        portico_domain::Actor::Staff(_) => Side::Staff,
        _ => Side::Portal,
    }
}

fn path(side: Side) -> &'static str {
    match side {
        Side::Portal => "/portal/security",
        Side::Staff => "/staff/security",
    }
}

/// What a security page shows besides the settings: an enrollment under way, new recovery
/// codes, a notice or an error.
#[derive(Default)]
struct Extra {
    enrolling: Option<(String, String)>,
    recovery_codes: Vec<String>,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

async fn page(s: &AppState, auth: &Authenticated, status: StatusCode, extra: Extra) -> Result<Response, ApiError> {
    let Extra { enrolling, recovery_codes, notice, error } = extra;
    let side = side_of(auth);
    let tz = &s.app.settings().time_zone;
    let sessions = s.app.my_sessions(auth).await?;
    let (qr_svg, secret) = enrolling.map_or((None, String::new()), |(svg, secret)| (Some(svg), secret));
    let page = Security {
        chrome: Chrome::signed_in(s, &auth.actor, side),
        staff: side == Side::Staff,
        action: path(side),
        enrolled: s.app.has_second_factor(&auth.actor).await?,
        qr_svg,
        secret,
        sessions: sessions
            .into_iter()
            .map(|v| (super::when(v.created_at, tz), super::when(v.last_seen_at, tz), v.current))
            .collect(),
        passkeys: s
            .app
            .my_passkeys(&auth.actor)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name, super::when(p.created_at, tz), p.last_used_at.map(|t| super::when(t, tz))))
            .collect(),
        passkey_origin: s.app.passkey_origin().map(str::to_owned),
        staff_digest: s.app.my_staff_digest(&auth.actor).await?,
        recovery_left: s.app.recovery_codes_left(&auth.actor).await?,
        recovery_codes,
        notice,
        error,
    };
    render(status, &page)
}

/// `GET /portal/security`, `GET /staff/security`.
pub(crate) async fn security(
    State(s): State<AppState>,
    CurrentSession(auth): CurrentSession,
    Query(q): Query<Done>,
) -> Result<Response, ApiError> {
    let t = super::t();
    let notice = match q.done.as_deref() {
        Some("totp") => Some(t.two_step_enabled),
        Some("password") => Some(t.password_changed),
        Some("sessions") => Some(t.others_signed_out),
        Some("passkey") => Some(t.passkey_added),
        Some("passkey_removed") => Some(t.passkey_removed),
        Some("digest") => Some("Your e-mail digest setting was saved."),
        _ => None,
    };
    page(&s, &auth, StatusCode::OK, Extra { notice, ..Extra::default() }).await
}

/// The QR code of an `otpauth://` URI, as an SVG element.
pub(crate) fn qr_svg(uri: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| ApiError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build())
}

/// `POST /portal/security/totp`: starts enrollment (a new secret, pending until confirmed) and
/// shows its QR code; `code` confirms it.
pub(crate) async fn portal_totp(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
    form: Form,
) -> Result<Response, ApiError> {
    if let Some(code) = form.opt("code") {
        return match s.app.confirm_totp_enrollment(&auth.actor, code.trim(), &ctx).await {
            Ok(()) => Ok(see_other("/portal/security?done=totp")),
            Err(portico_app::auth::TotpEnrollError::CodeMismatch) => {
                let error = Some(super::t().code_mismatch);
                page(&s, &auth, StatusCode::BAD_REQUEST, Extra { error, ..Extra::default() }).await
            }
            Err(portico_app::auth::TotpEnrollError::Unexpected(e)) => Err(ApiError::Internal(e.into())),
        };
    }
    let uri = s.app.begin_totp_enrollment(&auth.actor).await?;
    let secret = uri.split("secret=").nth(1).and_then(|r| r.split('&').next()).unwrap_or_default().to_owned();
    let enrolling = Some((qr_svg(&uri)?, secret));
    page(&s, &auth, StatusCode::OK, Extra { enrolling, ..Extra::default() }).await
}

/// `POST /portal/security/password`, `POST /staff/security/password`: the current password,
/// then the new one; the account's other sessions end.
pub(crate) async fn change_password(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
    form: Form,
) -> Result<Response, ApiError> {
    let (current, new) =
        (form.opt("current_password").unwrap_or_default(), form.opt("new_password").unwrap_or_default());
    let t = super::t();
    match s.app.change_password(&auth, &current, &new, &ctx).await {
        Ok(_) => Ok(see_other(&format!("{}?done=password", path(side_of(&auth))))),
        Err(PasswordChangeError::WrongPassword) => {
            page(&s, &auth, StatusCode::BAD_REQUEST, Extra { error: Some(t.wrong_current), ..Extra::default() }).await
        }
        Err(PasswordChangeError::Weak(_)) => {
            let error = Some(t.err_weak_password);
            page(&s, &auth, StatusCode::BAD_REQUEST, Extra { error, ..Extra::default() }).await
        }
        Err(PasswordChangeError::Unexpected(e)) => Err(ApiError::Internal(e.into())),
    }
}

/// `POST /portal/security/sessions`, `POST /staff/security/sessions`: signs out every other
/// session of the account.
pub(crate) async fn end_other_sessions(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
) -> Result<Response, ApiError> {
    s.app.end_other_sessions(&auth, &ctx).await?;
    Ok(see_other(&format!("{}?done=sessions", path(side_of(&auth)))))
}

/// `POST /portal/security/passkeys/remove`, `POST /staff/security/passkeys/remove`: removes
/// the passkey named by `id`.
pub(crate) async fn remove_passkey(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
    form: Form,
) -> Result<Response, ApiError> {
    let id = form.opt("id").unwrap_or_default();
    if s.app.remove_passkey(&auth, &id, &ctx).await? {
        Ok(see_other(&format!("{}?done=passkey_removed", path(side_of(&auth)))))
    } else {
        Ok(see_other(path(side_of(&auth))))
    }
}

/// `POST /staff/security/digest`: the daily e-mail digest of new threads in one's teams, on
/// (`digest=true`) or off.
pub(crate) async fn staff_digest(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
    form: Form,
) -> Result<Response, ApiError> {
    s.app.set_my_staff_digest(&auth.actor, form.flag("digest").unwrap_or(false), &ctx).await?;
    Ok(see_other("/staff/security?done=digest"))
}

/// `POST /portal/security/recovery`, `POST /staff/security/recovery`: ten new recovery codes,
/// shown once (with a second factor enrolled only).
pub(crate) async fn new_recovery_codes(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentSession(auth): CurrentSession,
) -> Result<Response, ApiError> {
    if !s.app.has_second_factor(&auth.actor).await? {
        return Ok(see_other(path(side_of(&auth))));
    }
    let recovery_codes = s.app.new_recovery_codes(&auth, &ctx).await?;
    page(&s, &auth, StatusCode::OK, Extra { recovery_codes, ..Extra::default() }).await
}

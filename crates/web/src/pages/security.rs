//! Security settings of the signed-in account: two-step sign-in with an authenticator app
//! (the QR code is drawn on the server as SVG; nothing leaves for another site).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Chrome, Side, render, see_other};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, CurrentActor};
use crate::form::Form;

const SIDE: Side = Side::Portal;

#[derive(Template)]
#[template(path = "portal_security.html")]
struct Security {
    chrome: Chrome,
    enrolled: bool,
    /// While enrolling: the QR code (SVG drawn here) and the secret for typing in.
    qr_svg: Option<String>,
    secret: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

/// `?enabled=1` after enrollment.
#[derive(Deserialize)]
pub(crate) struct Enabled {
    #[serde(default)]
    enabled: Option<String>,
}

/// `GET /portal/security`.
pub(crate) async fn portal_security(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<Enabled>,
) -> Result<Response, ApiError> {
    let enrolled = s.app.has_second_factor(&actor).await?;
    let notice = q.enabled.is_some().then_some(super::t().two_step_enabled);
    let page = Security {
        chrome: Chrome::signed_in(&s, &actor, SIDE),
        enrolled,
        qr_svg: None,
        secret: String::new(),
        notice,
        error: None,
    };
    render(StatusCode::OK, &page)
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
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    if let Some(code) = form.opt("code") {
        return match s.app.confirm_totp_enrollment(&actor, code.trim(), &ctx).await {
            Ok(()) => Ok(see_other("/portal/security?enabled=1")),
            Err(portico_app::auth::TotpEnrollError::CodeMismatch) => {
                let page = Security {
                    chrome: Chrome::signed_in(&s, &actor, SIDE),
                    enrolled: false,
                    qr_svg: None,
                    secret: String::new(),
                    notice: None,
                    error: Some(super::t().code_mismatch),
                };
                render(StatusCode::BAD_REQUEST, &page)
            }
            Err(portico_app::auth::TotpEnrollError::Unexpected(e)) => Err(ApiError::Internal(e.into())),
        };
    }
    let uri = s.app.begin_totp_enrollment(&actor).await?;
    let secret = uri.split("secret=").nth(1).and_then(|r| r.split('&').next()).unwrap_or_default().to_owned();
    let page = Security {
        chrome: Chrome::signed_in(&s, &actor, SIDE),
        enrolled: false,
        qr_svg: Some(qr_svg(&uri)?),
        secret,
        notice: None,
        error: None,
    };
    render(StatusCode::OK, &page)
}

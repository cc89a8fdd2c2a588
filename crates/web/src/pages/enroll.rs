//! Enrollment from the pages: the invitation code from the clinic and the date of birth on
//! record open a portal account; the new patient is signed in at once.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{Chrome, Side, render, see_other};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;
use crate::form::Form;

#[derive(Template)]
#[template(path = "enroll.html")]
struct Enroll {
    chrome: Chrome,
    code: String,
    date_of_birth: String,
    email: String,
    error: Option<String>,
}

fn blank() -> Enroll {
    Enroll {
        chrome: Chrome::public(Some(Side::Portal)),
        code: String::new(),
        date_of_birth: String::new(),
        email: String::new(),
        error: None,
    }
}

/// `GET /portal/enroll`.
pub(crate) async fn portal_enroll_form() -> Result<Response, ApiError> {
    render(StatusCode::OK, &blank())
}

/// `POST /portal/enroll`: creates the account, signs in and shows the portal; a refusal shows
/// the form again with what was typed (never the password) and the reason.
pub(crate) async fn portal_enroll(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ApiError> {
    let field = |name: &str| form.opt(name).unwrap_or_default();
    let (email, password) = (field("email"), field("password"));
    let req = portico_app::enrollment::EnrollRequest {
        invite_code: field("invite_code"),
        date_of_birth: field("date_of_birth"),
        email: email.clone(),
        password: password.clone(),
    };
    let refused = match state.app.enroll(req, &ctx).await {
        Ok(_) => {
            let ok = crate::api::auth::sign_in(&state, &ctx, &headers, email, password, None).await;
            return Ok(match ok {
                Ok(ok) => crate::api::auth::with_login_cookies(see_other(Side::Portal.home()), &state, &ok),
                Err(_) => see_other(Side::Portal.sign_in()),
            });
        }
        Err(e) => e,
    };
    let t = super::t();
    let message = match &refused {
        portico_app::enrollment::EnrollError::Rejected => t.err_enroll_rejected,
        portico_app::enrollment::EnrollError::EmailTaken => t.err_enroll_taken,
        portico_app::enrollment::EnrollError::AlreadyEnrolled => t.err_enroll_enrolled,
        portico_app::enrollment::EnrollError::WeakPassword(_) => t.err_weak_password,
        portico_app::enrollment::EnrollError::Throttled(_) => t.err_throttled,
        _ => t.err_check_form,
    };
    let (status, _) = super::client_message(crate::api::enroll::enroll_error(refused))?;
    let message = message.to_owned();
    let page = Enroll {
        code: field("invite_code"),
        date_of_birth: field("date_of_birth"),
        email: field("email"),
        error: Some(message),
        ..blank()
    };
    render(status, &page)
}

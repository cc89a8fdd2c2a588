//! The patient's own pages besides the conversations: notification preferences, and who
//! accessed their record.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::notify::PreferencesInput;
use serde::Deserialize;

use super::{Chrome, Side, render, see_other};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, CurrentActor};
use crate::form::Form;

const SIDE: Side = Side::Portal;

#[derive(Template)]
#[template(path = "portal_access_log.html")]
struct AccessLog {
    chrome: Chrome,
    rows: Vec<[String; 4]>,
}

/// `GET /portal/access-log`: every access to the patient's record by staff, newest first
/// (audited itself).
pub(crate) async fn portal_access_log(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    let tz = &s.app.settings().time_zone;
    let rows = s.app.my_access_log(&actor, &ctx).await.map_err(crate::api::audit::report_error)?;
    let rows = rows
        .into_iter()
        .map(|r| [super::when(r.at, tz), format!("{} ({})", r.who, r.role), r.what.to_owned(), r.purpose])
        .collect();
    render(StatusCode::OK, &AccessLog { chrome: Chrome::signed_in(&s, &actor, SIDE), rows })
}

#[derive(Template)]
#[template(path = "portal_preferences.html")]
struct PreferencesPage {
    chrome: Chrome,
    email: bool,
    sms: bool,
    quiet_start: String,
    quiet_end: String,
    time_zone: String,
    digest: bool,
    saved: bool,
    error: Option<String>,
}

/// `?saved=1` after a save.
#[derive(Deserialize)]
pub(crate) struct Saved {
    #[serde(default)]
    pub(crate) saved: Option<String>,
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `GET /portal/preferences`: how the clinic tells the patient there is something new.
pub(crate) async fn portal_preferences(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<Saved>,
) -> Result<Response, ApiError> {
    let p = s.app.my_notification_preferences(&actor).await.map_err(crate::api::vendors::admin_error)?;
    let (start, end) = p.quiet_hours.map_or((String::new(), String::new()), |(a, b)| (hhmm(a), hhmm(b)));
    let page = PreferencesPage {
        chrome: Chrome::signed_in(&s, &actor, SIDE),
        email: p.email,
        sms: p.sms,
        quiet_start: start,
        quiet_end: end,
        time_zone: p.time_zone,
        digest: p.digest,
        saved: q.saved.is_some(),
        error: None,
    };
    render(StatusCode::OK, &page)
}

/// `POST /portal/preferences`: saves them (audited); a refusal shows the form again with why.
pub(crate) async fn portal_save_preferences(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    let on = |name: &'static str| form.flag(name).unwrap_or(false);
    let (email, sms) = (on("email"), on("sms"));
    let channels =
        [("email", email), ("sms", sms)].iter().filter(|(_, on)| *on).map(|(c, _)| (*c).to_owned()).collect();
    let input = PreferencesInput {
        channels,
        quiet_start: form.opt("quiet_start"),
        quiet_end: form.opt("quiet_end"),
        time_zone: form.opt("time_zone"),
        digest: on("digest"),
    };
    match s.app.set_my_notification_preferences(&actor, &input, &ctx).await {
        Ok(_) => Ok(see_other("/portal/preferences?saved=1")),
        Err(e) => {
            let (status, message) = super::client_message(crate::api::vendors::admin_error(e))?;
            let page = PreferencesPage {
                chrome: Chrome::signed_in(&s, &actor, SIDE),
                email,
                sms,
                quiet_start: input.quiet_start.unwrap_or_default(),
                quiet_end: input.quiet_end.unwrap_or_default(),
                time_zone: input.time_zone.unwrap_or_default(),
                digest: input.digest,
                saved: false,
                error: Some(message),
            };
            render(status, &page)
        }
    }
}

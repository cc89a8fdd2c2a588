//! HTML pages, server-rendered with askama. Templates escape everything they print, so message
//! text is always shown as text, never as markup. Pages work without JavaScript; forms post to
//! the same origin (cross-site posts are refused by the CSRF layer) and answer with a redirect
//! (post/redirect/get), so a reload never sends a message twice.

mod account;
mod enroll;
pub(crate) mod i18n;
mod live;
mod office;
mod people;
mod portal;
mod security;
mod sign_in;
mod staff;

use askama::Template;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use portico_app::messaging::{MessagingError, ThreadWithMessages};

use crate::error::ApiError;

pub(crate) use account::{portal_access_log, portal_preferences, portal_save_preferences};
pub(crate) use enroll::{portal_enroll, portal_enroll_form};
pub(crate) use live::{keep_alive, staff_events};
pub(crate) use office::{
    staff_access_report, staff_access_report_form, staff_add_vendor, staff_admin, staff_privacy, staff_review_grant,
    staff_save_social, staff_social, staff_social_act,
};
pub(crate) use people::{
    staff_link_proxy, staff_new_invitation, staff_patients, staff_patients_search, staff_people, staff_people_act,
    staff_register, staff_register_form,
};
pub(crate) use portal::{portal_compose, portal_inbox, portal_recall, portal_send, portal_start_thread, portal_thread};
pub(crate) use security::{
    change_password, end_other_sessions, new_recovery_codes, portal_totp, remove_passkey, security, staff_digest,
};
pub(crate) use sign_in::{portal_sign_in, portal_sign_in_form, sign_out, staff_sign_in, staff_sign_in_form};
pub(crate) use staff::{staff_inbox, staff_recall, staff_send, staff_share_result, staff_thread, staff_update_thread};

/// Which side of the product a page belongs to: its navigation and sign-in page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// `/portal`: patients and their proxies.
    Portal,
    /// `/staff`: the care team and the office.
    Staff,
}

impl Side {
    /// The side an account of `kind` works on.
    pub(crate) fn of(kind: portico_domain::session::AccountKind) -> Side {
        match kind {
            portico_domain::session::AccountKind::Staff => Side::Staff,
            portico_domain::session::AccountKind::Patient => Side::Portal,
        }
    }
    /// Where a signed-out visitor of this side signs in.
    pub(crate) fn sign_in(self) -> &'static str {
        match self {
            Side::Portal => "/portal/sign-in",
            Side::Staff => "/staff/sign-in",
        }
    }
    /// The side's home page.
    pub(crate) fn home(self) -> &'static str {
        match self {
            Side::Portal => "/portal",
            Side::Staff => "/staff",
        }
    }
}

/// What the layout shows around every page.
pub(crate) struct Chrome {
    /// The side, if the page belongs to one.
    pub(crate) side: Option<Side>,
    /// Whether someone is signed in (the header then offers sign-out).
    pub(crate) signed_in: bool,
    /// The session's idle limit, for the page's warning and logoff (0: none).
    pub(crate) idle_seconds: u64,
    /// The live-update stream the page listens to.
    pub(crate) live: Option<&'static str>,
    /// The side's navigation: the pages this account may use.
    pub(crate) links: Vec<(&'static str, &'static str)>,
    /// The page's language (patient pages: English or Spanish; staff pages: English).
    pub(crate) lang: i18n::Lang,
    /// Its words.
    pub(crate) t: &'static i18n::Texts,
}

/// The language of a page of `side`: the visitor's for patient and public pages, English for
/// staff pages.
fn lang_of(side: Option<Side>) -> i18n::Lang {
    if side == Some(Side::Staff) { i18n::Lang::En } else { i18n::Lang::current() }
}

/// The words of the current request's language.
pub(crate) fn t() -> &'static i18n::Texts {
    i18n::Lang::current().t()
}

/// An instant as the page's reader reads it, on the clinic's clocks.
pub(crate) fn when(at: portico_domain::Timestamp, time_zone: &str) -> String {
    match i18n::Lang::current() {
        i18n::Lang::En => at.local_display(time_zone),
        i18n::Lang::Es => at.local_display_numeric(time_zone),
    }
}

/// The staff pages a role works in, its main page first (where signing in lands).
pub(crate) fn staff_links(role: portico_domain::StaffRole) -> Vec<(&'static str, &'static str)> {
    use portico_domain::StaffRole::*;
    let mut links = Vec::new();
    if role.is_care_team() {
        links.push(("/staff", "Inbox"));
    }
    if role == PrivacyOfficer {
        links.push(("/staff/privacy", "Privacy reviews"));
    }
    if role == Admin {
        links.push(("/staff/admin", "Administration"));
        links.push(("/staff/admin/people", "Staff and teams"));
    }
    if matches!(role, FrontDesk | Admin) {
        links.push(("/staff/register", "Register a patient"));
    }
    if role == FrontDesk {
        links.push(("/staff/patients", "Find a patient"));
    }
    if matches!(role, FrontDesk | PrivacyOfficer | Admin) {
        links.push(("/staff/social", "Social inbox"));
    }
    links.push(("/staff/security", "Security"));
    links
}

impl Chrome {
    /// A page for no one in particular.
    pub(crate) fn public(side: Option<Side>) -> Self {
        let lang = lang_of(side);
        Self { side, signed_in: false, idle_seconds: 0, live: None, links: Vec::new(), lang, t: lang.t() }
    }
    /// A page of a signed-in side: it warns before idle logoff, and staff pages update live.
    pub(crate) fn signed_in(state: &crate::AppState, actor: &portico_domain::Actor, side: Side) -> Self {
        let sessions = &state.app.settings().sessions;
        let lang = lang_of(Some(side));
        let t = lang.t();
        let (idle, live, links) = match (side, actor) {
            (Side::Staff, portico_domain::Actor::Staff(s)) => {
                let live = s.role.is_care_team().then_some("/staff/events");
                (sessions.staff_idle, live, staff_links(s.role))
            }
            (Side::Staff, _) => (sessions.staff_idle, None, Vec::new()),
            (Side::Portal, _) => (
                sessions.patient_idle,
                None,
                vec![
                    ("/portal", t.nav_messages),
                    ("/portal/preferences", t.nav_notifications),
                    ("/portal/access-log", t.nav_access),
                    ("/portal/security", t.nav_security),
                ],
            ),
        };
        Self { side: Some(side), signed_in: true, idle_seconds: idle.as_secs(), live, links, lang, t }
    }
    fn sign_in(&self) -> &'static str {
        self.side.map_or("/", Side::sign_in)
    }
    fn nav_home(&self) -> &'static str {
        self.side.map_or("/", Side::home)
    }
    fn nav_label(&self) -> &'static str {
        match self.side {
            None => self.t.center_label,
            Some(Side::Portal) => self.t.portal_label,
            Some(Side::Staff) => "Staff inbox",
        }
    }
    /// Whether the page offers the other language (patient and public pages).
    fn multilingual(&self) -> bool {
        self.side != Some(Side::Staff)
    }
    fn other_lang(&self) -> i18n::Lang {
        match self.lang {
            i18n::Lang::En => i18n::Lang::Es,
            i18n::Lang::Es => i18n::Lang::En,
        }
    }
}

/// Renders a page with a status.
pub(crate) fn render(status: StatusCode, page: &impl Template) -> Result<Response, ApiError> {
    Ok((status, Html(page.render()?)).into_response())
}

/// After a form post: see the result at `to` (303, so a reload does not post again).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[derive(Template)]
#[template(path = "index.html")]
struct Index {
    chrome: Chrome,
}

/// `/`: what this is, and where to go.
pub(crate) async fn index() -> Result<Response, ApiError> {
    render(StatusCode::OK, &Index { chrome: Chrome::public(None) })
}

#[derive(Template)]
#[template(path = "problem.html")]
struct Problem {
    chrome: Chrome,
    title: &'static str,
    text: String,
}

/// A page that says what went wrong, in words for people.
pub(crate) fn problem(
    status: StatusCode,
    side: Option<Side>,
    title: &'static str,
    text: impl Into<String>,
) -> Response {
    let chrome = Chrome { signed_in: side.is_some(), ..Chrome::public(side) };
    let page = Problem { chrome, title, text: text.into() };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Any path that is not a route: a page for a browser navigating there (it asks for HTML and
/// is not calling the API), the coded JSON error otherwise.
pub(crate) async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    let wants_page = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_page && !uri.path().starts_with("/api/") {
        let t = t();
        problem(StatusCode::NOT_FOUND, None, t.not_found, t.page_not_found)
    } else {
        ApiError::not_found().into_response()
    }
}

#[derive(Template)]
#[template(path = "appointments.html")]
struct Appointments {
    chrome: Chrome,
    phone: String,
}

/// `/appointments/request`: where the clinic's standard messages send people to ask for an
/// appointment. Until requests can be made here, it says how to ask instead.
pub(crate) async fn appointments(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
) -> Result<Response, ApiError> {
    let phone = s.app.social_settings().contact.phone.clone();
    render(StatusCode::OK, &Appointments { chrome: Chrome::public(Some(Side::Portal)), phone })
}

/// A server fault on a page: an opaque page in the reader's language with the request id to
/// quote (the cause is in the server log only).
pub(crate) fn server_fault(status: StatusCode, request_id: &str, lang: i18n::Lang) -> Response {
    let t = lang.t();
    let chrome = Chrome { lang, t, ..Chrome::public(None) };
    let page = Problem { chrome, title: t.fault_title, text: format!("{} {request_id}", t.fault_text) };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, request_id.to_owned()).into_response(),
    }
}

/// A messaging error as a page: the same codes as the API, in words.
pub(crate) fn messaging_problem(e: MessagingError, side: Side) -> Response {
    match e {
        MessagingError::NotFound => {
            let t = lang_of(Some(side)).t();
            problem(StatusCode::NOT_FOUND, Some(side), t.not_found, t.not_found_text)
        }
        MessagingError::Forbidden => {
            let t = lang_of(Some(side)).t();
            problem(StatusCode::FORBIDDEN, Some(side), t.not_allowed, t.not_allowed_text)
        }
        other => crate::api::threads::messaging_error(other).into_response(),
    }
}

/// One message as a page shows it: who and when in words, the text as typed.
pub(crate) struct MessageItem {
    pub(crate) id: String,
    pub(crate) mine: bool,
    pub(crate) who: String,
    pub(crate) when: String,
    pub(crate) body: Option<String>,
    pub(crate) internal: bool,
    pub(crate) recallable: bool,
    pub(crate) recalled: bool,
    pub(crate) receipt: Option<String>,
    pub(crate) files: Vec<(String, String)>,
}

/// The messages of a thread for `side`, with times in the clinic's time zone.
pub(crate) fn message_items(t: &ThreadWithMessages, side: Side, me: &str, tz: &str) -> Vec<MessageItem> {
    t.messages
        .iter()
        .map(|m| {
            let mine = m.author.id == me;
            let words = lang_of(Some(side)).t();
            let who = match (side, m.author.kind.as_str(), mine) {
                (_, _, true) => words.you.to_owned(),
                (Side::Portal, "staff", _) => words.care_team_of.replace("{team}", &t.thread.team_name),
                (Side::Portal, _, _) => words.shared_access.to_owned(),
                (Side::Staff, "staff", _) => "A colleague".to_owned(),
                (Side::Staff, _, _) => "Patient".to_owned(),
            };
            let receipt = match side {
                Side::Portal if mine => m.read_by_care_team_at.map(|_| words.read_by_team.to_owned()),
                Side::Staff if m.author.kind == "staff" && !m.internal => Some(m.read_by_patient_at.map_or_else(
                    || "Not read by the patient yet".to_owned(),
                    |at| format!("Read by the patient {}", when(at, tz)),
                )),
                _ => None,
            };
            MessageItem {
                id: m.id.to_string(),
                mine,
                who,
                when: when(m.created_at, tz),
                body: m.body.as_ref().map(|b| b.expose().to_owned()),
                internal: m.internal,
                recallable: mine && m.body.is_some() && !m.recalled,
                recalled: m.recalled,
                receipt,
                files: m.attachments.iter().map(|a| (a.id.to_string(), a.filename.expose().to_owned())).collect(),
            }
        })
        .collect()
}

/// Marks a response as one that must leave nothing behind in the browser (sign-out).
pub(crate) fn clear_site_data(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(HeaderName::from_static("clear-site-data"), HeaderValue::from_static("\"cache\", \"storage\""));
    resp
}

/// A client error as words for a page, with its status; a server fault goes on as an error.
pub(crate) fn client_message(e: ApiError) -> Result<(StatusCode, String), ApiError> {
    match e {
        ApiError::Client { code, message, .. } => Ok((code.status(), message)),
        other => Err(other),
    }
}

/// The one script (idle logoff with a warning; live updates of the staff pages), served from
/// the binary. Pages work without it.
pub(crate) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/portico.js"),
    )
        .into_response()
}

/// The one stylesheet, served from the binary (no CDN, no build step).
pub(crate) async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/portico.css"),
    )
        .into_response()
}

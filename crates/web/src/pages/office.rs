//! The office's pages: the social inbox and moderation queue (front desk, privacy officer,
//! admin), the privacy officer's reviews, and the administrator's registry and settings. Each
//! use case checks the role; a page for another role answers 403.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::social::settings::{MetaPatch, SocialPatch};
use portico_domain::Actor;
use portico_store::social::{Moderation, Queue};

use super::{Chrome, Side, client_message, problem, render, see_other};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, CurrentActor};
use crate::form::Form;

const SIDE: Side = Side::Staff;

/// A refusal as a page: a client error in words with its status; a server fault goes on.
fn refused(e: ApiError) -> Result<Response, ApiError> {
    let (status, text) = client_message(e)?;
    Ok(problem(status, Some(SIDE), if status == StatusCode::FORBIDDEN { "Not allowed" } else { "Not done" }, text))
}

/// One social item as the page shows it (redacted text only).
struct SocialRow {
    id: String,
    channel: String,
    when: String,
    text: String,
    labels: String,
    decision: String,
}

#[derive(Template)]
#[template(path = "staff_social.html")]
struct SocialPage {
    chrome: Chrome,
    messages: Vec<SocialRow>,
    comments: Vec<SocialRow>,
}

/// `GET /staff/social`: open direct messages and texts, and the comments waiting for review.
pub(crate) async fn staff_social(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    let tz = &s.app.settings().time_zone;
    let mut lists = Vec::new();
    for queue in [Queue::Messages, Queue::Comments] {
        match s.app.social_items(&actor, queue, false, &ctx).await {
            Ok(items) => lists.push(
                items
                    .into_iter()
                    .map(|i| SocialRow {
                        channel: i.channel.replace('_', " "),
                        when: portico_domain::Timestamp::from_unix_millis(i.received_at).local_display(tz),
                        text: i.redacted_text,
                        labels: i.labels.join(", "),
                        decision: i.decision.unwrap_or_default().replace('_', " "),
                        id: i.id,
                    })
                    .collect::<Vec<_>>(),
            ),
            Err(e) => return refused(crate::api::social::social_error(e)),
        }
    }
    let comments = lists.pop().unwrap_or_default();
    let messages = lists.pop().unwrap_or_default();
    render(StatusCode::OK, &SocialPage { chrome: Chrome::signed_in(&s, &actor, SIDE), messages, comments })
}

/// `POST /staff/social/{id}`: `action` = `handled`, `invite`, `hide`, `unhide` or `leave`.
pub(crate) async fn staff_social_act(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, ApiError> {
    let app = &s.app;
    let done = match form.opt("action").as_deref() {
        Some("handled") => app.mark_social_handled(&actor, &id, &ctx).await,
        Some("invite") => app.invite_social_sender(&actor, &id, &ctx).await,
        Some("hide") => app.moderate_social(&actor, &id, Moderation::Hide, &ctx).await.map(|_| ()),
        Some("unhide") => app.moderate_social(&actor, &id, Moderation::Unhide, &ctx).await.map(|_| ()),
        Some("leave") => app.moderate_social(&actor, &id, Moderation::Leave, &ctx).await.map(|_| ()),
        _ => return Ok(problem(StatusCode::BAD_REQUEST, Some(SIDE), "Not understood", "Choose an action.")),
    };
    match done {
        Ok(()) => Ok(see_other("/staff/social")),
        Err(e) => refused(crate::api::social::social_error(e)),
    }
}

#[derive(Template)]
#[template(path = "staff_privacy.html")]
struct PrivacyPage {
    chrome: Chrome,
    grants: Vec<[String; 6]>,
    misdirected: Vec<[String; 4]>,
    alerts: Vec<[String; 4]>,
}

/// `GET /staff/privacy`: break-glass grants to review, misdirected messages, and the access
/// alerts of the last seven days (privacy officer).
pub(crate) async fn staff_privacy(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    let tz = &s.app.settings().time_zone;
    let grants = match s.app.break_glass_reviews(&actor, &ctx).await {
        Ok(g) => g,
        Err(e) => return refused(crate::api::break_glass::break_glass_error(e)),
    };
    let misdirected = match s.app.misdirected(&actor, &ctx).await {
        Ok(m) => m,
        Err(e) => return refused(crate::api::threads::messaging_error(e)),
    };
    let now = s.app.now();
    let week_ago = portico_domain::Timestamp::from_unix_millis(now.unix_millis() - 7 * 24 * 3600 * 1000);
    let alerts = match s.app.alerts(&actor, week_ago, now, &ctx).await {
        Ok(a) => a,
        Err(e) => return refused(crate::api::audit::report_error(e)),
    };
    let page = PrivacyPage {
        chrome: Chrome::signed_in(&s, &actor, SIDE),
        grants: grants
            .into_iter()
            .map(|g| {
                [
                    g.id,
                    g.staff_name,
                    g.created_at.local_display(tz),
                    g.reason.expose().to_owned(),
                    g.patient_id.to_string(),
                    g.verdict.unwrap_or_default(),
                ]
            })
            .collect(),
        misdirected: misdirected
            .into_iter()
            .map(|m| {
                let readers = m.read_by.iter().map(|r| format!("{} at {}", r.reader_kind, r.read_at.local_display(tz)));
                [
                    m.recalled_at.local_display(tz),
                    m.patient_id.to_string(),
                    readers.collect::<Vec<_>>().join("; "),
                    m.status,
                ]
            })
            .collect(),
        alerts: alerts
            .into_iter()
            .map(|a| {
                let who = a.actor_name.unwrap_or(a.actor_id);
                [a.at.local_display(tz), a.rule.replace('_', " "), who, a.count.to_string()]
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// `POST /staff/privacy/grants/{id}`: the verdict on a break-glass grant, with a note.
pub(crate) async fn staff_review_grant(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, ApiError> {
    let verdict = form.opt("verdict").unwrap_or_default();
    let note = form.opt("note").unwrap_or_default();
    match s.app.review_break_glass(&actor, &id, &verdict, &note, &ctx).await {
        Ok(()) => Ok(see_other("/staff/privacy")),
        Err(e) => refused(crate::api::break_glass::break_glass_error(e)),
    }
}

#[derive(Template)]
#[template(path = "staff_admin.html")]
struct AdminPage {
    chrome: Chrome,
    alerts: Vec<(&'static str, String)>,
    vendors: Vec<[String; 5]>,
    social: portico_app::social::settings::SocialSettingsView,
    error: Option<String>,
    saved: bool,
}

async fn admin_page(s: &AppState, actor: &Actor, error: Option<String>, saved: bool) -> Result<Response, ApiError> {
    let alerts = match s.app.admin_alerts(actor).await {
        Ok(a) => a,
        Err(e) => return refused(crate::api::vendors::admin_error(e)),
    };
    let vendors = match s.app.vendors(actor).await {
        Ok(v) => v,
        Err(e) => return refused(crate::api::vendors::admin_error(e)),
    };
    let social = match s.app.social_settings_view(actor) {
        Ok(v) => v,
        Err(e) => return refused(crate::api::settings::settings_error(e)),
    };
    let page = AdminPage {
        chrome: Chrome::signed_in(s, actor, SIDE),
        alerts: alerts.into_iter().map(|a| (a.severity, a.message)).collect(),
        vendors: vendors
            .into_iter()
            .map(|v| {
                let standing = serde_json::to_value(v.standing).ok().and_then(|j| j.as_str().map(str::to_owned));
                [
                    v.name,
                    v.service,
                    standing.unwrap_or_default().replace('_', " "),
                    v.baa_expires_on.unwrap_or_else(|| "no end date".to_owned()),
                    if v.may_carry_phi { "yes" } else { "no" }.to_owned(),
                ]
            })
            .collect(),
        social,
        saved,
        error: error.clone(),
    };
    render(if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK }, &page)
}

/// `GET /staff/admin`: what needs attention, the BAA registry, and the social bridge settings
/// (admins).
pub(crate) async fn staff_admin(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    axum::extract::Query(q): axum::extract::Query<super::account::Saved>,
) -> Result<Response, ApiError> {
    admin_page(&s, &actor, None, q.saved.is_some()).await
}

/// `POST /staff/admin/vendors`: records a vendor and its BAA.
pub(crate) async fn staff_add_vendor(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    // Permission before validation: a caller who may not do this learns nothing from the form.
    if !portico_domain::authz::permits(&actor, &portico_domain::authz::Action::ManageVendors) {
        return refused(crate::api::vendors::admin_error(portico_app::admin::AdminError::Forbidden));
    }
    let f = |name: &str| form.opt(name).unwrap_or_default();
    let (signed, ends) = (form.opt("baa_signed_on"), form.opt("baa_expires_on"));
    let record = portico_domain::vendor::VendorRecord::parse(
        &f("name"),
        &f("service"),
        signed.as_deref(),
        ends.as_deref(),
        &f("document_ref"),
        &form.opt("status").unwrap_or_else(|| "active".to_owned()),
    );
    let result = match record {
        Ok(v) => s.app.create_vendor(&actor, &v, &ctx).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(see_other("/staff/admin?saved=1")),
        Err(e) => {
            let (status, text) = client_message(crate::api::vendors::admin_error(e))?;
            if status == StatusCode::FORBIDDEN {
                return Ok(problem(status, Some(SIDE), "Not allowed", text));
            }
            admin_page(&s, &actor, Some(text), false).await
        }
    }
}

/// `POST /staff/admin/social`: the social bridge settings. Empty secret fields keep the
/// stored secrets; every field is checked, and a refusal changes nothing.
pub(crate) async fn staff_save_social(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    let text = |name: &str| form.opt(name);
    let meta = MetaPatch {
        app_secret: text("app_secret"),
        verify_token: text("verify_token"),
        page_id: text("page_id"),
        page_access_token: text("page_access_token"),
        graph_base_url: None,
        graph_version: text("graph_version"),
    };
    let connect = meta.app_secret.is_some()
        || meta.verify_token.is_some()
        || meta.page_access_token.is_some()
        || (meta.page_id.is_some() && s.app.social_settings().meta.is_some());
    let patch = SocialPatch {
        disconnect_meta: form.flag("disconnect_meta").unwrap_or(false),
        meta: connect.then_some(meta),
        redirect_message: text("redirect_message"),
        phi_message: text("phi_message"),
        public_reply: text("public_reply"),
        phi_comments: text("phi_comments"),
        relationship_comments: text("relationship_comments"),
        retention_days: match text("retention_days").map(|d| d.trim().parse::<u64>()) {
            None => None,
            Some(Ok(d)) => Some(d),
            Some(Err(_)) => {
                return admin_page(&s, &actor, Some("retention_days: must be a number of days".into()), false).await;
            }
        },
        phone: Some(text("phone").unwrap_or_default()),
        hours: Some(text("hours").unwrap_or_default()),
        portal_url: text("portal_url"),
        appointment_url: text("appointment_url"),
    };
    let version = text("version").and_then(|v| v.parse().ok()).unwrap_or(-1);
    match s.app.save_social_settings(&actor, version, &patch, &ctx).await {
        Ok(_) => Ok(see_other("/staff/admin?saved=1#social")),
        Err(e) => {
            let (status, text) = client_message(crate::api::settings::settings_error(e))?;
            if status == StatusCode::FORBIDDEN {
                return Ok(problem(status, Some(SIDE), "Not allowed", text).into_response());
            }
            admin_page(&s, &actor, Some(text), false).await
        }
    }
}

#[derive(Template)]
#[template(path = "staff_access_report.html")]
struct AccessReport {
    chrome: Chrome,
    mrn: String,
    from: String,
    to: String,
    /// (when, who, role, what, why, outcome)
    rows: Option<Vec<[String; 6]>>,
    error: Option<String>,
}

/// `GET /staff/privacy/report`: the report's form, the last 30 days by default (privacy
/// officer).
pub(crate) async fn staff_access_report_form(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    access_report(&s, &ctx, &actor, &Form::default()).await
}

/// `POST /staff/privacy/report` with `mrn`, `from`, `to` (dates `YYYY-MM-DD`, clinic time, both
/// days included): every access to one patient's record in a period, found by MRN; the report
/// is itself audited. Posted, so the MRN never appears in an address.
pub(crate) async fn staff_access_report(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    access_report(&s, &ctx, &actor, &form).await
}

async fn access_report(
    s: &AppState,
    ctx: &portico_domain::audit::RequestContext,
    actor: &Actor,
    form: &Form,
) -> Result<Response, ApiError> {
    let q = (form.opt("mrn"), form.opt("from"), form.opt("to"));
    let tz = s.app.settings().time_zone.clone();
    let today = s.app.now().utc_date().map(|d| d.to_string()).unwrap_or_default();
    let month_ago = portico_domain::Timestamp::from_unix_millis(s.app.now().unix_millis() - 30 * 24 * 3600 * 1000)
        .utc_date()
        .map(|d| d.to_string())
        .unwrap_or_default();
    let (from, to) = (q.1.unwrap_or(month_ago), q.2.unwrap_or(today));
    let mut page = AccessReport {
        chrome: Chrome::signed_in(s, actor, SIDE),
        mrn: q.0.clone().unwrap_or_default(),
        from: from.clone(),
        to: to.clone(),
        rows: None,
        error: None,
    };
    let Some(mrn) = q.0.filter(|m| !m.trim().is_empty()) else {
        if !matches!(actor, Actor::Staff(st) if st.role == portico_domain::StaffRole::PrivacyOfficer) {
            return refused(crate::api::audit::report_error(portico_app::audit::ReportError::Forbidden));
        }
        return render(StatusCode::OK, &page);
    };
    let day = |d: &str, time: &str| portico_domain::Timestamp::parse_local(&format!("{d}T{time}"), &tz);
    let (Some(start), Some(end)) = (day(&from, "00:00"), day(&to, "23:59:59")) else {
        page.error = Some("Dates must be written YYYY-MM-DD.".into());
        return render(StatusCode::BAD_REQUEST, &page);
    };
    match s.app.access_report_by_mrn(actor, &mrn, start, end.plus(std::time::Duration::from_secs(1)), ctx).await {
        Ok((_, rows)) => {
            page.rows = Some(
                rows.into_iter()
                    .map(|r| {
                        [
                            super::when(r.at, &tz),
                            r.actor_name.unwrap_or(r.actor_id),
                            r.actor_role.replace('_', " "),
                            r.action,
                            r.purpose,
                            r.outcome,
                        ]
                    })
                    .collect(),
            );
            render(StatusCode::OK, &page)
        }
        Err(portico_app::audit::ReportError::NotFound) => {
            page.error = Some("No patient has this MRN.".into());
            render(StatusCode::NOT_FOUND, &page)
        }
        Err(portico_app::audit::ReportError::Invalid(f)) => {
            page.error = Some(f.to_string());
            render(StatusCode::BAD_REQUEST, &page)
        }
        Err(e) => refused(crate::api::audit::report_error(e)),
    }
}

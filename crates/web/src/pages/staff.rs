//! The staff inbox: the team queues, a conversation with the patient banner, replies and
//! internal notes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_domain::messaging::{Category, ThreadStatus};
use portico_domain::{Actor, ThreadId};
use serde::Deserialize;

use super::portal::{Draft, ThreadRow, category_label, send, thread_page, thread_row};
use super::{Chrome, Side, messaging_problem, render};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, CurrentActor};
use crate::form::Form;

const SIDE: Side = Side::Staff;

/// Who a conversation is about: the minimum the role may see.
pub(crate) struct Banner {
    pub(crate) name: String,
    pub(crate) date_of_birth: String,
    pub(crate) mrn: String,
}

/// The patient banner of a thread, if the reader's role may see demographics (read audited).
pub(crate) async fn banner(
    s: &AppState,
    ctx: &portico_domain::audit::RequestContext,
    actor: &Actor,
    id: ThreadId,
) -> Result<Option<Banner>, ApiError> {
    match s.app.thread_patient(actor, id, ctx).await {
        Ok(Some(p)) => Ok(Some(Banner {
            name: p.name.expose().to_owned(),
            date_of_birth: p.date_of_birth.expose().to_owned(),
            mrn: p.mrn.expose().to_owned(),
        })),
        Ok(None) => Ok(None),
        Err(e) => Err(crate::api::threads::messaging_error(e)),
    }
}

/// The queue's filters.
#[derive(Deserialize, Default)]
pub(crate) struct QueueQuery {
    /// `open` (default), `mine`, `unassigned`, `closed` or `all`.
    #[serde(default)]
    view: Option<String>,
    /// A category, or empty for all.
    #[serde(default)]
    category: Option<String>,
}

#[derive(Template)]
#[template(path = "staff_inbox.html")]
struct Queue {
    chrome: Chrome,
    view: &'static str,
    views: Vec<(&'static str, &'static str, bool)>,
    categories: Vec<(&'static str, &'static str, bool)>,
    threads: Vec<ThreadRow>,
    assigned: Vec<bool>,
}

const VIEWS: [(&str, &str); 5] =
    [("open", "Open"), ("mine", "Assigned to me"), ("unassigned", "Unassigned"), ("closed", "Closed"), ("all", "All")];

/// `GET /staff`: the conversations of the reader's teams, filtered.
pub(crate) async fn staff_inbox(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<QueueQuery>,
) -> Result<Response, ApiError> {
    // Staff outside the care teams have no queue: they start on their own first page.
    if let Actor::Staff(st) = &actor
        && !st.role.is_care_team()
        && let Some((home, _)) = super::staff_links(st.role).first()
    {
        return Ok(super::see_other(home));
    }
    let view = VIEWS.iter().map(|(k, _)| *k).find(|k| q.view.as_deref() == Some(*k)).unwrap_or("open");
    let category = q.category.as_deref().and_then(|c| Category::parse(c).ok());
    let me = match &actor {
        Actor::Staff(st) => Some(st.id),
        _ => None,
    };
    let threads = match s.app.list_threads(&actor, &ctx).await {
        Ok(t) => t,
        Err(e) => return Ok(messaging_problem(e, SIDE)),
    };
    let tz = &s.app.settings().time_zone;
    let shown: Vec<_> = threads
        .iter()
        .filter(|t| {
            let open = t.status == ThreadStatus::Open;
            let by_view = match view {
                "mine" => t.assignee_id.is_some() && t.assignee_id == me,
                "unassigned" => open && t.assignee_id.is_none(),
                "closed" => !open,
                "all" => true,
                _ => open,
            };
            by_view && category.is_none_or(|c| t.category == c)
        })
        .collect();
    render(
        StatusCode::OK,
        &Queue {
            chrome: Chrome::signed_in(&s, &actor, SIDE),
            view,
            views: VIEWS.iter().map(|(k, label)| (*k, *label, *k == view)).collect(),
            categories: Category::ALL.iter().map(|c| (c.as_str(), category_label(*c), Some(*c) == category)).collect(),
            assigned: shown.iter().map(|t| t.assignee_id.is_some()).collect(),
            threads: shown.iter().map(|t| thread_row(t, SIDE, tz)).collect(),
        },
    )
}

/// `?reply=<saved reply id>`: start the reply from a saved reply.
#[derive(Deserialize)]
pub(crate) struct ReplyQuery {
    #[serde(default)]
    reply: Option<String>,
}

/// `GET /staff/threads/{id}`: the conversation with the patient banner and internal notes; with
/// `?reply=`, the reply box starts with that saved reply of the team.
pub(crate) async fn staff_thread(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
    Query(q): Query<ReplyQuery>,
) -> Result<Response, ApiError> {
    let draft = q.reply.filter(|r| !r.is_empty()).map_or(Draft::Empty, Draft::Saved);
    thread_page(&s, &ctx, &actor, id, SIDE, None, draft).await
}

/// `POST /staff/messages/{id}/recall`: withdraws a message (its author, or an admin).
pub(crate) async fn staff_recall(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<portico_domain::MessageId>,
    form: Form,
) -> Result<Response, ApiError> {
    super::portal::recall(&s, &ctx, &actor, id, SIDE, &form).await
}

/// `POST /staff/threads/{id}/messages`: a reply to the patient, or an internal note.
pub(crate) async fn staff_send(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
    form: Form,
) -> Result<Response, ApiError> {
    send(&s, &ctx, &actor, id, SIDE, form).await
}

/// `POST /staff/threads/{id}/update`: `action` = `assign_me`, `unassign`, `close` or `reopen`.
pub(crate) async fn staff_update_thread(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
    form: Form,
) -> Result<Response, ApiError> {
    let me = match &actor {
        Actor::Staff(st) => st.id,
        _ => return Ok(messaging_problem(portico_app::messaging::MessagingError::Forbidden, SIDE)),
    };
    let (status, assignee) = match form.opt("action").as_deref() {
        Some("assign_me") => (None, Some(Some(me))),
        Some("unassign") => (None, Some(None)),
        Some("close") => (Some(ThreadStatus::Closed), None),
        Some("reopen") => (Some(ThreadStatus::Open), None),
        _ => {
            return Ok(super::problem(StatusCode::BAD_REQUEST, Some(SIDE), "Not understood", "Choose an action."));
        }
    };
    match s.app.update_thread(&actor, id, status, assignee, &ctx).await {
        Ok(()) => Ok(super::see_other(&format!("/staff/threads/{id}"))),
        Err(e) => match super::portal::form_problem(e) {
            Ok(text) => thread_page(&s, &ctx, &actor, id, SIDE, Some(text), Draft::Empty).await,
            Err(e) => Ok(messaging_problem(e, SIDE)),
        },
    }
}

/// `POST /staff/threads/{id}/results`: shares a result file with the conversation's patient in
/// a new `results` conversation of the same team, held until `release_at` if given.
pub(crate) async fn staff_share_result(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
    form: Form,
) -> Result<Response, ApiError> {
    let t = match s.app.get_thread(&actor, id, &ctx).await {
        Ok(t) => t.thread,
        Err(e) => return Ok(messaging_problem(e, SIDE)),
    };
    let release_at = match form.opt("release_at") {
        None => None,
        Some(local) => match parse_local(&local, &s.app.settings().time_zone) {
            Some(at) => Some(at),
            None => {
                let text = "The release time is not a date and time.".to_owned();
                return thread_page(&s, &ctx, &actor, id, SIDE, Some(text), Draft::Empty).await;
            }
        },
    };
    let Some(file) = form.files.first().cloned() else {
        let text = "Choose the result file to share.".to_owned();
        return thread_page(&s, &ctx, &actor, id, SIDE, Some(text), Draft::Empty).await;
    };
    let req = portico_app::messaging::ShareResult {
        patient_id: t.patient_id,
        team_id: t.team_id,
        subject: form.opt("subject").unwrap_or_else(|| "Your test result".to_owned()),
        body: form.opt("body").unwrap_or_else(|| "Your result is attached.".to_owned()),
        release_at,
        file,
    };
    match s.app.share_result(&actor, req, &ctx).await {
        Ok(posted) => Ok(super::see_other(&format!("/staff/threads/{}", posted.thread_id))),
        Err(e) => match super::portal::form_problem(e) {
            Ok(text) => thread_page(&s, &ctx, &actor, id, SIDE, Some(text), Draft::Empty).await,
            Err(e) => Ok(messaging_problem(e, SIDE)),
        },
    }
}

/// A `datetime-local` value (`2026-11-24T14:30`) on the clinic's clocks.
fn parse_local(text: &str, time_zone: &str) -> Option<portico_domain::Timestamp> {
    portico_domain::Timestamp::parse_local(text, time_zone)
}

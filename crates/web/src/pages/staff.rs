//! The staff inbox: the team queues, a conversation with the patient banner, replies and
//! internal notes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_domain::messaging::{Category, ThreadStatus};
use portico_domain::{Actor, ThreadId};
use serde::Deserialize;

use super::portal::{ThreadRow, category_label, send, thread_page, thread_row};
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
            chrome: Chrome::signed_in(&s, SIDE),
            view,
            views: VIEWS.iter().map(|(k, label)| (*k, *label, *k == view)).collect(),
            categories: Category::ALL.iter().map(|c| (c.as_str(), category_label(*c), Some(*c) == category)).collect(),
            assigned: shown.iter().map(|t| t.assignee_id.is_some()).collect(),
            threads: shown.iter().map(|t| thread_row(t, SIDE, tz)).collect(),
        },
    )
}

/// `GET /staff/threads/{id}`: the conversation with the patient banner and internal notes.
pub(crate) async fn staff_thread(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
) -> Result<Response, ApiError> {
    thread_page(&s, &ctx, &actor, id, SIDE, None, String::new()).await
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

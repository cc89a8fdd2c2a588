//! The patient portal: the inbox, a conversation, writing to a team.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::messaging::{MessagingError, OpenThread, SendMessage, ThreadView};
use portico_domain::messaging::Category;
use portico_domain::{Actor, TeamId, ThreadId};

use super::{Chrome, MessageItem, Side, message_items, messaging_problem, render, see_other};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, CurrentActor};
use crate::form::Form;

const SIDE: Side = Side::Portal;

/// A thread in a list.
pub(crate) struct ThreadRow {
    pub(crate) href: String,
    pub(crate) subject: String,
    pub(crate) team: String,
    pub(crate) category: &'static str,
    pub(crate) open: bool,
    pub(crate) when: String,
    pub(crate) unread: i64,
    /// Whose conversation, for an account that acts for others.
    pub(crate) whose: Option<String>,
}

pub(crate) fn thread_row(t: &ThreadView, side: Side, tz: &str) -> ThreadRow {
    ThreadRow {
        href: format!("{}/threads/{}", side.home(), t.id),
        subject: t.subject.expose().to_owned(),
        team: t.team_name.clone(),
        category: category_label(t.category),
        open: t.status == portico_domain::messaging::ThreadStatus::Open,
        when: super::when(t.last_activity_at, tz),
        unread: t.unread.unwrap_or(0),
        whose: None,
    }
}

pub(crate) fn category_label(c: Category) -> &'static str {
    let t = super::t();
    match c {
        Category::General => t.cat_general,
        Category::Appointment => t.cat_appointment,
        Category::Billing => t.cat_billing,
        Category::Results => t.cat_results,
        Category::Clinical => t.cat_clinical,
    }
}

#[derive(Template)]
#[template(path = "portal_inbox.html")]
struct Inbox {
    chrome: Chrome,
    /// For an account that acts for others: (link, label, current).
    people: Vec<(String, String, bool)>,
    threads: Vec<ThreadRow>,
}

/// `?for=<patient id>`: one person's conversations (an account that acts for others).
#[derive(serde::Deserialize)]
pub(crate) struct ForWhom {
    #[serde(default, rename = "for")]
    for_whom: Option<String>,
}

/// The people an account acts for, as the switcher names them: "You", or a name with the
/// relationship.
async fn people(
    s: &AppState,
    actor: &Actor,
    ctx: &portico_domain::audit::RequestContext,
) -> Result<Vec<(String, String)>, ApiError> {
    let you = super::t().you;
    Ok(s.app
        .people(actor, ctx)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .into_iter()
        .map(|p| {
            let label = match p.relationship {
                None => you.to_owned(),
                Some(r) => format!("{} ({r})", p.name.expose()),
            };
            (p.patient_id.to_string(), label)
        })
        .collect())
}

/// `GET /portal`: the patient's conversations, newest first, with unread marks; a parent or
/// caregiver sees whose each one is and can show one person's only.
pub(crate) async fn portal_inbox(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<ForWhom>,
) -> Result<Response, ApiError> {
    let tz = &s.app.settings().time_zone;
    let threads = match s.app.list_threads(&actor, &ctx).await {
        Ok(t) => t,
        Err(e) => return Ok(messaging_problem(e, SIDE)),
    };
    let people = people(&s, &actor, &ctx).await?;
    let chosen = q.for_whom.filter(|f| people.iter().any(|(id, _)| id == f));
    let threads = threads
        .iter()
        .filter(|t| chosen.as_deref().is_none_or(|c| t.patient_id.to_string() == c))
        .map(|t| {
            let whose = people.iter().find(|(id, _)| *id == t.patient_id.to_string()).map(|(_, n)| n.clone());
            ThreadRow { whose, ..thread_row(t, SIDE, tz) }
        })
        .collect();
    let mut switcher = Vec::new();
    if !people.is_empty() {
        switcher.push(("/portal".to_owned(), super::t().everyone.to_owned(), chosen.is_none()));
        for (id, label) in &people {
            switcher.push((format!("/portal?for={id}"), label.clone(), chosen.as_deref() == Some(id.as_str())));
        }
    }
    render(StatusCode::OK, &Inbox { chrome: Chrome::signed_in(&s, &actor, SIDE), people: switcher, threads })
}

#[derive(Template)]
#[template(path = "portal_compose.html")]
struct Compose {
    chrome: Chrome,
    /// For an account that acts for others: who the message is about.
    people: Vec<(String, String, bool)>,
    teams: Vec<(String, String, bool)>,
    categories: Vec<(&'static str, &'static str, bool)>,
    subject: String,
    body: String,
    error: Option<String>,
    idempotency_key: String,
}

async fn compose_page(
    s: &AppState,
    ctx: &portico_domain::audit::RequestContext,
    actor: &Actor,
    form: Option<&Form>,
    for_whom: Option<String>,
    error: Option<String>,
) -> Result<Compose, ApiError> {
    let field = |name: &str| form.and_then(|f| f.opt(name)).unwrap_or_default();
    let (team, category) = (field("team_id"), field("category"));
    let whom = form.and_then(|f| f.opt("patient_id")).or(for_whom).unwrap_or_default();
    let teams = s.app.list_teams(actor).await.map_err(|e| ApiError::Internal(e.into()))?;
    let people = people(s, actor, ctx).await?;
    Ok(Compose {
        chrome: Chrome::signed_in(s, actor, SIDE),
        people: people
            .into_iter()
            .map(|(id, label)| {
                let chosen = id == whom;
                (id, label, chosen)
            })
            .collect(),
        teams: teams
            .into_iter()
            .map(|t| {
                let id = t.id.to_string();
                let chosen = id == team;
                (id, t.name, chosen)
            })
            .collect(),
        categories: Category::ALL.iter().map(|c| (c.as_str(), category_label(*c), c.as_str() == category)).collect(),
        subject: field("subject"),
        body: field("body"),
        error,
        idempotency_key: form_key(s),
    })
}

/// `GET /portal/compose`: write to a team (`?for=` preselects whom it is about).
pub(crate) async fn portal_compose(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<ForWhom>,
) -> Result<Response, ApiError> {
    render(StatusCode::OK, &compose_page(&s, &ctx, &actor, None, q.for_whom, None).await?)
}

/// `POST /portal/threads`: starts a conversation, then shows it.
pub(crate) async fn portal_start_thread(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    let team = form.opt("team_id").and_then(|t| t.parse::<TeamId>().ok());
    let Some(team_id) = team else {
        let page = compose_page(&s, &ctx, &actor, Some(&form), None, Some(super::t().err_team.into())).await?;
        return render(StatusCode::BAD_REQUEST, &page);
    };
    let req = OpenThread {
        patient_id: form.opt("patient_id").and_then(|p| p.parse().ok()),
        team_id,
        subject: form.opt("subject").unwrap_or_default(),
        body: form.opt("body").unwrap_or_default(),
        category: form.opt("category").unwrap_or_else(|| "general".into()),
        files: form.files.clone(),
        idempotency_key: form.opt("idempotency_key"),
    };
    match s.app.open_thread(&actor, req, &ctx).await {
        Ok(posted) => Ok(see_other(&format!("/portal/threads/{}", posted.thread_id))),
        Err(e) => match form_problem(e) {
            Ok(text) => {
                render(StatusCode::BAD_REQUEST, &compose_page(&s, &ctx, &actor, Some(&form), None, Some(text)).await?)
            }
            Err(e) => Ok(messaging_problem(e, SIDE)),
        },
    }
}

/// A refused form as words for the person who typed it; other errors go on.
pub(crate) fn form_problem(e: MessagingError) -> Result<String, MessagingError> {
    let t = super::t();
    match e {
        MessagingError::Invalid(f) => Ok(match f.field {
            "subject" => t.err_subject.to_owned(),
            "body" => t.err_body.to_owned(),
            "team_id" => t.err_team.to_owned(),
            "category" => t.err_category.to_owned(),
            _ => format!("{} ({f})", t.err_check_form),
        }),
        MessagingError::UnsupportedFile => Ok(t.err_file_type.to_owned()),
        MessagingError::FileTooLarge => Ok(t.err_file_size.to_owned()),
        other => Err(other),
    }
}

#[derive(Template)]
#[template(path = "thread.html")]
pub(crate) struct ThreadPage {
    pub(crate) chrome: Chrome,
    pub(crate) thread_id: String,
    pub(crate) staff: bool,
    pub(crate) subject: String,
    pub(crate) team: String,
    pub(crate) category: &'static str,
    pub(crate) open: bool,
    pub(crate) banner: Option<super::staff::Banner>,
    pub(crate) assigned: bool,
    pub(crate) assigned_to_me: bool,
    pub(crate) saved_replies: Vec<(String, String)>,
    pub(crate) messages: Vec<MessageItem>,
    pub(crate) action: String,
    pub(crate) draft: String,
    pub(crate) error: Option<String>,
    pub(crate) idempotency_key: String,
}

/// A fresh key for a form that sends a message: posting it twice (a double click, a reload
/// after a lost answer) sends once.
fn form_key(s: &AppState) -> String {
    portico_domain::id::new_v7(s.app.now()).to_string()
}

/// `GET /portal/threads/{id}`: the conversation; opening it marks it read.
pub(crate) async fn portal_thread(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
) -> Result<Response, ApiError> {
    thread_page(&s, &ctx, &actor, id, SIDE, None, Draft::Empty).await
}

/// The thread page of either side, marked read by the reader.
/// What a thread page's reply box starts with.
pub(crate) enum Draft {
    /// Nothing.
    Empty,
    /// What the reader typed (a refused reply shown again).
    Typed(String),
    /// One of the team's saved replies, by id (staff).
    Saved(String),
}

pub(crate) async fn thread_page(
    s: &AppState,
    ctx: &portico_domain::audit::RequestContext,
    actor: &Actor,
    id: ThreadId,
    side: Side,
    error: Option<String>,
    draft: Draft,
) -> Result<Response, ApiError> {
    let t = match s.app.get_thread(actor, id, ctx).await {
        Ok(t) => t,
        Err(e) => return Ok(messaging_problem(e, side)),
    };
    if let Err(e) = s.app.mark_read(actor, id, ctx).await {
        return Ok(messaging_problem(e, side));
    }
    let (banner, replies) = match side {
        Side::Staff => (
            super::staff::banner(s, ctx, actor, id).await?,
            s.app.saved_replies(actor, t.thread.team_id).await.unwrap_or_default(),
        ),
        Side::Portal => (None, Vec::new()),
    };
    let draft = match draft {
        Draft::Empty => String::new(),
        Draft::Typed(text) => text,
        Draft::Saved(reply) => replies.iter().find(|r| r.id == reply).map(|r| r.body.clone()).unwrap_or_default(),
    };
    let saved_replies = replies.into_iter().map(|r| (r.id, r.title)).collect();
    let me = match actor {
        Actor::Staff(st) => st.id.to_string(),
        Actor::Patient(p) => p.account_id.to_string(),
        Actor::System => String::new(),
    };
    let assigned_to_me = t.thread.assignee_id.is_some_and(|a| a.to_string() == me);
    let tz = &s.app.settings().time_zone;
    let page = ThreadPage {
        chrome: Chrome::signed_in(s, actor, side),
        thread_id: id.to_string(),
        staff: side == Side::Staff,
        subject: t.thread.subject.expose().to_owned(),
        team: t.thread.team_name.clone(),
        category: category_label(t.thread.category),
        open: t.thread.status == portico_domain::messaging::ThreadStatus::Open,
        banner,
        assigned: t.thread.assignee_id.is_some(),
        assigned_to_me,
        saved_replies,
        messages: message_items(&t, side, &me, tz),
        action: format!("{}/threads/{id}/messages", side.home()),
        draft,
        error: error.clone(),
        idempotency_key: form_key(s),
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(status, &page)
}

/// `POST /portal/threads/{id}/messages`: a reply, then the conversation again.
pub(crate) async fn portal_send(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
    form: Form,
) -> Result<Response, ApiError> {
    send(&s, &ctx, &actor, id, SIDE, form).await
}

/// Sends the reply a thread page's form carries (an internal note when staff ticked it).
pub(crate) async fn send(
    s: &AppState,
    ctx: &portico_domain::audit::RequestContext,
    actor: &Actor,
    id: ThreadId,
    side: Side,
    form: Form,
) -> Result<Response, ApiError> {
    let draft = form.opt("body").unwrap_or_default();
    let req = SendMessage {
        body: draft.clone(),
        internal: side == Side::Staff && form.flag("internal").unwrap_or(false),
        idempotency_key: form.opt("idempotency_key"),
        files: form.files,
    };
    match s.app.send_message(actor, id, req, ctx).await {
        Ok(_) => Ok(see_other(&format!("{}/threads/{id}#latest", side.home()))),
        Err(e) => match form_problem(e) {
            Ok(text) => thread_page(s, ctx, actor, id, side, Some(text), Draft::Typed(draft)).await,
            Err(e) => Ok(messaging_problem(e, side).into_response()),
        },
    }
}

/// `POST /portal/messages/{id}/recall`: withdraws one's own message, then shows the
/// conversation (`thread_id` in the form says which).
pub(crate) async fn portal_recall(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<portico_domain::MessageId>,
    form: Form,
) -> Result<Response, ApiError> {
    recall(&s, &ctx, &actor, id, SIDE, &form).await
}

/// Recalls a message from a thread page's button and goes back to the conversation. A message
/// someone had read is withdrawn too, and the privacy officer gets a record of it.
pub(crate) async fn recall(
    s: &AppState,
    ctx: &portico_domain::audit::RequestContext,
    actor: &Actor,
    id: portico_domain::MessageId,
    side: Side,
    form: &Form,
) -> Result<Response, ApiError> {
    match s.app.recall(actor, id, ctx).await {
        Ok(_) => {
            let thread = form.opt("thread_id").and_then(|t| t.parse::<ThreadId>().ok());
            Ok(see_other(&thread.map_or_else(|| side.home().to_owned(), |t| format!("{}/threads/{t}", side.home()))))
        }
        Err(e) => Ok(messaging_problem(e, side)),
    }
}

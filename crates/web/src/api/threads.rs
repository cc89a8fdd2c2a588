//! Threads and messages: `/api/v1/threads...`, `/api/v1/messages/{id}/recall`,
//! `/api/v1/attachments/{id}`, `/api/v1/results`, saved replies, misdirected-message records.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portico_app::messaging::{MessagingError, OpenThread, SendMessage, ShareResult, ThreadView, ThreadWithMessages};
use portico_domain::messaging::ThreadStatus;
use portico_domain::{AttachmentId, MessageId, StaffId, TeamId, ThreadId, Timestamp};
use portico_store::messaging::Posted;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, Json};
use crate::form::Form;

/// Maps messaging errors to the code table.
pub(crate) fn messaging_error(e: MessagingError) -> ApiError {
    match e {
        MessagingError::NotFound => ApiError::not_found(),
        MessagingError::Forbidden => ApiError::new(ErrorCode::Forbidden, "This account may not do that."),
        MessagingError::Invalid(f) => ApiError::new(ErrorCode::InvalidRequest, f.to_string()),
        MessagingError::UnsupportedFile => {
            ApiError::new(ErrorCode::UnsupportedFile, "Files must be PDF, PNG, JPEG or plain text.")
        }
        MessagingError::FileTooLarge => ApiError::new(ErrorCode::PayloadTooLarge, "A file is larger than the limit."),
        MessagingError::Conflict(what) => ApiError::new(ErrorCode::Conflict, format!("Conflict: {what}.")),
        MessagingError::Unexpected(e) => ApiError::Internal(e.into()),
    }
}

/// The threads list.
#[derive(Serialize, ToSchema)]
pub struct ThreadList {
    /// Threads, newest activity first.
    #[schema(value_type = Vec<Object>)]
    pub threads: Vec<ThreadView>,
}

/// Threads visible to the signed-in account.
#[utoipa::path(get, path = "/api/v1/threads", tag = "messaging",
    responses((status = 200, body = ThreadList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_threads(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<ThreadList>, ApiError> {
    let threads = s.app.list_threads(&actor, &ctx).await.map_err(messaging_error)?;
    Ok(axum::Json(ThreadList { threads }))
}

/// A created message (or thread, whose first message it is).
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// The thread id (for `POST /threads`) or message id (for `POST /threads/{id}/messages`).
    pub id: String,
    /// The thread.
    pub thread_id: String,
    /// The message.
    pub message_id: String,
    /// When it was written (RFC 3339).
    #[schema(value_type = String)]
    pub created_at: Timestamp,
}

fn created(posted: Posted, id_is_thread: bool) -> Response {
    let id = if id_is_thread { posted.thread_id.to_string() } else { posted.message_id.to_string() };
    let body = Created {
        id,
        thread_id: posted.thread_id.to_string(),
        message_id: posted.message_id.to_string(),
        created_at: posted.created_at,
    };
    let mut resp = (StatusCode::CREATED, axum::Json(body)).into_response();
    if posted.replayed {
        resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "Idempotency-Key must be ASCII."))
        })
        .transpose()
}

/// Opens a thread: JSON `{"team_id","subject","body","category","patient_id"?}` or multipart
/// with the same fields and `file` parts.
#[utoipa::path(post, path = "/api/v1/threads", tag = "messaging",
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn open_thread(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ApiError> {
    let req = OpenThread {
        patient_id: form.parsed("patient_id")?,
        team_id: form
            .parsed::<TeamId>("team_id")?
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, "The field 'team_id' is required."))?,
        subject: form.text("subject")?,
        body: form.text("body")?,
        category: form.opt("category").unwrap_or_else(|| "general".into()),
        files: form.files,
        idempotency_key: idempotency_key(&headers)?,
    };
    let posted = s.app.open_thread(&actor, req, &ctx).await.map_err(messaging_error)?;
    Ok(created(posted, true))
}

/// A thread with the messages the reader may see.
#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "messaging", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"thread\":{...},\"messages\":[...]}`"), (status = 404, body = ErrorBody)))]
pub async fn get_thread(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
) -> Result<axum::Json<ThreadWithMessages>, ApiError> {
    Ok(axum::Json(s.app.get_thread(&actor, id, &ctx).await.map_err(messaging_error)?))
}

/// Changes to a thread (staff).
#[derive(Deserialize, ToSchema)]
pub struct ThreadPatch {
    /// `open` or `closed`.
    pub status: Option<String>,
    /// A staff id to assign, or `null` to unassign (omit to leave as is).
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<Option<StaffId>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// Closes, reopens, assigns or unassigns a thread.
#[utoipa::path(patch, path = "/api/v1/threads/{id}", tag = "messaging", params(("id" = String, Path)), request_body = ThreadPatch,
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn update_thread(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
    Json(p): Json<ThreadPatch>,
) -> Result<StatusCode, ApiError> {
    let status = p
        .status
        .as_deref()
        .map(ThreadStatus::parse)
        .transpose()
        .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.to_string()))?;
    s.app.update_thread(&actor, id, status, p.assignee_id, &ctx).await.map_err(messaging_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a message: JSON `{"body","internal"?}` or multipart with `body` and `file` parts. An
/// `Idempotency-Key` header makes retries safe (a time-ordered key such as a UUIDv7 is cheapest
/// to store).
#[utoipa::path(post, path = "/api/v1/threads/{id}/messages", tag = "messaging", params(("id" = String, Path)),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn post_message(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, ApiError> {
    let req = SendMessage {
        body: form.text("body")?,
        internal: form.flag("internal")?,
        files: form.files,
        idempotency_key: idempotency_key(&headers)?,
    };
    let posted = s.app.send_message(&actor, id, req, &ctx).await.map_err(messaging_error)?;
    Ok(created(posted, false))
}

/// How many messages were marked read.
#[derive(Serialize, ToSchema)]
pub struct Marked {
    /// Newly marked.
    pub marked: u64,
}

/// Marks the thread read by the signed-in account.
#[utoipa::path(post, path = "/api/v1/threads/{id}/read", tag = "messaging", params(("id" = String, Path)),
    responses((status = 200, body = Marked), (status = 404, body = ErrorBody)))]
pub async fn mark_read(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<ThreadId>,
) -> Result<axum::Json<Marked>, ApiError> {
    let marked = s.app.mark_read(&actor, id, &ctx).await.map_err(messaging_error)?;
    Ok(axum::Json(Marked { marked }))
}

/// Recalls a message (its author, or an admin).
#[utoipa::path(post, path = "/api/v1/messages/{id}/recall", tag = "messaging", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"message_id\",\"had_been_read\",\"misdirected_id\"?}`"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn recall(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<MessageId>,
) -> Result<Response, ApiError> {
    let done = s.app.recall(&actor, id, &ctx).await.map_err(messaging_error)?;
    Ok(axum::Json(done).into_response())
}

/// Downloads an attachment (checked against its SHA-256), always as a download.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "messaging", params(("id" = String, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<AttachmentId>,
) -> Result<Response, ApiError> {
    let file = s.app.download(&actor, id, &ctx).await.map_err(messaging_error)?;
    let disposition = format!("attachment; filename=\"{}\"", ascii_filename(file.filename.expose()));
    let mut resp = file.content.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    Ok(resp)
}

/// A file name reduced to printable ASCII for the header (the stored name is kept as is).
fn ascii_filename(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    if s.trim().is_empty() { "attachment".into() } else { s }
}

/// Shares a result with a patient: multipart with `patient_id`, `team_id`, `subject`, `body`,
/// optional `release_at` (RFC 3339) and one `file`.
#[utoipa::path(post, path = "/api/v1/results", tag = "messaging",
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn share_result(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    mut form: Form,
) -> Result<Response, ApiError> {
    let release_at = form.opt("release_at").map(|t| parse_rfc3339(&t)).transpose()?;
    let file = if form.files.len() == 1 {
        form.files.remove(0)
    } else {
        return Err(ApiError::new(ErrorCode::InvalidRequest, "Attach exactly one file."));
    };
    let req = ShareResult {
        patient_id: required(form.parsed("patient_id")?, "patient_id")?,
        team_id: required(form.parsed("team_id")?, "team_id")?,
        subject: form.opt("subject").unwrap_or_else(|| "Your result".into()),
        body: form.text("body")?,
        release_at,
        file,
    };
    let posted = s.app.share_result(&actor, req, &ctx).await.map_err(messaging_error)?;
    Ok(created(posted, true))
}

fn required<T>(v: Option<T>, name: &str) -> Result<T, ApiError> {
    v.ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, format!("The field '{name}' is required.")))
}

fn parse_rfc3339(s: &str) -> Result<Timestamp, ApiError> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|_| {
        ApiError::new(ErrorCode::InvalidRequest, "release_at must be an RFC 3339 time, e.g. 2026-12-01T09:00:00Z.")
    })?;
    Ok(Timestamp::from_unix_millis(i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)))
}

/// A saved reply to create.
#[derive(Deserialize, ToSchema)]
pub struct NewSavedReply {
    /// Short title.
    pub title: String,
    /// Text.
    pub body: String,
}

/// The saved replies of a team.
#[utoipa::path(get, path = "/api/v1/teams/{id}/saved-replies", tag = "messaging", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"saved_replies\":[{\"id\",\"title\",\"body\"}]}`"), (status = 404, body = ErrorBody)))]
pub async fn saved_replies(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(team): Path<TeamId>,
) -> Result<Response, ApiError> {
    let list = s.app.saved_replies(&actor, team).await.map_err(messaging_error)?;
    Ok(axum::Json(serde_json::json!({ "saved_replies": list })).into_response())
}

/// Adds a saved reply to a team.
#[utoipa::path(post, path = "/api/v1/teams/{id}/saved-replies", tag = "messaging", params(("id" = String, Path)), request_body = NewSavedReply,
    responses((status = 201), (status = 404, body = ErrorBody)))]
pub async fn create_saved_reply(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(team): Path<TeamId>,
    Json(b): Json<NewSavedReply>,
) -> Result<StatusCode, ApiError> {
    s.app.create_saved_reply(&actor, team, &b.title, &b.body, &ctx).await.map_err(messaging_error)?;
    Ok(StatusCode::CREATED)
}

/// Misdirected-message records (privacy officer, admin).
#[utoipa::path(get, path = "/api/v1/misdirected-messages", tag = "privacy",
    responses((status = 200, description = "`{\"records\":[...]}`"), (status = 403, body = ErrorBody)))]
pub async fn misdirected(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    let records = s.app.misdirected(&actor, &ctx).await.map_err(messaging_error)?;
    Ok(axum::Json(serde_json::json!({ "records": records })).into_response())
}

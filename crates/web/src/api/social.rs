//! The social inbox and moderation queue: redacted items from Messenger, Instagram, page
//! comments and texts. Staff can mark them handled, send the standard invitation, or hide and
//! unhide comments; nothing here sends free text to a social channel.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use portico_app::social::SocialError;
use portico_store::social::{Moderation, Queue};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, Json};

pub(crate) fn social_error(e: SocialError) -> ApiError {
    match e {
        SocialError::Forbidden => ApiError::new(ErrorCode::Forbidden, "This account may not do that."),
        SocialError::NotFound => ApiError::not_found(),
        SocialError::NotApplicable(why) => ApiError::new(ErrorCode::InvalidRequest, why),
        SocialError::Unexpected(e) => ApiError::Internal(e.into()),
    }
}

/// `?all=true` lists handled items too.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    all: bool,
}

async fn list(
    s: AppState,
    actor: portico_domain::Actor,
    ctx: portico_domain::audit::RequestContext,
    queue: Queue,
    all: bool,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let items = s.app.social_items(&actor, queue, all, &ctx).await.map_err(social_error)?;
    Ok(axum::Json(serde_json::json!({ "items": items })))
}

/// Direct messages and texts, newest first, with PHI replaced by `[LABEL]` (front desk,
/// privacy officer, admin).
#[utoipa::path(get, path = "/api/v1/social/messages", tag = "social", params(("all" = Option<bool>, Query)),
    responses((status = 200, description = "`{\"items\":[...]}`"), (status = 403, body = ErrorBody)))]
pub async fn messages(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    list(s, actor, ctx, Queue::Messages, q.all).await
}

/// Page and Instagram comments with the moderation decision taken on each.
#[utoipa::path(get, path = "/api/v1/social/comments", tag = "social", params(("all" = Option<bool>, Query)),
    responses((status = 200, description = "`{\"items\":[...]}`"), (status = 403, body = ErrorBody)))]
pub async fn comments(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    list(s, actor, ctx, Queue::Comments, q.all).await
}

/// Marks an item handled.
#[utoipa::path(post, path = "/api/v1/social/items/{id}/handled", tag = "social", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn handled(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.mark_social_handled(&actor, &id, &ctx).await.map_err(social_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends the clinic's standard invitation to the secure portal to the sender of a direct
/// message (within the platform's 24-hour window).
#[utoipa::path(post, path = "/api/v1/social/items/{id}/invite", tag = "social", params(("id" = String, Path)),
    responses((status = 202), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn invite(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.invite_social_sender(&actor, &id, &ctx).await.map_err(social_error)?;
    Ok(StatusCode::ACCEPTED)
}

/// A moderation decision on a comment.
#[derive(Deserialize, ToSchema)]
pub struct ModerationBody {
    /// `hide`, `unhide` or `leave`.
    pub action: String,
}

/// Hides, unhides or leaves a comment; the item is then handled.
#[utoipa::path(post, path = "/api/v1/social/items/{id}/moderation", tag = "social", params(("id" = String, Path)), request_body = ModerationBody,
    responses((status = 200, description = "`{\"decision\"}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn moderate(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    Json(b): Json<ModerationBody>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let verdict = match b.action.as_str() {
        "hide" => Moderation::Hide,
        "unhide" => Moderation::Unhide,
        "leave" => Moderation::Leave,
        _ => return Err(ApiError::new(ErrorCode::InvalidRequest, "action: must be hide, unhide or leave")),
    };
    let d = s.app.moderate_social(&actor, &id, verdict, &ctx).await.map_err(social_error)?;
    Ok(axum::Json(serde_json::json!({ "decision": d.as_str() })))
}

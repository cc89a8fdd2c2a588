//! What keeps a signed-in page honest while it stays open: the staff pages' live updates
//! (Server-Sent Events naming the conversations that changed, ids only) and the "stay signed
//! in" of the idle warning.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use portico_domain::Actor;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{Ctx, CurrentActor, session_cookie};

/// How often an open stream checks that its session is still valid (it ends with it).
const SESSION_CHECK: Duration = Duration::from_secs(10);

/// `GET /staff/events`: `event: thread` with the id of a conversation of one of the reader's
/// teams that changed (`event: refresh` if some were missed). Care-team staff only. It is
/// background traffic (it does not keep the session alive) and ends when the session does.
pub(crate) async fn staff_events(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let teams = match &actor {
        Actor::Staff(st) if st.role.is_care_team() => st.teams.clone(),
        _ => return Err(ApiError::new(ErrorCode::Forbidden, "This account may not do that.")),
    };
    let token = session_cookie(&headers).ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "Sign in first."))?;
    let changes = s.app.thread_changes();
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.reset();
    let state = (changes, check, s, ctx, token, teams);
    let stream = futures_util::stream::unfold(state, |(mut changes, mut check, s, ctx, token, teams)| async move {
        loop {
            let event = tokio::select! {
                change = changes.recv() => match change {
                    Ok(c) if teams.contains(&c.team) => Event::default().event("thread").data(c.thread.to_string()),
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => Event::default().event("refresh").data(""),
                    Err(RecvError::Closed) => return None,
                },
                _ = check.tick() => {
                    if s.app.authenticate(&token, &ctx, false).await.is_err() {
                        return None;
                    }
                    continue;
                }
            };
            return Some((Ok::<_, Infallible>(event), (changes, check, s, ctx, token, teams)));
        }
    });
    Ok(sse(stream).into_response())
}

fn sse<S: Stream<Item = Result<Event, Infallible>> + Send + 'static>(stream: S) -> impl IntoResponse {
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// `POST /session/keep-alive`: the idle warning's "stay signed in". Any signed-in request
/// resets the idle timer; this one does nothing else.
pub(crate) async fn keep_alive() -> StatusCode {
    StatusCode::NO_CONTENT
}

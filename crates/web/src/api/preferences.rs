//! The patient's notification preferences.

use axum::extract::State;
use portico_app::admin::AdminError;
use portico_app::notify::PreferencesInput;
use portico_domain::notify::Preferences;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, Json};

/// Notification preferences.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct PreferencesBody {
    /// `email`, `sms`: how to be told that something is waiting (empty: not at all).
    pub channels: Vec<String>,
    /// Texts wait from this local time (`HH:MM`)...
    pub quiet_start: Option<String>,
    /// ...until this one (`HH:MM`).
    pub quiet_end: Option<String>,
    /// IANA time zone of the quiet hours (default: the clinic's).
    pub time_zone: Option<String>,
    /// One notice a day (at 17:00 in `time_zone`) for the day's new messages and results,
    /// instead of one each (default false).
    #[serde(default)]
    pub digest: bool,
}

fn body(p: &Preferences) -> PreferencesBody {
    let mut channels = Vec::new();
    if p.email {
        channels.push("email".to_owned());
    }
    if p.sms {
        channels.push("sms".to_owned());
    }
    PreferencesBody {
        channels,
        quiet_start: p.quiet_hours.map(|q| Preferences::hhmm(q.0)),
        quiet_end: p.quiet_hours.map(|q| Preferences::hhmm(q.1)),
        time_zone: Some(p.time_zone.clone()),
        digest: p.digest,
    }
}

fn error(e: AdminError) -> ApiError {
    match e {
        AdminError::Forbidden => ApiError::new(ErrorCode::Forbidden, "Preferences are the patient's own."),
        AdminError::Invalid(f) => ApiError::new(ErrorCode::InvalidRequest, f.to_string()),
        other => ApiError::Internal(anyhow::anyhow!("{other}")),
    }
}

/// My notification preferences (patients; the defaults until changed).
#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "account",
    responses((status = 200, body = PreferencesBody), (status = 403, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<PreferencesBody>, ApiError> {
    Ok(axum::Json(body(&s.app.my_notification_preferences(&actor).await.map_err(error)?)))
}

/// Replaces my notification preferences (patients; audited).
#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "account", request_body = PreferencesBody,
    responses((status = 200, body = PreferencesBody), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Json(b): Json<PreferencesBody>,
) -> Result<axum::Json<PreferencesBody>, ApiError> {
    let input = PreferencesInput {
        channels: b.channels,
        quiet_start: b.quiet_start,
        quiet_end: b.quiet_end,
        time_zone: b.time_zone,
        digest: b.digest,
    };
    Ok(axum::Json(body(&s.app.set_my_notification_preferences(&actor, &input, &ctx).await.map_err(error)?)))
}

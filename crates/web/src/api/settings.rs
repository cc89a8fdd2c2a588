//! Settings administrators change while the clinic runs: the social bridge's Meta connection,
//! standard messages, comment policies and retention (admins). Secrets are write-only.

use axum::extract::State;
use portico_app::social::settings::{SettingsError, SocialPatch, SocialSettingsView};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, Json};

pub(crate) fn settings_error(e: SettingsError) -> ApiError {
    match e {
        SettingsError::Forbidden => ApiError::new(ErrorCode::Forbidden, "This account may not do that."),
        SettingsError::Invalid(f) => ApiError::new(ErrorCode::InvalidRequest, f.to_string()),
        SettingsError::Stale => ApiError::new(
            ErrorCode::Conflict,
            "The settings were changed since you read them. Reload them and make your change again.",
        ),
        SettingsError::Unexpected(e) => ApiError::Internal(e.into()),
    }
}

/// A change to the bridge's settings.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SocialSettingsBody {
    /// The `version` the change was made from, as read (0 while the file's settings are in force).
    pub version: i64,
    /// The fields to change (`meta` with `app_secret`, `verify_token`, `page_id`,
    /// `page_access_token`, `graph_base_url`, `graph_version`; `disconnect_meta`;
    /// `redirect_message`, `phi_message`, `public_reply`; `phi_comments`,
    /// `relationship_comments` (`hide`, `review`, `leave`); `retention_days`; `phone`, `hours`,
    /// `portal_url`, `appointment_url`). Fields left out keep their value.
    #[schema(value_type = Object)]
    pub changes: SocialPatch,
}

/// The social bridge's settings in force, without secrets (admins). `source` says whether they
/// come from the configuration file or were saved here.
#[utoipa::path(get, path = "/api/v1/admin/social-settings", tag = "settings",
    responses((status = 200, description = "`{\"source\",\"version\",\"meta\":{\"page_id\",\"graph_base_url\",\"graph_version\",\"callback_url\"}|null,\"redirect_message\",...}`"), (status = 403, body = ErrorBody)))]
pub async fn get_social(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<SocialSettingsView>, ApiError> {
    Ok(axum::Json(s.app.social_settings_view(&actor).map_err(settings_error)?))
}

/// Changes the social bridge's settings (admins). Every field is checked first (standard
/// messages by the PHI scanner); a refused field is named and nothing changes. Saved settings
/// are sealed in the database and win over the configuration file; every node uses them within
/// five seconds. A `version` other than the one in force is a 409.
#[utoipa::path(put, path = "/api/v1/admin/social-settings", tag = "settings", request_body = SocialSettingsBody,
    responses((status = 200, description = "the settings now in force, as `GET` shows them"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_social(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Json(b): Json<SocialSettingsBody>,
) -> Result<axum::Json<SocialSettingsView>, ApiError> {
    let view = s.app.save_social_settings(&actor, b.version, &b.changes, &ctx).await.map_err(settings_error)?;
    Ok(axum::Json(view))
}

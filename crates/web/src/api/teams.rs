//! `GET /api/v1/teams`.

use axum::extract::State;
use portico_domain::TeamId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::CurrentActor;

/// A team.
#[derive(Serialize, ToSchema)]
pub struct TeamView {
    /// Id.
    #[schema(value_type = String)]
    pub id: TeamId,
    /// Name.
    pub name: String,
}

/// The teams list.
#[derive(Serialize, ToSchema)]
pub struct TeamsResponse {
    /// Teams, by name.
    pub teams: Vec<TeamView>,
}

/// Teams the signed-in account may write to (patients: teams open to patient messages).
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams",
    responses((status = 200, body = TeamsResponse), (status = 401, body = ErrorBody)))]
pub async fn list_teams(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<TeamsResponse>, ApiError> {
    let teams = state.app.list_teams(&actor).await?.into_iter().map(|t| TeamView { id: t.id, name: t.name }).collect();
    Ok(axum::Json(TeamsResponse { teams }))
}

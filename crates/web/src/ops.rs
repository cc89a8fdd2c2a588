//! Operations endpoints: health, Prometheus metrics, the OpenAPI document.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api;
use crate::error::ErrorBody;

/// Health status.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `ok` or `unreachable`.
    pub database: &'static str,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.app.store().ping().await {
        Ok(()) => axum::Json(Health { status: "ok", database: "ok" }).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            // 503 bodies are rewritten at the boundary only for 500; keep this one readable.
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(Health { status: "unavailable", database: "unreachable" }))
                .into_response()
        }
    }
}

/// Prometheus metrics (an admin session or the configured bearer token).
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, content_type = "text/plain", description = "Prometheus text format"), (status = 401, body = ErrorBody)))]
pub async fn metrics() -> Response {
    let body = crate::metrics_handle().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// The OpenAPI document of the JSON API, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "Portico API", description = "Secure messaging between a clinic and its patients."),
    paths(
        healthz,
        metrics,
        openapi,
        api::auth::login,
        api::auth::logout,
        api::me::get_me,
        api::me::begin_totp,
        api::me::confirm_totp,
        api::passkeys::list,
        api::passkeys::start_adding,
        api::passkeys::add,
        api::passkeys::remove,
        api::passkeys::start_sign_in,
        api::passkeys::finish_sign_in,
        api::enroll::enroll,
        api::teams::list_teams,
        api::threads::list_threads,
        api::threads::open_thread,
        api::threads::get_thread,
        api::threads::update_thread,
        api::threads::post_message,
        api::threads::mark_read,
        api::threads::recall,
        api::threads::download,
        api::threads::share_result,
        api::threads::saved_replies,
        api::threads::create_saved_reply,
        api::threads::misdirected,
        api::audit::access_report,
        api::audit::my_access_log,
        api::audit::alerts,
        api::audit::record_disclosure,
        api::audit::accounting,
        api::audit::my_accounting,
        api::break_glass::request,
        api::break_glass::reviews,
        api::break_glass::review,
        api::vendors::list,
        api::vendors::create,
        api::vendors::update,
        api::vendors::admin_alerts,
        api::settings::get_social,
        api::settings::put_social,
        api::preferences::get,
        api::preferences::put,
        api::social::messages,
        api::social::comments,
        api::social::handled,
        api::social::invite,
        api::social::moderate,
        api::testimonials::record_authorization,
        api::testimonials::authorizations,
        api::testimonials::revoke,
        api::testimonials::create,
        api::testimonials::list,
        api::testimonials::publishable
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "ops", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}

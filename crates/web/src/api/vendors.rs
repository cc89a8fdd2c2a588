//! The vendor registry: business associate agreements (admins record them; admins and the
//! privacy officer see which need attention).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::admin::AdminError;
use portico_app::vendors::VendorPatch;
use portico_domain::vendor::VendorRecord;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor, Json};

pub(crate) fn admin_error(e: AdminError) -> ApiError {
    match e {
        AdminError::Forbidden => ApiError::new(ErrorCode::Forbidden, "This account may not do that."),
        AdminError::Invalid(f) => ApiError::new(ErrorCode::InvalidRequest, f.to_string()),
        AdminError::WeakPassword(p) => ApiError::new(ErrorCode::WeakPassword, p.to_string()),
        AdminError::Conflict(what) => ApiError::new(ErrorCode::Conflict, format!("{what} already exists.")),
        AdminError::NotFound(_) => ApiError::not_found(),
        AdminError::Unexpected(e) => ApiError::Internal(e.into()),
    }
}

/// A vendor to record.
#[derive(Deserialize, ToSchema)]
pub struct VendorBody {
    /// The vendor ("Example SMS Inc.").
    pub name: String,
    /// What it does for the clinic ("SMS delivery").
    pub service: String,
    /// When the BAA was signed (YYYY-MM-DD).
    pub baa_signed_on: Option<String>,
    /// When it ends (YYYY-MM-DD; none: until terminated).
    pub baa_expires_on: Option<String>,
    /// Where the signed document is kept.
    #[serde(default)]
    pub document_ref: String,
    /// `active`, `pending` or `terminated`.
    pub status: String,
}

/// Fields to change; the others keep their value. An empty date clears it.
#[derive(Deserialize, ToSchema)]
pub struct VendorPatchBody {
    /// The vendor.
    pub name: Option<String>,
    /// What it does.
    pub service: Option<String>,
    /// BAA signature date (YYYY-MM-DD, or empty).
    pub baa_signed_on: Option<String>,
    /// BAA end date (YYYY-MM-DD, or empty).
    pub baa_expires_on: Option<String>,
    /// Where the document is kept.
    pub document_ref: Option<String>,
    /// `active`, `pending` or `terminated`.
    pub status: Option<String>,
}

/// The registry, by name, with each agreement's standing today (`current`, `expiring_soon`,
/// `expired`, `not_yet_in_force`, `no_baa`, `terminated`) and whether it needs attention; and
/// each configured notification channel with its vendor's standing (`providers`).
#[utoipa::path(get, path = "/api/v1/vendors", tag = "vendors",
    responses((status = 200, description = "`{\"vendors\":[...],\"providers\":[...],\"needs_attention\":N}`"), (status = 403, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>, CurrentActor(actor): CurrentActor) -> Result<Response, ApiError> {
    let vendors = s.app.vendors(&actor).await.map_err(admin_error)?;
    let providers = s.app.providers(&actor).await.map_err(admin_error)?;
    let attention =
        vendors.iter().filter(|v| v.needs_attention).count() + providers.iter().filter(|p| !p.has_current_baa).count();
    Ok(axum::Json(serde_json::json!({ "vendors": vendors, "providers": providers, "needs_attention": attention }))
        .into_response())
}

/// Records a vendor and its BAA (admins).
#[utoipa::path(post, path = "/api/v1/vendors", tag = "vendors", request_body = VendorBody,
    responses((status = 201, description = "`{\"id\"}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Json(b): Json<VendorBody>,
) -> Result<Response, ApiError> {
    let v = VendorRecord::parse(
        &b.name,
        &b.service,
        b.baa_signed_on.as_deref(),
        b.baa_expires_on.as_deref(),
        &b.document_ref,
        &b.status,
    )
    .map_err(|f| admin_error(f.into()));
    // Permission before validation: a caller who may not do this learns nothing from the body.
    if !portico_domain::authz::permits(&actor, &portico_domain::authz::Action::ManageVendors) {
        return Err(admin_error(AdminError::Forbidden));
    }
    let id = s.app.create_vendor(&actor, &v?, &ctx).await.map_err(admin_error)?;
    Ok((StatusCode::CREATED, axum::Json(serde_json::json!({ "id": id }))).into_response())
}

/// Changes a vendor's record (admins).
#[utoipa::path(patch, path = "/api/v1/vendors/{id}", tag = "vendors", params(("id" = String, Path)), request_body = VendorPatchBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    Json(b): Json<VendorPatchBody>,
) -> Result<StatusCode, ApiError> {
    let patch = VendorPatch {
        name: b.name,
        service: b.service,
        baa_signed_on: b.baa_signed_on,
        baa_expires_on: b.baa_expires_on,
        document_ref: b.document_ref,
        status: b.status,
    };
    s.app.update_vendor(&actor, &id, &patch, &ctx).await.map_err(admin_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// What needs an administrator: agreements ending within 30 days or ended, channels whose
/// vendor lacks a current agreement, deliveries dead-lettered in the last 7 days (admins).
#[utoipa::path(get, path = "/api/v1/admin/alerts", tag = "vendors",
    responses((status = 200, description = "`{\"alerts\":[{\"kind\",\"severity\",\"message\"}]}`"), (status = 403, body = ErrorBody)))]
pub async fn admin_alerts(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let alerts = s.app.admin_alerts(&actor).await.map_err(admin_error)?;
    Ok(axum::Json(serde_json::json!({ "alerts": alerts })))
}

//! Audit reports: the privacy officer's access report and the patient's own access log.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use portico_app::audit::{ReportError, access_report_csv};
use portico_domain::{PatientId, Timestamp};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{Ctx, CurrentActor};

pub(crate) fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::Forbidden => ApiError::new(ErrorCode::Forbidden, "This report is for the privacy officer."),
        ReportError::Invalid(f) => ApiError::new(ErrorCode::InvalidRequest, f.to_string()),
        ReportError::NotFound => ApiError::not_found(),
        ReportError::Unexpected(e) => ApiError::Internal(e.into()),
    }
}

/// Report parameters.
#[derive(Deserialize, IntoParams, ToSchema)]
pub struct ReportQuery {
    /// The patient.
    pub patient_id: String,
    /// From (RFC 3339, inclusive); default: the beginning.
    pub from: Option<String>,
    /// To (RFC 3339, exclusive); default: now.
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn time_param(v: Option<&str>, default: Timestamp, name: &str) -> Result<Timestamp, ApiError> {
    let Some(v) = v else { return Ok(default) };
    let t = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
        .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, format!("{name} must be an RFC 3339 time.")))?;
    Ok(Timestamp::from_unix_millis(i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)))
}

/// Who accessed a patient's data: when, what, why and from where (privacy officer).
#[utoipa::path(get, path = "/api/v1/audit/access-report", tag = "privacy", params(ReportQuery),
    responses((status = 200, description = "`{\"patient_id\",\"accesses\":[...]}` or CSV"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn access_report(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let patient: PatientId =
        q.patient_id.parse().map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "patient_id is not an id."))?;
    let from = time_param(q.from.as_deref(), Timestamp::from_unix_millis(0), "from")?;
    let to = time_param(q.to.as_deref(), s.app.now().plus(std::time::Duration::from_secs(1)), "to")?;
    let rows = s.app.access_report(&actor, patient, from, to, &ctx).await.map_err(report_error)?;
    Ok(match q.format.as_deref() {
        Some("csv") => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"access-report.csv\""),
            ],
            access_report_csv(&rows),
        )
            .into_response(),
        None | Some("json") => {
            axum::Json(serde_json::json!({ "patient_id": patient, "accesses": rows })).into_response()
        }
        Some(_) => return Err(ApiError::new(ErrorCode::InvalidRequest, "format must be json or csv.")),
    })
}

/// Who at the clinic accessed my record, when, and how (patients; their own actions excluded).
#[utoipa::path(get, path = "/api/v1/me/access-log", tag = "account",
    responses((status = 200, description = "`{\"accesses\":[{\"at\",\"who\",\"role\",\"what\",\"purpose\"}]}`"), (status = 403, body = ErrorBody)))]
pub async fn my_access_log(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    let accesses = s.app.my_access_log(&actor, &ctx).await.map_err(report_error)?;
    Ok(axum::Json(serde_json::json!({ "accesses": accesses })).into_response())
}

/// The window of an alerts query.
#[derive(Deserialize, IntoParams, ToSchema)]
pub struct AlertsQuery {
    /// From (RFC 3339); default: seven days ago.
    pub from: Option<String>,
    /// To (RFC 3339); default: now.
    pub to: Option<String>,
}

/// Accesses flagged for review: many patients in an hour, repeated refusals, after hours, same
/// family name (privacy officer).
#[utoipa::path(get, path = "/api/v1/audit/alerts", tag = "privacy", params(AlertsQuery),
    responses((status = 200, description = "`{\"alerts\":[{\"rule\",\"actor_id\",\"actor_name\",\"patient_id\",\"at\",\"count\"}]}`"), (status = 403, body = ErrorBody)))]
pub async fn alerts(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<AlertsQuery>,
) -> Result<Response, ApiError> {
    let now = s.app.now();
    let week_ago = Timestamp::from_unix_millis(now.unix_millis() - 7 * 24 * 3_600_000);
    let from = time_param(q.from.as_deref(), week_ago, "from")?;
    let to = time_param(q.to.as_deref(), now.plus(std::time::Duration::from_secs(1)), "to")?;
    let alerts = s.app.alerts(&actor, from, to, &ctx).await.map_err(report_error)?;
    Ok(axum::Json(serde_json::json!({ "alerts": alerts })).into_response())
}

/// A disclosure to record.
#[derive(Deserialize, ToSchema)]
pub struct DisclosureBody {
    /// Whose PHI.
    pub patient_id: String,
    /// When it was disclosed (RFC 3339).
    pub disclosed_at: String,
    /// To whom (name, and address if known).
    pub recipient: String,
    /// What was disclosed.
    pub description: String,
    /// Why.
    pub purpose: String,
}

/// Records a disclosure outside treatment, payment and operations (privacy officer).
#[utoipa::path(post, path = "/api/v1/disclosures", tag = "privacy", request_body = DisclosureBody,
    responses((status = 201, description = "`{\"id\"}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_disclosure(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    crate::extract::Json(b): crate::extract::Json<DisclosureBody>,
) -> Result<Response, ApiError> {
    let patient: PatientId =
        b.patient_id.parse().map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "patient_id is not an id."))?;
    let disclosed_at = time_param(Some(&b.disclosed_at), Timestamp::from_unix_millis(0), "disclosed_at")?;
    let d = portico_store::disclosures::NewDisclosure {
        patient,
        disclosed_at,
        recipient: b.recipient,
        description: b.description,
        purpose: b.purpose,
    };
    let id = s.app.record_disclosure(&actor, &d, &ctx).await.map_err(report_error)?;
    Ok((axum::http::StatusCode::CREATED, axum::Json(serde_json::json!({ "id": id }))).into_response())
}

/// Which patient's accounting.
#[derive(Deserialize, IntoParams, ToSchema)]
pub struct AccountingQuery {
    /// The patient.
    pub patient_id: String,
}

/// A patient's accounting of disclosures for the last six years (privacy officer).
#[utoipa::path(get, path = "/api/v1/disclosures", tag = "privacy", params(AccountingQuery),
    responses((status = 200, description = "`{\"disclosures\":[...]}`"), (status = 403, body = ErrorBody)))]
pub async fn accounting(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<AccountingQuery>,
) -> Result<Response, ApiError> {
    let patient: PatientId =
        q.patient_id.parse().map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "patient_id is not an id."))?;
    let list = s.app.accounting(&actor, Some(patient), &ctx).await.map_err(report_error)?;
    Ok(axum::Json(serde_json::json!({ "disclosures": list })).into_response())
}

/// My accounting of disclosures for the last six years (patients).
#[utoipa::path(get, path = "/api/v1/me/disclosures", tag = "account",
    responses((status = 200, description = "`{\"disclosures\":[{\"disclosed_at\",\"recipient\",\"description\",\"purpose\"}]}`"), (status = 403, body = ErrorBody)))]
pub async fn my_accounting(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    let list = s.app.accounting(&actor, None, &ctx).await.map_err(report_error)?;
    Ok(axum::Json(serde_json::json!({ "disclosures": list })).into_response())
}

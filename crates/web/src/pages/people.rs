//! Running the clinic's accounts from the pages: staff accounts and teams (admins), and
//! registering a patient with the invitation code they enroll with (front desk, admins).
//! Secrets created here (a staff member's authenticator link, a patient's invitation code) are
//! shown once, on the answer to the form, and never again.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::admin::{AdminError, StaffInput};
use portico_domain::credentials::Password;
use portico_domain::patient::NewPatient;
use portico_domain::{Actor, StaffRole, TeamId};

use super::{Chrome, Side, client_message, problem, render};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Ctx, CurrentActor};
use crate::form::Form;

const SIDE: Side = Side::Staff;

/// A one-time result shown above the forms.
struct Shown {
    title: String,
    qr_svg: Option<String>,
    secret: Option<String>,
    text: String,
}

#[derive(Template)]
#[template(path = "staff_people.html")]
struct People {
    chrome: Chrome,
    staff: Vec<(String, String, String, String)>,
    teams: Vec<(String, String)>,
    roles: Vec<&'static str>,
    shown: Option<Shown>,
    error: Option<String>,
}

async fn people_page(
    s: &AppState,
    actor: &Actor,
    shown: Option<Shown>,
    error: Option<String>,
) -> Result<Response, ApiError> {
    let staff = match s.app.staff_accounts(actor).await {
        Ok(list) => list,
        Err(e) => return refused(e),
    };
    let teams = s.app.list_teams(actor).await.map_err(|e| ApiError::Internal(e.into()))?;
    let page = People {
        chrome: Chrome::signed_in(s, actor, SIDE),
        staff: staff
            .into_iter()
            .map(|p| {
                let teams = p.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
                (p.name, p.email, p.role.as_str().replace('_', " "), teams)
            })
            .collect(),
        teams: teams.into_iter().map(|t| (t.id.to_string(), t.name)).collect(),
        roles: StaffRole::ALL.iter().map(|r| r.as_str()).collect(),
        shown,
        error: error.clone(),
    };
    render(if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK }, &page)
}

fn refused(e: AdminError) -> Result<Response, ApiError> {
    let (status, text) = client_message(crate::api::vendors::admin_error(e))?;
    Ok(problem(status, Some(SIDE), if status == StatusCode::FORBIDDEN { "Not allowed" } else { "Not done" }, text))
}

/// A refused form: the page again with the reason (a refusal of the role: a 403 page).
async fn again(s: &AppState, actor: &Actor, e: AdminError) -> Result<Response, ApiError> {
    if matches!(e, AdminError::Forbidden | AdminError::Unexpected(_)) {
        return refused(e);
    }
    let (_, text) = client_message(crate::api::vendors::admin_error(e))?;
    people_page(s, actor, None, Some(text)).await
}

/// The authenticator link of a new or reset staff account, as a QR code and its key.
fn authenticator(title: String, uri: &str) -> Result<Shown, ApiError> {
    let secret = uri.split("secret=").nth(1).and_then(|r| r.split('&').next()).map(str::to_owned);
    Ok(Shown {
        title,
        qr_svg: Some(super::security::qr_svg(uri)?),
        secret,
        text: "Give this to the person in person: they scan it with their authenticator app. It is shown only now."
            .into(),
    })
}

/// `GET /staff/admin/people`: staff accounts and teams (admins).
pub(crate) async fn staff_people(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    people_page(&s, &actor, None, None).await
}

/// `POST /staff/admin/people`: `action` = `create_team` (`team_name`), `create_staff`
/// (`email`, `name`, `role`, `password`, `team_<id>` checkboxes), `reset_mfa` or `deactivate`
/// (`email`).
pub(crate) async fn staff_people_act(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    // Permission before validation: a caller who may not do this learns nothing from the form.
    if !portico_domain::authz::permits(&actor, &portico_domain::authz::Action::ManageStaff) {
        return refused(AdminError::Forbidden);
    }
    let text = |name: &str| form.opt(name).unwrap_or_default();
    let shown = match form.opt("action").as_deref() {
        Some("create_team") => match s.app.create_team(&actor, &text("team_name"), &ctx).await {
            Ok(_) => None,
            Err(e) => return again(&s, &actor, e).await,
        },
        Some("create_staff") => {
            let teams = s.app.list_teams(&actor).await.map_err(|e| ApiError::Internal(e.into()))?;
            let chosen: Vec<TeamId> =
                teams.iter().filter(|t| form.flag_named(&format!("team_{}", t.id))).map(|t| t.id).collect();
            let role = StaffRole::parse(&text("role"));
            let password = Password::parse(&text("password"));
            let (Ok(role), Ok(password)) = (role, password) else {
                let e = match Password::parse(&text("password")) {
                    Err(p) => AdminError::WeakPassword(p),
                    Ok(_) => AdminError::Invalid(portico_domain::patient::FieldError {
                        field: "role",
                        reason: "must be one of the roles",
                    }),
                };
                return again(&s, &actor, e).await;
            };
            let input = StaffInput { email: text("email"), name: text("name"), role, teams: chosen, password };
            match s.app.create_staff(&actor, input, &ctx).await {
                Ok(created) => match created.totp_uri {
                    Some(uri) => Some(authenticator(format!("{} can now sign in", text("name")), &uri)?),
                    None => None,
                },
                Err(e) => return again(&s, &actor, e).await,
            }
        }
        Some("reset_mfa") => match s.app.reset_staff_mfa(&actor, &text("email"), &ctx).await {
            Ok(uri) => Some(authenticator(format!("New authenticator for {}", text("email")), &uri)?),
            Err(e) => return again(&s, &actor, e).await,
        },
        Some("deactivate") => match s.app.deactivate_staff(&actor, &text("email"), &ctx).await {
            Ok(_) => Some(Shown {
                title: format!("{} can no longer sign in", text("email")),
                qr_svg: None,
                secret: None,
                text: "Their sessions ended now.".into(),
            }),
            Err(e) => return again(&s, &actor, e).await,
        },
        _ => return Ok(problem(StatusCode::BAD_REQUEST, Some(SIDE), "Not understood", "Choose an action.")),
    };
    people_page(&s, &actor, shown, None).await
}

#[derive(Template)]
#[template(path = "staff_register.html")]
struct Register {
    chrome: Chrome,
    fields: [String; 6],
    code: Option<(String, String)>,
    error: Option<String>,
}

/// `GET /staff/register`: the registration form (front desk, admins).
pub(crate) async fn staff_register_form(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    if !portico_domain::authz::permits(&actor, &portico_domain::authz::Action::RegisterPatient) {
        return refused(AdminError::Forbidden);
    }
    let page =
        Register { chrome: Chrome::signed_in(&s, &actor, SIDE), fields: Default::default(), code: None, error: None };
    render(StatusCode::OK, &page)
}

/// `POST /staff/register`: registers the patient and shows their invitation code once.
pub(crate) async fn staff_register(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    if !portico_domain::authz::permits(&actor, &portico_domain::authz::Action::RegisterPatient) {
        return refused(AdminError::Forbidden);
    }
    let names = ["name", "date_of_birth", "mrn", "email", "phone", "language"];
    let fields = names.map(|n| form.opt(n).unwrap_or_default());
    let opt = |i: usize| Some(fields[i].as_str()).filter(|v| !v.trim().is_empty());
    let today = s.app.now().utc_date().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("clock out of range")))?;
    let result = match NewPatient::parse(&fields[0], &fields[1], &fields[2], opt(3), opt(4), opt(5), today) {
        Ok(new) => s.app.create_patient(&actor, &new, &ctx).await,
        Err(e) => Err(e.into()),
    };
    let chrome = Chrome::signed_in(&s, &actor, SIDE);
    match result {
        Ok(created) => {
            let until = super::when(created.expires_at, &s.app.settings().time_zone);
            let page =
                Register { chrome, fields: Default::default(), code: Some((created.invite_code, until)), error: None };
            render(StatusCode::OK, &page)
        }
        Err(e @ (AdminError::Forbidden | AdminError::Unexpected(_))) => refused(e),
        Err(e) => {
            let (status, text) = client_message(crate::api::vendors::admin_error(e))?;
            render(status, &Register { chrome, fields, code: None, error: Some(text) })
        }
    }
}

#[derive(Template)]
#[template(path = "staff_patients.html")]
struct Patients {
    chrome: Chrome,
    query: String,
    searched: bool,
    /// (id, name, date of birth, MRN)
    found: Vec<[String; 4]>,
    code: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

/// What a patients page shows above the search: a new code, a notice, or a refusal.
#[derive(Default)]
struct Outcome {
    code: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn patients_page(
    s: &AppState,
    ctx: &portico_domain::audit::RequestContext,
    actor: &Actor,
    query: String,
    outcome: Outcome,
) -> Result<Response, ApiError> {
    let Outcome { code, notice, error } = outcome;
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let found = if query.trim().is_empty() {
        Vec::new()
    } else {
        match s.app.search_patients(actor, &query, ctx).await {
            Ok(list) => list,
            Err(e) => return refused(e),
        }
    };
    if query.trim().is_empty() && !s.app.may_search_patients(actor) {
        return refused(AdminError::Forbidden);
    }
    let page = Patients {
        chrome: Chrome::signed_in(s, actor, SIDE),
        searched: !query.trim().is_empty(),
        query,
        found: found
            .into_iter()
            .map(|p| {
                [
                    p.id.to_string(),
                    p.name.expose().to_owned(),
                    p.date_of_birth.expose().to_owned(),
                    p.mrn.expose().to_owned(),
                ]
            })
            .collect(),
        code,
        notice,
        error,
    };
    render(status, &page)
}

/// `GET /staff/patients`: the search form (front desk).
pub(crate) async fn staff_patients(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
) -> Result<Response, ApiError> {
    patients_page(&s, &ctx, &actor, String::new(), Outcome::default()).await
}

/// `POST /staff/patients` with `q`: finds patients by exact MRN, exact email or family name
/// (front desk); each match read is audited. The query is posted, never put in the address: an
/// MRN, an email or a name must not land in browser history or a proxy's access log.
pub(crate) async fn staff_patients_search(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    form: Form,
) -> Result<Response, ApiError> {
    patients_page(&s, &ctx, &actor, form.opt("q").unwrap_or_default(), Outcome::default()).await
}

/// `POST /staff/patients/{id}/invitation`: a new invitation code for the patient (any unused
/// one stops working), shown once.
pub(crate) async fn staff_new_invitation(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    axum::extract::Path(id): axum::extract::Path<portico_domain::PatientId>,
    form: Form,
) -> Result<Response, ApiError> {
    if !s.app.may_search_patients(&actor) {
        return refused(AdminError::Forbidden);
    }
    match s.app.reissue_invitation(&actor, id, &ctx).await {
        Ok(issued) => {
            let until = super::when(issued.expires_at, &s.app.settings().time_zone);
            let outcome = Outcome { code: Some((issued.invite_code, until)), ..Outcome::default() };
            patients_page(&s, &ctx, &actor, form.opt("q").unwrap_or_default(), outcome).await
        }
        Err(e) => refused(e),
    }
}

/// `POST /staff/patients/{id}/proxies`: lets the portal account with `email` act for the patient
/// as `relationship` (parent, guardian, caregiver), until `ends_on` if given (front desk).
pub(crate) async fn staff_link_proxy(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    CurrentActor(actor): CurrentActor,
    axum::extract::Path(id): axum::extract::Path<portico_domain::PatientId>,
    form: Form,
) -> Result<Response, ApiError> {
    // The front desk's page: who may search patients (and so come here) may link them.
    if !s.app.may_search_patients(&actor) {
        return refused(AdminError::Forbidden);
    }
    let text = |n: &str| form.opt(n).unwrap_or_default();
    let query = text("q");
    let ends = form.opt("ends_on");
    match s.app.link_proxy_by_email(&actor, id, &text("email"), &text("relationship"), ends.as_deref(), &ctx).await {
        Ok(()) => {
            let notice = Some(format!("{} can now act for this patient as {}.", text("email"), text("relationship")));
            patients_page(&s, &ctx, &actor, query, Outcome { notice, ..Outcome::default() }).await
        }
        Err(e @ (AdminError::Forbidden | AdminError::Unexpected(_))) => refused(e),
        Err(AdminError::NotFound(_)) => {
            let error = Some("No portal account signs in with this email: the person enrolls first.".to_owned());
            patients_page(&s, &ctx, &actor, query, Outcome { error, ..Outcome::default() }).await
        }
        Err(e) => {
            let (_, text) = client_message(crate::api::vendors::admin_error(e))?;
            patients_page(&s, &ctx, &actor, query, Outcome { error: Some(text), ..Outcome::default() }).await
        }
    }
}

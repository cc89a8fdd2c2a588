//! `portico serve --demo`: a demo clinic with sample teams, staff and patients so a visitor can
//! try every screen. Every name is fictional and marked as such; demo mode uses its own data
//! directory and key file by default, and turns off the staff second factor so visitors can
//! sign in with the printed passwords. Never use demo mode with real patients.

use portico_app::App;
use portico_app::admin::StaffInput;
use portico_app::enrollment::EnrollRequest;
use portico_domain::credentials::Password;
use portico_domain::patient::{DateOfBirth, EmailAddress, Language, Mrn, NewPatient, PersonName, PhoneNumber};
use portico_domain::{Actor, StaffRole};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// What `serve --demo` prints.
pub const BANNER: &str = "\nDEMO MODE: fictional clinic, fictional people (FAKE DATA). Do not enter real patient information.\n\
  Every demo account's password is: demo-password-2026\n\
  staff:    admin@demo.portico.test (admin), dr.rivera@demo.portico.test (clinician),\n\
            nurse.okafor@demo.portico.test (nurse), desk@demo.portico.test (front desk),\n\
            billing@demo.portico.test (billing), privacy@demo.portico.test (privacy officer)\n\
  patients: alex.demo@demo.portico.test, sam.demo@demo.portico.test (Sam is also proxy for Riley, a child)";

/// Seeds the demo clinic once; a second start finds it there and leaves it.
pub async fn seed(app: &App) -> anyhow::Result<()> {
    if app.has_admin().await? {
        return Ok(());
    }
    let sys = Actor::System;
    let ctx = portico_app::cli_context();
    let care = app.create_team(&sys, "Family Medicine (demo)", &ctx).await?;
    let desk = app.create_team(&sys, "Front Desk (demo)", &ctx).await?;
    let billing = app.create_team(&sys, "Billing (demo)", &ctx).await?;
    let password = Password::parse(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e}"))?;
    let staff = [
        ("admin@demo.portico.test", "Demo Admin (FAKE)", StaffRole::Admin, vec![]),
        ("dr.rivera@demo.portico.test", "Dr. Demo Rivera (FAKE)", StaffRole::Clinician, vec![care]),
        ("nurse.okafor@demo.portico.test", "Nurse Demo Okafor (FAKE)", StaffRole::Nurse, vec![care]),
        ("desk@demo.portico.test", "Demo Front Desk (FAKE)", StaffRole::FrontDesk, vec![desk]),
        ("billing@demo.portico.test", "Demo Billing (FAKE)", StaffRole::Billing, vec![billing]),
        ("privacy@demo.portico.test", "Demo Privacy Officer (FAKE)", StaffRole::PrivacyOfficer, vec![]),
    ];
    for (email, name, role, teams) in staff {
        let input = StaffInput { email: email.into(), name: name.into(), role, teams, password: password.clone() };
        app.create_staff(&sys, input, &ctx).await?;
    }
    demo_patient(app, "Alex Demo (FAKE)", "1984-05-17", "DEMO-0001", Some("alex.demo@demo.portico.test")).await?;
    let (_, sam) =
        demo_patient(app, "Sam Demo (FAKE)", "1979-11-02", "DEMO-0002", Some("sam.demo@demo.portico.test")).await?;
    let sam = sam.ok_or_else(|| anyhow::anyhow!("demo patient Sam was not enrolled"))?;
    let (riley, _) = demo_patient(app, "Riley Demo (FAKE, child)", "2016-08-09", "DEMO-0003", None).await?;
    let link = portico_store::ProxyLink { patient_id: riley, relationship: "parent".into(), ends_at: None };
    app.link_proxy(&sys, sam, &link, &ctx).await?;
    Ok(())
}

/// Creates a demo patient and, with an email, enrolls their portal account.
async fn demo_patient(
    app: &App,
    name: &str,
    dob: &str,
    mrn: &str,
    email: Option<&str>,
) -> anyhow::Result<(portico_domain::PatientId, Option<portico_domain::AccountId>)> {
    let today = app.now().utc_date().ok_or_else(|| anyhow::anyhow!("clock out of range"))?;
    let field = |e: portico_domain::patient::FieldError| anyhow::anyhow!("{e}");
    let new = NewPatient {
        name: PersonName::parse(name).map_err(field)?,
        date_of_birth: DateOfBirth::parse(dob, today).map_err(field)?,
        mrn: Mrn::parse(mrn).map_err(field)?,
        email: email.map(EmailAddress::parse).transpose().map_err(field)?,
        phone: Some(PhoneNumber::parse("+15550100000").map_err(field)?),
        language: Language::default(),
    };
    let created = app.create_patient(&Actor::System, &new, &portico_app::cli_context()).await?;
    let Some(email) = email else {
        return Ok((created.id, None));
    };
    let req = EnrollRequest {
        invite_code: created.invite_code,
        date_of_birth: dob.into(),
        email: email.into(),
        password: DEMO_PASSWORD.into(),
    };
    let enrolled = app.enroll(req, &portico_app::cli_context()).await?;
    Ok((created.id, Some(enrolled.account_id)))
}

//! `portico serve --demo`: a demo clinic with sample teams, staff and patients so a visitor can
//! try every screen. Every name is fictional and marked as such; demo mode uses its own data
//! directory and key file by default, and turns off the staff second factor so visitors can
//! sign in with the printed passwords. Never use demo mode with real patients.

use portico_app::App;
use portico_app::admin::StaffInput;
use portico_app::enrollment::EnrollRequest;
use portico_app::messaging::{OpenThread, SendMessage};
use portico_domain::credentials::Password;
use portico_domain::patient::{DateOfBirth, EmailAddress, Language, Mrn, NewPatient, PersonName, PhoneNumber};
use portico_domain::{Actor, StaffRole};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// What `serve --demo` prints.
pub const BANNER: &str = concat!(
    "\nDEMO MODE: fictional clinic, fictional people (FAKE DATA). Do not enter real patient information.\n",
    "  Every demo account's password is: demo-password-2026\n",
    "  staff:    admin@demo.portico.test (admin), dr.rivera@demo.portico.test (clinician),\n",
    "            nurse.okafor@demo.portico.test (nurse), desk@demo.portico.test (front desk),\n",
    "            billing@demo.portico.test (billing), privacy@demo.portico.test (privacy officer)\n",
    "  patients: alex.demo@demo.portico.test, sam.demo@demo.portico.test (Sam is also proxy for Riley, a child)\n",
    "  social inbox: sample Messenger messages and page comments, redacted (GET /api/v1/social/messages as the front desk)\n",
    "  staff sign in without an authenticator code in demo mode"
);

/// Seeds the demo clinic once; a second start finds it there and leaves it.
pub async fn seed(app: &App) -> anyhow::Result<()> {
    if app.has_admin().await? {
        return Ok(());
    }
    let sys = Actor::System;
    let ctx = portico_app::cli_context();
    let care: portico_domain::TeamId = app.create_team(&sys, "Family Medicine (demo)", &ctx).await?;
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
    let mut ids = Vec::new();
    for (email, name, role, teams) in staff {
        let input = StaffInput { email: email.into(), name: name.into(), role, teams, password: password.clone() };
        ids.push(app.create_staff(&sys, input, &ctx).await?.id);
    }
    let (_, alex) =
        demo_patient(app, "Alex Demo (FAKE)", "1984-05-17", "DEMO-0001", Some("alex.demo@demo.portico.test")).await?;
    let (_, sam) =
        demo_patient(app, "Sam Demo (FAKE)", "1979-11-02", "DEMO-0002", Some("sam.demo@demo.portico.test")).await?;
    let sam = sam.ok_or_else(|| anyhow::anyhow!("demo patient Sam was not enrolled"))?;
    let (riley, _) = demo_patient(app, "Riley Demo (FAKE, child)", "2016-08-09", "DEMO-0003", None).await?;
    let link = portico_store::ProxyLink { patient_id: riley, relationship: "parent".into(), ends_at: None };
    app.link_proxy(&sys, sam, &link, &ctx).await?;
    let (alex, doctor, nurse) =
        (alex.ok_or_else(|| anyhow::anyhow!("demo patient Alex was not enrolled"))?, ids[1], ids[2]);
    seed_threads(app, alex, sam, riley, care, doctor, nurse).await?;
    seed_social(app).await
}

/// Sample items of the social bridge, as if they had come from Messenger and the page (no
/// Meta app is configured in demo mode, so the replies they owe stay queued and are never sent).
async fn seed_social(app: &App) -> anyhow::Result<()> {
    use portico_domain::social::{InboundEvent, InboundKind, SocialChannel};
    let items = [
        (SocialChannel::Messenger, "demo.m1", "demo.psid.1", "Hi, are you open on Saturday mornings? (FAKE)"),
        (
            SocialChannel::Messenger,
            "demo.m2",
            "demo.psid.2",
            "My asthma is worse and my albuterol ran out, can Dr. Demo call me at 503-555-0142? (FAKE)",
        ),
        (
            SocialChannel::FacebookComment,
            "demo.c1",
            "demo.user.3",
            "Dr. Demo Rivera is the best, she treated my son (FAKE)",
        ),
        (SocialChannel::FacebookComment, "demo.c2", "demo.user.4", "Is there parking near the clinic? (FAKE)"),
    ];
    let events: Vec<InboundEvent> = items
        .iter()
        .map(|(channel, id, sender, text)| InboundEvent {
            channel: *channel,
            external_id: (*id).to_owned(),
            sender: (*sender).to_owned(),
            kind: InboundKind::Text,
            text: portico_domain::PhiText::new(*text),
        })
        .collect();
    app.accept_social(&events, &portico_app::cli_context()).await?;
    // The server's worker may have taken some of them: wait until it has decided them too, so
    // the social inbox is complete when the banner says where to look.
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
    while app.store().social_pending().await? > 0 {
        app.process_social(16).await?;
        tick.tick().await;
    }
    Ok(())
}

/// Sample conversations: a refill request answered by the doctor with an internal note, and a
/// parent writing about their child.
async fn seed_threads(
    app: &App,
    alex: portico_domain::AccountId,
    sam: portico_domain::AccountId,
    riley: portico_domain::PatientId,
    care: portico_domain::TeamId,
    doctor: portico_domain::StaffId,
    nurse: portico_domain::StaffId,
) -> anyhow::Result<()> {
    let ctx = portico_app::cli_context();
    let now = app.now();
    let store = app.store();
    let patient = |id| async move {
        store.patient_actor(id, now).await?.map(Actor::Patient).ok_or_else(|| anyhow::anyhow!("demo account missing"))
    };
    let staff = |id| async move {
        store.staff_actor(id).await?.map(Actor::Staff).ok_or_else(|| anyhow::anyhow!("demo staff missing"))
    };
    let (alex, sam, doctor, nurse) =
        (patient(alex).await?, patient(sam).await?, staff(doctor).await?, staff(nurse).await?);
    let open = |patient_id, subject: &str, body: &str| OpenThread {
        patient_id,
        team_id: care,
        subject: subject.into(),
        body: body.into(),
        category: "clinical".into(),
        files: vec![],
        idempotency_key: None,
    };
    let say = |body: &str, internal| SendMessage { body: body.into(), internal, files: vec![], idempotency_key: None };
    let refill = app
        .open_thread(
            &alex,
            open(None, "Inhaler refill (demo)", "Hello, could I get a refill of my inhaler? (demo message)"),
            &ctx,
        )
        .await?;
    app.send_message(
        &nurse,
        refill.thread_id,
        say("Last refill was 3 months ago; OK to renew. (demo internal note)", true),
        &ctx,
    )
    .await?;
    app.send_message(&doctor, refill.thread_id, say("Done: the refill is at your pharmacy. (demo reply)", false), &ctx)
        .await?;
    let fever = app
        .open_thread(
            &sam,
            open(Some(riley), "Riley's fever (demo)", "Riley has had a mild fever since yesterday. (demo message)"),
            &ctx,
        )
        .await?;
    app.send_message(
        &nurse,
        fever.thread_id,
        say("Plenty of fluids; call us if it lasts past 48 hours. (demo reply)", false),
        &ctx,
    )
    .await?;
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

//! The notification outbox: rows written with the message that causes them, coalesced per
//! thread and window, none for patients' own messages or internal notes, held results due at
//! their release, and cancelled by a recall.

use std::time::Duration;

use portico_store::notifications::OutboxRow;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// The outbox rows of a patient's messages (leaving out the invitation every new patient gets).
async fn outbox(app: &TestApp, patient: portico_domain::PatientId) -> Vec<OutboxRow> {
    app.app.store().outbox_of(patient).await.unwrap().into_iter().filter(|r| r.kind != "enrollment_invite").collect()
}

fn summary(rows: &[OutboxRow]) -> Vec<(String, String, String)> {
    rows.iter().map(|r| (r.channel.clone(), r.kind.clone(), r.status.clone())).collect()
}

#[tokio::test]
async fn staff_messages_queue_one_notification_per_channel_and_window() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    let thread = app.open_thread(&patient, c.team, "Knee pain", "It still hurts").await;
    assert!(outbox(&app, c.patient.patient_id).await.is_empty(), "the patient's own message announces nothing");

    let reply = |body: &'static str, internal: bool| {
        let (app, doctor, thread) = (&app, &doctor, &thread);
        async move {
            let resp = app.send(doctor, thread, json!({"body": body, "internal": internal})).await;
            assert_eq!(resp.status(), 201);
            resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
        }
    };
    reply("Staff note: check the x-ray", true).await;
    assert!(outbox(&app, c.patient.patient_id).await.is_empty(), "an internal note announces nothing");

    reply("Please ice it tonight.", false).await;
    app.advance(Duration::from_secs(60));
    reply("And rest it for two days.", false).await;
    let rows = outbox(&app, c.patient.patient_id).await;
    let pending = |ch: &str| (ch.to_string(), "new_message".to_string(), "pending".to_string());
    assert_eq!(summary(&rows), vec![pending("email"), pending("sms")], "two replies in one window: one notification");

    app.advance(Duration::from_secs(11 * 60));
    let doctor = app.signed_in_staff(&c.clinician).await;
    let resp = app.send(&doctor, &thread, json!({"body": "Call us if it swells."})).await;
    let late = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(outbox(&app, c.patient.patient_id).await.len(), 4, "a later window: a new notification");

    // Recalling the newest reply cancels the notification queued for it, and only that one.
    let resp = doctor.post(app.url(&format!("/api/v1/messages/{late}/recall"))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let rows = outbox(&app, c.patient.patient_id).await;
    let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["pending", "pending", "cancelled", "cancelled"]);
}

#[tokio::test]
async fn the_coalescing_window_is_configurable() {
    let app = crate::helpers::spawn_app_with(|c| c.notify_window = Duration::from_secs(60)).await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Rash", "It itches").await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    assert_eq!(app.send(&doctor, &thread, json!({"body": "Try the cream."})).await.status(), 201);
    app.advance(Duration::from_secs(120));
    let doctor = app.signed_in_staff(&c.clinician).await;
    assert_eq!(app.send(&doctor, &thread, json!({"body": "Any better?"})).await.status(), 201);
    assert_eq!(outbox(&app, c.patient.patient_id).await.len(), 4, "two one-minute windows: two notifications");
}

#[tokio::test]
async fn a_held_result_is_announced_when_it_is_released() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    let release = app.clock_now().plus(Duration::from_secs(72 * 3600));
    let form = reqwest::multipart::Form::new()
        .text("patient_id", c.patient.patient_id.to_string())
        .text("team_id", c.team.to_string())
        .text("subject", "Lipid panel")
        .text("body", "Your cholesterol results are attached.")
        .text("release_at", release.to_rfc3339())
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.5 lipid panel".to_vec()).file_name("lipids.pdf"));
    let shared = doctor.post(app.url("/api/v1/results")).multipart(form).send().await.unwrap();
    assert_eq!(shared.status(), 201);
    let rows = outbox(&app, c.patient.patient_id).await;
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(
            (r.kind.as_str(), r.status.as_str(), r.due_at),
            ("result_released", "pending", release.unix_millis())
        );
    }
}

#[tokio::test]
async fn a_sign_in_from_a_new_browser_is_announced_and_a_known_one_is_not() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let kinds = |rows: Vec<OutboxRow>| rows.into_iter().filter(|r| r.kind == "new_sign_in").count();
    let first = app.client();
    let resp = app.post_login(&first, &patient.email, crate::helpers::PASSWORD, None).await;
    let device: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .filter(|c| c.starts_with("portico_device="))
        .collect();
    assert_eq!(device.len(), 1, "a browser without one gets a device cookie");
    assert!(device[0].contains("HttpOnly") && device[0].contains("SameSite=Strict") && device[0].contains("Max-Age="));
    assert_eq!(kinds(outbox(&app, patient.patient_id).await), 0, "the first browser is not news");
    let again = app.post_login(&first, &patient.email, crate::helpers::PASSWORD, None).await;
    assert_eq!(again.status(), 200);
    assert_eq!(kinds(outbox(&app, patient.patient_id).await), 0, "the same browser, recognized by its cookie");
    let cookie =
        again.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("portico_device="));
    assert!(!cookie, "a recognized browser keeps its device cookie");

    let _second = app.signed_in_patient(&patient).await;
    let rows = outbox(&app, patient.patient_id).await;
    assert_eq!(kinds(rows), 2, "a new browser: one e-mail and one SMS notification");
}

mod delivery {
    use std::time::Duration;

    use portico_app::notify::{Delivery, EmailSettings, SmsSettings};
    use portico_domain::Actor;
    use portico_domain::patient::{DateOfBirth, EmailAddress, Language, Mrn, NewPatient, PersonName, PhoneNumber};
    use serde_json::json;

    use crate::helpers::{TestApp, spawn_app, spawn_app_with};
    use crate::sinks::{SmsSink, SmtpSink, sms_sink, smtp_sink};

    const NAME: &str = "Zebulon Quattlebaum";
    const MRN: &str = "CANARY-MRN-7734";
    const SUBJECT: &str = "Canary subject: biopsy of the left kidney";
    const BODY: &str = "Canary body: your HIV test came back positive";

    fn sms_settings(sink: &SmsSink) -> SmsSettings {
        SmsSettings {
            base_url: format!("http://{}", sink.addr),
            account_sid: "AC0123456789".into(),
            auth_token: "secret-token".into(),
            from: "+15550009999".into(),
        }
    }

    /// A patient with canary PHI in every field, an address and a phone, and a staff message
    /// to them in a new thread.
    async fn staff_writes_to_canary_patient(app: &TestApp, n: u32) -> portico_domain::PatientId {
        let today = app.clock_now().utc_date().unwrap();
        let new = NewPatient {
            name: PersonName::parse(NAME).unwrap(),
            date_of_birth: DateOfBirth::parse("1931-02-03", today).unwrap(),
            mrn: Mrn::parse(&format!("{MRN}-{n}")).unwrap(),
            email: Some(EmailAddress::parse("zebulon@example.test").unwrap()),
            phone: Some(PhoneNumber::parse("+15035550123").unwrap()),
            language: Language::default(),
        };
        let patient = app.app.create_patient(&Actor::System, &new, &portico_app::cli_context()).await.unwrap().id;
        let team = app.create_team(&format!("Delivery team {n}")).await;
        let doctor =
            app.signed_in_staff(&app.create_staff(portico_domain::StaffRole::Clinician, vec![team]).await).await;
        let resp = app
            .post_json(
                &doctor,
                "/api/v1/threads",
                json!({"team_id": team, "patient_id": patient, "subject": SUBJECT, "body": BODY, "category": "clinical"}),
            )
            .await;
        assert_eq!(resp.status(), 201);
        patient
    }

    /// Texts announcing a message (not invitations).
    fn message_texts(sms: &SmsSink) -> usize {
        sms.requests.lock().unwrap().iter().filter(|r| r.field("Body").contains("new secure message")).count()
    }

    /// The outbox rows announcing messages (not invitations).
    async fn message_rows(
        app: &TestApp,
        patient: portico_domain::PatientId,
    ) -> Vec<portico_store::notifications::OutboxRow> {
        app.app.store().outbox_of(patient).await.unwrap().into_iter().filter(|r| r.kind == "new_message").collect()
    }

    fn no_canary(text: &str) {
        for canary in [NAME, "Zebulon", "Quattlebaum", MRN, "1931", SUBJECT, BODY, "kidney", "HIV"] {
            assert!(!text.contains(canary), "{canary:?} leaked into {text}");
        }
    }

    /// Waits until `done`, woken by the sink's signal at each arrival; fails after ten seconds.
    async fn until(what: &str, arrived: &tokio::sync::Notify, mut done: impl FnMut() -> bool) {
        let wait = async {
            while !done() {
                arrived.notified().await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(10), wait).await.is_err() {
            panic!("{what} did not happen within ten seconds");
        }
    }

    #[tokio::test]
    async fn a_staff_message_reaches_the_patient_by_email_and_sms_without_any_phi() {
        let (smtp, sms): (SmtpSink, SmsSink) = (smtp_sink().await, sms_sink().await);
        let (smtp_url, sms_cfg) = (format!("smtp://{}", smtp.addr), sms_settings(&sms));
        let app = spawn_app_with(move |c| {
            c.clinic_name = "Example Family Clinic".into();
            c.notify_email =
                Some(EmailSettings { smtp_url, from: "Example Family Clinic <no-reply@example-clinic.test>".into() });
            c.notify_sms = Some(sms_cfg);
        })
        .await;
        let patient = staff_writes_to_canary_patient(&app, 1).await;

        // Two of each: the invitation every new patient gets, and the message.
        until("two e-mails", &smtp.arrived, || smtp.mails.lock().unwrap().len() >= 2).await;
        until("two SMS", &sms.arrived, || sms.requests.lock().unwrap().len() >= 2).await;
        let mails = smtp.mails.lock().unwrap().clone();
        let invite = mails.iter().find(|m| m.data.contains("invitation")).unwrap();
        assert!(invite.data.contains("/portal/enroll"), "{}", invite.data);
        no_canary(&invite.data);
        let mail = mails.iter().find(|m| m.data.contains("New secure message")).unwrap().clone();
        assert_eq!(mail.rcpt, ["<zebulon@example.test>"]);
        assert!(mail.data.contains("Subject: Example Family Clinic: New secure message"), "{}", mail.data);
        assert!(mail.data.contains("List-Unsubscribe: <") && mail.data.contains("/portal/preferences>"));
        assert!(mail.data.contains("/portal/messages") && mail.data.contains("text/html"));
        no_canary(&mail.data);

        let text = sms
            .requests
            .lock()
            .unwrap()
            .iter()
            .find(|r| r.field("Body").contains("new secure message"))
            .unwrap()
            .clone();
        assert_eq!(text.path, "/2010-04-01/Accounts/AC0123456789/Messages.json");
        assert_eq!(text.authorization, "Basic QUMwMTIzNDU2Nzg5OnNlY3JldC10b2tlbg==");
        assert_eq!((text.field("To"), text.field("From")), ("+15035550123", "+15550009999"));
        assert!(text.field("Body").starts_with("Example Family Clinic: You have a new secure message"));
        assert!(text.field("Body").contains("/portal/messages"));
        no_canary(&text.form.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"));

        // A graceful stop lets the worker finish; nothing was delivered twice.
        let rows = app.app.store().outbox_of(patient).await.unwrap();
        assert_eq!(rows.len(), 4);
        app.stop().await;
        assert_eq!((smtp.mails.lock().unwrap().len(), sms.requests.lock().unwrap().len()), (2, 2));
    }

    #[tokio::test]
    async fn failures_are_retried_with_backoff_then_dead_lettered() {
        let sms = sms_sink().await;
        sms.status.store(503, std::sync::atomic::Ordering::SeqCst);
        let app = spawn_app().await;
        let mut delivery = Delivery::new(None, Some(sms_settings(&sms))).unwrap();
        delivery.max_attempts = 3;
        let patient = staff_writes_to_canary_patient(&app, 1).await;

        // E-mail is not configured: that row is skipped. SMS fails and is retried later.
        assert_eq!(app.app.deliver_due(&delivery, 10).await.unwrap(), 0);
        assert_eq!(message_texts(&sms), 1);
        let rows = message_rows(&app, patient).await;
        let by = |ch: &str| rows.iter().find(|r| r.channel == ch).unwrap().clone();
        assert_eq!(by("email").status, "cancelled");
        let sms_row = by("sms");
        assert_eq!((sms_row.status.as_str(), sms_row.attempts), ("pending", 1));
        assert!(sms_row.due_at >= app.clock_now().unix_millis() + 30_000, "backed off");

        // Not due yet: nothing happens until the clock passes the backoff.
        app.app.deliver_due(&delivery, 10).await.unwrap();
        assert_eq!(message_texts(&sms), 1);
        for _ in 0..2 {
            app.advance(Duration::from_secs(3600));
            app.app.deliver_due(&delivery, 10).await.unwrap();
        }
        assert_eq!(message_texts(&sms), 3);
        let attempts = app.app.store().delivery_attempts(&sms_row.id).await.unwrap();
        let outcomes: Vec<&str> = attempts.iter().map(|(_, o, _)| o.as_str()).collect();
        assert_eq!(outcomes, ["retry", "retry", "dead"]);
        assert!(attempts[2].2.contains("503"), "{attempts:?}");
        let row = message_rows(&app, patient).await.into_iter().find(|r| r.channel == "sms").unwrap();
        assert_eq!(row.status, "dead");
        assert!(app.audit_actions().await.iter().any(|(a, o)| a == "notification.dead_letter" && o == "failure"));

        // A refusal (4xx) is not retried.
        sms.status.store(400, std::sync::atomic::Ordering::SeqCst);
        app.advance(Duration::from_secs(3600));
        let _ = staff_writes_to_canary_patient(&app, 2).await;
        app.app.deliver_due(&delivery, 10).await.unwrap();
        assert_eq!(message_texts(&sms), 4);
        app.advance(Duration::from_secs(3600));
        app.app.deliver_due(&delivery, 10).await.unwrap();
        assert_eq!(message_texts(&sms), 4, "a permanent refusal is dead-lettered at once");
    }

    fn signed_form(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> (String, String) {
        let params: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let url = format!("{}/webhooks/twilio/sms", app.config.public_url.trim_end_matches('/'));
        let signature = portico_crypto::webhook::twilio_signature(token, &url, &params);
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B").replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        (body, signature)
    }

    async fn text_in(app: &TestApp, body: String, signature: &str) -> (u16, String) {
        let resp = app
            .client()
            .post(app.url("/webhooks/twilio/sms"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    #[tokio::test]
    async fn stop_start_and_help_by_text_with_a_checked_signature() {
        let sms = sms_sink().await;
        let cfg = sms_settings(&sms);
        let app = spawn_app_with(move |c| c.notify_sms = Some(cfg)).await;
        let phone = "+15035550123";
        let store = app.app.store().clone();

        let (body, sig) =
            signed_form(&app, "secret-token", &[("From", phone), ("To", "+15550009999"), ("Body", "STOP")]);
        let (status, twiml) = text_in(&app, body.clone(), &sig).await;
        assert_eq!(status, 200);
        assert!(twiml.contains("<Response><Message>") && twiml.contains("no more text messages"), "{twiml}");
        assert!(store.sms_opted_out(phone).await.unwrap());

        // A forged or missing signature is refused and changes nothing.
        let (start, _) = signed_form(&app, "secret-token", &[("From", phone), ("Body", "START")]);
        let (_, forged) = signed_form(&app, "wrong-token", &[("From", phone), ("Body", "START")]);
        assert_eq!(text_in(&app, start.clone(), &forged).await.0, 403);
        assert_eq!(text_in(&app, start.clone(), "").await.0, 403);
        assert!(store.sms_opted_out(phone).await.unwrap(), "still off");

        let (start, sig) = signed_form(&app, "secret-token", &[("From", phone), ("Body", "START")]);
        let (status, twiml) = text_in(&app, start, &sig).await;
        assert_eq!(status, 200);
        assert!(twiml.contains("on again"), "{twiml}");
        assert!(!store.sms_opted_out(phone).await.unwrap());

        let (help, sig) = signed_form(&app, "secret-token", &[("From", phone), ("Body", "help")]);
        let twiml = text_in(&app, help, &sig).await.1;
        assert!(twiml.contains("Reply STOP") && twiml.contains("911"), "{twiml}");
        let (other, sig) =
            signed_form(&app, "secret-token", &[("From", phone), ("Body", "my chest hurts since Monday")]);
        let twiml = text_in(&app, other, &sig).await.1;
        assert!(twiml.ends_with("<Response/>") && !twiml.contains("chest"), "never quotes the sender: {twiml}");
        let actions = app.audit_actions().await;
        assert!(actions.iter().any(|(a, _)| a == "sms.opt_out") && actions.iter().any(|(a, _)| a == "sms.opt_in"));
        app.stop().await;
    }

    #[tokio::test]
    async fn a_number_that_answered_stop_gets_no_text() {
        let sms = sms_sink().await;
        let app = spawn_app().await;
        let delivery = Delivery::new(None, Some(sms_settings(&sms))).unwrap();
        app.app.sms_inbound("+15035550123", "STOP", &portico_app::cli_context()).await.unwrap();
        let patient = staff_writes_to_canary_patient(&app, 1).await;
        app.app.deliver_due(&delivery, 10).await.unwrap();
        assert!(sms.requests.lock().unwrap().is_empty());
        let row = app.app.store().outbox_of(patient).await.unwrap().into_iter().find(|r| r.channel == "sms").unwrap();
        assert_eq!(row.status, "cancelled");
        let attempts = app.app.store().delivery_attempts(&row.id).await.unwrap();
        assert_eq!((attempts[0].1.as_str(), attempts[0].2.as_str()), ("skipped", "the number answered STOP"));
    }

    #[tokio::test]
    async fn patients_choose_channels_and_quiet_hours_and_delivery_follows() {
        let (smtp, sms) = (smtp_sink().await, sms_sink().await);
        let app = spawn_app().await;
        let delivery = Delivery::new(
            Some(EmailSettings {
                smtp_url: format!("smtp://{}", smtp.addr),
                from: "Clinic <no-reply@example.test>".into(),
            }),
            Some(sms_settings(&sms)),
        )
        .unwrap();

        // The API: defaults, a change, a refusal that changes nothing.
        let someone = app.enrolled_patient().await;
        let client = app.signed_in_patient(&someone).await;
        let (status, prefs) = app.get_json(&client, "/api/v1/me/notification-preferences").await;
        assert_eq!(status, 200);
        assert_eq!(
            prefs,
            json!({"channels": ["email", "sms"], "quiet_start": "21:00", "quiet_end": "08:00", "time_zone": "UTC", "digest": false})
        );
        let wanted = json!({"channels": ["sms"], "quiet_start": "22:00", "quiet_end": "07:00", "time_zone": "America/Chicago", "digest": false});
        let resp = app
            .client_request(&client, reqwest::Method::PUT, "/api/v1/me/notification-preferences", wanted.clone())
            .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<serde_json::Value>().await.unwrap(), wanted);
        let bad = json!({"channels": ["sms"], "time_zone": "Mars/Olympus"});
        let resp = app.client_request(&client, reqwest::Method::PUT, "/api/v1/me/notification-preferences", bad).await;
        assert_eq!(resp.status(), 400);
        assert!(resp.text().await.unwrap().contains("time_zone"));
        assert_eq!(app.get_json(&client, "/api/v1/me/notification-preferences").await.1, wanted);
        assert!(app.audit_actions().await.iter().any(|(a, _)| a == "notification_preferences.update"));

        // Delivery: e-mail off; the clock reads 09:00 UTC, 03:00 in Chicago: the text waits for 07:00.
        let patient = staff_writes_to_canary_patient(&app, 1).await;
        let prefs = portico_domain::notify::Preferences::parse(
            &["sms".to_string()],
            Some("22:00"),
            Some("07:00"),
            "America/Chicago",
        )
        .unwrap();
        let rec = portico_domain::audit::AuditRecord::new(
            &Actor::System,
            "notification_preferences.update",
            "notification_preferences",
            portico_domain::audit::Purpose::PatientRequest,
            &portico_app::cli_context(),
        );
        app.app.store().set_notification_preferences(patient, &prefs, app.clock_now(), &rec).await.unwrap();
        app.app.deliver_due(&delivery, 10).await.unwrap();
        assert!(smtp.mails.lock().unwrap().is_empty() && message_texts(&sms) == 0);
        let rows = message_rows(&app, patient).await;
        let by = |ch: &str| rows.iter().find(|r| r.channel == ch).unwrap().clone();
        assert_eq!(by("email").status, "cancelled");
        let held = by("sms");
        assert_eq!((held.status.as_str(), held.attempts), ("pending", 0), "held, not an attempt");
        // 2026-11-24T13:00:00Z: 07:00 in Chicago.
        assert_eq!(held.due_at, 1_795_525_200_000, "held until 07:00 in Chicago");

        app.advance(Duration::from_secs(4 * 3600));
        app.app.deliver_due(&delivery, 10).await.unwrap();
        assert_eq!(message_texts(&sms), 1);
        assert_eq!(message_rows(&app, patient).await.iter().find(|r| r.channel == "sms").unwrap().status, "sent");
    }

    #[tokio::test]
    async fn with_the_daily_digest_the_days_messages_make_one_notice_at_five_pm() {
        let smtp = smtp_sink().await;
        let app = spawn_app().await;
        let email =
            EmailSettings { smtp_url: format!("smtp://{}", smtp.addr), from: "Clinic <no-reply@example.test>".into() };
        let delivery = Delivery::new(Some(email), None).unwrap();
        // A patient with an e-mail on file, signed in to the portal with it.
        let invited = app.invite_patient("Dana Digest", "1970-01-01", Some("dana@patients.test")).await;
        let enrolled = app.enroll(&invited.code, &invited.dob, "dana@patients.test", crate::helpers::PASSWORD).await;
        let account_id =
            enrolled.json::<serde_json::Value>().await.unwrap()["account_id"].as_str().unwrap().parse().unwrap();
        let patient = crate::helpers::PatientUser {
            account_id,
            patient_id: invited.patient_id,
            email: "dana@patients.test".into(),
            name: "Dana Digest".into(),
        };
        let client = app.signed_in_patient(&patient).await;
        let digest = json!({"channels": ["email"], "time_zone": "UTC", "digest": true});
        let resp =
            app.client_request(&client, reqwest::Method::PUT, "/api/v1/me/notification-preferences", digest).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["digest"], true);

        // 09:00 UTC: a reply; 11 minutes later (another coalescing window) a second one.
        let team = app.create_team("Digest team").await;
        let clinician = app.create_staff(portico_domain::StaffRole::Clinician, vec![team]).await;
        let doctor = app.signed_in_staff(&clinician).await;
        let thread = app
            .post_json(&doctor, "/api/v1/threads", json!({"team_id": team, "patient_id": patient.patient_id, "subject": "s", "body": "first", "category": "general"}))
            .await
            .json::<serde_json::Value>()
            .await
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.app.deliver_due(&delivery, 10).await.unwrap();
        app.advance(Duration::from_secs(11 * 60));
        assert_eq!(app.send(&doctor, &thread, json!({"body": "second"})).await.status(), 201);
        app.app.deliver_due(&delivery, 10).await.unwrap();
        let emails = |rows: Vec<portico_store::notifications::OutboxRow>| {
            rows.into_iter().filter(|r| r.channel == "email").collect::<Vec<_>>()
        };
        let rows = emails(message_rows(&app, patient.patient_id).await);
        let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
        let five_pm = crate::helpers::START.unix_millis() + 8 * 3600 * 1000;
        assert_eq!(statuses, ["pending", "cancelled"], "{rows:?}");
        assert_eq!(rows[0].due_at, five_pm, "the first waits for 17:00");
        let folded = app.app.store().delivery_attempts(&rows[1].id).await.unwrap();
        assert_eq!(folded[0].2, "included in the day's digest");
        let notices = || smtp.mails.lock().unwrap().iter().filter(|m| m.data.contains("new secure message")).count();
        assert_eq!(notices(), 0, "nothing before 17:00");

        // 17:00: one e-mail for both.
        app.advance(Duration::from_millis(u64::try_from(five_pm - app.clock_now().unix_millis()).unwrap()));
        app.app.deliver_due(&delivery, 10).await.unwrap();
        until("the digest", &smtp.arrived, || notices() > 0).await;
        // 18:00: a new reply belongs to tomorrow's digest.
        app.advance(Duration::from_secs(3600));
        let doctor = app.signed_in_staff(&clinician).await;
        assert_eq!(app.send(&doctor, &thread, json!({"body": "third"})).await.status(), 201);
        app.app.deliver_due(&delivery, 10).await.unwrap();
        let rows = emails(message_rows(&app, patient.patient_id).await);
        assert_eq!(rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(), ["sent", "cancelled", "pending"]);
        assert_eq!(rows[2].due_at, five_pm + 24 * 3600 * 1000);
        assert_eq!(notices(), 1, "one notice for the day");
    }

    #[tokio::test]
    async fn staff_who_ask_get_one_morning_e_mail_when_new_threads_arrived_in_their_teams() {
        let smtp = smtp_sink().await;
        let app = spawn_app().await;
        let email =
            EmailSettings { smtp_url: format!("smtp://{}", smtp.addr), from: "Clinic <no-reply@example.test>".into() };
        let delivery = Delivery::new(Some(email), None).unwrap();
        let (team, quiet_team) = (app.create_team("Digest queue").await, app.create_team("Quiet queue").await);
        let wants = app.create_staff(portico_domain::StaffRole::Nurse, vec![team]).await;
        let does_not = app.create_staff(portico_domain::StaffRole::Nurse, vec![team]).await;
        let elsewhere = app.create_staff(portico_domain::StaffRole::Nurse, vec![quiet_team]).await;
        for user in [&wants, &elsewhere] {
            let client = app.signed_in_staff(user).await;
            let r = client.post(app.url("/staff/security/digest")).form(&[("digest", "true")]).send().await.unwrap();
            assert_eq!(r.status(), 303);
        }
        assert!(app.audit_actions().await.iter().any(|(a, _)| a == "staff_preferences.update"));

        // 09:00: this morning's digest covers the day before, when nothing arrived.
        app.app.deliver_staff_notices(&delivery, 10).await.unwrap();
        let patient = app.enrolled_patient().await;
        let client = app.signed_in_patient(&patient).await;
        app.open_thread(&client, team, "Rash on my arm since Monday", "It itches a lot.").await;

        // 07:00 the next day: one e-mail, to the member of that team who asked.
        let seven = crate::helpers::START.unix_millis() + 22 * 3600 * 1000;
        app.advance(Duration::from_millis(u64::try_from(seven - app.clock_now().unix_millis()).unwrap()));
        assert_eq!(app.app.deliver_staff_notices(&delivery, 10).await.unwrap(), 1);
        until("the digest", &smtp.arrived, || !smtp.mails.lock().unwrap().is_empty()).await;
        app.app.deliver_staff_notices(&delivery, 10).await.unwrap();
        let mails = smtp.mails.lock().unwrap().clone();
        assert_eq!(mails.len(), 1, "one, once");
        let mail = &mails[0].data;
        assert!(mail.contains(&wants.email) && mail.contains("New threads are waiting"), "{mail}");
        assert!(mail.contains("/staff") && mail.contains("List-Unsubscribe"), "{mail}");
        for secret in ["Rash", "itches", "Monday", &patient.name, &patient.email] {
            assert!(!mail.contains(secret), "{secret:?} in {mail}");
        }
        let store = app.app.store();
        let id = async |u: &crate::helpers::StaffUser| store.staff_auth_by_email(&u.email).await.unwrap().unwrap().id;
        let rows = store.staff_notices_of(id(&wants).await).await.unwrap();
        assert_eq!(rows.iter().map(|(_, s, _)| s.as_str()).collect::<Vec<_>>(), ["cancelled", "sent"]);
        let quiet = store.staff_notices_of(id(&elsewhere).await).await.unwrap();
        assert_eq!(
            quiet.iter().map(|(_, s, _)| s.as_str()).collect::<Vec<_>>(),
            ["cancelled", "cancelled"],
            "no new thread, no e-mail"
        );
        assert!(store.staff_notices_of(id(&does_not).await).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn privacy_officers_are_e_mailed_when_the_glass_is_broken_and_the_e_mail_names_no_one() {
        let smtp = smtp_sink().await;
        let app = spawn_app().await;
        let email =
            EmailSettings { smtp_url: format!("smtp://{}", smtp.addr), from: "Clinic <no-reply@example.test>".into() };
        let delivery = Delivery::new(Some(email), None).unwrap();
        let officer = app.create_staff(portico_domain::StaffRole::PrivacyOfficer, vec![]).await;
        let admin = app.create_staff(portico_domain::StaffRole::Admin, vec![]).await;
        let c = app.clinic().await;
        let elsewhere = app.create_team("Emergency Dept").await;
        let nurse_user = app.create_staff(portico_domain::StaffRole::Nurse, vec![elsewhere]).await;
        let nurse = app.signed_in_staff(&nurse_user).await;
        app.advance(Duration::from_secs(30));
        let reason = "Patient unconscious in the ER, need allergies";
        let body = json!({"patient_id": c.patient.patient_id, "reason": reason, "totp": app.code(&nurse_user)});
        assert_eq!(app.post_json(&nurse, "/api/v1/break-glass", body).await.status(), 201);

        assert_eq!(app.app.deliver_staff_notices(&delivery, 10).await.unwrap(), 1);
        until("the alert", &smtp.arrived, || !smtp.mails.lock().unwrap().is_empty()).await;
        app.app.deliver_staff_notices(&delivery, 10).await.unwrap();
        let mails = smtp.mails.lock().unwrap().clone();
        assert_eq!(mails.len(), 1, "one, to the privacy officer only");
        let mail = &mails[0].data;
        assert!(mail.contains(&officer.email) && !mail.contains(&admin.email), "{mail}");
        assert!(mail.contains("Emergency access to review") && mail.contains("/staff/privacy"), "{mail}");
        for secret in ["unconscious", "allergies", &c.patient.name, &nurse_user.email] {
            assert!(!mail.contains(secret), "{secret:?} in {mail}");
        }
    }

    #[tokio::test]
    async fn two_workers_never_deliver_the_same_notification() {
        let (smtp, sms) = (smtp_sink().await, sms_sink().await);
        let app = spawn_app().await;
        let make = || {
            Delivery::new(
                Some(EmailSettings {
                    smtp_url: format!("smtp://{}", smtp.addr),
                    from: "Clinic <no-reply@example.test>".into(),
                }),
                Some(sms_settings(&sms)),
            )
            .unwrap()
        };
        let (a, b) = (make(), make());
        let mut patients = Vec::new();
        for n in 0..12 {
            patients.push(staff_writes_to_canary_patient(&app, n).await);
        }
        // The fake clock reads 09:00 UTC: outside the default quiet hours (21:00 to 08:00 UTC).
        let (mut sent, mut rounds) = (0, 0);
        // Each patient: an invitation and a message, by e-mail and by SMS.
        while sent < 48 && rounds < 50 {
            let (x, y) = tokio::join!(app.app.deliver_due(&a, 5), app.app.deliver_due(&b, 5));
            sent += x.unwrap() + y.unwrap();
            rounds += 1;
        }
        assert_eq!(sent, 48);
        assert_eq!(smtp.mails.lock().unwrap().len(), 24);
        assert_eq!(sms.requests.lock().unwrap().len(), 24);
        for p in patients {
            let rows = app.app.store().outbox_of(p).await.unwrap();
            assert!(rows.iter().all(|r| r.status == "sent" && r.attempts == 1), "{rows:?}");
        }
    }
}

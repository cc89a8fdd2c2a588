//! The notification outbox: rows written with the message that causes them, coalesced per
//! thread and window, none for patients' own messages or internal notes, held results due at
//! their release, and cancelled by a recall.

use std::time::Duration;

use portico_store::notifications::OutboxRow;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn outbox(app: &TestApp, patient: portico_domain::PatientId) -> Vec<OutboxRow> {
    app.app.store().outbox_of(patient).await.unwrap()
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

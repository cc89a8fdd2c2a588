//! Break-glass emergency access: a reason and a fresh second factor open one patient's threads
//! for reading, for an hour, every access audited as an emergency and reviewed afterwards.

use std::time::Duration;

use portico_domain::StaffRole;
use serde_json::{Value, json};

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn a_nurse_outside_the_team_reads_a_patients_threads_in_an_emergency_for_an_hour() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Allergies", "I am allergic to penicillin").await;
    let elsewhere = app.create_team("Emergency Dept").await;
    let nurse_user = app.create_staff(StaffRole::Nurse, vec![elsewhere]).await;
    let nurse = app.signed_in_staff(&nurse_user).await;
    let path = format!("/api/v1/threads/{thread}");
    assert_eq!(nurse.get(app.url(&path)).send().await.unwrap().status(), 404, "no access before");

    let ask = |reason: &str, code: String| json!({"patient_id": c.patient.patient_id, "reason": reason, "totp": code});
    let short = app.post_json(&nurse, "/api/v1/break-glass", ask("unconscious", app.code(&nurse_user))).await;
    assert_eq!(error_code(short).await, "invalid_request");
    let wrong = app
        .post_json(&nurse, "/api/v1/break-glass", ask("Patient unconscious in the ER, need allergies", "000000".into()))
        .await;
    assert_eq!(error_code(wrong).await, "invalid_code");
    let replayed = app
        .post_json(
            &nurse,
            "/api/v1/break-glass",
            ask("Patient unconscious in the ER, need allergies", app.code(&nurse_user)),
        )
        .await;
    assert_eq!(error_code(replayed).await, "invalid_code", "the sign-in code cannot be reused");
    assert_eq!(nurse.get(app.url(&path)).send().await.unwrap().status(), 404, "nothing granted by refused requests");

    app.advance(Duration::from_secs(30));
    let granted = app
        .post_json(
            &nurse,
            "/api/v1/break-glass",
            ask("Patient unconscious in the ER, need allergies", app.code(&nurse_user)),
        )
        .await;
    assert_eq!(granted.status(), 201);
    let grant: Value = granted.json().await.unwrap();
    let (status, view) = app.get_json(&nurse, &path).await;
    assert_eq!(status, 200, "the grant applies at once");
    assert_eq!(view["messages"][0]["body"], "I am allergic to penicillin");
    let (_, list) = app.get_json(&nurse, "/api/v1/threads").await;
    assert!(list["threads"].as_array().unwrap().iter().any(|t| t["id"] == thread));
    assert_eq!(app.send(&nurse, &thread, json!({"body": "hello"})).await.status(), 403, "read only");
    let emergency_reads = app
        .app
        .store()
        .recent_audit(200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "thread.read" && e.purpose == "emergency")
        .count();
    assert_eq!(emergency_reads, 1, "the access is audited as an emergency");

    let officer = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let officer = app.signed_in_staff(&officer).await;
    let (status, queue) = app.get_json(&officer, "/api/v1/break-glass/reviews").await;
    assert_eq!(status, 200);
    assert_eq!(queue["grants"][0]["id"], grant["id"]);
    assert_eq!(queue["grants"][0]["reason"], "Patient unconscious in the ER, need allergies");
    assert_eq!(queue["grants"][0]["staff_name"], "Test nurse");
    assert!(queue["grants"][0]["verdict"].is_null());
    let review = format!("/api/v1/break-glass/reviews/{}", grant["id"].as_str().unwrap());
    assert_eq!(
        app.post_json(&officer, &review, json!({"verdict": "appropriate", "note": "ER admission confirmed"}))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.post_json(&officer, &review, json!({"verdict": "inappropriate"})).await.status(),
        409,
        "reviewed once"
    );
    let (_, queue) = app.get_json(&officer, "/api/v1/break-glass/reviews").await;
    assert_eq!(queue["grants"][0]["verdict"], "appropriate");
    let doctor = app.signed_in_staff(&c.clinician).await;
    assert_eq!(app.get_json(&doctor, "/api/v1/break-glass/reviews").await.0, 403);

    // An hour later the grant has expired.
    app.advance(Duration::from_secs(61 * 60));
    let nurse = app.signed_in_staff(&nurse_user).await;
    assert_eq!(nurse.get(app.url(&path)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn only_clinicians_and_nurses_may_break_the_glass() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    for role in [StaffRole::Admin, StaffRole::FrontDesk, StaffRole::Billing, StaffRole::PrivacyOfficer] {
        let user = app.create_staff(role, vec![]).await;
        let client = app.signed_in_staff(&user).await;
        app.advance(Duration::from_secs(30));
        let body = json!({"patient_id": c.patient.patient_id, "reason": "Emergency of some sort, urgent", "totp": app.code(&user)});
        assert_eq!(app.post_json(&client, "/api/v1/break-glass", body).await.status(), 403, "{role:?}");
    }
}

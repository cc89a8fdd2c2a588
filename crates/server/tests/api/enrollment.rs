//! Enrollment with an invitation code and date of birth.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{PASSWORD, error_code, spawn_app};

#[tokio::test]
async fn a_patient_enrolls_with_code_and_date_of_birth_then_signs_in() {
    let app = spawn_app().await;
    let invited = app.invite_patient("Maria José Núñez", "1988-02-29", None).await;
    let resp =
        app.enroll(&invited.code.to_lowercase().replace('-', " "), &invited.dob, "maria@patients.test", PASSWORD).await;
    assert_eq!(resp.status(), 201, "codes are forgiving to type");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["patient_id"], invited.patient_id.to_string());
    let client = app.client();
    assert_eq!(app.post_login(&client, "Maria@Patients.test", PASSWORD, None).await.status(), 200);
    let me: Value = app.get_me(&client).await.json().await.unwrap();
    assert_eq!(me["kind"], "patient");
    assert_eq!(me["name"], "Maria José Núñez");
    assert_eq!(me["patient_id"], invited.patient_id.to_string());
}

#[tokio::test]
async fn five_wrong_dates_of_birth_void_the_code() {
    let app = spawn_app().await;
    let invited = app.invite_patient("Ann Other", "1960-07-01", None).await;
    for day in 2..7 {
        let r = app.enroll(&invited.code, &format!("1960-07-0{day}"), "ann@patients.test", PASSWORD).await;
        assert_eq!(r.status(), 400);
        assert_eq!(error_code(r).await, "enrollment_failed");
    }
    let right = app.enroll(&invited.code, &invited.dob, "ann@patients.test", PASSWORD).await;
    assert_eq!(error_code(right).await, "enrollment_failed", "the code is void after five misses");
    assert_eq!(app.post_login(&app.client(), "ann@patients.test", PASSWORD, None).await.status(), 401);
}

#[tokio::test]
async fn a_wrong_date_of_birth_and_an_unknown_code_look_the_same() {
    let app = spawn_app().await;
    let invited = app.invite_patient("Bo Test", "1990-01-01", None).await;
    let wrong_dob = app.enroll(&invited.code, "1990-01-02", "bo@patients.test", PASSWORD).await.text().await.unwrap();
    let wrong_code =
        app.enroll("ZZZZ-ZZZZ-ZZZZ", "1990-01-01", "bo@patients.test", PASSWORD).await.text().await.unwrap();
    assert_eq!(wrong_dob, wrong_code);
}

#[tokio::test]
async fn an_invitation_code_works_once() {
    let app = spawn_app().await;
    let invited = app.invite_patient("Cy Once", "1975-05-05", None).await;
    assert_eq!(app.enroll(&invited.code, &invited.dob, "cy@patients.test", PASSWORD).await.status(), 201);
    let again = app.enroll(&invited.code, &invited.dob, "cy2@patients.test", PASSWORD).await;
    assert_eq!(error_code(again).await, "enrollment_failed");
}

#[tokio::test]
async fn an_invitation_expires_after_14_days() {
    let app = spawn_app().await;
    let invited = app.invite_patient("Di Late", "1975-05-05", None).await;
    app.advance(Duration::from_secs(14 * 24 * 3600 + 1));
    let late = app.enroll(&invited.code, &invited.dob, "di@patients.test", PASSWORD).await;
    assert_eq!(error_code(late).await, "enrollment_failed");
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let invited = app.invite_patient("Ed Input", "1975-05-05", None).await;
    let weak = app.enroll(&invited.code, &invited.dob, "ed@patients.test", "short").await;
    assert_eq!(weak.status(), 400);
    assert_eq!(error_code(weak).await, "weak_password");
    let bad_email = app.enroll(&invited.code, &invited.dob, "not an email", PASSWORD).await;
    assert_eq!(error_code(bad_email).await, "invalid_request");
    let bad_date = app.enroll(&invited.code, "05/05/1975", "ed@patients.test", PASSWORD).await;
    assert_eq!(error_code(bad_date).await, "invalid_request");
    // None of that used up an attempt or the code.
    assert_eq!(app.enroll(&invited.code, &invited.dob, "ed@patients.test", PASSWORD).await.status(), 201);
}

#[tokio::test]
async fn an_email_can_belong_to_one_account_only() {
    let app = spawn_app().await;
    let first = app.enrolled_patient().await;
    let invited = app.invite_patient("Fay Dup", "1975-05-05", None).await;
    let dup = app.enroll(&invited.code, &invited.dob, &first.email.to_uppercase(), PASSWORD).await;
    assert_eq!(dup.status(), 409);
    assert_eq!(error_code(dup).await, "email_taken");
}

#[tokio::test]
async fn a_patient_sees_the_teams_they_may_write_to() {
    let app = spawn_app().await;
    app.create_team("Pediatrics").await;
    app.create_team("Billing").await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    let body: Value = client.get(app.url("/api/v1/teams")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = body["teams"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Billing", "Pediatrics"]);
    assert_eq!(reqwest::get(app.url("/api/v1/teams")).await.unwrap().status(), 401);
}

#[tokio::test]
async fn a_proxy_sees_the_patients_they_act_for_until_the_link_ends() {
    let app = spawn_app().await;
    let parent = app.enrolled_patient().await;
    let child = app.invite_patient("Kid Proxyson", "2018-04-04", None).await;
    let ends = app.clock_now().plus(Duration::from_secs(24 * 3600)).unix_millis();
    let link =
        portico_store::ProxyLink { patient_id: child.patient_id, relationship: "parent".into(), ends_at: Some(ends) };
    app.app
        .link_proxy(&portico_domain::Actor::System, parent.account_id, &link, &portico_app::cli_context())
        .await
        .unwrap();
    let client = app.signed_in_patient(&parent).await;
    let me: Value = app.get_me(&client).await.json().await.unwrap();
    assert_eq!(me["acts_for"][0]["patient_id"], child.patient_id.to_string());
    assert_eq!(me["acts_for"][0]["relationship"], "parent");
    app.advance(Duration::from_secs(24 * 3600));
    let client = app.signed_in_patient(&parent).await;
    let me: Value = app.get_me(&client).await.json().await.unwrap();
    assert_eq!(me["acts_for"].as_array().unwrap().len(), 0, "the link has ended");
}

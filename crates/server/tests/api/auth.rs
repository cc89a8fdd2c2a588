//! Sign-in, second factor, throttling, sign-out.

use std::time::Duration;

use portico_domain::StaffRole;
use serde_json::Value;

use crate::helpers::{PASSWORD, error_code, spawn_app};

#[tokio::test]
async fn a_staff_member_signs_in_with_password_and_totp_and_sees_their_account() {
    let app = spawn_app().await;
    let team = app.create_team("Family Medicine").await;
    let nurse = app.create_staff(StaffRole::Nurse, vec![team]).await;
    let client = app.signed_in_staff(&nurse).await;
    let me: Value = app.get_me(&client).await.json().await.unwrap();
    assert_eq!(me["kind"], "staff");
    assert_eq!(me["email"], nurse.email);
    assert_eq!(me["role"], "nurse");
    assert_eq!(me["teams"][0]["name"], "Family Medicine");
}

#[tokio::test]
async fn login_fails_the_same_way_for_an_unknown_email_and_a_wrong_password() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let unknown = app.post_login(&app.client(), "nobody@nowhere.test", PASSWORD, None).await;
    let wrong = app.post_login(&app.client(), &patient.email, "not the password at all", None).await;
    let malformed = app.post_login(&app.client(), "not-an-email", PASSWORD, None).await;
    let mut bodies = Vec::new();
    for resp in [unknown, wrong, malformed] {
        assert_eq!(resp.status(), 401);
        assert!(resp.headers().get("set-cookie").is_none());
        bodies.push(resp.text().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);
    assert!(bodies[0].contains("invalid_credentials"));
}

#[tokio::test]
async fn staff_must_give_a_second_factor_and_only_a_right_password_reveals_that() {
    let app = spawn_app().await;
    let admin = app.create_staff(StaffRole::Admin, vec![]).await;
    let no_code = app.post_login(&app.client(), &admin.email, PASSWORD, None).await;
    assert_eq!(no_code.status(), 401);
    assert_eq!(error_code(no_code).await, "mfa_required");
    let wrong_pw = app.post_login(&app.client(), &admin.email, "wrong password here", None).await;
    assert_eq!(error_code(wrong_pw).await, "invalid_credentials");
    let bad_code = app.post_login(&app.client(), &admin.email, PASSWORD, Some("000000")).await;
    assert_eq!(error_code(bad_code).await, "invalid_credentials");
    let code = app.code(&admin);
    assert_eq!(app.post_login(&app.client(), &admin.email, PASSWORD, Some(&code)).await.status(), 200);
}

#[tokio::test]
async fn a_totp_code_cannot_be_used_twice() {
    let app = spawn_app().await;
    let clinician = app.create_staff(StaffRole::Clinician, vec![]).await;
    let code = app.code(&clinician);
    assert_eq!(app.post_login(&app.client(), &clinician.email, PASSWORD, Some(&code)).await.status(), 200);
    let replay = app.post_login(&app.client(), &clinician.email, PASSWORD, Some(&code)).await;
    assert_eq!(error_code(replay).await, "invalid_credentials");
    // The next time step's code works.
    app.advance(Duration::from_secs(30));
    let next = app.code(&clinician);
    assert_eq!(app.post_login(&app.client(), &clinician.email, PASSWORD, Some(&next)).await.status(), 200);
}

#[tokio::test]
async fn repeated_failures_for_one_account_are_throttled_until_the_window_passes() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    for _ in 0..5 {
        let r = app.post_login(&app.client(), &patient.email, "wrong password 123", None).await;
        assert_eq!(r.status(), 401);
    }
    // Even the right password is refused while throttled, with a Retry-After.
    let throttled = app.post_login(&app.client(), &patient.email, PASSWORD, None).await;
    assert_eq!(throttled.status(), 429);
    let retry: u64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
    assert_eq!(error_code(throttled).await, "rate_limited");
    app.advance(Duration::from_secs(901));
    assert_eq!(app.post_login(&app.client(), &patient.email, PASSWORD, None).await.status(), 200);
}

#[tokio::test]
async fn many_failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app().await;
    for i in 0..30 {
        let r = app.post_login(&app.client(), &format!("guess{i}@example.org"), "some password 123", None).await;
        assert_eq!(r.status(), 401);
    }
    let r = app.post_login(&app.client(), "another@example.org", "some password 123", None).await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn logout_destroys_the_session_on_the_server() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let client = app.client();
    let login = app.post_login(&client, &patient.email, PASSWORD, None).await;
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_eq!(app.get_me(&client).await.status(), 200);
    let out = client.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(out.status(), 204);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.get_me(&client).await.status(), 401);
    // Replaying the old cookie by hand does not bring the session back.
    let replay = reqwest::Client::new().get(app.url("/api/v1/me")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(replay.status(), 401);
    let actions = app.audit_actions().await;
    assert!(actions.contains(&("auth.logout".into(), "success".into())));
}

#[tokio::test]
async fn sign_in_successes_and_failures_are_audited() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    app.post_login(&app.client(), &patient.email, "wrong password 123", None).await;
    app.signed_in_patient(&patient).await;
    let actions = app.audit_actions().await;
    assert!(actions.contains(&("auth.login".into(), "failure".into())));
    assert!(actions.contains(&("auth.login".into(), "success".into())));
}

#[tokio::test]
async fn a_patient_can_enroll_a_second_factor_and_is_then_asked_for_it() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    let begin: Value = client.post(app.url("/api/v1/me/totp")).send().await.unwrap().json().await.unwrap();
    let totp = totp_rs::Totp::from_url(begin["otpauth_uri"].as_str().unwrap()).unwrap();
    let uri = begin["otpauth_uri"].as_str().unwrap();
    assert!(!uri.contains(&patient.email) && !uri.contains(&patient.name), "no PHI in the provisioning URI");
    let wrong = client
        .post(app.url("/api/v1/me/totp/confirm"))
        .json(&serde_json::json!({"code": "123456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(wrong).await, "invalid_code");
    let secs = u64::try_from(app.clock_now().unix_millis() / 1000).unwrap();
    let ok = client
        .post(app.url("/api/v1/me/totp/confirm"))
        .json(&serde_json::json!({"code": totp.generate(secs).to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 204);
    let again = app.post_login(&app.client(), &patient.email, PASSWORD, None).await;
    assert_eq!(error_code(again).await, "mfa_required");
    app.advance(Duration::from_secs(30));
    let secs = u64::try_from(app.clock_now().unix_millis() / 1000).unwrap();
    let code = totp.generate(secs).to_string();
    assert_eq!(app.post_login(&app.client(), &patient.email, PASSWORD, Some(&code)).await.status(), 200);
}

#[tokio::test]
async fn a_deactivated_staff_member_is_signed_out_and_cannot_sign_in_again() {
    let app = spawn_app().await;
    let nurse = app.create_staff(StaffRole::Nurse, vec![]).await;
    let client = app.signed_in_staff(&nurse).await;
    assert_eq!(app.get_me(&client).await.status(), 200);
    app.app.deactivate_staff(&portico_domain::Actor::System, &nurse.email, &portico_app::cli_context()).await.unwrap();
    // Past the in-process session cache (2 s), the ended session is refused.
    app.advance(Duration::from_secs(3));
    assert_eq!(app.get_me(&client).await.status(), 401);
    app.advance(Duration::from_secs(30));
    let code = app.code(&nurse);
    let again = app.post_login(&app.client(), &nurse.email, PASSWORD, Some(&code)).await;
    assert_eq!(error_code(again).await, "invalid_credentials");
    assert!(app.audit_actions().await.contains(&("staff.deactivate".into(), "success".into())));
}

#[tokio::test]
async fn a_second_factor_reset_replaces_the_old_authenticator() {
    let app = spawn_app().await;
    let doctor = app.create_staff(StaffRole::Clinician, vec![]).await;
    let uri = app
        .app
        .reset_staff_mfa(&portico_domain::Actor::System, &doctor.email, &portico_app::cli_context())
        .await
        .unwrap();
    let new_totp = totp_rs::Totp::from_url(&uri).unwrap();
    let old_code = app.code(&doctor);
    let refused = app.post_login(&app.client(), &doctor.email, PASSWORD, Some(&old_code)).await;
    assert_eq!(error_code(refused).await, "invalid_credentials", "the lost phone's codes no longer work");
    let secs = u64::try_from(app.clock_now().unix_millis() / 1000).unwrap();
    let ok = app.post_login(&app.client(), &doctor.email, PASSWORD, Some(&new_totp.generate(secs).to_string())).await;
    assert_eq!(ok.status(), 200);
}

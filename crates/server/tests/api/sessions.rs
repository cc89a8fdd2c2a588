//! Session lifetimes on the fake clock, cookie attributes, session id rotation.

use std::time::Duration;

use portico_domain::StaffRole;

use crate::helpers::{PASSWORD, error_code, spawn_app, spawn_app_with};

const MIN: u64 = 60;

#[tokio::test]
async fn a_staff_session_ends_after_15_idle_minutes_and_not_before() {
    let app = spawn_app().await;
    let staff = app.create_staff(StaffRole::FrontDesk, vec![]).await;
    let client = app.signed_in_staff(&staff).await;
    app.advance(Duration::from_secs(14 * MIN + 50));
    assert_eq!(app.get_me(&client).await.status(), 200, "activity at 14m50s keeps it alive");
    app.advance(Duration::from_secs(14 * MIN + 50));
    assert_eq!(app.get_me(&client).await.status(), 200, "idle time counts from the last request");
    app.advance(Duration::from_secs(15 * MIN));
    let expired = app.get_me(&client).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(error_code(expired).await, "session_expired");
    assert_eq!(app.get_me(&client).await.status(), 401, "an expired session stays dead");
    assert!(app.audit_actions().await.contains(&("session.expire_idle".into(), "success".into())));
}

#[tokio::test]
async fn a_patient_session_ends_after_30_idle_minutes() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    app.advance(Duration::from_secs(29 * MIN));
    assert_eq!(app.get_me(&client).await.status(), 200);
    app.advance(Duration::from_secs(30 * MIN));
    assert_eq!(error_code(app.get_me(&client).await).await, "session_expired");
}

#[tokio::test]
async fn a_session_ends_after_12_hours_however_active() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    for _ in 0..47 {
        app.advance(Duration::from_secs(15 * MIN));
        assert_eq!(app.get_me(&client).await.status(), 200);
    }
    app.advance(Duration::from_secs(15 * MIN));
    assert_eq!(error_code(app.get_me(&client).await).await, "session_expired");
    assert!(app.audit_actions().await.contains(&("session.expire_absolute".into(), "success".into())));
}

#[tokio::test]
async fn idle_limits_come_from_configuration() {
    let app = spawn_app_with(|c| c.sessions.patient_idle = Duration::from_secs(5 * MIN)).await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    app.advance(Duration::from_secs(5 * MIN));
    assert_eq!(app.get_me(&client).await.status(), 401);
}

#[tokio::test]
async fn background_requests_do_not_keep_a_session_alive() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    for _ in 0..5 {
        app.advance(Duration::from_secs(5 * MIN));
        let r = client.get(app.url("/api/v1/me")).header("x-portico-background", "1").send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    app.advance(Duration::from_secs(5 * MIN));
    assert_eq!(app.get_me(&client).await.status(), 401, "30 idle minutes passed despite background polling");
}

#[tokio::test]
async fn the_session_cookie_is_httponly_strict_and_a_new_login_gets_a_new_id() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let client = app.client();
    let first = app.post_login(&client, &patient.email, PASSWORD, None).await;
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("portico_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"));
    assert!(!cookie.contains("Secure"), "plain http in tests");
    let old = cookie.split(';').next().unwrap().to_owned();
    let second = app.post_login(&client, &patient.email, PASSWORD, None).await;
    let new = second.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_ne!(old, new, "the session id changes at login");
    let with_old = reqwest::Client::new().get(app.url("/api/v1/me")).header("cookie", &old).send().await.unwrap();
    assert_eq!(with_old.status(), 401, "the session the login replaced is gone");
    assert_eq!(app.get_me(&client).await.status(), 200);
}

#[tokio::test]
async fn over_https_cookies_are_secure_and_hsts_is_sent() {
    let app = spawn_app_with(|c| c.public_url = "https://portal.example-clinic.test".into()).await;
    let patient = app.enrolled_patient().await;
    let resp = app.post_login(&app.client(), &patient.email, PASSWORD, None).await;
    assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("; Secure"));
    assert!(resp.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
}

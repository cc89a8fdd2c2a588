//! Passkeys over HTTP: what the ceremonies hand out, and that nothing but a verified answer to a
//! live ceremony of one's own adds a passkey or signs anyone in. The whole ceremony with a real
//! authenticator runs in the browser tests (Chromium's virtual authenticator).

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{error_code, spawn_app, spawn_app_with};

/// A well-formed answer that no authenticator made.
fn forged(id: &str) -> Value {
    json!({
        "id": id, "rawId": id, "type": "public-key", "extensions": {},
        "response": {"attestationObject": "o2NmbXRkbm9uZQ", "clientDataJSON": "e30",
                     "authenticatorData": "AAAA", "signature": "AAAA", "userHandle": "AAAA"}
    })
}

#[tokio::test]
async fn adding_a_passkey_asks_for_user_verification_and_nothing_unverified_is_added() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;

    let start: Value = app.post_json(&client, "/api/v1/me/passkeys/start", json!({})).await.json().await.unwrap();
    let pk = &start["options"]["publicKey"];
    // Served on a loopback address, the passkey's site is localhost (browsers refuse an IP).
    assert_eq!(pk["rp"]["id"], "localhost");
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
    assert!(pk["challenge"].as_str().unwrap().len() >= 43, "a 32-byte challenge at least");
    assert_eq!(pk["user"]["id"].as_str().unwrap().len(), 22, "the account's UUID, base64url");
    let text = start.to_string();
    assert!(!text.contains(&patient.email), "no email of the patient goes to their device: {text}");

    let ceremony = start["ceremony"].as_str().unwrap();
    let answer = json!({"ceremony": ceremony, "credential": forged("AAAA")});
    let r = app.post_json(&client, "/api/v1/me/passkeys", answer.clone()).await;
    assert_eq!(r.status(), 400);
    // The ceremony was used up by that try: a second answer finds it gone.
    let r = app.post_json(&client, "/api/v1/me/passkeys", answer).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("expired"));
    let (status, list) = app.get_json(&client, "/api/v1/me/passkeys").await;
    assert_eq!((status, list), (200, json!({"passkeys": []})));

    // Another account cannot finish this account's ceremony.
    let start: Value = app.post_json(&client, "/api/v1/me/passkeys/start", json!({})).await.json().await.unwrap();
    let other = app.enrolled_patient().await;
    let other_client = app.signed_in_patient(&other).await;
    let answer = json!({"ceremony": start["ceremony"], "credential": forged("AAAA")});
    let r = app.post_json(&other_client, "/api/v1/me/passkeys", answer).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("expired"));
    assert!(!app.audit_actions().await.iter().any(|(a, _)| a == "passkey.add"));
}

#[tokio::test]
async fn a_passkey_sign_in_that_does_not_verify_signs_no_one_in_and_is_audited() {
    let app = spawn_app().await;
    let anonymous = app.client();
    let start: Value = app.post_json(&anonymous, "/api/v1/auth/passkey/start", json!({})).await.json().await.unwrap();
    let pk = &start["options"]["publicKey"];
    assert_eq!(pk["rpId"], "localhost");
    assert_eq!(pk["userVerification"], "required");
    assert_eq!(pk["allowCredentials"], json!([]), "the device offers its passkeys: no account is named");

    let answer = json!({"ceremony": start["ceremony"], "credential": forged("AAAA")});
    let r = app.post_json(&anonymous, "/api/v1/auth/passkey/finish", answer).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("set-cookie").is_none(), "no session");
    assert_eq!(error_code(r).await, "invalid_credentials");
    assert!(app.audit_actions().await.contains(&("auth.login_passkey".into(), "failure".into())));

    // A ceremony outlives five minutes for no one.
    let start: Value = app.post_json(&anonymous, "/api/v1/auth/passkey/start", json!({})).await.json().await.unwrap();
    let id = start["ceremony"].as_str().unwrap();
    let now = app.clock_now();
    assert!(app.app.store().take_ceremony(id, "register", now).await.unwrap().is_none(), "not a registration");
    app.advance(Duration::from_secs(301));
    assert!(app.app.store().take_ceremony(id, "sign_in", app.clock_now()).await.unwrap().is_none());

    // Each start writes a ceremony: one address may start only so many.
    let mut statuses = Vec::new();
    for _ in 0..70 {
        statuses.push(app.post_json(&anonymous, "/api/v1/auth/passkey/start", json!({})).await.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 60 - 2, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429));
}

#[tokio::test]
async fn a_ceremony_is_taken_once() {
    let app = spawn_app().await;
    let store = app.app.store();
    let now = app.clock_now();
    let later = now.plus(Duration::from_secs(60));
    store.put_ceremony("c1", "sign_in", None, "{}", now, later).await.unwrap();
    let taken = store.take_ceremony("c1", "sign_in", now).await.unwrap().expect("a live ceremony");
    assert_eq!((taken.account, taken.state.as_str()), (None, "{}"));
    assert!(store.take_ceremony("c1", "sign_in", now).await.unwrap().is_none(), "used once");
}

#[tokio::test]
async fn passkeys_are_unavailable_where_browsers_cannot_use_them() {
    let app = spawn_app_with(|c| c.public_url = "http://10.1.2.3:8080".into()).await;
    let r = app.post_json(&app.client(), "/api/v1/auth/passkey/start", json!({})).await;
    assert_eq!(r.status(), 404);
    let page = app.client().get(app.url("/portal/sign-in")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("data-passkey-origin"), "no passkey button where it cannot work");

    let app = spawn_app_with(|c| c.public_url = "https://portal.example-clinic.test".into()).await;
    let start: Value =
        app.post_json(&app.client(), "/api/v1/auth/passkey/start", json!({})).await.json().await.unwrap();
    assert_eq!(start["options"]["publicKey"]["rpId"], "portal.example-clinic.test");
}

//! The social bridge's settings at run time: an administrator connects the Meta page and
//! changes the standard messages over the API; secrets are write-only and sealed at rest; a
//! refused field changes nothing; every node picks up a change; a restart keeps it.

use std::time::Duration;

use portico_domain::StaffRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::sinks::graph_sink;
use crate::social::{calls, dm, post_raw};

const SECRET: &str = "settings-app-secret-0123456789";
const NEW_SECRET: &str = "rotated-app-secret-9876543210";
const VERIFY: &str = "verify-token-from-admin";
const TOKEN: &str = "PAGE-TOKEN-SAVED-BY-ADMIN";

async fn signed(app: &TestApp, base: &str, secret: &str, payload: &Value) -> u16 {
    let body = payload.to_string();
    let sig = portico_crypto::webhook::meta_signature(secret, body.as_bytes());
    let c = app.client();
    let r = c.post(format!("{base}/webhooks/meta")).header("content-type", "application/json");
    r.header("x-hub-signature-256", sig).body(body).send().await.unwrap().status().as_u16()
}

async fn verify(base: &str, token: &str) -> u16 {
    let url = format!("{base}/webhooks/meta?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=42");
    reqwest::get(url).await.unwrap().status().as_u16()
}

async fn put(app: &TestApp, admin: &reqwest::Client, version: i64, changes: Value) -> (u16, Value) {
    let r = admin
        .put(app.url("/api/v1/admin/social-settings"))
        .json(&json!({"version": version, "changes": changes}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn an_admin_connects_the_page_and_changes_messages_at_run_time_and_secrets_stay_sealed() {
    let graph = graph_sink().await;
    let app = spawn_app().await;
    let admin = app.signed_in_staff(&app.create_staff(StaffRole::Admin, vec![]).await).await;
    // Not connected: the webhook does not exist yet.
    assert_eq!(verify(&app.base, VERIFY).await, 404);
    let (status, before) = app.get_json(&admin, "/api/v1/admin/social-settings").await;
    assert_eq!(status, 200);
    assert_eq!((before["source"].as_str(), before["version"].as_i64()), (Some("file"), Some(0)));
    assert!(before["meta"].is_null());

    let custom = "Thanks for writing to {clinic}. Please use our secure portal: {portal}";
    let meta = json!({"app_secret": SECRET, "verify_token": VERIFY, "page_id": "1122334455",
        "page_access_token": TOKEN, "graph_base_url": format!("http://{}", graph.addr)});
    let (status, saved) = put(&app, &admin, 0, json!({"meta": meta, "redirect_message": custom})).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!((saved["source"].as_str(), saved["version"].as_i64()), (Some("database"), Some(1)));
    assert_eq!(saved["meta"]["page_id"], "1122334455");
    assert!(saved["meta"]["callback_url"].as_str().unwrap().ends_with("/webhooks/meta"));
    for secret in [SECRET, VERIFY, TOKEN] {
        assert!(!saved.to_string().contains(secret), "the API never shows {secret}");
    }

    // In force at once on this node: the webhook verifies, a DM gets the new message.
    assert_eq!(verify(&app.base, VERIFY).await, 200);
    assert_eq!(signed(&app, &app.base, SECRET, &dm("m_s1", "PSID5", "hello")).await, 200);
    let call = calls(&graph, 1).await.remove(0);
    assert!(call.query.contains(&format!("access_token={TOKEN}")), "{}", call.query);
    let text = call.json()["message"]["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("Thanks for writing to ") && text.contains("/portal"), "{text}");

    // A save made from an old version, and a refused field, change nothing.
    let (status, _) = put(&app, &admin, 0, json!({"retention_days": 9})).await;
    assert_eq!(status, 409);
    let (status, e) =
        put(&app, &admin, 1, json!({"phi_message": "Sorry about your diabetes", "retention_days": 9})).await;
    assert_eq!(status, 400);
    let msg = e["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.starts_with("phi_message:") && !msg.contains("diabetes"), "{e}");
    let (status, e) = put(&app, &admin, 1, json!({"meta": {"app_secret": "short"}})).await;
    assert_eq!(status, 400, "{e}");
    let (status, e) = put(&app, &admin, 1, json!({"retention": 9})).await;
    assert_eq!(status, 400, "an unknown field is refused: {e}");
    let (_, now) = app.get_json(&admin, "/api/v1/admin/social-settings").await;
    assert_eq!((now["version"].as_i64(), now["retention_days"].as_u64()), (Some(1), Some(30)));

    // Rotating the app secret: the old signature is refused from then on.
    let (status, _) = put(&app, &admin, 1, json!({"meta": {"app_secret": NEW_SECRET}})).await;
    assert_eq!(status, 200);
    let body = dm("m_s2", "PSID6", "hi").to_string();
    let old = portico_crypto::webhook::meta_signature(SECRET, body.as_bytes());
    assert_eq!(post_raw(&app, body.as_bytes(), Some(&old)).await, 403);
    assert_eq!(signed(&app, &app.base, NEW_SECRET, &dm("m_s2", "PSID6", "hi")).await, 200);
    calls(&graph, 2).await;

    // Audited by field name only; sealed at rest.
    let events = app.app.store().recent_audit(1000).await.unwrap();
    let saves: Vec<_> = events.iter().filter(|e| e.action == "settings.update").collect();
    assert_eq!(saves.len(), 2, "two saves, the refused ones not");
    assert!(saves.iter().any(|e| e.resource_id.as_deref() == Some("social:meta.app_secret")), "{saves:?}");
    let raw = crate::at_rest::database_contents(&app).await;
    for secret in [SECRET, NEW_SECRET, TOKEN, VERIFY, "Thanks for writing"] {
        assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} stored in clear");
    }
    assert!(!crate::helpers::captured_logs().contains(NEW_SECRET));

    // A restart keeps the administrator's settings over the (empty) file.
    let (dir, config, clock) = app.stop().await;
    let running = portico::start(&config, std::sync::Arc::new(clock)).await.unwrap();
    let base = format!("http://{}", running.addr);
    assert_eq!(verify(&base, VERIFY).await, 200);
    running.stop().await.unwrap();
    drop(dir);
}

#[tokio::test]
async fn a_change_saved_on_one_node_reaches_the_others() {
    let app = spawn_app().await;
    let other = portico::start(&app.config, std::sync::Arc::new(app.clock.clone())).await.unwrap();
    let other_base = format!("http://{}", other.addr);
    assert_eq!(verify(&other_base, VERIFY).await, 404);
    let admin = app.signed_in_staff(&app.create_staff(StaffRole::Admin, vec![]).await).await;
    let meta = json!({"app_secret": SECRET, "verify_token": VERIFY, "page_id": "42", "page_access_token": TOKEN});
    assert_eq!(put(&app, &admin, 0, json!({"meta": meta})).await.0, 200);
    // The other node polls every five seconds.
    let mut poll = tokio::time::interval(Duration::from_millis(100));
    let reached = async {
        while verify(&other_base, VERIFY).await != 200 {
            poll.tick().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(15), reached).await.expect("the other node reloads within its refresh");
    other.stop().await.unwrap();
}

//! The social bridge over real HTTP: signed Meta webhooks in, standard replies out to a local
//! stand-in for the Graph API that records every call; forged payloads leave no trace; staff
//! see only redacted items.

use std::time::Duration;

use portico_domain::StaffRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};
use crate::sinks::{GraphCall, GraphSink, graph_sink};

const SECRET: &str = "test-app-secret-0123456789";
const VERIFY: &str = "verify-me-please";
const PAGE: &str = "1122334455";
const TOKEN: &str = "PAGE-ACCESS-TOKEN-1";

async fn bridge() -> (TestApp, GraphSink) {
    let graph = graph_sink().await;
    let base = format!("http://{}", graph.addr);
    let app = spawn_app_with(move |c| {
        c.clinic_name = "Example Family Clinic".into();
        c.social.contact.phone = "+1 503 555 0100".into();
        c.social.messages = portico_domain::social::StandardMessages::defaults(true, false);
        c.social.contact.clinic = "Example Family Clinic".into();
        c.social.meta = Some(portico_app::social::meta::MetaSettings {
            app_secret: SECRET.into(),
            verify_token: VERIFY.into(),
            page_id: PAGE.into(),
            page_access_token: TOKEN.into(),
            graph_base_url: base,
            graph_version: "v21.0".into(),
        });
    })
    .await;
    (app, graph)
}

pub(crate) async fn post_raw(app: &TestApp, body: &[u8], signature: Option<&str>) -> u16 {
    let mut req = app.client().post(app.url("/webhooks/meta")).header("content-type", "application/json");
    if let Some(sig) = signature {
        req = req.header("x-hub-signature-256", sig);
    }
    req.body(body.to_vec()).send().await.unwrap().status().as_u16()
}

async fn post_signed(app: &TestApp, payload: &Value) -> u16 {
    let body = payload.to_string();
    let sig = portico_crypto::webhook::meta_signature(SECRET, body.as_bytes());
    post_raw(app, body.as_bytes(), Some(&sig)).await
}

pub(crate) fn dm(mid: &str, sender: &str, text: &str) -> Value {
    json!({"object": "page", "entry": [{"id": PAGE, "time": 1_700_000_000_000u64, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": PAGE}, "timestamp": 1_700_000_000_000u64,
         "message": {"mid": mid, "text": text}}]}]})
}

fn comment(id: &str, from: &str, text: &str) -> Value {
    json!({"object": "page", "entry": [{"id": PAGE, "time": 1_700_000_000_000u64, "changes": [
        {"field": "feed", "value": {"from": {"id": from, "name": "Some Person"}, "post_id": "1122334455_9",
         "comment_id": id, "parent_id": "1122334455_9", "item": "comment", "verb": "add",
         "created_time": 1_700_000_000, "message": text}}]}]})
}

/// Waits until the stand-in has received `n` calls; fails after ten seconds.
pub(crate) async fn calls(graph: &GraphSink, n: usize) -> Vec<GraphCall> {
    let wait = async {
        while graph.calls.lock().unwrap().len() < n {
            graph.arrived.notified().await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), wait).await.is_err() {
        panic!("expected {n} Graph calls, got {:?}", graph.calls.lock().unwrap());
    }
    graph.calls.lock().unwrap().clone()
}

/// Runs the worker's passes directly, so a test can assert that nothing more was sent.
async fn settle(app: &TestApp) -> Vec<portico_domain::social::Decision> {
    let mut all = Vec::new();
    loop {
        let d = app.app.process_social(100).await.unwrap();
        if d.is_empty() {
            return all;
        }
        all.extend(d);
    }
}

/// Waits until the worker has written an audit event `action`; fails after ten seconds.
async fn until_audited(app: &TestApp, action: &str) {
    until_audited_times(app, action, 1).await;
}

/// Waits until the worker has written `n` audit events `action`; fails after ten seconds.
async fn until_audited_times(app: &TestApp, action: &str, n: usize) {
    let wait = async {
        while app.audit_actions().await.iter().filter(|(a, _)| a == action).count() < n {
            tokio::task::yield_now().await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), wait).await.is_err() {
        panic!("{action} was not audited within ten seconds");
    }
}

async fn front_desk(app: &TestApp) -> reqwest::Client {
    let user = app.create_staff(StaffRole::FrontDesk, vec![]).await;
    app.signed_in_staff(&user).await
}

#[tokio::test]
async fn meta_verification_echoes_the_challenge_only_for_the_right_token() {
    let (app, _graph) = bridge().await;
    let get = |q: String| {
        let c = app.client();
        let url = app.url(&format!("/webhooks/meta?{q}"));
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let ok = get(format!("hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1158201444")).await;
    assert_eq!(ok, (200, "1158201444".to_owned()));
    assert_eq!(get("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1".into()).await.0, 403);
    assert_eq!(get(format!("hub.mode=unsubscribe&hub.verify_token={VERIFY}&hub.challenge=1")).await.0, 403);
    assert_eq!(get(format!("hub.mode=subscribe&hub.verify_token={VERIFY}")).await.0, 403);
    assert_eq!(get(String::new()).await.0, 403);
}

#[tokio::test]
async fn a_signed_message_gets_one_standard_reply_and_redeliveries_and_repeats_get_none() {
    let (app, graph) = bridge().await;
    assert_eq!(post_signed(&app, &dm("m_1", "PSID77", "hi, are you open on saturday?")).await, 200);
    let call = calls(&graph, 1).await.remove(0);
    assert_eq!(call.path, "/v21.0/me/messages");
    assert!(call.content_type.starts_with("application/json"), "{}", call.content_type);
    assert!(call.query.contains(&format!("access_token={TOKEN}")), "{}", call.query);
    let body = call.json();
    assert_eq!(body["recipient"]["id"], "PSID77");
    assert_eq!(body["messaging_type"], "RESPONSE");
    let text = body["message"]["text"].as_str().unwrap();
    assert!(text.contains("Example Family Clinic") && text.contains("/portal") && text.contains("911"), "{text}");
    assert!(!text.to_lowercase().contains("saturday"), "never quotes the sender: {text}");

    // Meta redelivers the same mid: processed once.
    assert_eq!(post_signed(&app, &dm("m_1", "PSID77", "hi, are you open on saturday?")).await, 200);
    // A second message from the same person within 24 hours: no second automatic reply.
    assert_eq!(post_signed(&app, &dm("m_2", "PSID77", "hello?")).await, 200);
    settle(&app).await;
    app.app.deliver_social(&graph_client(&graph), 10).await.unwrap();
    assert_eq!(graph.calls.lock().unwrap().len(), 1);
    let (items, actions) = app.app.store().social_counts().await.unwrap();
    assert_eq!((items, actions), (2, 1), "the redelivery stored nothing");

    // A day later the window has passed.
    app.advance(Duration::from_secs(25 * 3600));
    assert_eq!(post_signed(&app, &dm("m_3", "PSID77", "still there?")).await, 200);
    // (This wait failed twice on PostgreSQL under the full suite; the audit trail says why.)
    let arrived = tokio::time::timeout(Duration::from_secs(10), async {
        while graph.calls.lock().unwrap().len() < 2 {
            graph.arrived.notified().await;
        }
    })
    .await;
    if arrived.is_err() {
        let trail: Vec<_> = app.audit_actions().await.into_iter().filter(|(a, _)| a.starts_with("social.")).collect();
        panic!("no reply a day later; social audit trail: {trail:?}");
    }
    assert_eq!(calls(&graph, 2).await[1].json()["recipient"]["id"], "PSID77");
}

fn graph_client(graph: &GraphSink) -> portico_app::social::meta::Graph {
    portico_app::social::meta::Graph::new(portico_app::social::meta::MetaSettings {
        app_secret: SECRET.into(),
        verify_token: VERIFY.into(),
        page_id: PAGE.into(),
        page_access_token: TOKEN.into(),
        graph_base_url: format!("http://{}", graph.addr),
        graph_version: "v21.0".into(),
    })
    .unwrap()
}

#[tokio::test]
async fn a_message_with_phi_gets_the_gentle_variant_echoing_nothing_and_is_kept_only_redacted() {
    let (app, graph) = bridge().await;
    let text = "Hi this is Rosalind Quattlebaum, DOB 3/14/1971, my metformin isn't working for my diabetes";
    assert_eq!(post_signed(&app, &dm("m_phi", "PSID8", text)).await, 200);
    let reply = calls(&graph, 1).await[0].json()["message"]["text"].as_str().unwrap().to_owned();
    assert!(reply.contains("please don't share health or personal details"), "{reply}");
    for word in ["Rosalind", "Quattlebaum", "1971", "metformin", "diabetes"] {
        assert!(!reply.contains(word), "{word} echoed in {reply}");
    }

    let (status, inbox) = app.get_json(&front_desk(&app).await, "/api/v1/social/messages").await;
    assert_eq!(status, 200);
    let item = &inbox["items"][0];
    assert_eq!((item["channel"].as_str(), item["phi_detected"].as_bool()), (Some("messenger"), Some(true)));
    assert_eq!(item["decision"], "replied_phi");
    let redacted = item["redacted_text"].as_str().unwrap();
    assert!(redacted.contains("[MEDICATION]") && redacted.contains("[CONDITION]") && redacted.contains("[DATE]"));
    for word in ["Quattlebaum", "1971", "metformin", "diabetes", "PSID8"] {
        assert!(!redacted.contains(word) && !inbox.to_string().contains(word), "{word} in the inbox");
    }
    // At rest: neither the words nor the sender's id in clear.
    let raw = crate::at_rest::database_contents(&app).await;
    for word in ["Quattlebaum", "metformin", "PSID8", "m_phi"] {
        assert!(!raw.windows(word.len()).any(|w| w == word.as_bytes()), "{word} stored in clear");
    }
    until_audited(&app, "social.reply_sent").await;
    let actions = app.audit_actions().await;
    for a in ["social.received", "social.decided", "social.reply_sent", "social.inbox_read"] {
        assert!(actions.iter().any(|(x, _)| x == a), "{a} not audited");
    }
}

/// Every way a payload can fail its signature: none may leave any trace.
#[tokio::test]
async fn a_thousand_forged_altered_or_unsigned_payloads_change_nothing() {
    let (app, graph) = bridge().await;
    let audit_before = app.audit_actions().await.len();
    let mut refused = 0;
    for i in 0..1000 {
        let payload =
            if i % 2 == 0 { dm(&format!("m_f{i}"), "PSID9", "forged") } else { comment(&format!("9_{i}"), "U1", "x") };
        let body = payload.to_string();
        let good = portico_crypto::webhook::meta_signature(SECRET, body.as_bytes());
        let (sent_body, sig): (Vec<u8>, Option<String>) = match i % 10 {
            0 => (body.clone().into_bytes(), None),
            1 => (
                body.clone().into_bytes(),
                Some(portico_crypto::webhook::meta_signature("another-secret", body.as_bytes())),
            ),
            2 => (body.replace("forged", "altered").replace("\"x\"", "\"y\"").into_bytes(), Some(good.clone())),
            3 => (format!("{body} ").into_bytes(), Some(good.clone())),
            4 => (body.clone().into_bytes(), Some(good.replace("sha256=", "sha1="))),
            5 => (body.clone().into_bytes(), Some(good[..good.len() - 1].to_owned())),
            6 => (body.clone().into_bytes(), Some(String::new())),
            7 => (body.clone().into_bytes(), Some(format!("{}{}", &good[..20], "0".repeat(good.len() - 20)))),
            8 => (body.clone().into_bytes(), Some(portico_crypto::webhook::meta_signature(SECRET, b"{}"))),
            _ => (body.clone().into_bytes(), Some(format!("sha256={}", "g".repeat(64)))),
        };
        let status = post_raw(&app, &sent_body, sig.as_deref()).await;
        assert!(matches!(status, 401 | 403), "case {i}: {status}");
        refused += 1;
    }
    assert_eq!(refused, 1000);
    settle(&app).await;
    assert_eq!(app.app.store().social_counts().await.unwrap(), (0, 0));
    assert_eq!(app.audit_actions().await.len(), audit_before, "no audit event either");
    assert!(graph.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn comments_revealing_care_or_phi_are_hidden_and_answered_and_neutral_ones_left_alone() {
    let (app, graph) = bridge().await;
    let relationship = comment("9_100", "U100", "Dr. Smith treated my son last week, best doctor ever");
    let neutral = comment("9_101", "U101", "What are your hours on Saturday?");
    let phi = comment("9_102", "U102", "my daughter's seizures came back, can someone call 503-555-0188");
    let own = comment("9_103", PAGE, "Thanks for asking!");
    // The issue's own example: hidden, whether the scanner calls "lab results" a health term.
    let complaint = comment("9_104", "U104", "worst visit ever, they lost my lab results");
    for c in [&relationship, &neutral, &phi, &own, &complaint] {
        assert_eq!(post_signed(&app, c).await, 200);
    }
    let got = calls(&graph, 6).await;
    let mut paths: Vec<&str> = got.iter().map(|c| c.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/v21.0/9_100",
            "/v21.0/9_100/comments",
            "/v21.0/9_102",
            "/v21.0/9_102/comments",
            "/v21.0/9_104",
            "/v21.0/9_104/comments"
        ]
    );
    for c in &got {
        if c.path.ends_with("/comments") {
            let reply = c.param("message").unwrap();
            assert!(reply.contains("contact our office directly"), "{reply}");
            assert!(!reply.to_lowercase().contains("patient") && !reply.contains("lab"), "{reply}");
        } else {
            assert_eq!(c.param("is_hidden").as_deref(), Some("true"));
        }
        assert_eq!(c.param("access_token").as_deref(), Some(TOKEN));
        assert_eq!(c.content_type, "application/x-www-form-urlencoded");
    }
    let (_, queue) = app.get_json(&front_desk(&app).await, "/api/v1/social/comments?all=true").await;
    let by_category: Vec<(String, String)> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["category"].as_str().unwrap().to_owned(), i["decision"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(by_category.len(), 4, "the page's own comment is not stored");
    for want in [("relationship", "hidden"), ("neutral", "left"), ("phi", "hidden")] {
        assert!(by_category.contains(&(want.0.to_owned(), want.1.to_owned())), "{by_category:?}");
    }
    assert!(!queue.to_string().contains("503-555-0188") && !queue.to_string().contains("seizures"));
}

#[tokio::test]
async fn payloads_shaped_like_metas_samples_are_answered_or_ignored_as_they_should_be() {
    let (app, graph) = bridge().await;
    let batch = json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [
        {"sender": {"id": "PS1"}, "recipient": {"id": PAGE}, "timestamp": 1,
         "message": {"mid": "m_att", "attachments": [{"type": "image", "payload": {"url": "https://cdn.example/x.jpg"}}]}},
        {"sender": {"id": "PS2"}, "recipient": {"id": PAGE}, "timestamp": 2,
         "postback": {"mid": "m_pb", "title": "Get Started", "payload": "GET_STARTED"}},
        {"sender": {"id": PAGE}, "recipient": {"id": "PS3"}, "timestamp": 3,
         "message": {"mid": "m_echo", "is_echo": true, "app_id": 1, "text": "echo of our reply"}},
        {"sender": {"id": "PS4"}, "recipient": {"id": PAGE}, "timestamp": 4, "read": {"watermark": 4}},
        {"sender": {"id": "PS5"}, "recipient": {"id": PAGE}, "timestamp": 5, "delivery": {"mids": ["m_x"], "watermark": 5}}
    ]}]});
    assert_eq!(post_signed(&app, &batch).await, 200);
    let instagram = json!({"object": "instagram", "entry": [{"id": "17841400000000000", "time": 1, "messaging": [
        {"sender": {"id": "IGS6"}, "recipient": {"id": "17841400000000000"}, "timestamp": 6,
         "message": {"mid": "aWdfZAG1", "text": "do you take new patients"}}
    ], "changes": [
        {"field": "comments", "value": {"from": {"id": "IGU7", "username": "someone"}, "media": {"id": "M1"},
         "id": "17900000000000001", "text": "Dr Okafor is the best, she treated my asthma"}}
    ]}]});
    assert_eq!(post_signed(&app, &instagram).await, 200);
    let got = calls(&graph, 5).await;
    let recipients: Vec<String> = got
        .iter()
        .filter(|c| c.path == "/v21.0/me/messages")
        .map(|c| c.json()["recipient"]["id"].as_str().unwrap().to_owned())
        .collect();
    let mut recipients_sorted = recipients.clone();
    recipients_sorted.sort();
    assert_eq!(
        recipients_sorted,
        ["IGS6", "PS1", "PS2"],
        "attachments and postbacks answered; echoes, reads and deliveries not"
    );
    assert!(got.iter().any(|c| c.path == "/v21.0/17900000000000001" && c.param("hide").as_deref() == Some("true")));
    assert!(got.iter().any(|c| c.path == "/v21.0/17900000000000001/replies"));
    settle(&app).await;
    assert_eq!(graph.calls.lock().unwrap().len(), 5);
    // Malformed JSON with a good signature is refused with 400 and stores nothing.
    let bad = b"{\"object\": \"page\", \"entry\": ";
    let sig = portico_crypto::webhook::meta_signature(SECRET, bad);
    assert_eq!(post_raw(&app, bad, Some(&sig)).await, 400);
    assert_eq!(app.app.store().social_counts().await.unwrap().0, 4);
}

#[tokio::test]
async fn staff_can_only_mark_handled_invite_and_moderate_and_failed_calls_are_retried() {
    let (app, graph) = bridge().await;
    graph.status.store(503, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(post_signed(&app, &dm("m_s1", "PSID50", "what time do you open")).await, 200);
    calls(&graph, 1).await;
    until_audited(&app, "social.call_retry").await;
    // The failure is retried later, not lost.
    graph.status.store(200, std::sync::atomic::Ordering::SeqCst);
    app.advance(Duration::from_secs(60));
    // Once due, the worker (or this pass, whichever claims it first) makes the call again.
    app.app.deliver_social(&graph_client(&graph), 10).await.unwrap();
    assert_eq!(calls(&graph, 2).await.len(), 2);

    let desk = front_desk(&app).await;
    let (_, inbox) = app.get_json(&desk, "/api/v1/social/messages").await;
    let id = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    let invite = app.post_json(&desk, &format!("/api/v1/social/items/{id}/invite"), json!({})).await;
    assert_eq!(invite.status().as_u16(), 202);
    assert_eq!(calls(&graph, 3).await[2].json()["recipient"]["id"], "PSID50");
    let handled = app.post_json(&desk, &format!("/api/v1/social/items/{id}/handled"), json!({})).await;
    assert_eq!(handled.status().as_u16(), 204);
    assert_eq!(app.get_json(&desk, "/api/v1/social/messages").await.1["items"].as_array().unwrap().len(), 0);
    let moderate =
        app.post_json(&desk, &format!("/api/v1/social/items/{id}/moderation"), json!({"action": "hide"})).await;
    assert_eq!(moderate.status().as_u16(), 400, "messages are not moderated");

    // A comment queued for review is hidden by staff.
    assert_eq!(post_signed(&app, &comment("9_200", "U200", "Happy holidays!")).await, 200);
    // The worker may be deciding it right now (on PostgreSQL, rows it holds are skipped).
    until_audited_times(&app, "social.decided", 2).await;
    let (_, all) = app.get_json(&desk, "/api/v1/social/comments?all=true").await;
    let cid = all["items"][0]["id"].as_str().unwrap().to_owned();
    let r = app.post_json(&desk, &format!("/api/v1/social/items/{cid}/moderation"), json!({"action": "hide"})).await;
    assert_eq!(r.status().as_u16(), 200);
    let got = calls(&graph, 5).await;
    assert!(got.iter().any(|c| c.path == "/v21.0/9_200" && c.param("is_hidden").as_deref() == Some("true")));
    let bad =
        app.post_json(&desk, &format!("/api/v1/social/items/{cid}/moderation"), json!({"action": "delete"})).await;
    assert_eq!(bad.status().as_u16(), 400);
    let actions = app.audit_actions().await;
    for a in ["social.invitation_sent", "social.handled", "social.moderated", "social.call_retry"] {
        assert!(actions.iter().any(|(x, _)| x == a), "{a} not audited");
    }

    // Past the retention period, items are purged (once the calls they owe are recorded).
    until_audited_times(&app, "social.reply_sent", 2).await;
    until_audited(&app, "social.comment_hidden").await;
    until_audited(&app, "social.public_reply_sent").await;
    app.advance(Duration::from_secs(31 * 24 * 3600));
    assert_eq!(app.app.purge_social().await.unwrap(), 2);
    assert_eq!(app.app.store().social_counts().await.unwrap(), (0, 0));
}

#[tokio::test]
async fn texts_to_the_clinic_number_get_the_redirect_once_and_stop_is_respected() {
    let sms = crate::sinks::sms_sink().await;
    let cfg = portico_app::notify::SmsSettings {
        base_url: format!("http://{}", sms.addr),
        account_sid: "AC123".into(),
        auth_token: "sms-auth-token".into(),
        from: "+15550009999".into(),
    };
    let app = spawn_app_with(move |c| c.notify_sms = Some(cfg)).await;
    let text = |sid: &str, body: &str| {
        let fields = [("From", "+15035550123"), ("To", "+15550009999"), ("Body", body), ("MessageSid", sid)];
        let params: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let url = format!("{}/webhooks/twilio/sms", app.config.public_url.trim_end_matches('/'));
        let sig = portico_crypto::webhook::twilio_signature("sms-auth-token", &url, &params);
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B").replace(' ', "+").replace('\'', "%27")))
            .collect::<Vec<_>>()
            .join("&");
        let (client, url) = (app.client(), app.url("/webhooks/twilio/sms"));
        async move {
            let r = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-twilio-signature", sig)
                .body(body)
                .send()
                .await
                .unwrap();
            r.text().await.unwrap()
        }
    };
    let first = text("SM1", "my insulin pump is beeping").await;
    assert!(first.contains("<Message>") && first.contains("please don") && !first.contains("insulin"), "{first}");
    assert!(text("SM1", "my insulin pump is beeping").await.ends_with("<Response/>"), "a redelivery is answered once");
    assert!(text("SM2", "hello?").await.ends_with("<Response/>"), "one automatic reply a day");
    app.advance(Duration::from_secs(25 * 3600));
    assert!(text("SM3", "STOP").await.contains("no more text messages"));
    assert!(text("SM4", "are you open today").await.ends_with("<Response/>"), "STOP is respected");
}

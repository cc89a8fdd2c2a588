//! Secure messaging as patients and staff use it, over HTTP.

use std::time::Duration;

use portico_domain::StaffRole;
use serde_json::{Value, json};

use crate::helpers::{error_code, spawn_app};

fn bodies(thread: &Value) -> Vec<Option<String>> {
    thread["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_patient_writes_to_a_team_and_the_care_team_answers() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Refill question", "Can I get a refill of my inhaler?").await;

    let doctor = app.signed_in_staff(&c.clinician).await;
    let (status, list) = app.get_json(&doctor, "/api/v1/threads").await;
    assert_eq!(status, 200);
    assert_eq!(list["threads"][0]["id"], thread);
    assert_eq!(list["threads"][0]["subject"], "Refill question");
    assert_eq!(list["threads"][0]["unread"], 1);
    let reply = app.send(&doctor, &thread, json!({"body": "Yes, sent to your pharmacy."})).await;
    assert_eq!(reply.status(), 201);
    let reply_id = reply.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    let (_, list) = app.get_json(&patient, "/api/v1/threads").await;
    assert_eq!(list["threads"][0]["unread"], 1, "the patient has one unread reply");
    let (_, view) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(view["thread"]["subject"], "Refill question");
    assert_eq!(
        bodies(&view),
        [Some("Can I get a refill of my inhaler?".into()), Some("Yes, sent to your pharmacy.".into())]
    );
    assert_eq!(view["messages"][1]["author"]["kind"], "staff");
    assert_eq!(view["messages"][1]["id"], reply_id);

    // Read receipts: the care team sees when the patient read the reply.
    let (_, before) = app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    assert!(before["messages"][1]["read_by_patient_at"].is_null());
    assert_eq!(app.post_json(&patient, &format!("/api/v1/threads/{thread}/read"), json!({})).await.status(), 200);
    let (_, after) = app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    assert!(after["messages"][1]["read_by_patient_at"].is_string());
    let (_, list) = app.get_json(&patient, "/api/v1/threads").await;
    assert_eq!(list["threads"][0]["unread"], 0);
    // ...and the patient sees "read by the care team".
    app.post_json(&doctor, &format!("/api/v1/threads/{thread}/read"), json!({})).await;
    let (_, mine) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    assert!(mine["messages"][0]["read_by_care_team_at"].is_string());
}

#[tokio::test]
async fn nobody_outside_the_thread_can_see_it_and_the_answer_is_404() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Private", "Something private").await;
    let stranger = app.enrolled_patient().await;
    let stranger = app.signed_in_patient(&stranger).await;
    let other_team = app.create_team("Dermatology").await;
    let outsider = app.create_staff(StaffRole::Clinician, vec![other_team]).await;
    let outsider = app.signed_in_staff(&outsider).await;
    let admin = app.create_staff(StaffRole::Admin, vec![]).await;
    let admin = app.signed_in_staff(&admin).await;
    for client in [&stranger, &outsider, &admin] {
        let resp = client.get(app.url(&format!("/api/v1/threads/{thread}"))).send().await.unwrap();
        assert_eq!(resp.status(), 404);
        let text = resp.text().await.unwrap();
        assert!(!text.contains("Private") && !text.contains("Something private"));
        assert_eq!(app.send(client, &thread, json!({"body": "hi"})).await.status(), 404);
    }
    let (_, list) = app.get_json(&stranger, "/api/v1/threads").await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 0);
    let (status, _) = app.get_json(&admin, "/api/v1/threads").await;
    assert_eq!(status, 403, "admins do not read messages");
    // Each refusal of something that exists is audited, with whose record it was.
    let denials: Vec<_> = app
        .app
        .store()
        .recent_audit(500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "access.denied" && e.outcome == "failure")
        .collect();
    assert!(denials.iter().filter(|e| e.patient_id.as_deref() == Some(&c.patient.patient_id.to_string())).count() >= 6);
    let patient_at_metrics = app.get_json(&stranger, "/metrics").await.0;
    assert_eq!(patient_at_metrics, 403);
    assert!(
        app.app
            .store()
            .recent_audit(5)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "access.denied" && e.resource_id.as_deref() == Some("/metrics"))
    );
}

#[tokio::test]
async fn internal_notes_are_never_shown_to_patients() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Knee", "My knee hurts").await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    let note = app.send(&doctor, &thread, json!({"body": "NOTE: check the MRI first", "internal": true})).await;
    assert_eq!(note.status(), 201);
    let pdf = b"%PDF-1.4 internal scan".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("body", "NOTE: scan attached")
        .text("internal", "true")
        .part("file", reqwest::multipart::Part::bytes(pdf).file_name("scan.pdf"));
    let with_file =
        doctor.post(app.url(&format!("/api/v1/threads/{thread}/messages"))).multipart(form).send().await.unwrap();
    assert_eq!(with_file.status(), 201);

    let (_, staff_view) = app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(staff_view["messages"].as_array().unwrap().len(), 3);
    assert_eq!(staff_view["messages"][1]["internal"], true);
    let attachment = staff_view["messages"][2]["attachments"][0]["id"].as_str().unwrap().to_owned();

    let resp = patient.get(app.url(&format!("/api/v1/threads/{thread}"))).send().await.unwrap();
    let text = resp.text().await.unwrap();
    assert!(!text.contains("NOTE"), "no internal note in the patient's view: {text}");
    let (_, list) = app.get_json(&patient, "/api/v1/threads").await;
    assert_eq!(list["threads"][0]["unread"], 0, "notes do not count as unread for the patient");
    let download = patient.get(app.url(&format!("/api/v1/attachments/{attachment}"))).send().await.unwrap();
    assert_eq!(download.status(), 404);
    // A patient cannot write a note.
    let sneaky = app.send(&patient, &thread, json!({"body": "x", "internal": true})).await;
    assert_eq!(sneaky.status(), 403);
}

#[tokio::test]
async fn recalling_an_unread_message_makes_it_disappear() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Labs", "When are my labs?").await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    let wrong = app.send(&doctor, &thread, json!({"body": "Another patient's HbA1c is 9.1"})).await;
    let id = wrong.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let recall = app.post_json(&doctor, &format!("/api/v1/messages/{id}/recall"), json!({})).await;
    assert_eq!(recall.status(), 200);
    let recall: Value = recall.json().await.unwrap();
    assert_eq!(recall["had_been_read"], false);
    assert!(recall["misdirected_id"].is_null());
    let text = patient.get(app.url(&format!("/api/v1/threads/{thread}"))).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains("HbA1c") && !text.contains(&id), "gone from the patient's view");
    let (_, staff) = app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(staff["messages"][1]["recalled"], true, "the author still sees what was recalled");
    let again = app.post_json(&doctor, &format!("/api/v1/messages/{id}/recall"), json!({})).await;
    assert_eq!(again.status(), 409);
    assert!(app.audit_actions().await.contains(&("message.recall".into(), "success".into())));
}

#[tokio::test]
async fn recalling_a_read_message_withdraws_it_and_opens_a_record_for_the_privacy_officer() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Labs", "When are my labs?").await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    let wrong = app.send(&doctor, &thread, json!({"body": "Misdirected result text"})).await;
    let id = wrong.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    app.post_json(&patient, &format!("/api/v1/threads/{thread}/read"), json!({})).await;

    // Only the author (or an admin) may recall: a colleague may not, the patient may not.
    let desk = app.signed_in_staff(&c.desk).await;
    assert_eq!(app.post_json(&desk, &format!("/api/v1/messages/{id}/recall"), json!({})).await.status(), 403);
    assert_eq!(app.post_json(&patient, &format!("/api/v1/messages/{id}/recall"), json!({})).await.status(), 403);
    let recall: Value =
        app.post_json(&doctor, &format!("/api/v1/messages/{id}/recall"), json!({})).await.json().await.unwrap();
    assert_eq!(recall["had_been_read"], true);
    let record_id = recall["misdirected_id"].as_str().unwrap().to_owned();

    let (_, view) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    let withdrawn = view["messages"].as_array().unwrap().iter().find(|m| m["id"] == id).unwrap();
    assert_eq!(withdrawn["recalled"], true);
    assert!(withdrawn["body"].is_null(), "the body is withdrawn from view");
    assert!(!view.to_string().contains("Misdirected result text"));

    let officer = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let officer = app.signed_in_staff(&officer).await;
    let (status, records) = app.get_json(&officer, "/api/v1/misdirected-messages").await;
    assert_eq!(status, 200);
    let rec = &records["records"][0];
    assert_eq!(rec["id"], record_id);
    assert_eq!(rec["message_id"], id);
    assert_eq!(rec["patient_id"], c.patient.patient_id.to_string());
    assert_eq!(rec["read_by"][0]["reader_kind"], "patient");
    assert_eq!(rec["read_by"][0]["reader_id"], c.patient.account_id.to_string());
    assert!(rec["read_by"][0]["read_at"].is_string());
    assert!(!records.to_string().contains("Misdirected result text"), "the record holds no message text");
    let (status, _) = app.get_json(&doctor, "/api/v1/misdirected-messages").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn attachments_are_checked_by_content_stored_sealed_and_downloaded_intact() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Photo", "See the rash").await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..50_000u32).map(|i| (i % 251) as u8));
    let sent = app.send_file(&patient, &thread, "photo attached", "../rash photo.png", png.clone()).await;
    assert_eq!(sent.status(), 201);
    let (_, view) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    let att = &view["messages"][1]["attachments"][0];
    assert_eq!(att["filename"], "rash photo.png");
    assert_eq!(att["content_type"], "image/png");
    assert_eq!(att["size"], png.len());

    let doctor = app.signed_in_staff(&c.clinician).await;
    let resp =
        doctor.get(app.url(&format!("/api/v1/attachments/{}", att["id"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["content-disposition"], "attachment; filename=\"rash photo.png\"");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), png);

    // Named like a PDF, really an executable: refused, and nothing is written.
    let exe = app.send_file(&patient, &thread, "report", "report.pdf", b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).await;
    assert_eq!(exe.status(), 400);
    assert_eq!(error_code(exe).await, "unsupported_file");
    let (_, view) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(view["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_attachment_over_the_limit_is_refused() {
    let app = crate::helpers::spawn_app_with(|_| {}).await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Big", "big file").await;
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(21 * 1024 * 1024, b'a');
    let resp = app.send_file(&patient, &thread, "big", "big.pdf", big).await;
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn a_tampered_attachment_is_an_integrity_error_not_a_download() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Doc", "doc").await;
    app.send_file(&patient, &thread, "letter", "letter.txt", b"Dear doctor, my results...".to_vec()).await;
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.config.database_url).await.unwrap();
    let (id, mut content): (String, Vec<u8>) =
        sqlx::query_as("SELECT id, content FROM attachments").fetch_one(&mut conn).await.unwrap();
    content[20] ^= 0x40;
    sqlx::query("UPDATE attachments SET content = $1 WHERE id = $2")
        .bind(content)
        .bind(&id)
        .execute(&mut conn)
        .await
        .unwrap();
    let resp = patient.get(app.url(&format!("/api/v1/attachments/{id}"))).send().await.unwrap();
    assert_eq!(resp.status(), 500);
    assert!(!resp.text().await.unwrap().contains("Dear doctor"));
}

#[tokio::test]
async fn a_result_held_until_its_release_time_is_invisible_to_the_patient_until_then() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    let release = app.clock_now().plus(Duration::from_secs(72 * 3600)).to_rfc3339();
    let form = reqwest::multipart::Form::new()
        .text("patient_id", c.patient.patient_id.to_string())
        .text("team_id", c.team.to_string())
        .text("subject", "Lipid panel")
        .text("body", "Your cholesterol results are attached.")
        .text("release_at", release)
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.5 lipid panel".to_vec()).file_name("lipids.pdf"));
    let shared = doctor.post(app.url("/api/v1/results")).multipart(form).send().await.unwrap();
    assert_eq!(shared.status(), 201);
    let thread = shared.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let (_, staff_view) = app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    let att = staff_view["messages"][0]["attachments"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(staff_view["thread"]["category"], "results");

    let patient = app.signed_in_patient(&c.patient).await;
    let (_, early) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(early["messages"].as_array().unwrap().len(), 0, "held");
    assert_eq!(patient.get(app.url(&format!("/api/v1/attachments/{att}"))).send().await.unwrap().status(), 404);

    app.advance(Duration::from_secs(72 * 3600));
    let patient = app.signed_in_patient(&c.patient).await;
    let (_, released) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(released["messages"][0]["body"], "Your cholesterol results are attached.");
    let file = patient.get(app.url(&format!("/api/v1/attachments/{att}"))).send().await.unwrap();
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"%PDF-1.5 lipid panel");

    // Front desk may not share results.
    let desk = app.signed_in_staff(&c.desk).await;
    let form = reqwest::multipart::Form::new()
        .text("patient_id", c.patient.patient_id.to_string())
        .text("team_id", c.team.to_string())
        .text("body", "x")
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.5".to_vec()).file_name("x.pdf"));
    assert_eq!(desk.post(app.url("/api/v1/results")).multipart(form).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_same_message_even_after_a_restart() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Retry", "first").await;
    let post = |client: reqwest::Client, base: String| {
        let thread = thread.clone();
        async move {
            client
                .post(format!("{base}/api/v1/threads/{thread}/messages"))
                .header("Idempotency-Key", "client-key-42")
                .json(&json!({"body": "sent once, retried"}))
                .send()
                .await
                .unwrap()
        }
    };
    let first = post(patient.clone(), app.base.clone()).await;
    assert_eq!(first.status(), 201);
    let id = first.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let second = post(patient.clone(), app.base.clone()).await;
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.json::<Value>().await.unwrap()["id"], id);

    let email = c.patient.email.clone();
    let (dir, config, clock) = app.stop().await;
    let running = portico::start(&config, std::sync::Arc::new(clock)).await.unwrap();
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let third = post(client.clone(), base.clone()).await;
    assert_eq!(third.json::<Value>().await.unwrap()["id"], id, "same message after a restart");
    let view: Value = client.get(format!("{base}/api/v1/threads/{thread}")).send().await.unwrap().json().await.unwrap();
    let count = view["messages"].as_array().unwrap().iter().filter(|m| m["body"] == "sent once, retried").count();
    assert_eq!(count, 1, "never a duplicate");
    running.stop().await.unwrap();
    drop(dir);
}

#[tokio::test]
async fn one_idempotency_key_sent_many_times_at_once_makes_one_message() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Retries", "first").await;
    // Sent together with other messages, so that sends of this key land in different batches,
    // which may be written at the same time (PostgreSQL's writers overlap).
    let sends = (0..48).map(|i| {
        let (patient, url) = (&patient, app.url(&format!("/api/v1/threads/{thread}/messages")));
        async move {
            let key = if i % 3 == 0 { "one-key".to_owned() } else { format!("key-{i}") };
            let body = if i % 3 == 0 { "retried".to_owned() } else { format!("message {i}") };
            let resp =
                patient.post(url).header("Idempotency-Key", key).json(&json!({"body": body})).send().await.unwrap();
            let status = resp.status().as_u16();
            (i, status, resp.json::<Value>().await.unwrap()["id"].as_str().map(str::to_owned))
        }
    });
    let answers = futures_util::future::join_all(sends).await;
    assert!(answers.iter().all(|(_, status, _)| *status == 201 || *status == 200), "{answers:?}");
    let ids: std::collections::HashSet<_> =
        answers.iter().filter(|(i, _, _)| i % 3 == 0).map(|(_, _, id)| id.clone()).collect();
    assert_eq!(ids.len(), 1, "every send of the key answers with the same message: {ids:?}");
    let (_, view) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    let got = bodies(&view).into_iter().flatten().collect::<Vec<_>>();
    assert_eq!(got.iter().filter(|b| *b == "retried").count(), 1, "never a duplicate");
    assert_eq!(got.len(), 1 + 1 + 32, "the first message, the keyed one once, and every other send once");
}

#[tokio::test]
async fn a_proxy_writes_in_the_childs_thread_and_is_recorded_as_the_author() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let child = app.invite_patient("Kid Tester", "2019-06-01", None).await;
    let link = portico_store::ProxyLink { patient_id: child.patient_id, relationship: "parent".into(), ends_at: None };
    app.app
        .link_proxy(&portico_domain::Actor::System, c.patient.account_id, &link, &portico_app::cli_context())
        .await
        .unwrap();
    let parent = app.signed_in_patient(&c.patient).await;
    let resp = app
        .post_json(&parent, "/api/v1/threads", json!({"patient_id": child.patient_id, "team_id": c.team, "subject": "Fever", "body": "My son has a fever", "category": "clinical"}))
        .await;
    assert_eq!(resp.status(), 201);
    let thread = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let doctor = app.signed_in_staff(&c.clinician).await;
    let (_, view) = app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(view["thread"]["patient_id"], child.patient_id.to_string());
    assert_eq!(view["messages"][0]["author"]["id"], c.patient.account_id.to_string(), "who actually wrote it");
    let (_, list) = app.get_json(&parent, "/api/v1/threads").await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 1);
    // Not for a patient they are not linked to.
    let stranger = app.invite_patient("Not Mine", "2015-01-01", None).await;
    let denied = app
        .post_json(
            &parent,
            "/api/v1/threads",
            json!({"patient_id": stranger.patient_id, "team_id": c.team, "subject": "x", "body": "x"}),
        )
        .await;
    assert_eq!(denied.status(), 404);
}

#[tokio::test]
async fn staff_open_threads_to_patients_assign_close_and_use_saved_replies() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    let resp = app
        .post_json(&doctor, "/api/v1/threads", json!({"patient_id": c.patient.patient_id, "team_id": c.team, "subject": "Follow-up", "body": "How are you feeling?", "category": "clinical"}))
        .await;
    assert_eq!(resp.status(), 201);
    let thread = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let desk_id = {
        let desk = app.signed_in_staff(&c.desk).await;
        app.get_json(&desk, "/api/v1/me").await.1["id"].as_str().unwrap().to_owned()
    };
    let patch = doctor
        .patch(app.url(&format!("/api/v1/threads/{thread}")))
        .json(&json!({"assignee_id": desk_id, "status": "closed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 204);
    let (_, view) = app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(view["thread"]["assignee_id"], desk_id);
    assert_eq!(view["thread"]["status"], "closed");
    let outsider = app.create_staff(StaffRole::Nurse, vec![]).await;
    let outsider_id = app
        .signed_in_staff(&outsider)
        .await
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .clone();
    let bad = doctor
        .patch(app.url(&format!("/api/v1/threads/{thread}")))
        .json(&json!({"assignee_id": outsider_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "only a member of the thread's team can be assigned");

    let path = format!("/api/v1/teams/{}/saved-replies", c.team);
    assert_eq!(
        app.post_json(&doctor, &path, json!({"title": "Refill", "body": "Your refill was sent."})).await.status(),
        201
    );
    let (_, replies) = app.get_json(&doctor, &path).await;
    assert_eq!(replies["saved_replies"][0]["title"], "Refill");
    let outsider = app.signed_in_staff(&outsider).await;
    assert_eq!(outsider.get(app.url(&path)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn bad_message_input_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Input", "first").await;
    for body in [json!({"body": "   "}), json!({}), json!({"body": 5, "internal": "maybe"})] {
        let resp = app.send(&patient, &thread, body).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(error_code(resp).await, "invalid_request");
    }
    let bad_category = app
        .post_json(
            &patient,
            "/api/v1/threads",
            json!({"team_id": c.team, "subject": "s", "body": "b", "category": "gossip"}),
        )
        .await;
    assert_eq!(error_code(bad_category).await, "invalid_request");
    let (_, view) = app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(view["messages"].as_array().unwrap().len(), 1);
    let (_, list) = app.get_json(&patient, "/api/v1/threads").await;
    assert_eq!(list["threads"].as_array().unwrap().len(), 1);
}

/// Makes the database refuse any message written into `thread`, as a failing disk page or a
/// broken row would for one request.
async fn refuse_messages_in(app: &crate::helpers::TestApp, thread: &str) {
    let mut conn = crate::at_rest::connect(&app.config.database_url).await;
    let sql = if app.config.database_url.starts_with("sqlite") {
        vec![format!(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON messages WHEN NEW.thread_id = '{thread}'
             BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )]
    } else {
        vec![
            format!(
                "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN
                 IF NEW.thread_id = '{thread}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_one BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_one()".into(),
        ]
    };
    for s in sql {
        sqlx::query(sqlx::AssertSqlSafe(s)).execute(&mut conn).await.unwrap();
    }
}

#[tokio::test]
async fn a_send_the_database_refuses_fails_alone_and_the_sends_beside_it_are_written_once() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let good = app.open_thread(&patient, c.team, "Good", "first").await;
    let bad = app.open_thread(&patient, c.team, "Bad", "first").await;
    refuse_messages_in(&app, &bad).await;

    // Sent all at once, so the writer takes several in one transaction: the refused one makes
    // that transaction fail, and each send is then written on its own.
    let sends = (0..24).map(|i| {
        let thread = if i == 12 { bad.clone() } else { good.clone() };
        let (app, patient) = (&app, &patient);
        async move { app.send(patient, &thread, json!({"body": format!("message {i}")})).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert_eq!(statuses[12], 500, "the refused send fails");
    assert!(statuses.iter().enumerate().all(|(i, s)| i == 12 || *s == 201), "{statuses:?}");

    let (_, view) = app.get_json(&patient, &format!("/api/v1/threads/{good}")).await;
    let mut got: Vec<String> = bodies(&view).into_iter().flatten().collect();
    got.sort();
    let mut want: Vec<String> = (0..24).filter(|i| *i != 12).map(|i| format!("message {i}")).collect();
    want.push("first".into());
    want.sort();
    assert_eq!(got, want, "every other send is there exactly once");
    let (_, view) = app.get_json(&patient, &format!("/api/v1/threads/{bad}")).await;
    assert_eq!(bodies(&view), [Some("first".into())]);
}

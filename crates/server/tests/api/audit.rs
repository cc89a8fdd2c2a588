//! The tamper-evident audit log end to end: checkpoints at shutdown, `portico audit verify`
//! on an intact and on a tampered database, corrupted checkpoints, access reports.

use portico_domain::StaffRole;
use serde_json::{Value, json};

use crate::cli_support::{last_json, portico};
use crate::helpers::{TestApp, spawn_app};

fn conn_args(config: &portico::config::Config) -> Vec<String> {
    vec![
        "--data-dir".into(),
        config.data_dir.display().to_string(),
        "--key-file".into(),
        config.key_file.display().to_string(),
        "--database-url".into(),
        config.database_url.clone(),
        "--audit-dir".into(),
        config.checkpoint_dir.display().to_string(),
    ]
}

fn verify(config: &portico::config::Config) -> (i32, Value, String) {
    let mut args = vec!["audit".to_string(), "verify".into()];
    args.extend(conn_args(config));
    let (code, stdout, stderr) = portico(&args, None);
    (code, last_json(&stdout), stderr)
}

/// Some clinical activity: a thread, replies, reads.
async fn activity(app: &TestApp) {
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Audit me", "hello").await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    app.send(&doctor, &thread, json!({"body": "reply"})).await;
    app.get_json(&patient, &format!("/api/v1/threads/{thread}")).await;
}

async fn sqlite_or_pg(url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.unwrap()
}

/// A connection to the stopped app's database, and the sequence number of its first
/// `thread.read` event: what the tamper tests change.
async fn tamper_target(config: &portico::config::Config) -> (sqlx::AnyConnection, i64) {
    let mut db = sqlite_or_pg(&config.database_url).await;
    let target: i64 =
        sqlx::query_scalar("SELECT seq FROM audit_events WHERE action = 'thread.read' ORDER BY seq LIMIT 1")
            .fetch_one(&mut db)
            .await
            .unwrap();
    (db, target)
}

/// Drops the trigger that refuses `op` ("update" or "delete") on the append-only `table`. On
/// PostgreSQL one trigger refuses both.
async fn drop_guard(db: &mut sqlx::AnyConnection, config: &portico::config::Config, table: &str, op: &str) {
    let drop = if config.is_sqlite() {
        format!("DROP TRIGGER {table}_no_{op}")
    } else {
        format!("DROP TRIGGER {table}_no_update ON {table}")
    };
    sqlx::query(sqlx::AssertSqlSafe(drop)).execute(db).await.unwrap();
}

/// `portico audit verify` fails, naming event `seq` and saying `why`.
fn assert_verify_names(config: &portico::config::Config, seq: i64, why: &str) {
    let (code, out, stderr) = verify(config);
    assert_eq!(code, 1, "{out} {stderr}");
    assert_eq!(out["first_bad_seq"], seq, "{out}");
    assert!(out.to_string().contains(why), "{out}");
}

#[tokio::test]
async fn an_intact_log_verifies_and_a_changed_event_is_named() {
    let app = spawn_app().await;
    activity(&app).await;
    let (_dir, config, _clock) = app.stop().await;
    let files: Vec<_> = std::fs::read_dir(&config.checkpoint_dir).unwrap().collect();
    assert_eq!(files.len(), 1, "the shutdown wrote a checkpoint outside the data directory");

    let (code, out, stderr) = verify(&config);
    assert_eq!(code, 0, "{out} {stderr}");
    assert_eq!(out["ok"], true);
    assert!(out["events"].as_u64().unwrap() > 10);
    assert_eq!(out["sealed"], out["events"]);
    assert_eq!(out["checkpoints"], 1);

    // Someone with database access removes the guard and edits one event.
    let (mut db, target) = tamper_target(&config).await;
    drop_guard(&mut db, &config, "audit_events", "update").await;
    sqlx::query("UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = $1")
        .bind(target)
        .execute(&mut db)
        .await
        .unwrap();
    let (code, out, stderr) = verify(&config);
    assert_eq!(code, 1);
    assert_eq!(out["first_bad_seq"], target, "{out}");
    assert!(stderr.contains(&format!("first bad sequence number {target}")), "{stderr}");
}

#[tokio::test]
async fn a_deleted_event_is_named() {
    let app = spawn_app().await;
    activity(&app).await;
    let (_dir, config, _clock) = app.stop().await;
    let (mut db, target) = tamper_target(&config).await;
    drop_guard(&mut db, &config, "audit_events", "delete").await;
    sqlx::query("DELETE FROM audit_events WHERE seq = $1").bind(target).execute(&mut db).await.unwrap();
    assert_verify_names(&config, target, "missing from the log");
}

#[tokio::test]
async fn an_event_removed_from_the_patient_index_is_named() {
    let app = spawn_app().await;
    activity(&app).await;
    let (_dir, config, _clock) = app.stop().await;
    let (mut db, target) = tamper_target(&config).await;
    drop_guard(&mut db, &config, "audit_patient_events", "delete").await;
    // The report would no longer show this read; the log itself is untouched.
    sqlx::query("DELETE FROM audit_patient_events WHERE seq = $1").bind(target).execute(&mut db).await.unwrap();
    assert_verify_names(&config, target, "missing from the patient index");
}

#[tokio::test]
async fn a_row_planted_in_the_patient_index_is_named() {
    let app = spawn_app().await;
    activity(&app).await;
    let (_dir, config, _clock) = app.stop().await;
    let (mut db, target) = tamper_target(&config).await;
    sqlx::query("INSERT INTO audit_patient_events (patient_id, seq) VALUES ('someone-else', $1)")
        .bind(target)
        .execute(&mut db)
        .await
        .unwrap();
    assert_verify_names(&config, target, "for a patient it does not concern");
}

#[tokio::test]
async fn a_corrupted_checkpoint_is_rejected() {
    let app = spawn_app().await;
    activity(&app).await;
    let (_dir, config, _clock) = app.stop().await;
    let file = std::fs::read_dir(&config.checkpoint_dir).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&file).unwrap();
    let mut cp: Value = serde_json::from_str(&text).unwrap();
    cp["position"] = json!(cp["position"].as_i64().unwrap() - 1);
    std::fs::write(&file, serde_json::to_string(&cp).unwrap()).unwrap();
    let (code, out, _) = verify(&config);
    assert_eq!(code, 1);
    assert!(out["error"]["message"].as_str().unwrap().contains("corrupted or not signed"), "{out}");
}

#[tokio::test]
async fn the_privacy_officer_sees_who_accessed_a_patient_and_the_patient_sees_it_too() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Who looked", "hello").await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;

    let officer = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let officer = app.signed_in_staff(&officer).await;
    let path = format!("/api/v1/audit/access-report?patient_id={}", c.patient.patient_id);
    let (status, report) = app.get_json(&officer, &path).await;
    assert_eq!(status, 200);
    let reads: Vec<&Value> =
        report["accesses"].as_array().unwrap().iter().filter(|a| a["action"] == "thread.read").collect();
    assert!(
        reads.iter().any(|a| a["actor_name"] == "Test clinician"
            && a["purpose"] == "treatment"
            && a["source_ip"] == "127.0.0.1")
    );
    assert!(!report.to_string().contains("Who looked"), "no PHI in the report");
    let csv = officer.get(app.url(&format!("{path}&format=csv"))).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("seq,at,actor_id,actor_name,actor_role,action"));
    assert!(csv.contains(",Test clinician,clinician,thread.read,"));
    let (status, _) = app.get_json(&doctor, &path).await;
    assert_eq!(status, 403, "only the privacy officer");
    assert!(app.audit_actions().await.contains(&("audit.access_report".into(), "success".into())));

    let (status, mine) = app.get_json(&patient, "/api/v1/me/access-log").await;
    assert_eq!(status, 200);
    let accesses = mine["accesses"].as_array().unwrap();
    assert!(
        accesses
            .iter()
            .any(|a| a["who"] == "Test clinician" && a["role"] == "clinician" && a["what"] == "viewed your messages")
    );
    assert!(accesses.iter().all(|a| a["role"] != "patient"), "the patient's own actions are not listed");
    assert!(
        app.audit_actions().await.contains(&("audit.my_access_log".into(), "success".into())),
        "reading it is audited"
    );
}

#[tokio::test]
async fn an_access_report_reads_the_same_before_and_after_the_log_is_sealed() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let patient = app.signed_in_patient(&c.patient).await;
    let thread = app.open_thread(&patient, c.team, "Sealed", "hello").await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    // Another patient's thread, read by the same clinician: never in this patient's report.
    let other = app.enrolled_patient().await;
    let other = app.signed_in_patient(&other).await;
    let other_thread = app.open_thread(&other, c.team, "Other", "hi").await;
    app.get_json(&doctor, &format!("/api/v1/threads/{other_thread}")).await;
    let officer = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let officer = app.signed_in_staff(&officer).await;
    let path = format!("/api/v1/audit/access-report?patient_id={}", c.patient.patient_id);
    let seqs = |report: &Value| -> Vec<i64> {
        report["accesses"].as_array().unwrap().iter().map(|a| a["seq"].as_i64().unwrap()).collect()
    };
    let (_, before) = app.get_json(&officer, &path).await;
    assert!(before["accesses"].as_array().unwrap().iter().any(|a| a["action"] == "thread.read"));

    // Seal the chain (as the server does every few seconds): sealed events are found through
    // the patient index, later ones in the tail.
    app.app.seal_audit(std::time::Duration::ZERO).await.unwrap();
    app.get_json(&doctor, &format!("/api/v1/threads/{thread}")).await;
    let (_, after) = app.get_json(&officer, &path).await;
    let (before, after_seqs) = (seqs(&before), seqs(&after));
    assert_eq!(after_seqs[..before.len()], before[..], "the sealed events are all still there, in order");
    let reads_after =
        after["accesses"].as_array().unwrap()[before.len()..].iter().filter(|a| a["action"] == "thread.read").count();
    assert_eq!(reads_after, 1, "the read after sealing is there too: {after}");
    assert!(!after.to_string().contains(&other_thread), "another patient's thread is not in this patient's report");
}

#[tokio::test]
async fn alerts_flag_many_patients_repeated_refusals_after_hours_and_a_shared_family_name() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.alert_rules.patients_per_hour = 2;
        c.alert_rules.denials_per_hour = 3;
        c.alert_rules.working_minutes = (10 * 60, 19 * 60); // the fake clock starts at 09:00 UTC
    })
    .await;
    let c = app.clinic().await;
    let doctor = app.signed_in_staff(&c.clinician).await;
    // Three patients' threads, one of them a patient who shares the clinician's family name.
    let namesake = app.invite_patient("Pat Clinician", "1970-01-01", None).await;
    let mut threads = Vec::new();
    for _ in 0..2 {
        let p = app.enrolled_patient().await;
        let client = app.signed_in_patient(&p).await;
        threads.push(app.open_thread(&client, c.team, "Hello", "hello").await);
    }
    let resp = app
        .post_json(&doctor, "/api/v1/threads", json!({"patient_id": namesake.patient_id, "team_id": c.team, "subject": "Hi", "body": "hi", "category": "general"}))
        .await;
    threads.push(resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    for t in &threads {
        app.get_json(&doctor, &format!("/api/v1/threads/{t}")).await;
    }
    // Someone outside the team keeps trying.
    let outsider = app.create_staff(StaffRole::Nurse, vec![]).await;
    let outsider = app.signed_in_staff(&outsider).await;
    for t in &threads {
        assert_eq!(outsider.get(app.url(&format!("/api/v1/threads/{t}"))).send().await.unwrap().status(), 404);
    }

    let officer = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let officer = app.signed_in_staff(&officer).await;
    let (status, body) = app.get_json(&officer, "/api/v1/audit/alerts").await;
    assert_eq!(status, 200);
    let alerts = body["alerts"].as_array().unwrap();
    let has = |rule: &str, who: &str| alerts.iter().any(|a| a["rule"] == rule && a["actor_name"] == who);
    assert!(has("many_patients", "Test clinician"), "{body}");
    assert!(has("repeated_denials", "Test nurse"), "{body}");
    assert!(has("after_hours", "Test clinician"), "{body}");
    let family: Vec<&Value> = alerts.iter().filter(|a| a["rule"] == "same_family_name").collect();
    assert_eq!(family.len(), 1, "{body}");
    assert_eq!(family[0]["patient_id"], namesake.patient_id.to_string());
    assert!(!body.to_string().contains("Pat Clinician"), "alerts carry ids, not names of patients");
    assert_eq!(app.get_json(&doctor, "/api/v1/audit/alerts").await.0, 403);
}

#[tokio::test]
async fn disclosures_are_recorded_and_accounted_to_the_patient_for_six_years() {
    let app = spawn_app().await;
    let c = app.clinic().await;
    let officer = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let officer = app.signed_in_staff(&officer).await;
    let record = |at: String| {
        json!({"patient_id": c.patient.patient_id, "disclosed_at": at, "recipient": "County Health Department, 1 Main St",
               "description": "Immunization record", "purpose": "Public health reporting required by law"})
    };
    let old = app.clock_now().plus(std::time::Duration::ZERO).unix_millis() - 7 * 365 * 24 * 3_600_000;
    let old = portico_domain::Timestamp::from_unix_millis(old).to_rfc3339();
    let recent =
        portico_domain::Timestamp::from_unix_millis(app.clock_now().unix_millis() - 30 * 24 * 3_600_000).to_rfc3339();
    assert_eq!(app.post_json(&officer, "/api/v1/disclosures", record(old)).await.status(), 201);
    assert_eq!(app.post_json(&officer, "/api/v1/disclosures", record(recent.clone())).await.status(), 201);
    let future = app.clock_now().plus(std::time::Duration::from_secs(86_400)).to_rfc3339();
    assert_eq!(app.post_json(&officer, "/api/v1/disclosures", record(future)).await.status(), 400);
    let mut empty = record(recent);
    empty["recipient"] = json!("  ");
    assert_eq!(app.post_json(&officer, "/api/v1/disclosures", empty).await.status(), 400);
    let doctor = app.signed_in_staff(&c.clinician).await;
    let (status, _) = app.get_json(&doctor, &format!("/api/v1/disclosures?patient_id={}", c.patient.patient_id)).await;
    assert_eq!(status, 403);

    let (status, officer_view) =
        app.get_json(&officer, &format!("/api/v1/disclosures?patient_id={}", c.patient.patient_id)).await;
    assert_eq!(status, 200);
    assert_eq!(officer_view["disclosures"].as_array().unwrap().len(), 1, "only the last six years");
    let patient = app.signed_in_patient(&c.patient).await;
    let (status, mine) = app.get_json(&patient, "/api/v1/me/disclosures").await;
    assert_eq!(status, 200);
    assert_eq!(mine["disclosures"][0]["recipient"], "County Health Department, 1 Main St");
    assert_eq!(mine["disclosures"][0]["purpose"], "Public health reporting required by law");
}

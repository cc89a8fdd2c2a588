//! Encryption at rest: no plaintext PHI in the database files or the logs, tampering detected,
//! key rotation and crypto-shredding.

use std::sync::Arc;

use portico_domain::patient::{DateOfBirth, EmailAddress, Language, Mrn, NewPatient, PersonName, PhoneNumber};
use portico_domain::{Actor, PatientId};
use portico_store::StoreError;
use serde_json::Value;

use crate::helpers::{PASSWORD, START, captured_logs, spawn_app};

fn read_audit() -> portico_domain::audit::AuditRecord {
    portico_domain::audit::AuditRecord::new(
        &Actor::System,
        "patient.read",
        "patient",
        portico_domain::audit::Purpose::Operations,
        &portico_app::cli_context(),
    )
}

pub(crate) async fn connect(url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.unwrap()
}

/// Everything the database holds, as text: the files of a SQLite data directory, or every
/// row of every table of a PostgreSQL database.
pub(crate) async fn database_contents(app: &crate::helpers::TestApp) -> Vec<u8> {
    if app.config.is_sqlite() {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(&app.config.data_dir).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        return all;
    }
    let mut conn = connect(&app.config.database_url).await;
    let tables: Vec<String> = sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let mut all = Vec::new();
    for t in tables {
        let rows: Vec<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT row_to_json(t)::text FROM {t} t")))
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for r in rows {
            all.extend(r.into_bytes());
        }
    }
    all
}

fn contains_ci(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.to_lowercase().into_bytes();
    haystack.windows(needle.len()).any(|w| w.to_ascii_lowercase() == needle)
}

#[tokio::test]
async fn canary_phi_never_reaches_the_database_files_or_the_logs() {
    let app = spawn_app().await;
    let today = START.utc_date().unwrap();
    let canaries = [
        "Quillondra Vextrapolis",
        "1933-07-19",
        "CANARYMRN8472",
        "vextra.quill@canary-mail.test",
        "+15559876543",
        "5559876543",
    ];
    let new = NewPatient {
        name: PersonName::parse(canaries[0]).unwrap(),
        date_of_birth: DateOfBirth::parse(canaries[1], today).unwrap(),
        mrn: Mrn::parse(canaries[2]).unwrap(),
        email: Some(EmailAddress::parse(canaries[3]).unwrap()),
        phone: Some(PhoneNumber::parse(canaries[4]).unwrap()),
        language: Language::parse("es").unwrap(),
    };
    let created = app.app.create_patient(&Actor::System, &new, &portico_app::cli_context()).await.unwrap();
    assert_eq!(app.enroll(&created.invite_code, canaries[1], canaries[3], PASSWORD).await.status(), 201);
    let client = app
        .signed_in_patient(&crate::helpers::PatientUser {
            account_id: portico_domain::AccountId::from_uuid(uuid::Uuid::nil()),
            patient_id: created.id,
            email: canaries[3].into(),
            name: canaries[0].into(),
        })
        .await;
    let me: Value = app.get_me(&client).await.json().await.unwrap();
    assert_eq!(me["name"], canaries[0], "the patient can read their own record");
    // Messages: subject, body, file name and file content.
    let team = app.create_team("Canary Team").await;
    let thread = app.open_thread(&client, team, "Zorblax subject canary", "Florquine body canary").await;
    let sent = app
        .send_file(
            &client,
            &thread,
            "Wembrix note canary",
            "Quaddle-filename-canary.txt",
            b"Snorvath file content canary".to_vec(),
        )
        .await;
    assert_eq!(sent.status(), 201);
    let (_, view) = app.get_json(&client, &format!("/api/v1/threads/{thread}")).await;
    assert_eq!(view["messages"][1]["attachments"][0]["filename"], "Quaddle-filename-canary.txt");
    // A failed login with the canary email must not log it either.
    app.post_login(&app.client(), canaries[3], "wrong password 123", None).await;

    let stored = database_contents(&app).await;
    assert!(stored.len() > 1000, "the scan saw the database");
    let logs = captured_logs();
    assert!(logs.contains("request"), "the scan saw the logs");
    let message_canaries = ["Zorblax", "Florquine", "Wembrix", "Quaddle", "Snorvath"];
    for canary in canaries.into_iter().chain(message_canaries) {
        assert!(!contains_ci(&stored, canary), "'{canary}' found in the database");
        assert!(!contains_ci(logs.as_bytes(), canary), "'{canary}' found in the logs");
    }
}

/// Alters one byte of a patient's sealed name in the database, as tampering or corruption would.
pub(crate) async fn flip_a_byte_of_the_name(app: &crate::helpers::TestApp, patient: PatientId) {
    let mut conn = connect(&app.config.database_url).await;
    let row = patient.to_string();
    let mut name: Vec<u8> =
        sqlx::query_scalar("SELECT name FROM patients WHERE id = $1").bind(&row).fetch_one(&mut conn).await.unwrap();
    let last = name.len() - 1;
    name[last] ^= 0x01;
    sqlx::query("UPDATE patients SET name = $1 WHERE id = $2").bind(name).bind(&row).execute(&mut conn).await.unwrap();
}

#[tokio::test]
async fn a_flipped_byte_in_a_sealed_field_is_an_integrity_error_never_garbage() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    flip_a_byte_of_the_name(&app, patient.patient_id).await;

    let err = app.app.store().read_patient(patient.patient_id, START, &read_audit()).await.unwrap_err();
    assert!(matches!(err, StoreError::Integrity("name")), "{err:?}");
    // Over HTTP the patient gets an opaque 500 with a request id, and no ciphertext or plaintext.
    let client = app.signed_in_patient(&patient).await;
    let resp = app.get_me(&client).await;
    assert_eq!(resp.status(), 500);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal");
    assert!(body["error"]["request_id"].is_string());
    assert!(!body.to_string().contains(&patient.name));
}

#[tokio::test]
async fn ciphertexts_swapped_between_two_patients_do_not_open() {
    let app = spawn_app().await;
    let a = app.enrolled_patient().await;
    let b = app.enrolled_patient().await;
    let mut conn = connect(&app.config.database_url).await;
    let get =
        |id: PatientId| sqlx::query_scalar::<_, Vec<u8>>("SELECT mrn FROM patients WHERE id = $1").bind(id.to_string());
    let (ma, mb) =
        (get(a.patient_id).fetch_one(&mut conn).await.unwrap(), get(b.patient_id).fetch_one(&mut conn).await.unwrap());
    for (id, value) in [(a.patient_id, mb), (b.patient_id, ma)] {
        sqlx::query("UPDATE patients SET mrn = $1 WHERE id = $2")
            .bind(value)
            .bind(id.to_string())
            .execute(&mut conn)
            .await
            .unwrap();
    }
    for id in [a.patient_id, b.patient_id] {
        let err = app.app.store().read_patient(id, START, &read_audit()).await.unwrap_err();
        assert!(matches!(err, StoreError::Integrity("mrn")), "{err:?}");
    }
}

#[tokio::test]
async fn key_rotation_rewraps_every_key_and_only_the_new_key_opens_the_data() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let other = app.enrolled_patient().await;
    let (dir, config, clock) = app.stop().await;

    let new_key = dir.path().join("rotated.key");
    let (old_app, _) = portico::open_app(&config, Arc::new(clock.clone())).await.unwrap();
    let current = portico_crypto::Kek::load(&config.key_file).unwrap();
    let stranger = portico_crypto::Kek::create(&dir.path().join("stranger.key")).unwrap();
    let refused = old_app.rotate_keys(&Actor::System, &stranger, &portico_app::cli_context()).await;
    assert!(refused.is_err(), "a key file with another audit signing key would orphan the checkpoints");
    let new_kek = current.create_successor(&new_key).unwrap();
    let report = old_app.rotate_keys(&Actor::System, &new_kek, &portico_app::cli_context()).await.unwrap();
    assert_eq!(report.patient_keys, 2);
    assert_eq!(report.system_keys, 4, "blind index, account secrets, social bridge, settings");
    old_app.store().close().await;

    let stale =
        portico::start(&config, Arc::new(clock.clone())).await.err().expect("the old key no longer opens the database");
    assert!(format!("{stale:#}").contains("wrong --key-file"), "{stale:#}");

    let mut rotated = config.clone();
    rotated.key_file = new_key;
    let running = portico::start(&rotated, Arc::new(clock.clone())).await.unwrap();
    let base = format!("http://{}", running.addr);
    for p in [&patient, &other] {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let body = serde_json::json!({"email": p.email, "password": PASSWORD});
        assert_eq!(client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await.unwrap().status(), 200);
        let me: Value = client.get(format!("{base}/api/v1/me")).send().await.unwrap().json().await.unwrap();
        assert_eq!(me["name"], p.name);
    }
    let audit = running.app.store().recent_audit(100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "keys.rotate"));
    running.stop().await.unwrap();
}

#[tokio::test]
async fn deleting_a_patients_data_key_makes_their_phi_unreadable_for_good() {
    let app = spawn_app().await;
    let gone = app.enrolled_patient().await;
    let kept = app.enrolled_patient().await;
    app.app.shred_patient(&Actor::System, gone.patient_id, &portico_app::cli_context()).await.unwrap();
    let err = app.app.store().read_patient(gone.patient_id, START, &read_audit()).await.unwrap_err();
    assert!(matches!(err, StoreError::KeyShredded), "{err:?}");
    assert!(app.app.store().read_patient(kept.patient_id, START, &read_audit()).await.is_ok(), "others are untouched");
    assert!(app.audit_actions().await.contains(&("patient.shred".into(), "success".into())));
    let again = app.app.shred_patient(&Actor::System, gone.patient_id, &portico_app::cli_context()).await;
    assert!(again.is_err());
}

#[tokio::test]
async fn name_search_indexes_are_filled_in_for_older_patients_and_go_with_an_erased_key() {
    let app = spawn_app().await;
    let kept = app.invite_patient("Rosalind Thistlewood", "1961-06-06", None).await;
    let erased = app.invite_patient("Thaddeus Thistlewood", "1962-07-07", None).await;
    let store = app.app.store();
    // As if both were created before the name indexes existed.
    let mut conn = connect(&app.config.database_url).await;
    sqlx::query("DELETE FROM patient_name_tokens").execute(&mut conn).await.unwrap();
    assert!(store.find_patients("thistle", 10).await.unwrap().is_empty());
    assert_eq!(store.backfill_name_tokens(app.clock_now()).await.unwrap(), 2);
    let indexed = app.audit_actions().await.iter().filter(|(a, _)| a == "patient.index_name").count();
    assert_eq!(indexed, 2, "each name opened to index it is audited");
    assert_eq!(store.find_patients("thistle", 10).await.unwrap(), [kept.patient_id, erased.patient_id]);
    assert_eq!(store.backfill_name_tokens(app.clock_now()).await.unwrap(), 0, "once done, nothing to do");

    store.shred_patient_key(erased.patient_id, &read_audit(), app.clock_now()).await.unwrap();
    assert_eq!(store.find_patients("thistle", 10).await.unwrap(), [kept.patient_id]);
    assert_eq!(store.find_patients("thaddeus", 10).await.unwrap(), []);
}

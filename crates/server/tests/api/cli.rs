//! The `portico` binary itself: first start, key-file checks, configuration errors, the admin
//! commands' JSON contract while the server runs, graceful shutdown.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::cli_support::*;

#[tokio::test]
async fn the_admin_commands_print_json_and_work_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let conn = database_args(dir.path());
    let (mut server, url, mut out) = serve(&conn);
    let banner = read_banner(&mut out);
    assert!(banner.contains("portico admin create-staff"), "first start tells how to create the first admin: {banner}");
    let mode = std::fs::metadata(dir.path().join("k.key")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let (code, stdout, _) = portico(&args(&["admin", "create-team", "--name", "Cardiology"], &conn), None);
    assert_eq!(code, 0);
    let team = last_json(&stdout)["id"].as_str().unwrap().to_owned();
    let staff_args = args(
        &[
            "admin",
            "create-staff",
            "--email",
            "Doc@Clinic.test",
            "--name",
            "Doc Tor",
            "--role",
            "clinician",
            "--team",
            &team,
            "--password-stdin",
        ],
        &conn,
    );
    let (code, stdout, stderr) = portico(&staff_args, Some("a long enough password\n"));
    assert_eq!(code, 0, "{stderr}");
    let staff = last_json(&stdout);
    let uri = staff["totp_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"));
    let (code, stdout, _) = portico(
        &args(
            &[
                "admin",
                "create-patient",
                "--name",
                "Pat Cli",
                "--dob",
                "1950-12-31",
                "--mrn",
                "CLI-1",
                "--email",
                "pat@cli.test",
                "--phone",
                "+15551230000",
            ],
            &conn,
        ),
        None,
    );
    assert_eq!(code, 0);
    let patient = last_json(&stdout);
    assert!(patient["id"].is_string());
    let invite = patient["invite_code"].as_str().unwrap();

    // The running server sees what the CLI wrote.
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let enroll = serde_json::json!({"invite_code": invite, "date_of_birth": "1950-12-31", "email": "pat@cli.test", "password": "patient password 1"});
    assert_eq!(http.post(format!("{url}/api/v1/enroll")).json(&enroll).send().await.unwrap().status(), 201);
    let totp = totp_rs::Totp::from_url(uri).unwrap();
    #[expect(clippy::disallowed_methods, reason = "the real binary runs on the real clock")]
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let login = serde_json::json!({"email": "doc@clinic.test", "password": "a long enough password", "totp": totp.generate(now).to_string()});
    assert_eq!(http.post(format!("{url}/api/v1/auth/login")).json(&login).send().await.unwrap().status(), 200);

    // A duplicate is a clear error, as JSON on the last line, and a non-zero exit.
    let (code, stdout, stderr) = portico(&args(&["admin", "create-team", "--name", "Cardiology"], &conn), None);
    assert_eq!(code, 1);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(last_json(&stdout)["error"]["message"].is_string());

    // A message goes through the writer, which has connections of its own on SQLite.
    let patient = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = serde_json::json!({"email": "pat@cli.test", "password": "patient password 1"});
    assert_eq!(patient.post(format!("{url}/api/v1/auth/login")).json(&login).send().await.unwrap().status(), 200);
    let open = serde_json::json!({"team_id": team, "subject": "Hello", "body": "first", "category": "general"});
    let thread: serde_json::Value =
        patient.post(format!("{url}/api/v1/threads")).json(&open).send().await.unwrap().json().await.unwrap();
    let send = patient
        .post(format!("{url}/api/v1/threads/{}/messages", thread["id"].as_str().unwrap()))
        .json(&serde_json::json!({"body": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(send.status(), 201);

    // SIGTERM stops the server gracefully.
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    let status = server.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    if std::env::var("TEST_DATABASE_URL").unwrap_or_default().is_empty() {
        // Every connection closed: SQLite folded the WAL back into the database file, which
        // alone now holds everything (a copy of it is a whole backup).
        assert!(!dir.path().join("data/portico.db-wal").exists(), "the WAL is folded back on shutdown");
    }
}

#[test]
fn a_key_file_inside_the_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let conn = vec![
        "--data-dir".into(),
        data.display().to_string(),
        "--key-file".into(),
        data.join("portico.key").display().to_string(),
    ];
    let (code, _, stderr) = portico(&args(&["admin", "create-team", "--name", "X"], &conn), None);
    assert_eq!(code, 1);
    assert!(stderr.contains("key_file:") && stderr.contains("inside the data directory"), "{stderr}");
    assert!(!data.join("portico.key").exists());
}

#[test]
fn a_key_file_readable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.key");
    portico_crypto::Kek::create(&key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let conn = database_args(dir.path());
    let (code, _, stderr) = portico(&args(&["admin", "create-team", "--name", "X"], &conn), None);
    assert_eq!(code, 1);
    assert!(stderr.contains("readable by group or others") && stderr.contains("chmod 600"), "{stderr}");
}

#[test]
fn an_unsupported_database_url_is_refused_naming_the_field_and_hiding_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let conn = vec![
        "--data-dir".into(),
        dir.path().join("d").display().to_string(),
        "--key-file".into(),
        dir.path().join("k").display().to_string(),
        "--database-url".into(),
        "mysql://root:topsecret@db/portico".into(),
    ];
    let (code, _, stderr) = portico(&args(&["serve"], &conn), None);
    assert_eq!(code, 1);
    assert!(stderr.contains("database_url:"), "{stderr}");
    assert!(!stderr.contains("topsecret"));
}

#[test]
fn flags_can_come_from_a_config_file_and_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portico.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\nkey_file = \"{}\"\n[security]\nrequire_staff_mfa = false\n",
            dir.path().join("d").display(),
            dir.path().join("k.key").display()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["admin", "create-staff", "--email", "x@y.test", "--name", "X", "--role", "nurse", "--password-stdin"])
        .env("PORTICO_CONFIG", &config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"nurse password 123\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created = last_json(&String::from_utf8_lossy(&out.stdout));
    assert!(created["totp_uri"].is_null(), "MFA off by the config file");
    assert!(dir.path().join("d").join("portico.db").exists());
    std::fs::write(&config, "colour = \"blue\"\n").unwrap();
    let (code, _, stderr) = portico(
        &[
            "admin".into(),
            "create-team".into(),
            "--name".into(),
            "X".into(),
            "--config".into(),
            config.display().to_string(),
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("unknown field `colour`"), "{stderr}");
}

#[test]
fn serve_demo_seeds_a_fictional_clinic_once() {
    let dir = tempfile::tempdir().unwrap();
    let conn = database_args(dir.path());
    let (mut server, url, mut out) = serve(&args(&["--demo"], &conn));
    let banner = read_banner(&mut out);
    assert!(banner.contains("DEMO MODE") && banner.contains("FAKE DATA"), "{banner}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let login = serde_json::json!({"email": "sam.demo@demo.portico.test", "password": "demo-password-2026"});
        assert_eq!(http.post(format!("{url}/api/v1/auth/login")).json(&login).send().await.unwrap().status(), 200);
        let me: Value = http.get(format!("{url}/api/v1/me")).send().await.unwrap().json().await.unwrap();
        assert!(me["name"].as_str().unwrap().contains("FAKE"));
        assert_eq!(me["acts_for"].as_array().unwrap().len(), 1);
        let threads: Value = http.get(format!("{url}/api/v1/threads")).send().await.unwrap().json().await.unwrap();
        assert_eq!(threads["threads"][0]["subject"], "Riley's fever (demo)", "the proxy sees the child's thread");
        let staff = serde_json::json!({"email": "dr.rivera@demo.portico.test", "password": "demo-password-2026"});
        assert_eq!(http.post(format!("{url}/api/v1/auth/login")).json(&staff).send().await.unwrap().status(), 200);
        let inbox: Value = http.get(format!("{url}/api/v1/threads")).send().await.unwrap().json().await.unwrap();
        assert_eq!(inbox["threads"].as_array().unwrap().len(), 2, "the doctor's team inbox has both demo threads");
        let desk = serde_json::json!({"email": "desk@demo.portico.test", "password": "demo-password-2026"});
        assert_eq!(http.post(format!("{url}/api/v1/auth/login")).json(&desk).send().await.unwrap().status(), 200);
        let social: Value =
            http.get(format!("{url}/api/v1/social/messages")).send().await.unwrap().json().await.unwrap();
        let texts = social["items"].to_string();
        assert_eq!(social["items"].as_array().unwrap().len(), 2, "{social}");
        assert!(texts.contains("[CONDITION]") && !texts.contains("albuterol") && !texts.contains("503-555-0142"));
    });
    Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(server.wait().unwrap().success());
}

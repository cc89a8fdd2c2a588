//! The test harness: `spawn_app()` starts the real server in-process on port 0 with a fake
//! clock and a fresh database (a SQLite file in a temp dir, or a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` is set), and offers typed users per role. Tests talk to it over HTTP.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use portico::config::{Config, ConnArgs};
use portico_app::admin::StaffInput;
use portico_domain::credentials::Password;
use portico_domain::patient::{DateOfBirth, EmailAddress, Language, Mrn, NewPatient, PersonName, PhoneNumber};
use portico_domain::time::FakeClock;
use portico_domain::{AccountId, Actor, PatientId, StaffRole, TeamId, Timestamp};
use serde_json::{Value, json};

/// 2026-11-24T09:00:00Z, a Tuesday morning.
pub const START: Timestamp = Timestamp::from_unix_millis(1_795_510_800_000);
pub const PASSWORD: &str = "correct horse battery staple";

/// Every log line of this test process, at debug level, for the no-PHI-in-logs checks.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| Arc::new(Mutex::new(Vec::new())))
}

#[derive(Clone)]
struct BufWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let buf = log_buffer().clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_ansi(false)
            .with_writer(move || BufWriter(buf.clone()))
            .try_init();
    });
}

/// A running test server.
pub struct TestApp {
    pub base: String,
    pub clock: FakeClock,
    pub app: portico_app::App,
    pub config: Config,
    pub dir: tempfile::TempDir,
    running: Option<portico::Running>,
}

/// A staff member who can sign in.
pub struct StaffUser {
    pub email: String,
    pub totp: totp_rs::Totp,
}

/// A patient with a portal account.
pub struct PatientUser {
    pub account_id: AccountId,
    pub patient_id: PatientId,
    pub email: String,
    pub name: String,
}

/// A registered patient with an open invitation.
pub struct Invited {
    pub patient_id: PatientId,
    pub code: String,
    pub dob: String,
}

/// A fresh database URL for one test: SQLite in the temp dir, or a new PostgreSQL database.
async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            sqlx::any::install_default_drivers();
            let name = format!("portico_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}", dir.join("data").join("portico.db").display()),
    }
}

/// The configuration of a test server in `dir`.
pub async fn test_config(dir: &std::path::Path) -> Config {
    let args = ConnArgs {
        config: None,
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.join("data")),
        key_file: Some(dir.join("portico.key")),
        database_url: Some(fresh_database(dir).await),
        audit_dir: Some(dir.join("audit")),
    };
    let mut config = Config::load(&args).expect("test config");
    config.metrics_token = Some("metrics-token-for-tests-0123456789".into());
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path()).await;
    tweak(&mut config);
    let clock = FakeClock::new(START);
    let running = portico::start(&config, Arc::new(clock.clone())).await.expect("server starts");
    let base = format!("http://{}", running.addr);
    config.public_url = running.public_url.clone();
    TestApp { base, clock, app: running.app.clone(), config, dir, running: Some(running) }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client with its own cookie jar. It does not follow redirects, so a test
    /// sees where a page sends the browser.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    pub fn advance(&self, d: Duration) {
        self.clock.advance(d);
    }

    /// Stops the server (graceful) and returns the temp dir and config for a restart.
    pub async fn stop(mut self) -> (tempfile::TempDir, Config, FakeClock) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
        (self.dir, self.config, self.clock)
    }

    pub async fn create_team(&self, name: &str) -> TeamId {
        self.app.create_team(&Actor::System, name, &portico_app::cli_context()).await.unwrap()
    }

    pub async fn create_staff(&self, role: StaffRole, teams: Vec<TeamId>) -> StaffUser {
        let email = format!("{}-{}@clinic.test", role.as_str(), uuid::Uuid::new_v4().simple());
        let input = StaffInput {
            email: email.clone(),
            name: format!("Test {}", role.as_str()),
            role,
            teams,
            password: Password::parse(PASSWORD).unwrap(),
        };
        let created = self.app.create_staff(&Actor::System, input, &portico_app::cli_context()).await.unwrap();
        let totp = totp_rs::Totp::from_url(created.totp_uri.expect("staff MFA is on by default")).unwrap();
        StaffUser { email, totp }
    }

    pub async fn invite_patient(&self, name: &str, dob: &str, email: Option<&str>) -> Invited {
        let today = START.utc_date().unwrap();
        let new = NewPatient {
            name: PersonName::parse(name).unwrap(),
            date_of_birth: DateOfBirth::parse(dob, today).unwrap(),
            mrn: Mrn::parse(&format!("MRN-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])).unwrap(),
            email: email.map(|e| EmailAddress::parse(e).unwrap()),
            phone: Some(PhoneNumber::parse("+15550001111").unwrap()),
            language: Language::default(),
        };
        let created = self.app.create_patient(&Actor::System, &new, &portico_app::cli_context()).await.unwrap();
        Invited { patient_id: created.id, code: created.invite_code, dob: dob.into() }
    }

    pub async fn enrolled_patient(&self) -> PatientUser {
        let name = format!("Pat {}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let invited = self.invite_patient(&name, "1971-03-14", None).await;
        let email = format!("{}@patients.test", uuid::Uuid::new_v4().simple());
        let resp = self.enroll(&invited.code, &invited.dob, &email, PASSWORD).await;
        assert_eq!(resp.status(), 201, "enrollment of a test patient");
        let body: Value = resp.json().await.unwrap();
        PatientUser {
            account_id: body["account_id"].as_str().unwrap().parse().unwrap(),
            patient_id: invited.patient_id,
            email,
            name,
        }
    }

    pub async fn enroll(&self, code: &str, dob: &str, email: &str, password: &str) -> reqwest::Response {
        let body = json!({"invite_code": code, "date_of_birth": dob, "email": email, "password": password});
        reqwest::Client::new().post(self.url("/api/v1/enroll")).json(&body).send().await.unwrap()
    }

    /// The current TOTP code of a staff member, by the fake clock.
    pub fn code(&self, user: &StaffUser) -> String {
        let secs = u64::try_from(self.clock_now().unix_millis() / 1000).unwrap();
        user.totp.generate(secs).to_string()
    }

    pub fn clock_now(&self) -> Timestamp {
        use portico_domain::Clock;
        self.clock.now()
    }

    pub async fn post_login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
        totp: Option<&str>,
    ) -> reqwest::Response {
        let mut body = json!({"email": email, "password": password});
        if let Some(code) = totp {
            body["totp"] = json!(code);
        }
        client.post(self.url("/api/v1/auth/login")).json(&body).send().await.unwrap()
    }

    /// A client signed in as this staff member (the clock moves one TOTP step first, so a
    /// second sign-in in the same test is not refused as a replay).
    pub async fn signed_in_staff(&self, user: &StaffUser) -> reqwest::Client {
        self.advance(Duration::from_secs(30));
        let client = self.client();
        let code = self.code(user);
        let resp = self.post_login(&client, &user.email, PASSWORD, Some(&code)).await;
        assert_eq!(resp.status(), 200, "staff sign-in");
        client
    }

    pub async fn signed_in_patient(&self, user: &PatientUser) -> reqwest::Client {
        let client = self.client();
        let resp = self.post_login(&client, &user.email, PASSWORD, None).await;
        assert_eq!(resp.status(), 200, "patient sign-in");
        client
    }

    pub async fn get_me(&self, client: &reqwest::Client) -> reqwest::Response {
        client.get(self.url("/api/v1/me")).send().await.unwrap()
    }

    /// Audit actions recorded so far, newest first.
    pub async fn audit_actions(&self) -> Vec<(String, String)> {
        self.app.store().recent_audit(1000).await.unwrap().into_iter().map(|e| (e.action, e.outcome)).collect()
    }
}

/// The error code of a JSON error response.
pub async fn error_code(resp: reqwest::Response) -> String {
    let body: Value = resp.json().await.unwrap();
    body["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// A small clinic: a care team, a clinician and a front-desk member in it, and an enrolled patient.
pub struct Clinic {
    pub team: TeamId,
    pub clinician: StaffUser,
    pub desk: StaffUser,
    pub patient: PatientUser,
}

impl TestApp {
    pub async fn clinic(&self) -> Clinic {
        let team = self.create_team(&format!("Care {}", &uuid::Uuid::new_v4().simple().to_string()[..6])).await;
        let clinician = self.create_staff(StaffRole::Clinician, vec![team]).await;
        let desk = self.create_staff(StaffRole::FrontDesk, vec![team]).await;
        let patient = self.enrolled_patient().await;
        Clinic { team, clinician, desk, patient }
    }

    pub async fn post_json(&self, client: &reqwest::Client, path: &str, body: Value) -> reqwest::Response {
        client.post(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn client_request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> reqwest::Response {
        client.request(method, self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn get_json(&self, client: &reqwest::Client, path: &str) -> (u16, Value) {
        let resp = client.get(self.url(path)).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A patient opens a thread to a team; returns the thread id.
    pub async fn open_thread(&self, client: &reqwest::Client, team: TeamId, subject: &str, body: &str) -> String {
        let resp = self
            .post_json(
                client,
                "/api/v1/threads",
                json!({"team_id": team, "subject": subject, "body": body, "category": "clinical"}),
            )
            .await;
        assert_eq!(resp.status(), 201, "open thread");
        resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    pub async fn send(&self, client: &reqwest::Client, thread: &str, body: Value) -> reqwest::Response {
        self.post_json(client, &format!("/api/v1/threads/{thread}/messages"), body).await
    }

    /// Posts a multipart message with one file.
    pub async fn send_file(
        &self,
        client: &reqwest::Client,
        thread: &str,
        body: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("body", body.to_owned())
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        client.post(self.url(&format!("/api/v1/threads/{thread}/messages"))).multipart(form).send().await.unwrap()
    }
}

//! Durability: a message is acknowledged only once committed. Send under load to the real
//! binary, `kill -9` it mid-flight, restart, and find every acknowledged message exactly once.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::cli_support::{database_args, last_json, portico, serve_child};

struct Killed(Option<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn login(url: &str) -> reqwest::Client {
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let body = json!({"email": "durable@patients.test", "password": "durable password 1"});
    assert_eq!(http.post(format!("{url}/api/v1/auth/login")).json(&body).send().await.unwrap().status(), 200);
    http
}

#[tokio::test]
async fn every_acknowledged_message_survives_a_kill_9_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let conn = database_args(dir.path());
    let (child, url) = serve_child(&conn);
    let mut server = Killed(Some(child));
    let arg = |list: &[&str]| list.iter().map(|s| s.to_string()).chain(conn.iter().cloned()).collect::<Vec<_>>();
    let team = last_json(&portico(&arg(&["admin", "create-team", "--name", "Durable"]), None).1)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let patient = last_json(
        &portico(
            &arg(&["admin", "create-patient", "--name", "Dur Able", "--dob", "1960-01-01", "--mrn", "DUR-1"]),
            None,
        )
        .1,
    );
    let enroll = json!({"invite_code": patient["invite_code"], "date_of_birth": "1960-01-01", "email": "durable@patients.test", "password": "durable password 1"});
    assert_eq!(
        reqwest::Client::new().post(format!("{url}/api/v1/enroll")).json(&enroll).send().await.unwrap().status(),
        201
    );
    let http = login(&url).await;
    let open = json!({"team_id": team, "subject": "Durability", "body": "first", "category": "general"});
    let thread: Value =
        http.post(format!("{url}/api/v1/threads")).json(&open).send().await.unwrap().json().await.unwrap();
    let thread = thread["id"].as_str().unwrap().to_owned();

    let acked: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let enough = Arc::new(tokio::sync::Notify::new());
    let mut workers = Vec::new();
    for w in 0..16 {
        let (http, url, thread, acked, enough) =
            (http.clone(), url.clone(), thread.clone(), acked.clone(), enough.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..2000 {
                let resp = http
                    .post(format!("{url}/api/v1/threads/{thread}/messages"))
                    .header("Idempotency-Key", format!("w{w}-{i}"))
                    .json(&json!({"body": format!("load {w}-{i}")}))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 201 => {
                        let id = r.json::<Value>().await.map(|v| v["id"].as_str().unwrap_or_default().to_owned());
                        if let Ok(id) = id {
                            let mut all = acked.lock().unwrap();
                            all.push(id);
                            if all.len() == 400 {
                                enough.notify_one();
                            }
                        }
                    }
                    _ => break,
                }
            }
            enough.notify_one();
        }));
    }
    // Kill the server hard once enough messages are acknowledged, with requests in flight.
    enough.notified().await;
    let pid = server.0.as_ref().unwrap().id();
    Command::new("kill").args(["-KILL", &pid.to_string()]).stdout(Stdio::null()).status().unwrap();
    server.0.take().unwrap().wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 400, "load ran: {} acknowledged", acked.len());

    let (child, url) = serve_child(&conn);
    let _restarted = Killed(Some(child));
    let http = login(&url).await;
    let view: Value = http.get(format!("{url}/api/v1/threads/{thread}")).send().await.unwrap().json().await.unwrap();
    let stored: Vec<&str> = view["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    for id in &acked {
        assert_eq!(stored.iter().filter(|s| *s == id).count(), 1, "acknowledged message {id} is stored exactly once");
    }
}

/// At least once: notifications whose delivery was in flight when the server was killed are
/// delivered after the restart, once their lease lapses; none is lost.
#[tokio::test]
async fn notifications_in_flight_at_a_kill_9_are_delivered_after_the_restart() {
    use std::sync::atomic::Ordering;
    let sms = crate::sinks::sms_sink().await;
    sms.hold.store(true, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portico.toml");
    // Texts wait out the default quiet hours (21:00 to 08:00 in the clinic's zone): put the
    // clinic where it is about noon now, so the test does not depend on the time of day.
    let offset = 12 - i32::from(time::OffsetDateTime::now_utc().hour());
    let zone = if offset >= 0 { format!("Etc/GMT-{offset}") } else { format!("Etc/GMT+{}", -offset) };
    std::fs::write(
        &config,
        format!(
            "[clinic]\ntime_zone = \"{zone}\"\n[notify]\nlease_seconds = 1\n[notify.sms]\nbase_url = \"http://{}\"\naccount_sid = \"AC1\"\nauth_token = \"t\"\nfrom = \"+15550009999\"\n",
            sms.addr
        ),
    )
    .unwrap();
    let mut conn = database_args(dir.path());
    conn.extend(["--config".to_owned(), config.display().to_string()]);
    // The patients (and their invitation texts) are registered before the server starts, so
    // that its first delivery pass claims every text at once.
    let phones: Vec<String> = (0..5).map(|i| format!("+1503555010{i}")).collect();
    for (i, phone) in phones.iter().enumerate() {
        let mrn = format!("KILL-{i}");
        let args: Vec<String> =
            ["admin", "create-patient", "--name", "Kill Nine", "--dob", "1970-01-01", "--mrn", &mrn, "--phone", phone]
                .iter()
                .map(|s| s.to_string())
                .chain(conn.iter().cloned())
                .collect();
        assert_eq!(portico(&args, None).0, 0);
    }
    let (child, _url) = serve_child(&conn);
    let mut server = Killed(Some(child));
    let received = |sms: &crate::sinks::SmsSink| sms.requests.lock().unwrap().len();
    let wait_for = |n: usize| {
        let (arrived, requests) = (sms.arrived.clone(), sms.requests.clone());
        async move {
            let wait = async {
                while requests.lock().unwrap().len() < n {
                    arrived.notified().await;
                }
            };
            tokio::time::timeout(std::time::Duration::from_secs(20), wait).await.expect("the texts were not sent");
        }
    };
    // Every invitation text is in flight at the provider, unanswered: kill the server.
    wait_for(5).await;
    let pid = server.0.as_ref().unwrap().id();
    Command::new("kill").args(["-KILL", &pid.to_string()]).stdout(Stdio::null()).status().unwrap();
    server.0.take().unwrap().wait().unwrap();
    assert_eq!(received(&sms), 5);

    sms.hold.store(false, Ordering::SeqCst);
    let (child, _url) = serve_child(&conn);
    let _restarted = Killed(Some(child));
    wait_for(10).await;
    let again: Vec<String> = sms.requests.lock().unwrap()[5..].iter().map(|r| r.field("To").to_owned()).collect();
    for phone in &phones {
        assert!(again.contains(phone), "{phone} got its text after the restart: {again:?}");
    }
}

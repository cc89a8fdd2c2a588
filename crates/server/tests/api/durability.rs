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

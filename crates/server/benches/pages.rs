//! The web pages' speed and weight (`cargo bench -p portico --bench pages`).
//!
//! Starts Portico on SQLite with the demo clinic, signs in a patient and a nurse, then requests
//! each page `REQUESTS` times one after another (after a warm-up) and prints, per page, the
//! p50 and p99 time from request to the last byte over loopback (an upper bound of the time
//! the server spends: rendering, the session check, the audited database reads), and the page's
//! weight with the stylesheet and the script it loads.
#![expect(clippy::unwrap_used, clippy::print_stdout, reason = "a benchmark program")]
#![expect(clippy::disallowed_methods, reason = "latency is measured on the monotonic clock")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use portico::config::{Config, ConnArgs};
use portico_domain::time::SystemClock;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn signed_in(base: &str, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let body = serde_json::json!({"email": email, "password": portico::demo::DEMO_PASSWORD});
    let r = client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200, "sign-in of {email}");
    client
}

#[tokio::main]
async fn main() {
    let requests: usize = std::env::var("REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    let dir = tempfile::tempdir().unwrap();
    let args = ConnArgs {
        data_dir: Some(dir.path().join("data")),
        key_file: Some(dir.path().join("k.key")),
        audit_dir: Some(dir.path().join("audit")),
        listen: Some("127.0.0.1:0".into()),
        ..ConnArgs::default()
    };
    let mut config = Config::load(&args).unwrap();
    config.require_staff_mfa = false;
    let running = portico::start(&config, Arc::new(SystemClock)).await.unwrap();
    portico::demo::seed(&running.app).await.unwrap();
    let base = format!("http://{}", running.addr);
    let patient = signed_in(&base, "alex.demo@demo.portico.test").await;
    let nurse = signed_in(&base, "nurse.okafor@demo.portico.test").await;
    let threads: serde_json::Value =
        patient.get(format!("{base}/api/v1/threads")).send().await.unwrap().json().await.unwrap();
    let thread = threads["threads"][0]["id"].as_str().unwrap().to_owned();
    let assets: usize = {
        let mut n = 0;
        for a in ["/static/portico.css", "/static/portico.js"] {
            n += reqwest::get(format!("{base}{a}")).await.unwrap().bytes().await.unwrap().len();
        }
        n
    };

    let pages = [
        ("/", &patient),
        ("/portal/sign-in", &patient),
        ("/portal", &patient),
        ("/portal/compose", &patient),
        (&*format!("/portal/threads/{thread}"), &patient),
        ("/staff", &nurse),
        (&*format!("/staff/threads/{thread}"), &nurse),
    ]
    .map(|(p, c)| (p.to_owned(), c.clone()));
    println!("{requests} sequential requests per page after 50 to warm up; weight = HTML + CSS + JS ({assets} B)");
    println!("{:<28} {:>9} {:>9} {:>10}", "page", "p50 ms", "p99 ms", "weight KB");
    for (path, client) in pages {
        let url = format!("{base}{path}");
        let mut size = 0;
        for _ in 0..50 {
            let r = client.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            size = r.bytes().await.unwrap().len();
        }
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            let body = client.get(&url).send().await.unwrap().bytes().await.unwrap();
            times.push(started.elapsed());
            assert!(!body.is_empty());
        }
        times.sort_unstable();
        let label = if path.len() > 27 { format!("{}…", &path[..26]) } else { path.clone() };
        println!(
            "{label:<28} {:>9.2} {:>9.2} {:>10.1}",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0,
            (size + assets) as f64 / 1024.0
        );
    }
    running.stop().await.unwrap();
}

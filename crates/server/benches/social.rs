//! The social bridge under load (`cargo bench -p portico --bench social`).
//!
//! Starts Portico on SQLite (`synchronous=FULL`) with `[social.meta]` pointing at a local
//! stand-in for the Graph API, then:
//! 1. on the idle system, posts `LATENCY_EVENTS` signed Messenger messages one after another,
//!    each from a new sender, and times each from the webhook request to the Send API call
//!    reaching the stand-in (p50, p99);
//! 2. posts signed single-message webhooks from `CLIENTS` concurrent connections for `SECONDS`
//!    and counts the events acknowledged per second (each durably queued and audited before
//!    its 200; the worker processes and answers them meanwhile on the same two cores).
//!
//! 3. waits until every accepted event has been answered, and prints how long that took.
//!
//! The load generator and the Graph stand-in run in the same process, on the same cores.
#![expect(clippy::unwrap_used, clippy::print_stdout, reason = "a benchmark program")]
#![expect(clippy::disallowed_methods, reason = "latency is measured on the monotonic clock")]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portico::config::{Config, ConnArgs};
use portico_domain::time::SystemClock;
use tokio::sync::mpsc;

const SECRET: &str = "bench-app-secret-0123456789";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A Graph API stand-in: every Send API call reports its recipient and arrival time.
async fn graph_stand_in() -> (String, mpsc::UnboundedReceiver<(String, Instant)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let tx = Arc::new(Mutex::new(tx));
    let app = axum::Router::new().fallback(axum::routing::post(move |body: axum::body::Bytes| {
        let tx = tx.clone();
        async move {
            let at = Instant::now();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if let Some(r) = v.pointer("/recipient/id").and_then(|r| r.as_str()) {
                let _ = tx.lock().unwrap().send((r.to_owned(), at));
            }
            axum::Json(serde_json::json!({"recipient_id": "1", "message_id": "m"}))
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), rx)
}

/// A signed webhook carrying `n` messages (Meta batches events under load), each from a new
/// sender `{sender}.{i}` with mid `{mid}.{i}`.
fn signed_dms(mid: &str, sender: &str, n: usize) -> (String, String) {
    let messaging: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({"sender": {"id": format!("{sender}.{i}")}, "recipient": {"id": "1122334455"},
                "timestamp": 1, "message": {"mid": format!("{mid}.{i}"), "text": "hello, what are your hours on saturday?"}})
        })
        .collect();
    let body =
        serde_json::json!({"object": "page", "entry": [{"id": "1122334455", "time": 1, "messaging": messaging}]})
            .to_string();
    let sig = portico_crypto::webhook::meta_signature(SECRET, body.as_bytes());
    (body, sig)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Posts signed webhooks of `per_post` messages from `clients` connections for `seconds`;
/// prints and returns the events acknowledged.
async fn burst(client: &reqwest::Client, url: &str, clients: usize, seconds: u64, per_post: usize) -> u64 {
    let accepted = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, url, accepted) = (client.clone(), url.to_owned(), accepted.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let (body, sig) =
                    signed_dms(&format!("m_{per_post}_{c}_{n}"), &format!("S{per_post}x{c}x{n}"), per_post);
                let resp = client.post(&url).header("x-hub-signature-256", sig).body(body).send().await.unwrap();
                assert_eq!(resp.status(), 200);
                accepted.fetch_add(per_post as u64, Ordering::Relaxed);
                n += 1;
            }
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = accepted.load(Ordering::Relaxed);
    println!(
        "webhook events accepted (durably queued and audited), {per_post} per request, {clients} connections: {n} in {elapsed:.1} s = {:.0} events/s",
        n as f64 / elapsed
    );
    n
}

#[tokio::main]
async fn main() {
    let (latency_events, clients, seconds) =
        (env_num("LATENCY_EVENTS", 300), env_num("CLIENTS", 64) as usize, env_num("SECONDS", 5));
    let dir = tempfile::tempdir().unwrap();
    let (graph_url, mut sends) = graph_stand_in().await;
    let args = ConnArgs {
        data_dir: Some(dir.path().join("data")),
        key_file: Some(dir.path().join("k.key")),
        audit_dir: Some(dir.path().join("audit")),
        listen: Some("127.0.0.1:0".into()),
        ..ConnArgs::default()
    };
    let mut config = Config::load(&args).unwrap();
    config.social.meta = Some(portico_app::social::meta::MetaSettings {
        app_secret: SECRET.into(),
        verify_token: "bench-verify".into(),
        page_id: "1122334455".into(),
        page_access_token: "bench-token".into(),
        graph_base_url: graph_url,
        graph_version: "v21.0".into(),
    });
    let running = portico::start(&config, Arc::new(SystemClock)).await.unwrap();
    let url = format!("http://{}/webhooks/meta", running.addr);
    let client = reqwest::Client::new();

    let mut latencies = Vec::with_capacity(latency_events as usize);
    for i in 0..latency_events {
        let sender = format!("LAT{i}.0");
        let (body, sig) = signed_dms(&format!("m_lat_{i}"), &format!("LAT{i}"), 1);
        let started = Instant::now();
        let resp = client.post(&url).header("x-hub-signature-256", sig).body(body).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        loop {
            let (recipient, at) = sends.recv().await.unwrap();
            if recipient == sender {
                latencies.push(at - started);
                break;
            }
        }
    }
    latencies.sort();
    if !latencies.is_empty() {
        println!(
            "webhook -> Send API call, idle, {} messages: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            latencies.len(),
            percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            latencies.last().unwrap().as_secs_f64() * 1000.0
        );
    }

    for per_post in [1usize, 10] {
        let n = burst(&client, &url, clients, seconds, per_post).await;
        // Every accepted event is answered: how long the backlog takes to drain.
        let started = Instant::now();
        for _ in 0..n {
            tokio::time::timeout(Duration::from_secs(600), sends.recv()).await.unwrap().unwrap();
        }
        println!(
            "  the backlog of {n} was answered (Send API calls) {:.1} s after the burst ended",
            started.elapsed().as_secs_f64()
        );
    }
    running.stop().await.unwrap();
}

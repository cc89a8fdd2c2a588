//! Load generator for secure messaging over HTTP (`cargo bench -p portico --bench messaging_load`).
//!
//! Sets up a team and `CLIENTS` enrolled patients through the library, starts the release
//! `portico` binary as its own process on that data, signs every client in, opens one thread per
//! client, then sends messages for `SECONDS` with `CLIENTS` concurrent keep-alive connections.
//! Prints messages/s, p50/p99 latency and the server's resident memory. Every message is
//! encrypted, audited and durably committed (SQLite `synchronous=FULL`, or PostgreSQL with
//! `synchronous_commit=on` when `BENCH_DATABASE_URL` is set).
//!
//! Each message carries an `Idempotency-Key`. `KEYS=ordered` (the default) sends time-ordered
//! UUIDv7 keys, as the portal's own forms do; `KEYS=random` sends random UUIDv4 keys, as an
//! outside client may. Random keys land all over the key index, so each costs a commit more
//! pages (see docs/operators.md).
//!
//! Environment: `CLIENTS` (default 64), `SECONDS` (default 10), `KEYS`, `BENCH_DATABASE_URL`.
#![expect(clippy::unwrap_used, clippy::print_stdout, reason = "a benchmark program")]
#![expect(clippy::disallowed_methods, reason = "latency is measured on the monotonic clock")]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use portico::config::{Config, ConnArgs};
use portico_domain::patient::{DateOfBirth, EmailAddress, Language, Mrn, NewPatient, PersonName};
use portico_domain::time::SystemClock;
use portico_domain::{Actor, Clock};
use serde_json::{Value, json};

const PASSWORD: &str = "benchmark password 1";

/// A fresh idempotency key: random (UUIDv4) or time-ordered (UUIDv7, as the portal's forms).
fn idempotency_key(random: bool) -> uuid::Uuid {
    if random { uuid::Uuid::new_v4() } else { uuid::Uuid::now_v7() }
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// User + system CPU seconds of a process so far.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let clients = env_num("CLIENTS", 64) as usize;
    let seconds = env_num("SECONDS", 10);
    let random_keys = match std::env::var("KEYS").as_deref() {
        Ok("random") => true,
        Ok("ordered") | Err(_) => false,
        Ok(other) => {
            eprintln!("KEYS={other}: expected ordered or random");
            std::process::exit(2);
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let db_url = std::env::var("BENCH_DATABASE_URL").ok().filter(|u| !u.is_empty());
    let mut conn = ConnArgs {
        data_dir: Some(dir.path().join("data")),
        key_file: Some(dir.path().join("bench.key")),
        listen: Some("127.0.0.1:0".into()),
        audit_dir: Some(dir.path().join("audit")),
        ..ConnArgs::default()
    };
    conn.database_url = db_url.clone();
    let config = Config::load(&conn).unwrap();

    // Setup through the library: one team, `clients` enrolled patients.
    let (app, _) = portico::open_app(&config, Arc::new(SystemClock)).await.unwrap();
    let ctx = portico_app::cli_context();
    let team = app.create_team(&Actor::System, "Bench Team", &ctx).await.unwrap();
    let today = SystemClock.now().utc_date().unwrap();
    let mut emails = Vec::new();
    for i in 0..clients {
        let new = NewPatient {
            name: PersonName::parse(&format!("Bench Patient {i}")).unwrap(),
            date_of_birth: DateOfBirth::parse("1970-01-01", today).unwrap(),
            mrn: Mrn::parse(&format!("BENCH-{i}")).unwrap(),
            email: None,
            phone: None,
            language: Language::default(),
        };
        let created = app.create_patient(&Actor::System, &new, &ctx).await.unwrap();
        let email = format!("bench{i}@patients.test");
        let req = portico_app::enrollment::EnrollRequest {
            invite_code: created.invite_code,
            date_of_birth: "1970-01-01".into(),
            email: EmailAddress::parse(&email).unwrap().expose().into(),
            password: PASSWORD.into(),
        };
        app.enroll(req, &ctx).await.unwrap();
        emails.push(email);
    }
    app.store().close().await;
    drop(app);

    // The server, as its own process.
    let mut args = vec!["serve".to_string(), "--listen".into(), "127.0.0.1:0".into()];
    args.extend(["--data-dir".into(), dir.path().join("data").display().to_string()]);
    args.extend(["--key-file".into(), dir.path().join("bench.key").display().to_string()]);
    args.extend(["--audit-dir".into(), dir.path().join("audit").display().to_string()]);
    if let Some(url) = &db_url {
        args.extend(["--database-url".into(), url.clone()]);
    }
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(&args)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = server.id();
    let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_owned();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));

    // Sign in and open a thread per client.
    let mut sessions = Vec::new();
    for email in &emails {
        let http = reqwest::Client::builder().cookie_store(true).pool_max_idle_per_host(1).build().unwrap();
        let r = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
            .collect::<Vec<_>>()
            .join("; ");
        let t: Value = http
            .post(format!("{base}/api/v1/threads"))
            .json(&json!({"team_id": team, "subject": "Benchmark", "body": "first", "category": "general"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        sessions.push((cookie, t["id"].as_str().unwrap().to_owned()));
    }
    let rss_before = rss_kib(pid, "VmRSS:");

    let (server_cpu0, own_cpu0) = (cpu_seconds(&pid.to_string()), cpu_seconds("self"));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let host = base.trim_start_matches("http://").to_owned();
    for (c, (cookie, thread)) in sessions.into_iter().enumerate() {
        let path = format!("/api/v1/threads/{thread}/messages");
        let host = host.clone();
        tasks.push(tokio::spawn(async move {
            // One keep-alive HTTP/1.1 connection per client, through hyper's bare client: a
            // browser-like client (reqwest, with its cookie jar and pool) costs this process
            // about 70 µs a request, CPU the server on the same two cores then lacks.
            let stream = tokio::net::TcpStream::connect(&host).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
            tokio::spawn(conn);
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut i = 0u64;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let body = json!({"body": format!("Benchmark message {i} from client {c}: how is my blood pressure reading today?")});
                let req = hyper::Request::post(&path)
                    .header(hyper::header::HOST, &host)
                    .header(hyper::header::COOKIE, &cookie)
                    .header(hyper::header::CONTENT_TYPE, "application/json")
                    .header("Idempotency-Key", idempotency_key(random_keys).to_string())
                    .body(http_body_util::Full::new(bytes::Bytes::from(body.to_string())))
                    .unwrap();
                let ok = match sender.send_request(req).await {
                    Ok(r) => {
                        let created = r.status() == 201;
                        let read = http_body_util::BodyExt::collect(r.into_body()).await.is_ok();
                        created && read
                    }
                    Err(_) => false,
                };
                if ok {
                    latencies.push(t0.elapsed());
                } else {
                    errors += 1;
                }
                i += 1;
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let server_cpu = cpu_seconds(&pid.to_string()) - server_cpu0;
    let own_cpu = cpu_seconds("self") - own_cpu0;
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    let backend = if db_url.is_some() { "postgresql" } else { "sqlite" };
    let keys = if random_keys { "random" } else { "ordered" };
    println!("backend={backend} clients={clients} seconds={seconds} keys={keys}");
    println!("messages={} errors={errors} msgs_per_s={:.0}", all.len(), all.len() as f64 / elapsed);
    println!(
        "latency_p50_ms={:.2} latency_p99_ms={:.2} max_ms={:.2}",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "server_rss_mib={:.1} (before load {:.1}, peak {:.1})",
        rss_kib(pid, "VmRSS:") as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        rss_kib(pid, "VmHWM:") as f64 / 1024.0
    );
    println!(
        "cpu_s server={server_cpu:.1} load_generator={own_cpu:.1} (of {:.1} available on 2 cores); server_cpu_per_msg_us={:.0}",
        elapsed * 2.0,
        server_cpu * 1e6 / all.len().max(1) as f64
    );
    let _ = server.kill();
    let _ = server.wait();
}

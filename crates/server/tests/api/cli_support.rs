//! Running the real `portico` binary from tests.

use std::io::Write;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_portico");

pub fn database_args(dir: &std::path::Path) -> Vec<String> {
    let mut args = vec![
        "--data-dir".into(),
        dir.join("data").display().to_string(),
        "--key-file".into(),
        dir.join("k.key").display().to_string(),
        "--audit-dir".into(),
        dir.join("audit").display().to_string(),
    ];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL")
        && !url.is_empty()
    {
        args.push("--database-url".into());
        args.push(fresh_pg(&url));
    }
    args
}

pub fn fresh_pg(admin_url: &str) -> String {
    let name = format!("portico_cli_{}", uuid::Uuid::new_v4().simple());
    let (url, db) = (admin_url.to_owned(), name.clone());
    // Its own thread and runtime: callers may be inside an async test already.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).execute(&mut conn).await.unwrap();
        });
    })
    .join()
    .unwrap();
    format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0)
}

pub fn portico(args: &[String], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        // A command refused at its arguments exits before reading: a broken pipe is fine then.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

pub fn last_json(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim().lines().last().unwrap_or("null")).unwrap()
}

pub fn args(list: &[&str], conn: &[String]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).chain(conn.iter().cloned()).collect()
}

/// Starts `portico serve` on a free port and waits for its first line.
pub fn serve(conn: &[String]) -> (Child, String, std::io::BufReader<std::process::ChildStdout>) {
    use std::io::BufRead;
    let mut child = Command::new(BIN)
        .args(args(&["serve", "--listen", "127.0.0.1:0"], conn))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(first.starts_with("Portico is running at http://127.0.0.1:"), "{first}");
    (child, url, out)
}

/// The rest of the start-up banner, up to its last line.
pub fn read_banner(out: &mut impl std::io::BufRead) -> String {
    let mut banner = String::new();
    while !banner.contains("Press Ctrl-C") {
        if out.read_line(&mut banner).unwrap() == 0 {
            break;
        }
    }
    banner
}

/// Starts `portico serve` on a free port; returns the child and its URL.
pub fn serve_child(conn: &[String]) -> (Child, String) {
    let (child, url, mut out) = serve(conn);
    read_banner(&mut out);
    (child, url)
}

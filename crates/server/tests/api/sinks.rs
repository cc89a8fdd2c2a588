//! Stand-ins for the outside world that notifications reach: an SMTP server that keeps every
//! message it is given, and an HTTP server with Twilio's Messages API shape.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One e-mail as the SMTP server received it.
#[derive(Clone, Debug, Default)]
pub struct Mail {
    pub rcpt: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server (no TLS, no auth): EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
pub struct SmtpSink {
    pub addr: SocketAddr,
    pub mails: Arc<Mutex<Vec<Mail>>>,
    /// Signalled at every message received.
    pub arrived: Arc<tokio::sync::Notify>,
}

pub async fn smtp_sink() -> SmtpSink {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let arrived = Arc::new(tokio::sync::Notify::new());
    let (store, signal) = (mails.clone(), arrived.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (store, signal) = (store.clone(), signal.clone());
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                let mut mail = Mail::default();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "RCPT" => {
                            mail.rcpt.push(line[8..].trim().to_owned());
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            let _ = w.write_all(b"354 go on\r\n").await;
                            loop {
                                line.clear();
                                if r.read_line(&mut line).await.unwrap_or(0) == 0 || line == ".\r\n" {
                                    break;
                                }
                                mail.data.push_str(&line);
                            }
                            store.lock().unwrap().push(std::mem::take(&mut mail));
                            signal.notify_one();
                            b"250 kept\r\n"
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    if w.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    SmtpSink { addr, mails, arrived }
}

/// One request to the SMS API: the path, the Authorization header and the form fields.
#[derive(Clone, Debug)]
pub struct Sms {
    pub path: String,
    pub authorization: String,
    pub form: Vec<(String, String)>,
}

impl Sms {
    pub fn field(&self, name: &str) -> &str {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

/// An HTTP server answering `POST /2010-04-01/Accounts/{sid}/Messages.json` with `status`.
pub struct SmsSink {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Sms>>>,
    pub status: Arc<AtomicU16>,
    /// While set, requests are recorded but never answered (a provider that hangs).
    pub hold: Arc<std::sync::atomic::AtomicBool>,
    /// Signalled at every request received.
    pub arrived: Arc<tokio::sync::Notify>,
}

type SmsState = (Arc<Mutex<Vec<Sms>>>, Arc<AtomicU16>, Arc<tokio::sync::Notify>, Arc<std::sync::atomic::AtomicBool>);

pub async fn sms_sink() -> SmsSink {
    use axum::extract::{Path, State};
    let requests: Arc<Mutex<Vec<Sms>>> = Arc::default();
    let status = Arc::new(AtomicU16::new(201));
    let arrived = Arc::new(tokio::sync::Notify::new());
    let hold = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let state: SmsState = (requests.clone(), status.clone(), arrived.clone(), hold.clone());
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            axum::routing::post(
                |State((reqs, status, signal, hold)): State<SmsState>,
                 Path(sid): Path<String>,
                 headers: axum::http::HeaderMap,
                 axum::Form(form): axum::Form<Vec<(String, String)>>| async move {
                    let authorization =
                        headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    reqs.lock().unwrap().push(Sms {
                        path: format!("/2010-04-01/Accounts/{sid}/Messages.json"),
                        authorization,
                        form,
                    });
                    signal.notify_one();
                    if hold.load(Ordering::SeqCst) {
                        std::future::pending::<()>().await;
                    }
                    let code = axum::http::StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap();
                    (code, axum::Json(serde_json::json!({"sid": "SM0000", "status": "queued"})))
                },
            ),
        )
        .with_state(state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    SmsSink { addr, requests, status, hold, arrived }
}

/// One call to the Graph API stand-in: method, path, query, content type and body.
#[derive(Clone, Debug)]
pub struct GraphCall {
    pub path: String,
    pub query: String,
    pub content_type: String,
    pub body: String,
}

impl GraphCall {
    /// The JSON body (Send API calls).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A form field of the body, or a query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        [self.body.as_str(), self.query.as_str()].iter().find_map(|s| {
            s.split('&').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k == name).then(|| urlencoding_decode(v))
            })
        })
    }
}

fn urlencoding_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() + 1 => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// An HTTP server standing in for the Graph API: records every POST and answers `status`.
pub struct GraphSink {
    pub addr: SocketAddr,
    pub calls: Arc<Mutex<Vec<GraphCall>>>,
    pub status: Arc<AtomicU16>,
    pub arrived: Arc<tokio::sync::Notify>,
}

type GraphState = (Arc<Mutex<Vec<GraphCall>>>, Arc<AtomicU16>, Arc<tokio::sync::Notify>);

pub async fn graph_sink() -> GraphSink {
    use axum::extract::State;
    let calls: Arc<Mutex<Vec<GraphCall>>> = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let arrived = Arc::new(tokio::sync::Notify::new());
    let state: GraphState = (calls.clone(), status.clone(), arrived.clone());
    let app = axum::Router::new()
        .fallback(axum::routing::post(
            |State((calls, status, signal)): State<GraphState>,
             uri: axum::http::Uri,
             headers: axum::http::HeaderMap,
             body: axum::body::Bytes| async move {
                let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                calls.lock().unwrap().push(GraphCall {
                    path: uri.path().to_owned(),
                    query: uri.query().unwrap_or("").to_owned(),
                    content_type,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                signal.notify_one();
                let code = axum::http::StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap();
                let body = if code.is_success() {
                    serde_json::json!({"recipient_id": "1", "message_id": "m_out", "success": true, "id": "c_1"})
                } else {
                    serde_json::json!({"error": {"message": "stand-in failure", "code": 2, "is_transient": true}})
                };
                (code, axum::Json(body))
            },
        ))
        .with_state(state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    GraphSink { addr, calls, status, arrived }
}

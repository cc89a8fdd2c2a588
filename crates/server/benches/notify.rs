//! Notification delivery benchmark (`cargo bench -p portico --bench notify`), on SQLite: queues
//! `NOTIFICATIONS` (default 2,000) e-mails and as many texts, then delivers them to local sinks
//! (an SMTP server and an HTTP server with Twilio's Messages API shape) and prints deliveries
//! per second.
#![expect(clippy::unwrap_used, clippy::print_stdout, clippy::panic, reason = "a benchmark program")]
#![expect(clippy::disallowed_methods, reason = "durations are measured on the monotonic clock")]
#![expect(dead_code, reason = "the sinks module serves the tests too")]

#[path = "../tests/api/sinks.rs"]
mod sinks;

#[path = "support/mod.rs"]
mod common;

use std::time::Instant;

use portico_app::notify::{Delivery, EmailSettings, SmsSettings};
use portico_domain::patient::{DateOfBirth, EmailAddress, Language, Mrn, NewPatient, PersonName, PhoneNumber};
use portico_domain::time::SystemClock;
use portico_domain::{Actor, Clock};

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("NOTIFICATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let dir = tempfile::tempdir().unwrap();
    let app = common::open_in(dir.path()).await;
    let ctx = portico_app::cli_context();
    let today = SystemClock.now().utc_date().unwrap();
    let new = NewPatient {
        name: PersonName::parse("Bench Patient").unwrap(),
        date_of_birth: DateOfBirth::parse("1970-01-01", today).unwrap(),
        mrn: Mrn::parse("BENCH-NOTIFY").unwrap(),
        email: Some(EmailAddress::parse("bench@example.test").unwrap()),
        phone: Some(PhoneNumber::parse("+15035550123").unwrap()),
        language: Language::default(),
    };
    let patient = app.create_patient(&Actor::System, &new, &ctx).await.unwrap().id;
    let team = app.create_team(&Actor::System, "Bench", &ctx).await.unwrap();
    // Preferences without quiet hours, so that no text waits for the morning.
    let prefs = portico_domain::notify::Preferences::parse(&["email".into(), "sms".into()], None, None, "UTC").unwrap();
    let rec = portico_domain::audit::AuditRecord::new(
        &Actor::System,
        "notification_preferences.update",
        "notification_preferences",
        portico_domain::audit::Purpose::Operations,
        &ctx,
    );
    app.store().set_notification_preferences(patient, &prefs, SystemClock.now(), &rec).await.unwrap();
    let first = portico_store::messaging::NewMessage {
        author: portico_domain::messaging::Party::Patient(portico_domain::AccountId::generate(SystemClock.now())),
        body: portico_domain::messaging::MessageBody::parse("bench").unwrap(),
        internal: false,
        release_at: None,
        attachments: vec![],
        idempotency_key: None,
    };
    let thread = app
        .store()
        .open_thread(
            portico_domain::messaging::ThreadFacts { patient, team },
            &portico_domain::messaging::Subject::parse("bench").unwrap(),
            portico_domain::messaging::Category::General,
            &first,
            SystemClock.now(),
            &rec,
        )
        .await
        .unwrap()
        .thread_id;
    app.store().bench_enqueue(patient, thread, n, SystemClock.now()).await.unwrap();

    let (smtp, sms) = (sinks::smtp_sink().await, sinks::sms_sink().await);
    let delivery = Delivery::new(
        Some(EmailSettings { smtp_url: format!("smtp://{}", smtp.addr), from: "Bench <no-reply@example.test>".into() }),
        Some(SmsSettings {
            base_url: format!("http://{}", sms.addr),
            account_sid: "AC0".into(),
            auth_token: "t".into(),
            from: "+15550009999".into(),
        }),
    )
    .unwrap();
    let mut delivery = delivery;
    if let Some(c) = std::env::var("CONCURRENCY").ok().and_then(|v| v.parse().ok()) {
        delivery.concurrency = c;
    }
    let t0 = Instant::now();
    let mut sent = 0;
    // Plus the patient's invitation, by e-mail and by SMS.
    while sent < 2 * n + 2 {
        let k = app.deliver_due(&delivery, 256).await.unwrap();
        if k == 0 {
            panic!("stalled at {sent} of {}", 2 * n);
        }
        sent += k;
    }
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(smtp.mails.lock().unwrap().len() + sms.requests.lock().unwrap().len(), 2 * n + 2);
    println!(
        "notifications: {sent} delivered ({} messages and one invitation, by e-mail over SMTP and by SMS over HTTP) in {:.2} s = {:.0} deliveries/s, {} at a time",
        n,
        secs,
        sent as f64 / secs,
        delivery.concurrency
    );
}

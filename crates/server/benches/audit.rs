//! Audit benchmarks (`cargo bench -p portico --bench audit`), on SQLite (`synchronous=FULL`):
//!
//! 1. The audit share and the notification-enqueue share of the message-send unit of work:
//!    batches of 64 staff replies, spread over 256 patients' threads, written as the group
//!    commit writes them; then without their audit events; then as internal notes, which are
//!    the same writes without the outbox rows.
//!    The three alternate over `ROUNDS` rounds (default 9); the median share and the range are
//!    printed, since one round on a shared 2-core machine is noisy.
//! 2. `portico audit verify` over a log of `EVENTS` events (default 1,000,000, those of part 1
//!    included): building the log, sealing the chain, writing a checkpoint, then the
//!    verification itself.
#![expect(clippy::unwrap_used, clippy::print_stdout, reason = "a benchmark program")]
#![expect(clippy::disallowed_methods, reason = "durations are measured on the monotonic clock")]

#[path = "support/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::messaging::{MessageBody, Party, ThreadFacts};
use portico_domain::patient::{DateOfBirth, Language, Mrn, NewPatient, PersonName};
use portico_domain::time::SystemClock;
use portico_domain::{Actor, Clock, PatientId, ThreadId, Timestamp};
use portico_store::messaging::NewMessage;

fn record(patient: Option<PatientId>, i: u64) -> AuditRecord {
    let ctx = RequestContext {
        source_ip: Some("10.1.2.3".into()),
        session_hash: Some(format!("{i:064x}")),
        request_id: Some(format!("req-{i}")),
    };
    let mut r = AuditRecord::new(&Actor::System, "thread.read", "thread", Purpose::Treatment, &ctx)
        .resource(format!("res-{i}"));
    r.patient_id = patient;
    r
}

/// Patients (one thread each) the benchmark's sends are spread over.
const PATIENTS: u64 = 256;

#[tokio::main]
async fn main() {
    let events: u64 = std::env::var("EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let app = common::open_in(dir.path()).await;
    let store = app.store().clone();
    let ctx = portico_app::cli_context();

    // Patients, each with a thread, to send into: a group commit's sends touch many threads and
    // patients, so their index entries land on many pages, as they do in a clinic.
    let team = app.create_team(&Actor::System, "Bench", &ctx).await.unwrap();
    let today = SystemClock.now().utc_date().unwrap();
    let first = NewMessage {
        author: Party::Staff(portico_domain::StaffId::generate(SystemClock.now())),
        body: MessageBody::parse("first").unwrap(),
        internal: false,
        release_at: None,
        attachments: vec![],
        idempotency_key: None,
    };
    let subject = portico_domain::messaging::Subject::parse("bench").unwrap();
    let mut threads: Vec<(ThreadId, PatientId)> = Vec::new();
    for k in 0..PATIENTS {
        let new = NewPatient {
            name: PersonName::parse("Bench Patient").unwrap(),
            date_of_birth: DateOfBirth::parse("1970-01-01", today).unwrap(),
            mrn: Mrn::parse(&format!("BENCH-AUDIT-{k}")).unwrap(),
            email: None,
            phone: None,
            language: Language::default(),
        };
        let patient = app.create_patient(&Actor::System, &new, &ctx).await.unwrap().id;
        let facts = ThreadFacts { patient, team };
        let thread = store
            .open_thread(
                facts,
                &subject,
                portico_domain::messaging::Category::General,
                &first,
                SystemClock.now(),
                &record(Some(patient), 0),
            )
            .await
            .unwrap()
            .thread_id;
        threads.push((thread, patient));
    }
    let patient = threads[0].1;

    // 1. Audit and notification shares of the send unit of work.
    let rounds = 300u64;
    let mut key = 0u64;
    let mut run = |with_audit: bool, internal: bool| {
        let store = store.clone();
        let first = first.clone();
        let batches: Vec<Vec<_>> = (0..rounds)
            .map(|_| {
                (0..64)
                    .map(|_| {
                        key += 1;
                        let (thread, patient) = threads[(key * 7919 % PATIENTS) as usize];
                        let msg = NewMessage {
                            body: MessageBody::parse("How is my blood pressure reading today? Benchmark message text.")
                                .unwrap(),
                            idempotency_key: Some(format!("k{key}")),
                            internal,
                            ..first.clone()
                        };
                        (thread, patient, msg, SystemClock.now(), record(Some(patient), key))
                    })
                    .collect()
            })
            .collect();
        async move {
            let t0 = Instant::now();
            for b in &batches {
                store.bench_write_sends(b, with_audit).await.unwrap();
            }
            t0.elapsed()
        }
    };
    // Warm up, then rotate so no variant profits from a warmer cache.
    run(true, false).await;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / (rounds * 64) as f64;
    let n: usize = std::env::var("ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(9);
    let (mut full, mut audit_share, mut notify_share) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let all = per(run(true, false).await);
        let no_audit = per(run(false, false).await);
        let no_outbox = per(run(true, true).await);
        full.push(all);
        audit_share.push((all - no_audit) / all * 100.0);
        notify_share.push((all - no_outbox) / all * 100.0);
    }
    let summary = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let (us, us_lo, us_hi) = summary(&mut full);
    let (a, a_lo, a_hi) = summary(&mut audit_share);
    let (o, o_lo, o_hi) = summary(&mut notify_share);
    println!("send unit of work, 64 per commit, {n} rounds: median {us:.1} us/msg (range {us_lo:.1}-{us_hi:.1})");
    println!("  audit events: median share {a:.1}% (range {a_lo:.1}% to {a_hi:.1}%)");
    println!(
        "  notification enqueue (outbox rows, both channels): median share {o:.1}% (range {o_lo:.1}% to {o_hi:.1}%)"
    );

    // 2. Verify over a log of `events` events, counting those the sends above wrote.
    let t0 = Instant::now();
    let base = SystemClock.now().unix_millis() - 60_000;
    let mut i = store.recent_audit(1).await.unwrap().first().map_or(0, |e| u64::try_from(e.seq).unwrap());
    while i < events {
        let chunk: Vec<(Timestamp, AuditRecord)> = (i..(i + 4096).min(events))
            .map(|k| (Timestamp::from_unix_millis(base), record(Some(patient), k)))
            .collect();
        i += chunk.len() as u64;
        store.bench_append_audit(&chunk).await.unwrap();
    }
    let built = t0.elapsed();
    let t1 = Instant::now();
    let cp = app.checkpoint_audit(&dir.path().join("audit"), Duration::ZERO).await.unwrap().unwrap();
    let sealed = t1.elapsed();
    let t2 = Instant::now();
    let outcome = app.verify_audit(&dir.path().join("audit"), |_, _| {}).await.unwrap();
    let verified = t2.elapsed();
    let ok = matches!(outcome, portico_app::audit::Verification::Intact(_));
    println!(
        "audit log of {} events: built in {:.1}s, sealed + checkpointed in {:.1}s, verified in {:.2}s (intact: {ok})",
        cp.position,
        built.as_secs_f64(),
        sealed.as_secs_f64(),
        verified.as_secs_f64()
    );
}

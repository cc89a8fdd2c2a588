//! The audit log's tamper evidence: a hash chain over events in sequence order, sealed by one
//! writer after commit, anchored by signed checkpoints kept outside the database.
//!
//! `hash(n) = SHA-256("portico-audit/v1" || hash(n-1) || canonical(event n))`, `hash(0)` = zeros.
//! The canonical encoding length-prefixes every field, the sequence number included, so any
//! change to any field, any deletion, insertion, swap or reordering changes every later hash.
//! The [`Verifier`] is pure: the mutation tests drive it directly.
//!
//! What cannot be detected: events committed after the last exported checkpoint can be deleted
//! or altered together with their chain rows by someone who can write the database, because
//! nothing outside the database records them yet. Checkpoints are written every minute and at
//! shutdown to keep that window small.

use portico_domain::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Backend, Store, StoreError};

mod sqlite;

/// An audit event as hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainEvent {
    /// Sequence number.
    pub seq: i64,
    /// Unix ms.
    pub at: i64,
    /// The text fields, in table order: actor_id, actor_role, action, patient_id, resource_type,
    /// resource_id, purpose, outcome, source_ip, session_hash, request_id.
    pub fields: [Option<String>; 11],
}

/// The canonical bytes of an event.
pub fn canonical(e: &ChainEvent) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    canonical_head(&mut out, e.seq, e.at);
    for f in &e.fields {
        canonical_field(&mut out, f.as_deref().map(str::as_bytes));
    }
    out
}

/// The canonical bytes of an event begin with its sequence number and time.
pub(crate) fn canonical_head(out: &mut Vec<u8>, seq: i64, at: i64) {
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&at.to_be_bytes());
}

/// Then each text field, length-prefixed (`u32::MAX` for none).
pub(crate) fn canonical_field(out: &mut Vec<u8>, field: Option<&[u8]>) {
    match field {
        Some(s) => {
            out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(s);
        }
        None => out.extend_from_slice(&u32::MAX.to_be_bytes()),
    }
}

/// The chain hash of `e` after `prev`.
pub fn link(prev: &[u8; 32], e: &ChainEvent) -> [u8; 32] {
    link_canonical(prev, &canonical(e))
}

/// The chain hash after `prev` of the event whose canonical bytes are `canonical`.
fn link_canonical(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut buf = Vec::with_capacity(48 + canonical.len());
    buf.extend_from_slice(b"portico-audit/v1");
    buf.extend_from_slice(prev);
    buf.extend_from_slice(canonical);
    portico_crypto::sha256(&buf)
}

/// A signed statement: "the chain had `position` events, the last being `seq`, with `hash`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Number of events in the chain.
    pub position: i64,
    /// Sequence number of the last one.
    pub seq: i64,
    /// Chain hash at that position (hex).
    pub hash: String,
    /// When it was made (RFC 3339).
    pub at: String,
    /// Ed25519 public key (hex).
    pub public_key: String,
    /// Ed25519 signature over [`Checkpoint::message`] (hex).
    pub signature: String,
}

impl Checkpoint {
    /// The signed bytes.
    pub fn message(position: i64, seq: i64, hash: &str, at: &str) -> Vec<u8> {
        format!("portico-audit-checkpoint/v1\n{position}\n{seq}\n{hash}\n{at}\n").into_bytes()
    }

    /// Whether the signature is valid and made by `trusted_key`.
    pub fn is_signed_by(&self, trusted_key: &[u8]) -> bool {
        let (Some(sig), Some(pk)) = (unhex(&self.signature), unhex(&self.public_key)) else { return false };
        pk == trusted_key
            && portico_crypto::keyfile::verify_checkpoint(
                &pk,
                &Self::message(self.position, self.seq, &self.hash, &self.at),
                &sig,
            )
    }
}

/// Hex to bytes.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The first problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tampered {
    /// The first sequence number that is (or may be) bad.
    pub seq: i64,
    /// What was found.
    pub reason: String,
}

/// What a clean verification saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// Events read.
    pub events: u64,
    /// Events in the chain.
    pub sealed: u64,
    /// Checkpoints matched.
    pub checkpoints: u64,
    /// Events after the chain's end, not yet sealed (the undetectable window).
    pub unsealed_tail: u64,
}

/// Walks events in sequence order, recomputing the chain and holding it against the stored
/// chain rows and the signed checkpoints.
pub struct Verifier {
    prev: [u8; 32],
    position: i64,
    checkpoints: std::collections::VecDeque<(i64, i64, String)>,
    last_good_checkpoint_seq: i64,
    unsealed_from: Option<i64>,
    /// Sealed events that concern a patient: each must have its row in `audit_patient_events`.
    about_patients: u64,
    out: Verified,
    bad: Option<Tampered>,
}

impl Verifier {
    /// A verifier for checkpoints given as (position, seq, hex hash), already signature-checked.
    pub fn new(mut checkpoints: Vec<(i64, i64, String)>) -> Self {
        checkpoints.sort();
        Self {
            prev: [0; 32],
            position: 0,
            checkpoints: checkpoints.into(),
            last_good_checkpoint_seq: 0,
            unsealed_from: None,
            about_patients: 0,
            out: Verified { events: 0, sealed: 0, checkpoints: 0, unsealed_tail: 0 },
            bad: None,
        }
    }

    fn fail(&mut self, seq: i64, reason: String) {
        if self.bad.is_none() {
            self.bad = Some(Tampered { seq, reason });
        }
    }

    /// Whether a problem was found already (the walk may stop).
    pub fn failed(&self) -> bool {
        self.bad.is_some()
    }

    /// The next event, with its chain row (position, hash) if it has one.
    pub fn push(&mut self, e: &ChainEvent, stored: Option<(i64, [u8; 32])>) {
        self.push_canonical(e.seq, &canonical(e), stored);
    }

    /// Chain rows matched so far.
    pub(crate) fn sealed(&self) -> u64 {
        self.out.sealed
    }

    /// As [`Verifier::push`], given the event's sequence number and canonical bytes.
    pub(crate) fn push_canonical(&mut self, seq: i64, canonical: &[u8], stored: Option<(i64, [u8; 32])>) {
        self.out.events += 1;
        let Some((position, hash)) = stored else {
            self.unsealed_from.get_or_insert(seq);
            self.out.unsealed_tail += 1;
            return;
        };
        if let Some(first) = self.unsealed_from {
            return self
                .fail(first, format!("event {first} is not in the chain but later events are: inserted or reordered"));
        }
        let expected = self.position + 1;
        if position != expected {
            return self.fail(
                seq,
                format!(
                    "event {seq} sits at chain position {position}, expected {expected}: an event was deleted or moved"
                ),
            );
        }
        let computed = link_canonical(&self.prev, canonical);
        if !portico_crypto::constant_time_eq(&computed, &hash) {
            return self
                .fail(seq, format!("event {seq} does not match its chain hash: modified, swapped or reordered"));
        }
        self.prev = computed;
        self.position = expected;
        self.out.sealed += 1;
        while let Some((cp_pos, cp_seq, cp_hash)) = self.checkpoints.front().cloned() {
            if cp_pos != self.position {
                break;
            }
            self.checkpoints.pop_front();
            if cp_seq != seq || cp_hash != portico_crypto::hex(&computed) {
                let from = self.last_good_checkpoint_seq + 1;
                return self.fail(from, format!("the log differs from the signed checkpoint at position {cp_pos}: rewritten at or after event {from}"));
            }
            self.last_good_checkpoint_seq = seq;
            self.out.checkpoints += 1;
        }
    }

    /// The event just pushed, sealed, concerns a patient.
    pub(crate) fn concerns_patient(&mut self) {
        self.about_patients += 1;
    }

    /// Sealed events about a patient counted so far.
    pub(crate) fn about_patients(&self) -> u64 {
        self.about_patients
    }

    /// The patient index has a row too few (`missing`) or too many at event `seq`.
    fn patient_index_differs(&mut self, seq: i64, missing: bool) {
        let reason = if missing {
            format!("event {seq} is missing from the patient index: access reports would not show it")
        } else {
            format!("the patient index lists event {seq} for a patient it does not concern, or before it was sealed")
        };
        self.fail(seq, reason);
    }

    /// The counts of the patient index and of the sealed events about patients differ: names
    /// the first row missing, else the first planted one.
    pub(crate) fn patient_index_finding(&mut self, missing: Option<i64>, planted: Option<i64>) {
        match (missing, planted) {
            (Some(seq), _) => self.patient_index_differs(seq, true),
            (None, Some(seq)) => self.patient_index_differs(seq, false),
            (None, None) => self.fail(0, "the patient index does not match the sealed events".to_owned()),
        }
    }

    /// A chain row whose event is missing: the finding reported, whatever the walk found.
    pub fn orphan_chain_row(&mut self, seq: i64) {
        self.bad = None;
        self.fail(seq, format!("event {seq} is in the chain but missing from the log: deleted"));
    }

    /// The verdict.
    pub fn finish(mut self) -> Result<Verified, Tampered> {
        if let Some((cp_pos, _, _)) = self.checkpoints.front().cloned() {
            let from = self.last_good_checkpoint_seq + 1;
            self.fail(from, format!("the log ends before the signed checkpoint at position {cp_pos}: events at or after {from} were deleted"));
        }
        match self.bad {
            Some(b) => Err(b),
            None => Ok(self.out),
        }
    }
}

/// The end of the sealed chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainHead {
    /// Events in the chain.
    pub position: i64,
    /// Sequence number of the last one.
    pub seq: i64,
    /// Its chain hash.
    pub hash: [u8; 32],
}

const EVENT_COLS: &str = "e.seq, e.at, e.actor_id, e.actor_role, e.action, e.patient_id, e.resource_type, e.resource_id, \
     e.purpose, e.outcome, e.source_ip, e.session_hash, e.request_id";
const FIELD_NAMES: [&str; 11] = [
    "actor_id",
    "actor_role",
    "action",
    "patient_id",
    "resource_type",
    "resource_id",
    "purpose",
    "outcome",
    "source_ip",
    "session_hash",
    "request_id",
];
/// Rows of the patient index, which must be one per sealed event about a patient.
const INDEX_ROWS: &str = "SELECT COUNT(*) FROM audit_patient_events";
/// The first sealed event about a patient that the patient index lacks.
const INDEX_MISSING: &str = "SELECT e.seq FROM audit_events e JOIN audit_chain c ON c.seq = e.seq
     LEFT JOIN audit_patient_events p ON p.patient_id = e.patient_id AND p.seq = e.seq
     WHERE e.patient_id IS NOT NULL AND p.seq IS NULL ORDER BY e.seq LIMIT 1";
/// The first patient index row that names another patient's event, or one not sealed yet.
const INDEX_PLANTED: &str = "SELECT p.seq FROM audit_patient_events p
     LEFT JOIN audit_events e ON e.seq = p.seq AND e.patient_id = p.patient_id
     WHERE e.seq IS NULL OR p.seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_chain) ORDER BY p.seq LIMIT 1";

/// Events per sealing transaction, and per read when verifying on PostgreSQL: a page's inserts are
/// all that message sends wait for.
const PAGE: i64 = 4_096;
/// An arbitrary constant naming the sealer's lock on PostgreSQL.
const PG_SEAL_LOCK: i64 = 0x0070_6f72_7469_6361;

fn chain_event(r: &AnyRow) -> Result<ChainEvent, StoreError> {
    let mut fields: [Option<String>; 11] = Default::default();
    for (slot, name) in fields.iter_mut().zip(FIELD_NAMES) {
        *slot = r.try_get(name)?;
    }
    Ok(ChainEvent { seq: r.try_get("seq")?, at: r.try_get("at")?, fields })
}

fn hash32(v: Vec<u8>) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(v.as_slice()).map_err(|_| StoreError::Integrity("chain hash"))
}

async fn head(conn: &mut AnyConnection) -> Result<Option<ChainHead>, StoreError> {
    let row = sqlx::query("SELECT position, seq, hash FROM audit_chain ORDER BY position DESC LIMIT 1")
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(ChainHead { position: r.try_get("position")?, seq: r.try_get("seq")?, hash: hash32(r.try_get("hash")?)? })
    })
    .transpose()
}

/// Links `events` after `start` while they are settled; returns the new chain rows and, for
/// each linked event about a patient, (patient id, seq).
fn link_page(
    start: Option<ChainHead>,
    events: &[ChainEvent],
    settled_before: Timestamp,
) -> (Vec<ChainHead>, Vec<(String, i64)>) {
    let (mut links, mut concern) = (Vec::new(), Vec::new());
    let mut last = start;
    for e in events.iter().take_while(|e| e.at <= settled_before.unix_millis()) {
        let (prev, position) = last.as_ref().map_or(([0; 32], 0), |h| (h.hash, h.position));
        let next = ChainHead { position: position + 1, seq: e.seq, hash: link(&prev, e) };
        links.push(next.clone());
        last = Some(next);
        if let Some(patient) = &e.fields[3] {
            concern.push((patient.clone(), e.seq));
        }
    }
    (links, concern)
}

async fn insert_links(conn: &mut AnyConnection, links: &[ChainHead]) -> Result<(), StoreError> {
    let params = crate::batch::Params::of(conn);
    for chunk in crate::batch::pow2_chunks(links, params.rows_per_statement(3)) {
        let sql = format!("INSERT INTO audit_chain (position, seq, hash) VALUES {}", params.rows(chunk.len(), 3));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for l in chunk {
            q = q.bind(l.position).bind(l.seq).bind(l.hash.to_vec());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// Links every committed event written at or before `settled_before` into the chain, in
    /// sequence order, stopping at the first later one, and records which patient each concerns
    /// (`audit_patient_events`) in the same transaction. One sealer at a time (SQLite's write
    /// lock, a PostgreSQL advisory lock). The settling window lets transactions that took a
    /// sequence number commit before the sealer passes it.
    ///
    /// Each page of events is read and hashed before the write lock is taken, so message sends
    /// wait only for the inserts; events never change, and a head moved meanwhile by another
    /// sealer sends this one back to read again.
    pub async fn seal_audit(&self, settled_before: Timestamp) -> Result<Option<ChainHead>, StoreError> {
        loop {
            let start = head(&mut *self.pool.acquire().await?).await?;
            let events = self.events_after(start.as_ref().map_or(0, |h| h.seq)).await?;
            let (links, mut concern) = link_page(start.clone(), &events, settled_before);
            if links.is_empty() {
                // Nothing settled: the write lock is not taken (the server asks every 5 s).
                return Ok(start);
            }
            let mut tx = self.begin_write().await?;
            if self.backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PG_SEAL_LOCK).execute(&mut *tx).await?;
            }
            if head(&mut tx).await? != start {
                continue;
            }
            insert_links(&mut tx, &links).await?;
            crate::audit::index_patients(&mut tx, &mut concern).await?;
            tx.commit().await?;
            let last = links.last().cloned().or(start);
            if links.len() < events.len() || events.len() < usize::try_from(PAGE).unwrap_or(usize::MAX) {
                return Ok(last);
            }
        }
    }

    /// Up to a page of events after sequence number `after`, in order. On SQLite they are read
    /// through rusqlite on a connection of its own, at a fraction of the async driver's cost.
    async fn events_after(&self, after: i64) -> Result<Vec<ChainEvent>, StoreError> {
        if let Some(path) = self.sqlite_path.clone() {
            return tokio::task::spawn_blocking(move || sqlite::events_after(&path, after, PAGE))
                .await
                .map_err(|e| StoreError::Database(sqlx::Error::Protocol(e.to_string())))?;
        }
        let sql = format!("SELECT {EVENT_COLS} FROM audit_events e WHERE e.seq > $1 ORDER BY e.seq LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(PAGE).fetch_all(&self.pool).await?;
        rows.iter().map(chain_event).collect()
    }

    /// Walks the whole log against the chain and the given checkpoints (position, seq, hex
    /// hash; signatures already checked). `progress(done, total)` is called as pages are read.
    pub async fn verify_audit(
        &self,
        checkpoints: Vec<(i64, i64, String)>,
        mut progress: impl FnMut(u64, u64) + Send + 'static,
    ) -> Result<Result<Verified, Tampered>, StoreError> {
        if let Some(path) = self.sqlite_path.clone() {
            return tokio::task::spawn_blocking(move || sqlite::verify(&path, checkpoints, progress))
                .await
                .map_err(|e| StoreError::Database(sqlx::Error::Protocol(e.to_string())))?;
        }
        let mut conn = self.pool.acquire().await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events").fetch_one(&mut *conn).await?;
        let total = u64::try_from(total).unwrap_or(0);
        let mut verifier = Verifier::new(checkpoints);
        if let Some(orphan) = sqlx::query_scalar::<_, i64>(
            "SELECT c.seq FROM audit_chain c LEFT JOIN audit_events e ON e.seq = c.seq WHERE e.seq IS NULL ORDER BY c.seq LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await?
        {
            verifier.orphan_chain_row(orphan);
        }
        let sql = format!(
            "SELECT {EVENT_COLS}, c.position, c.hash FROM audit_events e LEFT JOIN audit_chain c ON c.seq = e.seq
             WHERE e.seq > $1 ORDER BY e.seq LIMIT $2"
        );
        let (mut after, mut done) = (0i64, 0u64);
        while !verifier.failed() {
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(after).bind(PAGE).fetch_all(&mut *conn).await?;
            for r in &rows {
                let e = chain_event(r)?;
                let stored = match r.try_get::<Option<i64>, _>("position")? {
                    Some(p) => Some((p, hash32(r.try_get("hash")?)?)),
                    None => None,
                };
                after = e.seq;
                let concerns = stored.is_some() && e.fields[3].is_some();
                verifier.push(&e, stored);
                if concerns {
                    verifier.concerns_patient();
                }
            }
            done += rows.len() as u64;
            progress(done, total);
            if rows.len() < usize::try_from(PAGE).unwrap_or(usize::MAX) {
                break;
            }
        }
        if !verifier.failed() {
            let rows: i64 = sqlx::query_scalar(INDEX_ROWS).fetch_one(&mut *conn).await?;
            if u64::try_from(rows).unwrap_or(0) != verifier.about_patients() {
                let missing: Option<i64> = sqlx::query_scalar(INDEX_MISSING).fetch_optional(&mut *conn).await?;
                let planted: Option<i64> = sqlx::query_scalar(INDEX_PLANTED).fetch_optional(&mut *conn).await?;
                verifier.patient_index_finding(missing, planted);
            }
        }
        Ok(verifier.finish())
    }

    /// The Ed25519 public key that verifies this installation's checkpoints.
    pub fn audit_public_key(&self) -> Vec<u8> {
        self.keys.kek.audit_public_key()
    }

    /// Signs checkpoint bytes with the key file's audit signing key.
    pub fn sign_checkpoint(&self, message: &[u8]) -> Result<Vec<u8>, StoreError> {
        Ok(self.keys.kek.sign_checkpoint(message)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic generator, so a failure names a reproducible case.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            usize::try_from((self.0 >> 33) % n as u64).unwrap()
        }
    }

    const N: usize = 10_000;
    const EVERY: usize = 1_000;
    /// Random trials per kind of mutation, each over the whole log.
    const TRIALS: usize = 12;

    fn event(seq: i64) -> ChainEvent {
        let mut fields: [Option<String>; 11] = Default::default();
        for (i, f) in fields.iter_mut().enumerate() {
            *f = (i != 5 || seq % 3 != 0).then(|| format!("f{i}-{seq}"));
        }
        ChainEvent { seq, at: 1_800_000_000_000 + seq, fields }
    }

    type Rows = Vec<(i64, [u8; 32])>;
    type Anchors = Vec<(i64, i64, String)>;

    /// A log with gaps in its sequence numbers (as PostgreSQL leaves after rollbacks), its
    /// chain rows, and checkpoints every `EVERY` events.
    fn log() -> (Vec<ChainEvent>, Rows, Anchors) {
        let events: Vec<ChainEvent> = (0..N as i64).map(|i| event(2 * i + 1)).collect();
        let (rows, checkpoints) = chain_of(&events);
        (events, rows, checkpoints)
    }

    fn chain_of(events: &[ChainEvent]) -> (Rows, Anchors) {
        let mut prev = [0u8; 32];
        let mut rows = Vec::new();
        let mut checkpoints = Vec::new();
        for (i, e) in events.iter().enumerate() {
            prev = link(&prev, e);
            let position = i as i64 + 1;
            rows.push((position, prev));
            if (i + 1) % EVERY == 0 {
                checkpoints.push((position, e.seq, portico_crypto::hex(&prev)));
            }
        }
        (rows, checkpoints)
    }

    fn verify(
        events: &[ChainEvent],
        rows: &[(i64, [u8; 32])],
        checkpoints: &[(i64, i64, String)],
        orphans: &[i64],
    ) -> Result<Verified, Tampered> {
        let mut v = Verifier::new(checkpoints.to_vec());
        for o in orphans {
            v.orphan_chain_row(*o);
        }
        for (e, row) in events.iter().zip(rows.iter().map(Some).chain(std::iter::repeat(None))) {
            v.push(e, row.copied());
        }
        v.finish()
    }

    #[test]
    fn an_untouched_log_verifies() {
        let (events, rows, cps) = log();
        let ok = verify(&events, &rows, &cps, &[]).unwrap();
        assert_eq!(
            (ok.events, ok.sealed, ok.checkpoints, ok.unsealed_tail),
            (N as u64, N as u64, (N / EVERY) as u64, 0)
        );
    }

    #[test]
    fn every_single_event_mutation_before_the_last_checkpoint_is_detected() {
        let (events, rows, cps) = log();
        let mut rng = Lcg(42);
        let mut trials = 0;
        for kind in 0..9 {
            for _ in 0..TRIALS {
                let i = rng.below(N - 2);
                let (mut ev, mut rw, mut orphans) = (events.clone(), rows.clone(), Vec::new());
                let mut first_bad = ev[i].seq;
                match kind {
                    // Change one field (each field in turn), leaving the chain as it was.
                    0 => {
                        let f = rng.below(11);
                        ev[i].fields[f] = Some(format!("{:?}!", ev[i].fields[f]));
                    }
                    // Change the time.
                    1 => ev[i].at += 1,
                    // Change a field and rewrite every later chain row to match.
                    2 => {
                        ev[i].fields[2] = Some("auth.login".into());
                        rw = chain_of(&ev).0;
                        first_bad = cps.iter().rev().find(|c| c.1 < ev[i].seq).map_or(1, |c| c.1 + 1);
                    }
                    // Delete an event and its chain row.
                    3 => {
                        ev.remove(i);
                        rw.remove(i);
                        first_bad = ev[i].seq;
                    }
                    // Delete an event, leaving its chain row.
                    4 => {
                        ev.remove(i);
                        rw.remove(i);
                        orphans.push(first_bad);
                        rw = rw.iter().enumerate().map(|(k, r)| if k >= i { (r.0 + 1, r.1) } else { *r }).collect();
                    }
                    // Insert an event into a gap in the sequence, outside the chain.
                    5 => {
                        ev.insert(i + 1, event(ev[i].seq + 1));
                        let mut v = Verifier::new(cps.clone());
                        for (k, e) in ev.iter().enumerate() {
                            let stored = if k <= i {
                                Some(rows[k])
                            } else if k == i + 1 {
                                None
                            } else {
                                Some(rows[k - 1])
                            };
                            v.push(e, stored);
                        }
                        let bad = v.finish().unwrap_err();
                        assert_eq!(bad.seq, ev[i + 1].seq, "insertion: {}", bad.reason);
                        trials += 1;
                        continue;
                    }
                    // Insert an event and rebuild the whole chain around it.
                    6 => {
                        ev.insert(i + 1, event(ev[i].seq + 1));
                        rw = chain_of(&ev).0;
                        first_bad = cps.iter().rev().find(|c| c.1 < ev[i + 1].seq).map_or(1, |c| c.1 + 1);
                    }
                    // Swap the contents of two events (sequence numbers stay).
                    7 => {
                        let j = i + 1 + rng.below(N - i - 1);
                        let (a, b) = (ev[i].clone(), ev[j].clone());
                        ev[i] = ChainEvent { seq: a.seq, ..b };
                        ev[j] = ChainEvent { seq: ev[j].seq, ..a };
                    }
                    // Reorder: two neighbours exchange sequence numbers (the log is read in
                    // sequence order, so this is how a reordering shows).
                    _ => {
                        let (a, b) = (ev[i].clone(), ev[i + 1].clone());
                        ev[i] = ChainEvent { seq: a.seq, ..b };
                        ev[i + 1] = ChainEvent { seq: b.seq, ..a };
                    }
                }
                let bad = verify(&ev, &rw, &cps, &orphans)
                    .expect_err(&format!("mutation kind {kind} at {i} was not detected"));
                assert_eq!(bad.seq, first_bad, "kind {kind} at {i}: {}", bad.reason);
                trials += 1;
            }
        }
        assert_eq!(trials, 9 * TRIALS);
    }

    #[test]
    fn truncating_the_log_before_a_checkpoint_is_detected_and_a_tail_is_reported() {
        let (events, rows, cps) = log();
        let cut = N - EVERY / 2 - EVERY;
        let bad = verify(&events[..cut], &rows[..cut], &cps, &[]).unwrap_err();
        assert!(bad.reason.contains("ends before the signed checkpoint"), "{}", bad.reason);
        // Events after the chain's end are reported as an unsealed tail, not as tampering.
        let mut more = events.clone();
        more.push(event(2 * N as i64 + 1));
        let ok = verify(&more, &rows, &cps, &[]).unwrap();
        assert_eq!(ok.unsealed_tail, 1);
    }

    #[test]
    fn a_corrupted_checkpoint_is_rejected() {
        let dir = std::env::temp_dir()
            .join(format!("portico-chain-cp-{}", portico_crypto::hex(&portico_crypto::sha256(b"cp"))));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let kek = portico_crypto::Kek::create(&dir.join("k.key")).unwrap();
        let (_, rows, _) = log();
        let hash = portico_crypto::hex(&rows[999].1);
        let at = "2026-11-24T00:00:00Z".to_string();
        let sig = kek.sign_checkpoint(&Checkpoint::message(1000, 1999, &hash, &at)).unwrap();
        let good = Checkpoint {
            position: 1000,
            seq: 1999,
            hash,
            at,
            public_key: portico_crypto::hex(&kek.audit_public_key()),
            signature: portico_crypto::hex(&sig),
        };
        assert!(good.is_signed_by(&kek.audit_public_key()));
        // One hex digit changed, always to another value: a fixed replacement would sometimes
        // be no change at all (an Ed25519 signature's last byte is 0x00 about once in 16).
        let flip_first = |hex: &str| {
            let first = if hex.starts_with('0') { '1' } else { '0' };
            format!("{first}{}", &hex[1..])
        };
        for bad in [
            Checkpoint { position: 1001, ..good.clone() },
            Checkpoint { hash: flip_first(&good.hash), ..good.clone() },
            Checkpoint { signature: flip_first(&good.signature), ..good.clone() },
        ] {
            assert_ne!((bad.position, &bad.hash, &bad.signature), (good.position, &good.hash, &good.signature));
            assert!(!bad.is_signed_by(&kek.audit_public_key()));
        }
        let other = portico_crypto::Kek::create(&dir.join("other.key")).unwrap();
        assert!(!good.is_signed_by(&other.audit_public_key()), "signed by another key");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

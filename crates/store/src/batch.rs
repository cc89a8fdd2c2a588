//! The group-commit writer's fast path: a whole batch of text-only message sends written with a
//! handful of multi-row statements (replays, data keys, messages, idempotency keys, thread
//! activity, audit events) instead of several statements per message. Same effects as
//! [`crate::messaging::apply_post`] applied to each job in order; any failure here makes the
//! caller roll back and fall back to that per-job path.

use std::collections::HashMap;

use portico_crypto::DataKey;
use portico_domain::{MessageId, PatientId, Timestamp};
use sqlx::AnyConnection;

use crate::keys::Keyring;
use crate::messaging::{PostJob, Posted, message_audit};
use crate::notifications::Announce;
use crate::sink::{Sink, Stmt, Val};
use crate::{StoreError, seal_text};

/// Splits `items` into chunks whose lengths are powers of two (at most `max`, itself a power of
/// two): 50 rows become 32 + 16 + 2. Multi-row statements then come in a few shapes only, all
/// of which stay in the prepared-statement cache instead of being re-prepared for every batch.
pub(crate) fn pow2_chunks<T>(items: &[T], max: usize) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let n = max.min(1 << (usize::BITS - 1 - rest.len().leading_zeros()));
        let (head, tail) = rest.split_at(n);
        out.push(head);
        rest = tail;
    }
    out
}

/// How a wide statement names its parameters. SQLite finds a numbered parameter (`$7`) by
/// walking a list of names, so binding n of them costs n²: at 768 parameters that cost more
/// than the insert itself. Anonymous `?` parameters have no name and are bound in order, so a
/// statement on SQLite may be much wider. PostgreSQL knows only `$n`, and has no such cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Params {
    /// `$1, $2, ...`: short lists on either backend.
    Numbered,
    /// `$1, $2, ...` on PostgreSQL: as wide as anonymous ones on SQLite, so that a batch takes
    /// fewer statements, each a round trip.
    Postgres,
    /// `?, ?, ...` (SQLite): the values must be bound in the order they appear.
    Anonymous,
}

impl Params {
    /// The style for the backend behind `conn`.
    pub(crate) fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name() == "SQLite" { Self::Anonymous } else { Self::Postgres }
    }

    /// Most parameters in one statement: numbered ones are kept near 200, where their lookup on
    /// SQLite is still negligible; SQLite accepts 32,766 anonymous ones, PostgreSQL 65,535.
    fn max_params(self) -> usize {
        match self {
            Self::Numbered => 200,
            Self::Anonymous | Self::Postgres => 2048,
        }
    }

    /// Rows per multi-row statement for `cols` columns, a power of two.
    pub(crate) fn rows_per_statement(self, cols: usize) -> usize {
        let max = (self.max_params() / cols.max(1)).max(1);
        1 << (usize::BITS - 1 - max.leading_zeros())
    }

    /// `n` placeholders from `$start`: `$3, $4, $5` (or `?, ?, ?`).
    pub(crate) fn list(self, start: usize, n: usize) -> String {
        match self {
            Self::Numbered | Self::Postgres => {
                (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
            }
            Self::Anonymous => vec!["?"; n].join(", "),
        }
    }

    /// `n` rows of `cols` placeholders for a multi-row `VALUES` list: `($1, $2), ($3, $4)`.
    pub(crate) fn rows(self, n: usize, cols: usize) -> String {
        (0..n).map(|r| format!("({})", self.list(r * cols + 1, cols))).collect::<Vec<_>>().join(", ")
    }
}

type AuthorKey = (&'static str, String, String);

/// Writes the batch; returns one result per job (a job may fail alone: a shredded key, an
/// idempotency key reused for another thread). `Err` means the caller must roll back.
pub(crate) async fn apply_posts(
    conn: &mut impl Sink,
    keys: &Keyring,
    jobs: &[&PostJob],
    with_audit: bool,
) -> Result<Vec<Result<Posted, StoreError>>, StoreError> {
    let mut earlier = earlier_messages(conn, jobs).await?;
    let data_keys = data_keys(conn, keys, jobs).await?;
    let mut results = Vec::with_capacity(jobs.len());
    let mut fresh: Vec<(&PostJob, Posted, Vec<u8>)> = Vec::with_capacity(jobs.len());
    for job in jobs {
        let author: Option<AuthorKey> =
            job.msg.idempotency_key.clone().map(|k| (job.msg.author.kind(), job.msg.author.id(), k));
        if let Some(done) = author.as_ref().and_then(|a| earlier.get(a)) {
            results.push(if done.thread_id == job.thread {
                Ok(Posted { replayed: true, ..done.clone() })
            } else {
                Err(StoreError::Conflict("this idempotency key (used for another thread)"))
            });
            continue;
        }
        let Some(key) = data_keys.get(&job.patient) else {
            results.push(Err(StoreError::KeyShredded));
            continue;
        };
        let id = MessageId::generate(job.at);
        let sealed = seal_text(key, "messages", "body", &id.to_string(), job.msg.body.expose())?;
        let posted = Posted { thread_id: job.thread, message_id: id, created_at: job.at, replayed: false };
        if let Some(a) = author {
            earlier.insert(a, posted.clone());
        }
        fresh.push((job, posted.clone(), sealed));
        results.push(Ok(posted));
    }
    if !fresh.is_empty() {
        insert_messages(conn, &fresh).await?;
        insert_keys(conn, &fresh).await?;
        bump_threads(conn, &fresh).await?;
        let announce: Vec<Announce> = fresh
            .iter()
            .filter_map(|(job, p, _)| {
                Announce::of(&job.msg, job.patient, job.thread, p.message_id, job.at, job.window_ms)
            })
            .collect();
        crate::notifications::enqueue(conn, &announce).await?;
        let events: Vec<(Timestamp, portico_domain::audit::AuditRecord)> =
            fresh.iter().map(|(job, p, _)| (job.at, message_audit(&job.audit, job.patient, p.message_id))).collect();
        if with_audit {
            crate::audit::insert_many(conn, &events).await?;
        }
    }
    Ok(results)
}

/// A list statement: `sql` with `{}` replaced by one placeholder per item, each bound.
fn in_list(conn: &impl Sink, sql: &str, items: &[String]) -> Stmt {
    let mut q = Stmt::new(sql.replace("{}", &conn.params().list(1, items.len())));
    for item in items {
        q.push(item.as_str());
    }
    q
}

/// Messages already written under the batch's idempotency keys, by (author kind, author id, key).
async fn earlier_messages(conn: &mut impl Sink, jobs: &[&PostJob]) -> Result<HashMap<AuthorKey, Posted>, StoreError> {
    let keyed: Vec<String> = jobs.iter().filter_map(|j| j.msg.idempotency_key.clone()).collect();
    let mut found = HashMap::new();
    for chunk in pow2_chunks(&keyed, 256) {
        let q = in_list(
            conn,
            // Each message is found through its primary key, per key found. As a join,
            // PostgreSQL without statistics yet (a new database) hashed the whole messages
            // table for every batch.
            "SELECT k.account_kind, k.account_id, k.key, k.message_id,
                (SELECT m.thread_id FROM messages m WHERE m.id = k.message_id),
                (SELECT m.created_at FROM messages m WHERE m.id = k.message_id)
             FROM idempotency_keys k WHERE k.key IN ({})",
            chunk,
        );
        for r in conn.fetch(q).await? {
            let [kind, account, key, id, thread, created] = &r[..] else {
                return Err(StoreError::Integrity("idempotency key row"));
            };
            let kind = if kind.text()? == "staff" { "staff" } else { "patient" };
            let posted = Posted {
                thread_id: parse_val(thread)?,
                message_id: parse_val(id)?,
                created_at: Timestamp::from_unix_millis(created.int()?),
                replayed: true,
            };
            found.insert((kind, account.text()?.to_owned(), key.text()?.to_owned()), posted);
        }
    }
    Ok(found)
}

fn parse_val<T: std::str::FromStr>(v: &Val) -> Result<T, StoreError> {
    v.text()?.parse().map_err(|_| StoreError::Integrity("malformed id"))
}

async fn data_keys(
    conn: &mut impl Sink,
    keys: &Keyring,
    jobs: &[&PostJob],
) -> Result<HashMap<PatientId, DataKey>, StoreError> {
    let mut patients: Vec<String> = jobs.iter().map(|j| j.patient.to_string()).collect();
    patients.sort();
    patients.dedup();
    let mut out = HashMap::new();
    for chunk in pow2_chunks(&patients, 256) {
        let q =
            in_list(conn, "SELECT patient_id, wrapped_key, kek_id FROM patient_keys WHERE patient_id IN ({})", chunk);
        for r in conn.fetch(q).await? {
            let [patient, wrapped, kek] = &r[..] else {
                return Err(StoreError::Integrity("patient key row"));
            };
            let patient: PatientId = parse_val(patient)?;
            let key = keys.unwrap_patient(patient, wrapped.blob()?.to_vec(), kek.text()?)?;
            out.insert(patient, key);
        }
    }
    Ok(out)
}

async fn insert_messages(conn: &mut impl Sink, fresh: &[(&PostJob, Posted, Vec<u8>)]) -> Result<(), StoreError> {
    let params = conn.params();
    for chunk in pow2_chunks(fresh, params.rows_per_statement(8)) {
        let mut q = Stmt::new(format!(
            "INSERT INTO messages (id, thread_id, author_kind, author_id, body, internal, release_at, created_at) VALUES {}",
            params.rows(chunk.len(), 8)
        ));
        for (job, p, sealed) in chunk {
            q.push(p.message_id.to_string());
            q.push(job.thread.to_string());
            q.push(job.msg.author.kind());
            q.push(job.msg.author.id());
            q.push(sealed.clone());
            q.push(i64::from(job.msg.internal));
            q.push(job.msg.release_at.map(Timestamp::unix_millis));
            q.push(job.at.unix_millis());
        }
        conn.execute(q).await?;
    }
    Ok(())
}

async fn insert_keys(conn: &mut impl Sink, fresh: &[(&PostJob, Posted, Vec<u8>)]) -> Result<(), StoreError> {
    let keyed: Vec<_> = fresh.iter().filter(|(j, _, _)| j.msg.idempotency_key.is_some()).collect();
    let params = conn.params();
    for chunk in pow2_chunks(&keyed, params.rows_per_statement(5)) {
        let mut q = Stmt::new(format!(
            "INSERT INTO idempotency_keys (account_kind, account_id, key, message_id, created_at) VALUES {}",
            params.rows(chunk.len(), 5)
        ));
        for (job, p, _) in chunk {
            q.push(job.msg.author.kind());
            q.push(job.msg.author.id());
            q.push(job.msg.idempotency_key.clone());
            q.push(p.message_id.to_string());
            q.push(job.at.unix_millis());
        }
        conn.execute(q).await?;
    }
    Ok(())
}

async fn bump_threads(conn: &mut impl Sink, fresh: &[(&PostJob, Posted, Vec<u8>)]) -> Result<(), StoreError> {
    let mut threads: Vec<String> = fresh.iter().map(|(j, _, _)| j.thread.to_string()).collect();
    threads.sort();
    threads.dedup();
    for chunk in pow2_chunks(&threads, 256) {
        let q = in_list(
            conn,
            "UPDATE threads SET last_activity_at = (SELECT MAX(m.created_at) FROM messages m WHERE m.thread_id = threads.id)
             WHERE id IN ({})",
            chunk,
        );
        conn.execute(q).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Params, pow2_chunks};

    #[test]
    fn chunks_are_powers_of_two_covering_everything_in_order() {
        let v: Vec<u32> = (0..50).collect();
        let sizes: Vec<usize> = pow2_chunks(&v, 64).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [32, 16, 2]);
        assert_eq!(pow2_chunks(&v, 64).concat(), v);
        let sizes: Vec<usize> = pow2_chunks(&(0..200).collect::<Vec<u32>>(), 64).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [64, 64, 64, 8]);
        assert!(pow2_chunks::<u8>(&[], 8).is_empty());
        let numbered = |c| Params::Numbered.rows_per_statement(c);
        assert_eq!([1, 3, 5, 8, 12, 300].map(numbered), [128, 64, 32, 16, 16, 1]);
        let anonymous = |c| Params::Anonymous.rows_per_statement(c);
        assert_eq!([1, 12, 3000].map(anonymous), [2048, 128, 1]);
        assert_eq!(Params::Postgres.rows_per_statement(8), 256, "as wide as SQLite's");
    }

    #[test]
    fn placeholders_are_numbered_for_postgres_and_anonymous_for_sqlite() {
        assert_eq!(Params::Numbered.rows(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(Params::Numbered.list(3, 3), "$3, $4, $5");
        assert_eq!(Params::Anonymous.rows(2, 2), "(?, ?), (?, ?)");
        assert_eq!(Params::Postgres.rows(2, 2), "($1, $2), ($3, $4)");
    }
}

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

/// Splits a list of values for `IN (...)` into chunks of at most `max` (a power of two), each
/// as long as a power of two: the last one repeats its last value up to that length. A value
/// twice in an `IN` list selects nothing more, so the usual batch takes one statement, in one
/// of a few shapes, instead of one per bit of its length.
pub(crate) fn padded_chunks<T: Clone>(items: &[T], max: usize) -> Vec<Vec<T>> {
    items
        .chunks(max)
        .map(|chunk| {
            let mut chunk = chunk.to_vec();
            if let Some(last) = chunk.last().cloned() {
                chunk.resize(chunk.len().next_power_of_two(), last);
            }
            chunk
        })
        .collect()
}

/// The statements of a multi-row insert: `head` ("INSERT INTO t (a, b)"), then the rows, then
/// `tail` (" ON CONFLICT ..."), with `row` pushing the `cols` values of each item.
///
/// On PostgreSQL each statement is a round trip: a batch takes one statement per `max` rows,
/// not one per bit of its length. Its `VALUES` list is padded to a power of two (a few shapes,
/// each prepared once) with copies of the last row marked to be left out, and only the rows
/// marked 1 are inserted. SQLite runs in process: plain lists in power-of-two chunks.
pub(crate) fn inserts<T>(
    params: Params,
    head: &str,
    tail: &str,
    cols: usize,
    items: &[T],
    row: impl Fn(&mut Stmt, &T),
) -> Vec<Stmt> {
    if params != Params::Postgres {
        return pow2_chunks(items, params.rows_per_statement(cols))
            .into_iter()
            .map(|chunk| {
                let mut q = Stmt::new(format!("{head} VALUES {}{tail}", params.rows(chunk.len(), cols)));
                chunk.iter().for_each(|item| row(&mut q, item));
                q
            })
            .collect();
    }
    let columns = (2..=cols + 1).map(|c| format!("column{c}")).collect::<Vec<_>>().join(", ");
    items
        .chunks(params.rows_per_statement(cols + 1))
        .map(|chunk| {
            let n = chunk.len().next_power_of_two();
            let mut q = Stmt::new(format!(
                "{head} SELECT {columns} FROM (VALUES {}) AS v WHERE column1 = 1{tail}",
                params.rows(n, cols + 1)
            ));
            for k in 0..n {
                q.push(i64::from(k < chunk.len()));
                row(&mut q, &chunk[k.min(chunk.len() - 1)]);
            }
            q
        })
        .collect()
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

/// The results of a batch, one per job, and the statements that write it.
pub(crate) type Planned = (Vec<Result<Posted, StoreError>>, Vec<Stmt>);

/// Writes the batch; returns one result per job (a job may fail alone: a shredded key, an
/// idempotency key reused for another thread). `Err` means the caller must roll back.
pub(crate) async fn apply_posts(
    conn: &mut impl Sink,
    keys: &Keyring,
    jobs: &[&PostJob],
    with_audit: bool,
) -> Result<Vec<Result<Posted, StoreError>>, StoreError> {
    let (results, stmts) = plan_posts(conn, None, keys, jobs, with_audit).await?;
    // The messages are inserted before what refers to them: on SQLite, in this order.
    conn.execute_all(stmts).await?;
    Ok(results)
}

/// Reads what the batch depends on (earlier sends under its idempotency keys, its patients'
/// data keys), seals its messages, and returns its results with the statements that write it,
/// unrun. Given a second connection, the data keys are read on it while `conn` reads the
/// earlier sends: one round trip's wait instead of two.
pub(crate) async fn plan_posts(
    conn: &mut impl Sink,
    second: Option<&mut sqlx::AnyConnection>,
    keys: &Keyring,
    jobs: &[&PostJob],
    with_audit: bool,
) -> Result<Planned, StoreError> {
    let (mut earlier, data_keys) = match second {
        Some(other) => {
            let (earlier, data_keys) = tokio::join!(earlier_messages(conn, jobs), data_keys(other, keys, jobs));
            (earlier?, data_keys?)
        }
        None => (earlier_messages(conn, jobs).await?, data_keys(conn, keys, jobs).await?),
    };
    let mut results = Vec::with_capacity(jobs.len());
    let mut stmts = Vec::new();
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
        let params = conn.params();
        stmts.extend(insert_messages(params, &fresh));
        stmts.extend(insert_keys(params, &fresh));
        stmts.extend(bump_threads(params, &fresh));
        let announce: Vec<Announce> = fresh
            .iter()
            .filter_map(|(job, p, _)| {
                Announce::of(&job.msg, job.patient, job.thread, p.message_id, job.at, job.window_ms)
            })
            .collect();
        stmts.extend(crate::notifications::enqueue_stmts(params, &announce));
        let events: Vec<(Timestamp, portico_domain::audit::AuditRecord)> =
            fresh.iter().map(|(job, p, _)| (job.at, message_audit(&job.audit, job.patient, p.message_id))).collect();
        if with_audit {
            stmts.extend(crate::audit::insert_many_stmts(params, &events));
        }
    }
    Ok((results, stmts))
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
    let keyed: Vec<AuthorKey> = jobs
        .iter()
        .filter_map(|j| j.msg.idempotency_key.clone().map(|k| (j.msg.author.kind(), j.msg.author.id(), k)))
        .collect();
    let mut found = HashMap::new();
    for chunk in padded_chunks(&keyed, 256) {
        // Each message is found through its primary key, per key found: joined, PostgreSQL
        // without statistics yet (a new database) hashed the whole messages table per batch.
        let select = "SELECT k.account_kind, k.account_id, k.key, k.message_id,
                (SELECT m.thread_id FROM messages m WHERE m.id = k.message_id),
                (SELECT m.created_at FROM messages m WHERE m.id = k.message_id)";
        let q = if conn.params() == Params::Anonymous {
            // SQLite walks its key index once for the whole list.
            let keys: Vec<String> = chunk.iter().map(|(_, _, key)| key.clone()).collect();
            in_list(conn, &format!("{select} FROM idempotency_keys k WHERE k.key IN ({{}})"), &keys)
        } else {
            // PostgreSQL looks each key up by the whole primary key, one lookup per key (the
            // lateral subquery, which OFFSET keeps from being merged into a join). As a join,
            // or with the key alone, a plan made on a new database (no statistics yet, few
            // rows) scanned the whole table for every batch, and was kept as it grew.
            let mut q = Stmt::new(format!(
                "{select} FROM (VALUES {}) AS v(key, kind, account)
                 CROSS JOIN LATERAL (SELECT * FROM idempotency_keys i
                     WHERE i.key = v.key AND i.account_kind = v.kind AND i.account_id = v.account OFFSET 0) k",
                Params::Postgres.rows(chunk.len(), 3)
            ));
            for (kind, account, key) in &chunk {
                q.push(key.as_str());
                q.push(*kind);
                q.push(account.as_str());
            }
            q
        };
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
    for chunk in padded_chunks(&patients, 256) {
        let q =
            in_list(conn, "SELECT patient_id, wrapped_key, kek_id FROM patient_keys WHERE patient_id IN ({})", &chunk);
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

fn insert_messages(params: Params, fresh: &[(&PostJob, Posted, Vec<u8>)]) -> Vec<Stmt> {
    let head = "INSERT INTO messages (id, thread_id, author_kind, author_id, body, internal, release_at, created_at)";
    inserts(params, head, "", 8, fresh, |q, (job, p, sealed)| {
        q.push(p.message_id.to_string());
        q.push(job.thread.to_string());
        q.push(job.msg.author.kind());
        q.push(job.msg.author.id());
        q.push(sealed.clone());
        q.push(i64::from(job.msg.internal));
        q.push(job.msg.release_at.map(Timestamp::unix_millis));
        q.push(job.at.unix_millis());
    })
}

fn insert_keys(params: Params, fresh: &[(&PostJob, Posted, Vec<u8>)]) -> Vec<Stmt> {
    let keyed: Vec<_> = fresh.iter().filter(|(j, _, _)| j.msg.idempotency_key.is_some()).collect();
    let head = "INSERT INTO idempotency_keys (account_kind, account_id, key, message_id, created_at)";
    inserts(params, head, "", 5, &keyed, |q, (job, p, _)| {
        q.push(job.msg.author.kind());
        q.push(job.msg.author.id());
        q.push(job.msg.idempotency_key.clone());
        q.push(p.message_id.to_string());
        q.push(job.at.unix_millis());
    })
}

/// Moves each thread's last activity to its newest message of the batch (never back).
fn bump_threads(params: Params, fresh: &[(&PostJob, Posted, Vec<u8>)]) -> Vec<Stmt> {
    let mut latest: Vec<(String, i64)> =
        fresh.iter().map(|(j, _, _)| (j.thread.to_string(), j.at.unix_millis())).collect();
    // Newest first within each thread, then one row per thread.
    latest.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    latest.dedup_by(|a, b| a.0 == b.0);
    let mut stmts = Vec::new();
    for chunk in padded_chunks(&latest, params.rows_per_statement(2)) {
        let mut q = Stmt::new(format!(
            "UPDATE threads SET last_activity_at = v.column2 FROM (VALUES {}) AS v
             WHERE threads.id = v.column1 AND threads.last_activity_at < v.column2",
            params.rows(chunk.len(), 2)
        ));
        for (thread, at) in chunk {
            q.push(thread);
            q.push(at);
        }
        stmts.push(q);
    }
    stmts
}

#[cfg(test)]
mod tests {
    use super::{Params, inserts, padded_chunks, pow2_chunks};
    use crate::sink::{Val, as_one_statement};

    #[test]
    fn postgres_inserts_pad_to_a_power_of_two_with_rows_left_out() {
        let items = ["a", "b", "c"];
        let stmts =
            inserts(Params::Postgres, "INSERT INTO t (x)", " ON CONFLICT DO NOTHING", 1, &items, |q, x| q.push(*x));
        assert_eq!(stmts.len(), 1, "one statement for the batch");
        let (sql, vals) = stmts[0].parts();
        assert_eq!(
            sql,
            "INSERT INTO t (x) SELECT column2 FROM (VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8)) AS v \
             WHERE column1 = 1 ON CONFLICT DO NOTHING"
        );
        let kept: Vec<Val> = [1, 1, 1, 0].into_iter().map(Val::from).collect();
        assert_eq!(vals.iter().step_by(2).cloned().collect::<Vec<_>>(), kept, "the padding row is marked 0");
        assert_eq!(vals[7], Val::from("c"), "and copies the last row");
        // SQLite: plain lists in power-of-two chunks, nothing padded.
        let stmts = inserts(Params::Anonymous, "INSERT INTO t (x)", "", 1, &items, |q, x| q.push(*x));
        let sqls: Vec<&str> = stmts.iter().map(|s| s.parts().0).collect();
        assert_eq!(sqls, ["INSERT INTO t (x) VALUES (?), (?)", "INSERT INTO t (x) VALUES (?)"]);
    }

    #[test]
    fn statements_become_one_with_their_parameters_renumbered() {
        let stmts = inserts(Params::Postgres, "INSERT INTO a (x)", "", 1, &["p"], |q, x| q.push(*x))
            .into_iter()
            .chain(inserts(Params::Postgres, "INSERT INTO b (y)", "", 1, &["q"], |q, x| q.push(*x)))
            .collect();
        let one = as_one_statement(stmts);
        let (sql, vals) = one.parts();
        assert_eq!(
            sql,
            "WITH s0 AS (INSERT INTO a (x) SELECT column2 FROM (VALUES ($1, $2)) AS v WHERE column1 = 1) \
             INSERT INTO b (y) SELECT column2 FROM (VALUES ($3, $4)) AS v WHERE column1 = 1"
        );
        assert_eq!(vals, [Val::from(1), Val::from("p"), Val::from(1), Val::from("q")]);
    }

    #[test]
    fn padded_chunks_repeat_the_last_value_up_to_a_power_of_two() {
        let v: Vec<u32> = (0..5).collect();
        assert_eq!(padded_chunks(&v, 256), [vec![0, 1, 2, 3, 4, 4, 4, 4]]);
        assert_eq!(padded_chunks(&v, 4), [vec![0, 1, 2, 3], vec![4]]);
        assert_eq!(padded_chunks(&[7u8], 8), [vec![7]]);
        assert!(padded_chunks::<u8>(&[], 8).is_empty());
    }

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

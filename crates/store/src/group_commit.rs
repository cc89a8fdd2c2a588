//! Group commit for message sends. On SQLite with `synchronous=FULL` every commit waits for an
//! fsync of the WAL, and there is one writer at a time; on PostgreSQL every commit is a round
//! trip and a WAL flush. One writer task
//! takes every queued message send, writes them all in one transaction (each in its own
//! savepoint, so one bad request cannot fail the others), commits once, and only then answers
//! each request. A request is still acknowledged only after the commit that holds it.
//!
//! On PostgreSQL several nodes may write at once: a send whose idempotency key another node
//! committed meanwhile fails the fast path, and in the per-job path it answers with the message
//! that won.

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

use crate::keys::Keyring;
use crate::messaging::{IDEMPOTENCY_CLASH, PostJob, Posted, apply_post, replay};
use crate::sink::{SyncSqlite, sqlite_err};
use crate::{Backend, StoreError};

/// The most sends written in one transaction.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Posted, StoreError>>;
type Batch = Vec<(PostJob, Reply)>;
type Results = Vec<Result<Posted, StoreError>>;

/// The handle to the writer task.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<(PostJob, Reply)>,
}

/// How a write transaction starts: SQLite takes its write lock at once.
fn begin_statement(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

impl GroupCommit {
    /// Starts the writer on `pool` (on SQLite, its single write connection, and `sqlite`, the
    /// database file its fast path opens through rusqlite).
    pub(crate) fn start(pool: AnyPool, backend: Backend, keys: Arc<Keyring>, sqlite: Option<PathBuf>) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        let direct = sqlite.map(|path| Direct { path, conn: None });
        tokio::spawn(writer(pool, backend, keys, direct, rx));
        Self { queue }
    }

    /// Queues a send and waits until the transaction that holds it has committed.
    pub(crate) async fn post(&self, job: PostJob) -> Result<Posted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((job, reply)).await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer.await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }
}

async fn writer(
    pool: AnyPool,
    backend: Backend,
    keys: Arc<Keyring>,
    mut direct: Option<Direct>,
    mut rx: mpsc::Receiver<(PostJob, Reply)>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let begin = begin_statement(backend);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // On SQLite the write pool's one connection is the store's write lock: holding it keeps
        // every other writer queued in order while the batch is written, even through rusqlite.
        let results = match pool.acquire().await {
            Ok(mut conn) => {
                let (back, results) = write_batch(&mut conn, begin, &keys, direct.as_mut(), batch).await;
                batch = back;
                results
            }
            Err(e) => batch.iter().map(|_| Err(StoreError::Database(sqlx::Error::Protocol(e.to_string())))).collect(),
        };
        for ((_, reply), result) in batch.drain(..).zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// Writes every job in one transaction; returns the batch and one result per job, all failed if
/// the commit itself fails (nothing of the batch is then durable, and no client is told
/// otherwise). Text-only batches take the multi-row fast path; if that fails, or a job carries
/// files, each job is written in its own savepoint.
async fn write_batch(
    conn: &mut AnyConnection,
    begin: &'static str,
    keys: &Arc<Keyring>,
    direct: Option<&mut Direct>,
    mut batch: Batch,
) -> (Batch, Results) {
    if batch.iter().all(|(j, _)| j.msg.attachments.is_empty()) {
        let fast = match direct {
            Some(direct) => {
                let (back, fast) = direct.write(keys.clone(), batch).await;
                batch = back;
                fast
            }
            None => fast_batch(conn, begin, keys, &jobs(&batch)).await,
        };
        match fast {
            Ok(results) => return (batch, results),
            Err(e) => tracing::warn!(error = %e, batch = batch.len(), "batched write failed; retrying one by one"),
        }
    }
    let results = match one_by_one(conn, begin, keys, &jobs(&batch)).await {
        Ok(results) => results,
        Err(e) => {
            tracing::error!(error = %e, batch = batch.len(), "group commit failed");
            batch.iter().map(|_| Err(StoreError::Database(sqlx::Error::Protocol(e.to_string())))).collect()
        }
    };
    (batch, results)
}

fn jobs(batch: &Batch) -> Vec<&PostJob> {
    batch.iter().map(|(j, _)| j).collect()
}

async fn fast_batch(
    conn: &mut AnyConnection,
    begin: &'static str,
    keys: &Keyring,
    jobs: &[&PostJob],
) -> Result<Results, StoreError> {
    let mut tx = conn.begin_with(begin).await?;
    let results = crate::batch::apply_posts(&mut tx, keys, jobs, true).await?;
    tx.commit().await?;
    Ok(results)
}

/// The SQLite fast path: the same multi-row statements through a rusqlite connection of its own,
/// on a blocking thread, so the batch's ten or so statements do not each wait to be scheduled.
/// The connection is opened on first use and kept; it is only used while the caller holds the
/// write pool's connection.
struct Direct {
    path: PathBuf,
    conn: Option<rusqlite::Connection>,
}

impl Direct {
    async fn write(&mut self, keys: Arc<Keyring>, batch: Batch) -> (Batch, Result<Results, StoreError>) {
        let conn = match self.conn.take().map_or_else(|| crate::open_sqlite_writer(&self.path), Ok) {
            Ok(conn) => conn,
            Err(e) => return (batch, Err(e)),
        };
        let done = tokio::task::spawn_blocking(move || {
            let results = write_direct(&conn, &keys, &jobs(&batch));
            (conn, batch, results)
        })
        .await;
        match done {
            Ok((conn, batch, results)) => {
                self.conn = Some(conn);
                (batch, results)
            }
            // The batch went with the panicked thread: its replies are dropped, which its
            // callers see as an error; nothing was committed.
            Err(e) => (Vec::new(), Err(StoreError::Database(sqlx::Error::Protocol(e.to_string())))),
        }
    }
}

fn write_direct(conn: &rusqlite::Connection, keys: &Keyring, jobs: &[&PostJob]) -> Result<Results, StoreError> {
    let tx =
        rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate).map_err(sqlite_err)?;
    // Every statement of a `SyncSqlite` completes when first polled: this future never waits.
    let results =
        futures_util::FutureExt::now_or_never(crate::batch::apply_posts(&mut SyncSqlite(conn), keys, jobs, true))
            .ok_or(StoreError::Integrity("the direct SQLite writer was asked to wait"))??;
    tx.commit().map_err(sqlite_err)?;
    Ok(results)
}

async fn one_by_one(
    conn: &mut AnyConnection,
    begin: &'static str,
    keys: &Keyring,
    jobs: &[&PostJob],
) -> Result<Results, StoreError> {
    let mut tx = conn.begin_with(begin).await?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        results.push(in_savepoint(&mut tx, keys, job).await);
    }
    tx.commit().await?;
    Ok(results)
}

async fn in_savepoint(conn: &mut sqlx::AnyConnection, keys: &Keyring, job: &PostJob) -> Result<Posted, StoreError> {
    sqlx::query("SAVEPOINT send").execute(&mut *conn).await?;
    let result = apply_post(conn, keys, job).await;
    let end = if result.is_ok() { "RELEASE send" } else { "ROLLBACK TO send" };
    sqlx::query(end).execute(&mut *conn).await?;
    if result.is_err() {
        sqlx::query("RELEASE send").execute(&mut *conn).await?;
    }
    match result {
        // Another node committed this key first: answer with its message.
        Err(StoreError::Conflict(IDEMPOTENCY_CLASH)) => {
            replay(conn, &job.msg).await?.ok_or(StoreError::Conflict(IDEMPOTENCY_CLASH))
        }
        other => other,
    }
}

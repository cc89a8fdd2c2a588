//! Group commit for message sends. On SQLite with `synchronous=FULL` every commit waits for an
//! fsync of the WAL, and there is one writer at a time; on PostgreSQL every commit is a round
//! trip and a WAL flush. One writer (a thread on SQLite, a task on PostgreSQL) takes every
//! queued message send, writes them all in one transaction with a few multi-row statements,
//! commits once, and only then answers each request. If that transaction fails, each send is
//! written again in a savepoint of its own, so one bad request cannot fail the others. A request
//! is still acknowledged only after the commit that holds it.
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
    /// database file the writer opens through rusqlite).
    pub(crate) fn start(pool: AnyPool, backend: Backend, keys: Arc<Keyring>, sqlite: Option<PathBuf>) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        match sqlite {
            Some(path) => {
                let rt = tokio::runtime::Handle::current();
                let spawned = std::thread::Builder::new()
                    .name("sqlite-writer".into())
                    .spawn(move || sqlite_writer(&rt, &pool, &keys, &path, rx));
                if let Err(e) = spawned {
                    // Sends then fail with "pool closed" rather than the server not starting.
                    tracing::error!(error = %e, "cannot start the SQLite writer thread");
                }
            }
            None => {
                tokio::spawn(writer(pool, begin_statement(backend), keys, rx));
            }
        }
        Self { queue }
    }

    /// Queues a send and waits until the transaction that holds it has committed.
    pub(crate) async fn post(&self, job: PostJob) -> Result<Posted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((job, reply)).await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer.await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }
}

/// The PostgreSQL writer: a task that writes each batch in one transaction.
async fn writer(pool: AnyPool, begin: &'static str, keys: Arc<Keyring>, mut rx: mpsc::Receiver<(PostJob, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let results = async {
            let mut conn = pool.acquire().await?;
            if text_only(&batch) {
                match fast_batch(&mut conn, begin, &keys, &jobs(&batch)).await {
                    Ok(results) => return Ok(results),
                    Err(e) => retrying(&e, batch.len()),
                }
            }
            one_by_one(&mut conn, begin, &keys, &jobs(&batch)).await
        }
        .await;
        answer(&mut batch, results);
    }
}

/// The SQLite writer: a thread of its own that owns a rusqlite connection and writes each batch
/// with its ten or so statements back to back. Through sqlx each statement would be a round trip
/// to sqlx's SQLite thread, and under load each trip waits to be scheduled.
fn sqlite_writer(
    rt: &tokio::runtime::Handle,
    pool: &AnyPool,
    keys: &Keyring,
    path: &std::path::Path,
    mut rx: mpsc::Receiver<(PostJob, Reply)>,
) {
    let mut direct: Option<rusqlite::Connection> = None;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = rt.block_on(async {
            // The write pool's one connection is the store's write lock: holding it keeps every
            // other writer queued in order (rather than polling SQLite's lock) while this batch
            // is written through rusqlite.
            let mut lock = pool.acquire().await?;
            if text_only(&batch) {
                let conn = match direct.take() {
                    Some(conn) => conn,
                    None => crate::open_sqlite_writer(path)?,
                };
                let fast = write_direct(&conn, keys, &jobs(&batch));
                direct = Some(conn);
                match fast {
                    Ok(results) => return Ok(results),
                    Err(e) => retrying(&e, batch.len()),
                }
            }
            one_by_one(&mut lock, "BEGIN IMMEDIATE", keys, &jobs(&batch)).await
        });
        answer(&mut batch, results);
    }
}

fn text_only(batch: &Batch) -> bool {
    batch.iter().all(|(j, _)| j.msg.attachments.is_empty())
}

fn jobs(batch: &Batch) -> Vec<&PostJob> {
    batch.iter().map(|(j, _)| j).collect()
}

fn retrying(e: &StoreError, n: usize) {
    tracing::warn!(error = %e, batch = n, "batched write failed; retrying one by one");
}

/// Answers every job of the batch: with its own result, or all failed if the transaction itself
/// failed (nothing of the batch is then durable, and no client is told otherwise).
fn answer(batch: &mut Batch, results: Result<Results, StoreError>) {
    let results = results.unwrap_or_else(|e| {
        tracing::error!(error = %e, batch = batch.len(), "group commit failed");
        batch.iter().map(|_| Err(StoreError::Database(sqlx::Error::Protocol(e.to_string())))).collect()
    });
    for ((_, reply), result) in batch.drain(..).zip(results) {
        let _ = reply.send(result);
    }
}

/// Text-only batches take the multi-row fast path; if that fails, or a job carries files, each
/// job is written in its own savepoint.
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

/// The same fast path on SQLite, through rusqlite.
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

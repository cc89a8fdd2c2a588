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

use std::sync::Arc;

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::keys::Keyring;
use crate::messaging::{IDEMPOTENCY_CLASH, PostJob, Posted, apply_post, replay};
use crate::{Backend, StoreError};

/// The most sends written in one transaction.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Posted, StoreError>>;

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
    /// Starts the writer on `pool` (on SQLite, its single write connection).
    pub(crate) fn start(pool: AnyPool, backend: Backend, keys: Arc<Keyring>) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(pool, backend, keys, rx));
        Self { queue }
    }

    /// Queues a send and waits until the transaction that holds it has committed.
    pub(crate) async fn post(&self, job: PostJob) -> Result<Posted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((job, reply)).await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer.await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }
}

async fn writer(pool: AnyPool, backend: Backend, keys: Arc<Keyring>, mut rx: mpsc::Receiver<(PostJob, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let begin = begin_statement(backend);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let results = write_batch(&pool, begin, &keys, &batch).await;
        for ((_, reply), result) in batch.drain(..).zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// Writes every job in one transaction; returns one result per job, all failed if the commit
/// itself fails (nothing of the batch is then durable, and no client is told otherwise).
/// Text-only batches take the multi-row fast path; if that fails, or a job carries files, each
/// job is written in its own savepoint.
async fn write_batch(
    pool: &AnyPool,
    begin: &'static str,
    keys: &Keyring,
    batch: &[(PostJob, Reply)],
) -> Vec<Result<Posted, StoreError>> {
    let jobs: Vec<&PostJob> = batch.iter().map(|(j, _)| j).collect();
    if jobs.iter().all(|j| j.msg.attachments.is_empty()) {
        match fast_batch(pool, begin, keys, &jobs).await {
            Ok(results) => return results,
            Err(e) => tracing::warn!(error = %e, batch = jobs.len(), "batched write failed; retrying one by one"),
        }
    }
    match one_by_one(pool, begin, keys, &jobs).await {
        Ok(results) => results,
        Err(e) => {
            tracing::error!(error = %e, batch = jobs.len(), "group commit failed");
            jobs.iter().map(|_| Err(StoreError::Database(sqlx::Error::Protocol(e.to_string())))).collect()
        }
    }
}

async fn fast_batch(
    pool: &AnyPool,
    begin: &'static str,
    keys: &Keyring,
    jobs: &[&PostJob],
) -> Result<Vec<Result<Posted, StoreError>>, StoreError> {
    let mut tx = pool.begin_with(begin).await?;
    let results = crate::batch::apply_posts(&mut tx, keys, jobs, true).await?;
    tx.commit().await?;
    Ok(results)
}

async fn one_by_one(
    pool: &AnyPool,
    begin: &'static str,
    keys: &Keyring,
    jobs: &[&PostJob],
) -> Result<Vec<Result<Posted, StoreError>>, StoreError> {
    let mut tx = pool.begin_with(begin).await?;
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

//! Group commit for SQLite. With `synchronous=FULL` every commit waits for an fsync of the WAL,
//! so committing each message alone caps throughput at the disk's sync rate. One writer task
//! takes every queued message send, writes them all in one transaction (each in its own
//! savepoint, so one bad request cannot fail the others), commits once, and only then answers
//! each request. A request is still acknowledged only after the commit that holds it.
//!
//! PostgreSQL needs none of this: concurrent commits there already share WAL flushes.

use std::sync::Arc;

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::StoreError;
use crate::keys::Keyring;
use crate::messaging::{PostJob, Posted, apply_post};

/// The most sends written in one transaction.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Posted, StoreError>>;

/// The handle to the writer task.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<(PostJob, Reply)>,
}

impl GroupCommit {
    /// Starts the writer on `pool` (SQLite's single write connection).
    pub(crate) fn start(pool: AnyPool, keys: Arc<Keyring>) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(pool, keys, rx));
        Self { queue }
    }

    /// Queues a send and waits until the transaction that holds it has committed.
    pub(crate) async fn post(&self, job: PostJob) -> Result<Posted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((job, reply)).await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer.await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }
}

async fn writer(pool: AnyPool, keys: Arc<Keyring>, mut rx: mpsc::Receiver<(PostJob, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let results = write_batch(&pool, &keys, &batch).await;
        for ((_, reply), result) in batch.drain(..).zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// Writes every job in one transaction; returns one result per job, all failed if the commit
/// itself fails (nothing of the batch is then durable, and no client is told otherwise).
async fn write_batch(pool: &AnyPool, keys: &Keyring, batch: &[(PostJob, Reply)]) -> Vec<Result<Posted, StoreError>> {
    let failed_all = |e: &sqlx::Error| {
        (0..batch.len()).map(|_| Err(StoreError::Database(sqlx::Error::Protocol(e.to_string())))).collect()
    };
    let mut tx = match pool.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => return failed_all(&e),
    };
    let mut results = Vec::with_capacity(batch.len());
    for (job, _) in batch {
        results.push(in_savepoint(&mut tx, keys, job).await);
    }
    match tx.commit().await {
        Ok(()) => results,
        Err(e) => {
            tracing::error!(error = %e, batch = batch.len(), "group commit failed");
            failed_all(&e)
        }
    }
}

async fn in_savepoint(conn: &mut sqlx::AnyConnection, keys: &Keyring, job: &PostJob) -> Result<Posted, StoreError> {
    sqlx::query("SAVEPOINT send").execute(&mut *conn).await?;
    let result = apply_post(conn, keys, job).await;
    let end = if result.is_ok() { "RELEASE send" } else { "ROLLBACK TO send" };
    sqlx::query(end).execute(&mut *conn).await?;
    if result.is_err() {
        sqlx::query("RELEASE send").execute(&mut *conn).await?;
    }
    result
}

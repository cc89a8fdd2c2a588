//! Group commit for message sends. On SQLite with `synchronous=FULL` every commit waits for an
//! fsync of the WAL, and there is one writer at a time; on PostgreSQL every commit is a round
//! trip and a WAL flush. A writer takes every queued message send, writes them all at once with
//! a few multi-row statements (on PostgreSQL, one statement that commits by itself), commits
//! once, and only then answers each request. On SQLite the writer is a thread of its own; on
//! PostgreSQL two writer tasks take turns at the queue (see [`PG_WRITERS`]). If a batch fails,
//! each send is written again in a savepoint of its own, so one bad request cannot fail the
//! others. A request is still acknowledged only after the commit that holds it.
//!
//! On PostgreSQL several writers, of this node or of others, may write at once: a send whose
//! idempotency key another committed meanwhile fails the fast path, and in the per-job path it
//! answers with the message that won.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

use crate::keys::Keyring;
use crate::messaging::{IDEMPOTENCY_CLASH, PostJob, Posted, apply_post, replay};
use crate::sink::{Sink, SyncSqlite, sqlite_err};
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
    /// On SQLite, the connections of the writer thread and of the checkpointer.
    sqlite: Option<Arc<Conns>>,
}

/// The SQLite writer's and checkpointer's own connections (opened on first use). Closing drops
/// them, so that SQLite folds the WAL back into the database file when the pools close too.
#[derive(Default)]
struct Conns {
    writer: Mutex<Option<rusqlite::Connection>>,
    checkpointer: Mutex<Option<rusqlite::Connection>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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
        let conns = sqlite.is_some().then(|| Arc::new(Conns::default()));
        match (sqlite, &conns) {
            (Some(path), Some(conns)) => {
                let rt = tokio::runtime::Handle::current();
                let conns = conns.clone();
                let spawned = std::thread::Builder::new()
                    .name("sqlite-writer".into())
                    .spawn(move || sqlite_writer(&rt, &pool, &keys, &path, &conns, rx));
                if let Err(e) = spawned {
                    // Sends then fail with "pool closed" rather than the server not starting.
                    tracing::error!(error = %e, "cannot start the SQLite writer thread");
                }
            }
            _ => {
                let rx = Arc::new(tokio::sync::Mutex::new(rx));
                for _ in 0..PG_WRITERS {
                    tokio::spawn(writer(pool.clone(), begin_statement(backend), keys.clone(), rx.clone()));
                }
            }
        }
        Self { queue, sqlite: conns }
    }

    /// Closes the SQLite writer's and checkpointer's connections (after the batch being written,
    /// if any). Sends after this fail once the pools are closed too.
    pub(crate) fn close(&self) {
        if let Some(conns) = &self.sqlite {
            lock(&conns.writer).take();
            lock(&conns.checkpointer).take();
        }
    }

    /// Queues a send and waits until the transaction that holds it has committed.
    pub(crate) async fn post(&self, job: PostJob) -> Result<Posted, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((job, reply)).await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer.await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }
}

/// PostgreSQL writers. The one holding the queue takes what has queued, reads what the batch
/// depends on and lets go of the queue only when its one writing statement is ready, so that
/// the next writer gathers everything that arrived meanwhile into one batch. Batches stay as
/// large as with a single writer; one's write and commit overlap the next one's reads.
const PG_WRITERS: usize = 2;

/// A writer's connection that waited this long for work is checked before its next batch.
const PG_IDLE: std::time::Duration = std::time::Duration::from_secs(10);

type Queue = Arc<tokio::sync::Mutex<mpsc::Receiver<(PostJob, Reply)>>>;

/// A PostgreSQL writer: a task that writes each batch in one transaction. Batches of different
/// writers may commit in either order, as those of different nodes do.
///
/// Each writer keeps two connections of its own, opened with the pool's options (a connection
/// taken from the pool for every batch was checked with a round trip each time, and its
/// prepared statements were spread over the whole pool): the batch's two reads go out at once,
/// one on each. Connections that failed are dropped, and those that waited `PG_IDLE` for work
/// are checked first, so that a server restart costs no batch after an idle time.
async fn writer(pool: AnyPool, begin: &'static str, keys: Arc<Keyring>, queue: Queue) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut own: Option<(AnyConnection, AnyConnection)> = None;
    let mut idle = false;
    loop {
        let mut turn = queue.clone().lock_owned().await;
        match tokio::time::timeout(PG_IDLE, turn.recv_many(&mut batch, MAX_BATCH)).await {
            Ok(0) => return,
            Ok(_) => {}
            Err(_) => {
                idle = true;
                continue;
            }
        }
        // A connection that fails its check is dropped; the batch opens a new one.
        if std::mem::take(&mut idle)
            && let Some((mut a, mut b)) = own.take()
            && a.ping().await.is_ok()
            && b.ping().await.is_ok()
        {
            own = Some((a, b));
        }
        let results = async {
            let (conn, second) = match &mut own {
                Some((a, b)) => (a, b),
                None => {
                    let options = pool.connect_options();
                    let a = sqlx::ConnectOptions::connect(&*options).await?;
                    let b = sqlx::ConnectOptions::connect(&*options).await?;
                    let (a, b) = own.insert((a, b));
                    (a, b)
                }
            };
            if text_only(&batch) {
                match fast_batch(conn, second, &keys, &jobs(&batch), move || drop(turn)).await {
                    Ok(results) => return Ok(results),
                    Err(e) => retrying(&e, batch.len()),
                }
            }
            one_by_one(conn, begin, &keys, &jobs(&batch)).await
        }
        .await;
        if results.is_err() {
            own = None;
        }
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
    conns: &Arc<Conns>,
    mut rx: mpsc::Receiver<(PostJob, Reply)>,
) {
    let nudge = start_checkpointer(path, conns.clone());
    let mut commits = 0u32;
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
            let mut write_lock = pool.acquire().await?;
            if text_only(&batch) {
                let fast = {
                    let mut slot = lock(&conns.writer);
                    let conn = match slot.take() {
                        Some(conn) => conn,
                        None => {
                            let conn = crate::open_sqlite_writer(path)?;
                            // The checkpointer copies the WAL back; this is only the backstop.
                            crate::sqlite_pragma(&conn, "PRAGMA wal_autocheckpoint = 40000")?;
                            conn
                        }
                    };
                    let fast = write_direct(&conn, keys, &jobs(&batch));
                    *slot = Some(conn);
                    fast
                };
                match fast {
                    Ok(results) => {
                        commits = commits.wrapping_add(1);
                        if commits.is_multiple_of(CHECKPOINT_EVERY) {
                            // A nudge already pending is enough.
                            let _ = nudge.try_send(());
                        }
                        return Ok(results);
                    }
                    Err(e) => retrying(&e, batch.len()),
                }
            }
            one_by_one(&mut write_lock, begin_statement(Backend::Sqlite), keys, &jobs(&batch)).await
        });
        answer(&mut batch, results);
    }
}

/// Commits between two nudges to the checkpointer: about 8,000 WAL pages under load.
const CHECKPOINT_EVERY: u32 = 64;

/// Starts the thread that copies the WAL back into the database beside the writer (a passive
/// checkpoint, which never blocks it) when nudged. Done by the writer itself, at SQLite's
/// every 10,000 pages, each copy held one commit for about 25 ms: the slowest hundredth of sends.
/// The writer still checkpoints past 40,000 pages (160 MB) should this thread fall behind.
fn start_checkpointer(path: &std::path::Path, conns: Arc<Conns>) -> std::sync::mpsc::SyncSender<()> {
    let (nudge, nudges) = std::sync::mpsc::sync_channel::<()>(1);
    let path = path.to_owned();
    let spawned = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
        while nudges.recv().is_ok() {
            let mut slot = lock(&conns.checkpointer);
            let done = match slot.take() {
                Some(c) => Ok(c),
                None => crate::open_sqlite_writer(&path),
            }
            .and_then(|c| crate::sqlite_pragma(&c, "PRAGMA wal_checkpoint(PASSIVE)").map(|()| c));
            match done {
                Ok(c) => *slot = Some(c),
                Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
            }
        }
    });
    if let Err(e) = spawned {
        // The writer's own checkpoints (past 40,000 pages) still bound the WAL.
        tracing::warn!(error = %e, "cannot start the SQLite checkpointer");
    }
    nudge
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
///
/// On PostgreSQL the batch's writes are one statement, which is atomic and commits by itself:
/// no `BEGIN` and `COMMIT` round trips. The reads before it see what is committed; a send
/// another writer commits meanwhile under the same idempotency key makes the statement fail on
/// the key's uniqueness, and the per-job path then answers with that send. `before_write` runs
/// once the statement is ready: the next writer may read while this one writes and commits.
async fn fast_batch(
    conn: &mut AnyConnection,
    second: &mut AnyConnection,
    keys: &Keyring,
    jobs: &[&PostJob],
    before_write: impl FnOnce(),
) -> Result<Results, StoreError> {
    let (results, stmts) = crate::batch::plan_posts(conn, Some(second), keys, jobs, true).await?;
    before_write();
    if !stmts.is_empty() {
        conn.execute(crate::sink::as_one_statement(stmts)).await?;
    }
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

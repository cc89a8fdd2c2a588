//! Portico's storage: one SQL code path for SQLite and PostgreSQL (sqlx's `Any` driver, `$N`
//! placeholders), migrations for both kept in step, and units of work that each own their
//! transaction.
//!
//! This crate seals and opens every PHI column, so no caller can store plaintext PHI: methods
//! take parsed domain types and return opened values as [`portico_domain::PhiText`]. Every method
//! that reads or writes PHI takes an [`portico_domain::audit::AuditRecord`] and writes it in the
//! same transaction; if the audit insert fails, the whole unit of work fails.
//! It knows no HTTP and makes no authorization decisions: callers in `app` do.

mod accounts;
pub mod alerts;
mod audit;
mod batch;
#[cfg(feature = "bench-internals")]
pub mod bench_internals;
pub mod break_glass;
pub mod chain;
pub mod disclosures;
mod group_commit;
mod keys;
pub mod live;
pub mod messaging;
mod migrate;
pub mod notifications;
mod passkeys;
mod patients;
mod sessions;
pub mod settings;
mod sink;
pub mod social;
mod staff;
pub mod staff_notices;
pub mod testimonials;
pub mod vendors;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use portico_crypto::{CryptoError, Kek};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row, Transaction};

pub use accounts::{AccountAuth, ProxyLink};
pub use audit::{AccessRow, StoredAuditEvent};
pub use keys::RotationReport;
pub use passkeys::{Ceremony, PasskeyRow};
pub use patients::{EnrollOutcome, InvitationIssued, NewAccount};
pub use sessions::SessionRow;
pub use staff::{NewStaff, StaffAuth, StaffProfile, Team};

use keys::Keyring;

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// The path to several nodes.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, or `None` for anything else.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; the text names what clashed (never PHI).
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A referenced row does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A sealed value failed to open: altered, swapped, or under another key.
    #[error("stored data failed its integrity check ({0})")]
    Integrity(&'static str),
    /// The patient's data key was deleted (crypto-shredded).
    #[error("the patient's data key has been destroyed")]
    KeyShredded,
    /// The database was written under a different key-encryption key.
    #[error(
        "this database's keys are wrapped under key id {found}, but the key file holds key id {expected}: wrong --key-file?"
    )]
    WrongKek {
        /// The id stored in the database.
        found: String,
        /// The id of the loaded key file.
        expected: String,
    },
    /// A migration that already ran has been changed since.
    #[error("migration {0} was changed after it was applied; migrations are never edited once landed")]
    MigrationChanged(i64),
    /// Random generation or sealing failed.
    #[error("cryptographic failure: {0}")]
    Crypto(#[from] CryptoError),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The database and the keys to open what is sealed in it.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// On SQLite a pool of one connection: writers queue here, in order, instead of
    /// busy-polling SQLite's lock. On PostgreSQL the same pool as reads.
    write_pool: AnyPool,
    backend: Backend,
    /// The SQLite database file (for the read-only side connections that walk the audit log).
    sqlite_path: Option<std::path::PathBuf>,
    keys: Arc<Keyring>,
    /// The writer that batches message sends into one commit.
    group: group_commit::GroupCommit,
    /// Notification coalescing window, in milliseconds.
    notify_window_ms: i64,
    /// The writer that batches inbound social events into one commit.
    social_inbox: social::Inbox,
    /// Thread changes for live updates (fed by `NOTIFY` on PostgreSQL).
    threads: tokio::sync::broadcast::Sender<live::ThreadChanged>,
    /// On PostgreSQL, changes waiting to be sent with `NOTIFY`.
    notify: Option<tokio::sync::mpsc::Sender<live::ThreadChanged>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.backend)
    }
}

/// How to reach the database.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// `sqlite://...` or `postgres://...`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// Several events of one thread within this window make one notification (milliseconds).
    pub notify_window_ms: i64,
}

impl Store {
    /// Connects, applies pending migrations and loads (or creates) the system keys.
    pub async fn connect(opts: &ConnectOptions, kek: Kek, now: portico_domain::Timestamp) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(&opts.url).ok_or(StoreError::Database(sqlx::Error::Configuration(
            "database url must start with sqlite:// or postgres://".into(),
        )))?;
        let url = match backend {
            Backend::Sqlite if !opts.url.contains('?') => format!("{}?mode=rwc", opts.url),
            _ => opts.url.clone(),
        };
        let pool = pool_options(backend, opts.max_connections).connect(&url).await?;
        migrate::run(&pool, backend, now).await?;
        let write_pool = match backend {
            Backend::Sqlite => pool_options(backend, 1).connect(&url).await?,
            Backend::Postgres => pool.clone(),
        };
        let keys = Arc::new(Keyring::load(&pool, backend, kek, now).await?);
        let sqlite_path = (backend == Backend::Sqlite).then(|| sqlite_file(&opts.url));
        let group = group_commit::GroupCommit::start(write_pool.clone(), backend, keys.clone(), sqlite_path.clone());
        let social_inbox = social::Inbox::start(write_pool.clone(), backend);
        let threads = live::hub();
        let mut notify = None;
        if backend == Backend::Postgres {
            live::relay(&opts.url, threads.clone());
            notify = Some(live::notifier(pool.clone()));
        }
        let store = Self {
            pool,
            write_pool,
            backend,
            sqlite_path,
            keys,
            group,
            notify_window_ms: opts.notify_window_ms.max(1),
            social_inbox,
            threads,
            notify,
        };
        store.backfill_name_tokens(now).await?;
        Ok(store)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Closes the pools (on shutdown), waiting for connections to return.
    pub async fn close(&self) {
        self.group.close();
        self.write_pool.close().await;
        self.pool.close().await;
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so two
    /// writers (the server and a CLI command) queue on `busy_timeout` instead of failing to
    /// upgrade a read lock half-way through.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.write_pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write_pool.begin().await?,
        })
    }
}

/// The file of a `sqlite://path?options` URL.
fn sqlite_file(url: &str) -> std::path::PathBuf {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    std::path::PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

fn pool_options(backend: Backend, max_connections: u32) -> AnyPoolOptions {
    let opts = AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(30));
    if backend != Backend::Sqlite {
        return opts;
    }
    opts.test_before_acquire(false).after_connect(|conn, _meta| {
        Box::pin(async move {
            for pragma in SQLITE_PRAGMAS {
                conn.execute(pragma).await?;
            }
            Ok(())
        })
    })
}

/// Every SQLite connection's settings. WAL lets readers proceed beside the writer; FULL syncs
/// the WAL on every commit so an acknowledged write survives power loss. The WAL is copied back
/// into the database every 10,000 pages (40 MB) rather than SQLite's 1,000: under load a page is
/// then written back once for many commits that changed it (about +15 % messages per second in
/// the load benchmark).
const SQLITE_PRAGMAS: [&str; 6] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA secure_delete = ON",
    "PRAGMA wal_autocheckpoint = 10000",
];

/// Runs a pragma through rusqlite, whether it answers with a row or not.
fn sqlite_pragma(conn: &rusqlite::Connection, pragma: &str) -> Result<(), StoreError> {
    conn.query_row(pragma, [], |_| Ok(())).or_else(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Ok(()),
        e => Err(sink::sqlite_err(e)),
    })
}

/// A rusqlite connection that writes, with the same settings as the pools' connections, and
/// its statement journals in memory: a multi-row insert inside a transaction first copies every
/// page it changes into one, and past 64 KiB SQLite spills it to a temporary file (a fifth of
/// the writer's time in the load benchmark). Its statements are small; nothing it runs sorts.
fn open_sqlite_writer(path: &std::path::Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open(path).map_err(sink::sqlite_err)?;
    for pragma in SQLITE_PRAGMAS.iter().chain(&["PRAGMA temp_store = MEMORY"]) {
        sqlite_pragma(&conn, pragma)?;
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`] naming `what`.
fn conflict(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

fn parse_id<T: FromStr>(row: &AnyRow, col: &str) -> Result<T, StoreError> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|_| StoreError::Integrity("malformed id"))
}

/// Leases up to `limit` due rows of an outbox table (`notifications`, `social_actions`) to the
/// caller until `lease_until`: rows pending and due, or leased and the lease lapsed. Concurrent
/// workers never get the same row: SQLite writers are serialized, PostgreSQL skips rows another
/// transaction holds. Returns the `returning` columns of each row leased.
async fn lease_due(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &'static str,
    returning: &'static str,
    now: portico_domain::Timestamp,
    lease_until: portico_domain::Timestamp,
    limit: i64,
) -> Result<Vec<AnyRow>, StoreError> {
    let lock = if backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE {table} SET status = 'sending', lease_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM {table}
                      WHERE (status = 'pending' AND due_at <= $2) OR (status = 'sending' AND lease_until < $2)
                      ORDER BY due_at LIMIT $3 {lock})
         RETURNING {returning}"
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(lease_until.unix_millis())
        .bind(now.unix_millis())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?)
}

/// The first 8 bytes of a hash in hex (a short, non-secret key suffix).
fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Seals PHI text for `table.column` of `row`.
fn seal_text(
    key: &portico_crypto::DataKey,
    table: &str,
    column: &str,
    row: &str,
    text: &str,
) -> Result<Vec<u8>, StoreError> {
    Ok(key.seal(&portico_crypto::Aad::field(table, column, row), text.as_bytes())?.into_bytes())
}

/// Opens PHI text sealed by [`seal_text`]; an altered or moved value is an integrity error.
fn open_text(
    key: &portico_crypto::DataKey,
    table: &str,
    column: &'static str,
    row: &str,
    sealed: Vec<u8>,
) -> Result<portico_domain::PhiText, StoreError> {
    let plain = key
        .open(&portico_crypto::Aad::field(table, column, row), &portico_crypto::Sealed::from_bytes(sealed))
        .map_err(|_| StoreError::Integrity(column))?;
    String::from_utf8(plain).map(portico_domain::PhiText::new).map_err(|_| StoreError::Integrity(column))
}

//! A small migration runner. Each migration has one script per backend; a checksum of both is
//! recorded when it is applied, and start-up refuses a database whose applied migrations were
//! edited afterwards. On PostgreSQL an advisory lock keeps two nodes from migrating at once.

use portico_domain::Timestamp;
use sqlx::{AnyPool, Row};

use crate::{Backend, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sqlite: include_str!("../migrations/sqlite/0001_core.sql"),
        postgres: include_str!("../migrations/postgres/0001_core.sql"),
    },
    Migration {
        version: 2,
        name: "messaging",
        sqlite: include_str!("../migrations/sqlite/0002_messaging.sql"),
        postgres: include_str!("../migrations/postgres/0002_messaging.sql"),
    },
    Migration {
        version: 3,
        name: "audit_chain",
        sqlite: include_str!("../migrations/sqlite/0003_audit_chain.sql"),
        postgres: include_str!("../migrations/postgres/0003_audit_chain.sql"),
    },
    Migration {
        version: 4,
        name: "break_glass",
        sqlite: include_str!("../migrations/sqlite/0004_break_glass.sql"),
        postgres: include_str!("../migrations/postgres/0004_break_glass.sql"),
    },
    Migration {
        version: 5,
        name: "family_index",
        sqlite: include_str!("../migrations/sqlite/0005_family_index.sql"),
        postgres: include_str!("../migrations/postgres/0005_family_index.sql"),
    },
    Migration {
        version: 6,
        name: "disclosures",
        sqlite: include_str!("../migrations/sqlite/0006_disclosures.sql"),
        postgres: include_str!("../migrations/postgres/0006_disclosures.sql"),
    },
    Migration {
        version: 7,
        name: "vendors",
        sqlite: include_str!("../migrations/sqlite/0007_vendors.sql"),
        postgres: include_str!("../migrations/postgres/0007_vendors.sql"),
    },
    Migration {
        version: 8,
        name: "notifications",
        sqlite: include_str!("../migrations/sqlite/0008_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0008_notifications.sql"),
    },
    Migration {
        version: 9,
        name: "sms_opt_outs",
        sqlite: include_str!("../migrations/sqlite/0009_sms_opt_outs.sql"),
        postgres: include_str!("../migrations/postgres/0009_sms_opt_outs.sql"),
    },
    Migration {
        version: 10,
        name: "notification_preferences",
        sqlite: include_str!("../migrations/sqlite/0010_notification_preferences.sql"),
        postgres: include_str!("../migrations/postgres/0010_notification_preferences.sql"),
    },
    Migration {
        version: 11,
        name: "social",
        sqlite: include_str!("../migrations/sqlite/0011_social.sql"),
        postgres: include_str!("../migrations/postgres/0011_social.sql"),
    },
    Migration {
        version: 12,
        name: "testimonials",
        sqlite: include_str!("../migrations/sqlite/0012_testimonials.sql"),
        postgres: include_str!("../migrations/postgres/0012_testimonials.sql"),
    },
    Migration {
        version: 13,
        name: "known_devices",
        sqlite: include_str!("../migrations/sqlite/0013_known_devices.sql"),
        postgres: include_str!("../migrations/postgres/0013_known_devices.sql"),
    },
    Migration {
        version: 14,
        name: "settings",
        sqlite: include_str!("../migrations/sqlite/0014_settings.sql"),
        postgres: include_str!("../migrations/postgres/0014_settings.sql"),
    },
    Migration {
        version: 15,
        name: "recovery_codes",
        sqlite: include_str!("../migrations/sqlite/0015_recovery_codes.sql"),
        postgres: include_str!("../migrations/postgres/0015_recovery_codes.sql"),
    },
    Migration {
        version: 16,
        name: "passkeys",
        sqlite: include_str!("../migrations/sqlite/0016_passkeys.sql"),
        postgres: include_str!("../migrations/postgres/0016_passkeys.sql"),
    },
    Migration {
        version: 17,
        name: "name_tokens",
        sqlite: include_str!("../migrations/sqlite/0017_name_tokens.sql"),
        postgres: include_str!("../migrations/postgres/0017_name_tokens.sql"),
    },
    Migration {
        version: 18,
        name: "notification_digest",
        sqlite: include_str!("../migrations/sqlite/0018_notification_digest.sql"),
        postgres: include_str!("../migrations/postgres/0018_notification_digest.sql"),
    },
    Migration {
        version: 19,
        name: "staff_notices",
        sqlite: include_str!("../migrations/sqlite/0019_staff_notices.sql"),
        postgres: include_str!("../migrations/postgres/0019_staff_notices.sql"),
    },
    Migration {
        version: 20,
        name: "audit_patient_index",
        sqlite: include_str!("../migrations/sqlite/0020_audit_patient_index.sql"),
        postgres: include_str!("../migrations/postgres/0020_audit_patient_index.sql"),
    },
    Migration {
        version: 21,
        name: "idempotency_by_key",
        sqlite: include_str!("../migrations/sqlite/0021_idempotency_by_key.sql"),
        postgres: include_str!("../migrations/postgres/0021_idempotency_by_key.sql"),
    },
];

/// An arbitrary constant naming Portico's migration lock.
const PG_LOCK_KEY: i64 = 0x0070_6f72_7469_636f;

pub(crate) async fn run(pool: &AnyPool, backend: Backend, now: Timestamp) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)").bind(PG_LOCK_KEY).execute(&mut *conn).await?;
    }
    let result = apply_pending(&mut conn, backend, now).await;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(PG_LOCK_KEY).execute(&mut *conn).await?;
    }
    result
}

async fn apply_pending(conn: &mut sqlx::AnyConnection, backend: Backend, now: Timestamp) -> Result<(), StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS portico_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    for m in MIGRATIONS {
        let checksum = portico_crypto::hex(&portico_crypto::sha256(format!("{}\0{}", m.sqlite, m.postgres).as_bytes()));
        let applied = sqlx::query("SELECT checksum FROM portico_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = applied {
            let stored: String = row.try_get("checksum")?;
            if stored != checksum {
                return Err(StoreError::MigrationChanged(m.version));
            }
            continue;
        }
        let script = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::raw_sql(script).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO portico_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(m.version)
            .bind(m.name)
            .bind(checksum)
            .bind(now.unix_millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(migration.version = m.version, migration.name = m.name, "applied migration");
    }
    Ok(())
}

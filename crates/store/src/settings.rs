//! Settings an administrator changes while the clinic runs (the social bridge's credentials and
//! messages). Each group is one row, sealed whole under the `settings` system key, with a version
//! that every node polls to know when to reload. A save names the version it was made from, so
//! two administrators saving at once cannot silently overwrite each other.

use portico_crypto::{Aad, Sealed};
use portico_domain::Timestamp;
use portico_domain::audit::AuditRecord;
use sqlx::Row;

use crate::{Store, StoreError, audit};

/// A group of settings as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSetting {
    /// Starts at 1 and grows by one with each save.
    pub version: i64,
    /// The opened value (it may hold secrets).
    pub value: Vec<u8>,
    /// When it was last saved.
    pub updated_at: Timestamp,
}

impl std::fmt::Debug for StoredSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSetting").field("version", &self.version).finish_non_exhaustive()
    }
}

fn aad(name: &str) -> Aad {
    Aad::field("settings", "sealed", name)
}

impl Store {
    /// The version of a group of settings, if it was ever saved (cheap: for polling).
    pub async fn setting_version(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT version FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A group of settings, opened.
    pub async fn setting(&self, name: &str) -> Result<Option<StoredSetting>, StoreError> {
        let Some(row) = sqlx::query("SELECT sealed, version, updated_at FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let value = self
            .keys
            .settings
            .open(&aad(name), &Sealed::from_bytes(sealed))
            .map_err(|_| StoreError::Integrity("settings"))?;
        Ok(Some(StoredSetting {
            version: row.try_get("version")?,
            value,
            updated_at: Timestamp::from_unix_millis(row.try_get("updated_at")?),
        }))
    }

    /// Saves a group of settings made from version `from` (0: never saved), with its audit event
    /// (`rec` names the resource),
    /// and returns the new version. If someone saved in between, nothing changes and the answer
    /// is [`StoreError::Conflict`].
    pub async fn save_setting(
        &self,
        name: &str,
        value: &[u8],
        from: i64,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<i64, StoreError> {
        const CHANGED: &str = "a newer version of these settings";
        let sealed = self.keys.settings.seal(&aad(name), value)?.into_bytes();
        let mut tx = self.begin_write().await?;
        let version = from + 1;
        let done = if from == 0 {
            sqlx::query("INSERT INTO settings (name, sealed, version, updated_at) VALUES ($1, $2, $3, $4)")
                .bind(name)
                .bind(sealed)
                .bind(version)
                .bind(at.unix_millis())
                .execute(&mut *tx)
                .await
                .map_err(crate::conflict(CHANGED))?
        } else {
            sqlx::query(
                "UPDATE settings SET sealed = $1, version = $2, updated_at = $3 WHERE name = $4 AND version = $5",
            )
            .bind(sealed)
            .bind(version)
            .bind(at.unix_millis())
            .bind(name)
            .bind(from)
            .execute(&mut *tx)
            .await?
        };
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(CHANGED));
        }
        audit::insert(&mut tx, at, rec).await?;
        tx.commit().await?;
        Ok(version)
    }
}

//! Passkeys (WebAuthn credentials) of accounts, and the ceremonies under way. The credential
//! itself is kept as the JSON webauthn-rs gives (public key, signature counter): Portico reads it
//! back as a whole and never looks inside.

use portico_domain::Timestamp;
use portico_domain::audit::AuditRecord;
use portico_domain::session::AccountKind;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, audit, conflict};

/// A stored passkey.
#[derive(Clone, Debug)]
pub struct PasskeyRow {
    /// The credential id, base64url.
    pub credential_id: String,
    /// Whose it is.
    pub account_kind: AccountKind,
    /// The account's id.
    pub account_id: String,
    /// The name Portico gave it ("Passkey 2").
    pub name: String,
    /// webauthn-rs's serialised `Passkey`.
    pub passkey: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it last signed in.
    pub last_used_at: Option<Timestamp>,
}

/// A ceremony taken back by its finish.
#[derive(Clone, Debug)]
pub struct Ceremony {
    /// The account it was started for (registration, or a second-factor sign-in).
    pub account: Option<(AccountKind, String)>,
    /// webauthn-rs's serialised state.
    pub state: String,
}

const COLUMNS: &str = "credential_id, account_kind, account_id, name, passkey, created_at, last_used_at";

fn passkey_row(r: &AnyRow) -> Result<PasskeyRow, StoreError> {
    let kind: String = r.try_get("account_kind")?;
    Ok(PasskeyRow {
        credential_id: r.try_get("credential_id")?,
        account_kind: AccountKind::parse(&kind).ok_or(StoreError::Integrity("passkey account kind"))?,
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        passkey: r.try_get("passkey")?,
        created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
        last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(Timestamp::from_unix_millis),
    })
}

impl Store {
    /// Adds a passkey, with its audit event. A credential already registered (to this or any
    /// other account) is a conflict.
    pub async fn add_passkey(&self, row: &PasskeyRow, audit_rec: &AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO passkeys (credential_id, account_kind, account_id, name, passkey, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.credential_id)
        .bind(row.account_kind.as_str())
        .bind(&row.account_id)
        .bind(&row.name)
        .bind(&row.passkey)
        .bind(row.created_at.unix_millis())
        .execute(&mut *tx)
        .await
        .map_err(conflict("passkey"))?;
        audit::insert(&mut tx, row.created_at, audit_rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's passkeys, oldest first.
    pub async fn passkeys_of(&self, kind: AccountKind, account_id: &str) -> Result<Vec<PasskeyRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM passkeys WHERE account_kind = $1 AND account_id = $2 ORDER BY created_at, credential_id"
        );
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(kind.as_str()).bind(account_id).fetch_all(&self.pool).await?;
        rows.iter().map(passkey_row).collect()
    }

    /// The passkey with this credential id, whoever's it is.
    pub async fn passkey(&self, credential_id: &str) -> Result<Option<PasskeyRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(credential_id).fetch_optional(&self.pool).await?;
        row.as_ref().map(passkey_row).transpose()
    }

    /// Records a sign-in with a passkey, and its updated counter when it changed.
    pub async fn passkey_used(
        &self,
        credential_id: &str,
        updated: Option<&str>,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE passkeys SET last_used_at = $1, passkey = COALESCE($2, passkey) WHERE credential_id = $3")
            .bind(at.unix_millis())
            .bind(updated)
            .bind(credential_id)
            .execute(&self.write_pool)
            .await?;
        Ok(())
    }

    /// Removes one of an account's passkeys, with its audit event; false if it has no such key.
    pub async fn remove_passkey(
        &self,
        kind: AccountKind,
        account_id: &str,
        credential_id: &str,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("DELETE FROM passkeys WHERE account_kind = $1 AND account_id = $2 AND credential_id = $3")
                .bind(kind.as_str())
                .bind(account_id)
                .bind(credential_id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        audit::insert(&mut tx, at, audit_rec).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Keeps a ceremony's state until `expires_at`, and forgets every expired one.
    pub async fn put_ceremony(
        &self,
        id: &str,
        purpose: &str,
        account: Option<(AccountKind, &str)>,
        state: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
            .bind(now.unix_millis())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id, purpose, account_kind, account_id, state, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(purpose)
        .bind(account.map(|(k, _)| k.as_str()))
        .bind(account.map(|(_, a)| a))
        .bind(state)
        .bind(expires_at.unix_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a ceremony of this purpose that has not expired: it is deleted, so it is used once.
    pub async fn take_ceremony(&self, id: &str, purpose: &str, now: Timestamp) -> Result<Option<Ceremony>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE id = $1 AND purpose = $2
             RETURNING account_kind, account_id, state, expires_at",
        )
        .bind(id)
        .bind(purpose)
        .fetch_optional(&self.write_pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        if r.try_get::<i64, _>("expires_at")? <= now.unix_millis() {
            return Ok(None);
        }
        let kind: Option<String> = r.try_get("account_kind")?;
        let account_id: Option<String> = r.try_get("account_id")?;
        let account = match (kind.as_deref().and_then(AccountKind::parse), account_id) {
            (Some(k), Some(a)) => Some((k, a)),
            _ => None,
        };
        Ok(Some(Ceremony { account, state: r.try_get("state")? }))
    }
}

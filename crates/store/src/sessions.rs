//! Server-side sessions, keyed by the SHA-256 of the token: the token itself is never stored.

use portico_crypto::token::TokenHash;
use portico_domain::Timestamp;
use portico_domain::audit::AuditRecord;
use portico_domain::session::AccountKind;
use sqlx::Row;

use crate::{Store, StoreError, audit};

/// A stored session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// Staff or patient.
    pub kind: AccountKind,
    /// The account id as text.
    pub account_id: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_seen_at: Timestamp,
}

impl Store {
    /// Creates a session, first deleting `replaces` (the caller's previous session, if any) so
    /// that a login always yields a new session id. Audited with the login. `device` is the
    /// browser's device hash: a patient's sign-in from a device never seen before (other than
    /// their first) queues a new-sign-in notification in the same transaction.
    #[expect(clippy::too_many_arguments, reason = "one unit of work: the session, its device and its audit")]
    pub async fn create_session(
        &self,
        hash: &TokenHash,
        kind: AccountKind,
        account_id: &str,
        replaces: Option<&TokenHash>,
        device: Option<(&[u8], Option<portico_domain::PatientId>)>,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some((device, patient)) = device {
            let new = remember_device(&mut tx, kind, account_id, device, at).await?;
            if let (Some(patient), true) = (patient, new) {
                let key = format!("{}:{}", crate::hex_prefix(device), at.unix_millis());
                crate::notifications::enqueue_event(&mut tx, patient, "new_sign_in", &key, at).await?;
            }
        }
        if let Some(old) = replaces {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(old.as_bytes()).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO sessions (token_hash, account_kind, account_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(hash.as_bytes())
            .bind(kind.as_str())
            .bind(account_id)
            .bind(at.unix_millis())
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, at, audit_rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session with this token hash, if it exists.
    pub async fn session(&self, hash: &TokenHash) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT account_kind, account_id, created_at, last_seen_at FROM sessions WHERE token_hash = $1",
        )
        .bind(hash.as_bytes())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let kind: String = r.try_get("account_kind")?;
        Ok(Some(SessionRow {
            kind: AccountKind::parse(&kind).ok_or(StoreError::Integrity("session kind"))?,
            account_id: r.try_get("account_id")?,
            created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
            last_seen_at: Timestamp::from_unix_millis(r.try_get("last_seen_at")?),
        }))
    }

    /// Marks a session used at `at`.
    pub async fn touch_session(&self, hash: &TokenHash, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1")
            .bind(at.unix_millis())
            .bind(hash.as_bytes())
            .execute(&self.write_pool)
            .await?;
        Ok(())
    }

    /// An account's sessions, most recently used first, each with its token hash.
    pub async fn account_sessions(
        &self,
        kind: AccountKind,
        account_id: &str,
    ) -> Result<Vec<(Vec<u8>, SessionRow)>, StoreError> {
        let rows = sqlx::query(
            "SELECT token_hash, created_at, last_seen_at FROM sessions WHERE account_kind = $1 AND account_id = $2
             ORDER BY last_seen_at DESC",
        )
        .bind(kind.as_str())
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let row = SessionRow {
                    kind,
                    account_id: account_id.to_owned(),
                    created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                    last_seen_at: Timestamp::from_unix_millis(r.try_get("last_seen_at")?),
                };
                Ok((r.try_get("token_hash")?, row))
            })
            .collect()
    }

    /// Ends every session of an account but `keep`, audited once; returns how many ended.
    pub async fn end_account_sessions(
        &self,
        kind: AccountKind,
        account_id: &str,
        keep: Option<&TokenHash>,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let ended = end_others(&mut tx, kind, account_id, keep).await?;
        audit::insert(&mut tx, at, audit_rec).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// An account's password hash (an active account only).
    pub async fn password_hash(&self, kind: AccountKind, account_id: &str) -> Result<Option<String>, StoreError> {
        let sql = match kind {
            AccountKind::Staff => "SELECT password_hash FROM staff WHERE id = $1 AND deactivated_at IS NULL",
            AccountKind::Patient => "SELECT password_hash FROM patient_accounts WHERE id = $1",
        };
        Ok(sqlx::query_scalar(sql).bind(account_id).fetch_optional(&self.pool).await?)
    }

    /// Replaces an account's password and ends its sessions but `keep`, in one transaction with
    /// its audit event; returns how many sessions ended.
    pub async fn set_password(
        &self,
        kind: AccountKind,
        account_id: &str,
        hash: &str,
        keep: &TokenHash,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<u64, StoreError> {
        let sql = match kind {
            AccountKind::Staff => "UPDATE staff SET password_hash = $1 WHERE id = $2",
            AccountKind::Patient => "UPDATE patient_accounts SET password_hash = $1 WHERE id = $2",
        };
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(sql).bind(hash).bind(account_id).execute(&mut *tx).await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound("account"));
        }
        let ended = end_others(&mut tx, kind, account_id, Some(keep)).await?;
        audit::insert(&mut tx, at, audit_rec).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Ends a session (logout or expiry), audited. Returns whether it existed.
    pub async fn end_session(
        &self,
        hash: &TokenHash,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(hash.as_bytes()).execute(&mut *tx).await?;
        if done.rows_affected() == 1 {
            audit::insert(&mut tx, at, audit_rec).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

async fn end_others(
    conn: &mut sqlx::AnyConnection,
    kind: AccountKind,
    account_id: &str,
    keep: Option<&TokenHash>,
) -> Result<u64, StoreError> {
    let done = match keep {
        Some(k) => {
            sqlx::query("DELETE FROM sessions WHERE account_kind = $1 AND account_id = $2 AND token_hash <> $3")
                .bind(kind.as_str())
                .bind(account_id)
                .bind(k.as_bytes())
                .execute(&mut *conn)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM sessions WHERE account_kind = $1 AND account_id = $2")
                .bind(kind.as_str())
                .bind(account_id)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(done.rows_affected())
}

/// Records that the account signed in from `device`; true if the device is new and the
/// account had signed in from another before (the first device is not news).
async fn remember_device(
    conn: &mut sqlx::AnyConnection,
    kind: AccountKind,
    account_id: &str,
    device: &[u8],
    at: Timestamp,
) -> Result<bool, StoreError> {
    let seen = sqlx::query(
        "UPDATE known_devices SET last_seen = $1 WHERE account_kind = $2 AND account_id = $3 AND device_hash = $4",
    )
    .bind(at.unix_millis())
    .bind(kind.as_str())
    .bind(account_id)
    .bind(device)
    .execute(&mut *conn)
    .await?;
    if seen.rows_affected() > 0 {
        return Ok(false);
    }
    let others = sqlx::query("SELECT 1 FROM known_devices WHERE account_kind = $1 AND account_id = $2 LIMIT 1")
        .bind(kind.as_str())
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    sqlx::query(
        "INSERT INTO known_devices (account_kind, account_id, device_hash, first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(kind.as_str())
    .bind(account_id)
    .bind(device)
    .bind(at.unix_millis())
    .execute(&mut *conn)
    .await?;
    Ok(others)
}

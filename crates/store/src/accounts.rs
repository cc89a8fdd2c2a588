//! Patient portal accounts (logins) and proxy links. The login email is PHI (it identifies a
//! patient): it is sealed under the patient's data key and found through a blind index.
//! TOTP secrets of every account are sealed under the `auth_secrets` system key.

use portico_crypto::{Aad, Sealed};
use portico_domain::actor::PatientActor;
use portico_domain::audit::AuditRecord;
use portico_domain::patient::EmailAddress;
use portico_domain::session::AccountKind;
use portico_domain::{AccountId, PatientId, Timestamp};
use serde::Serialize;
use sqlx::Row;

use crate::patients::ACCOUNT_EMAIL_INDEX;
use crate::{Store, StoreError, audit, conflict, parse_id};

/// What login needs to know about a patient account.
#[derive(Clone)]
pub struct AccountAuth {
    /// The account.
    pub id: AccountId,
    /// Its own patient record.
    pub patient_id: PatientId,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The opened TOTP secret, if enrolled.
    pub totp_secret: Option<Vec<u8>>,
}

impl std::fmt::Debug for AccountAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccountAuth({})", self.id)
    }
}

/// A proxy link in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProxyLink {
    /// The patient acted for.
    pub patient_id: PatientId,
    /// `parent`, `guardian` or `caregiver`.
    pub relationship: String,
    /// When the link ends (Unix ms), if it does.
    pub ends_at: Option<i64>,
}

fn table(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Staff => "staff",
        AccountKind::Patient => "patient_accounts",
    }
}

fn totp_aad(kind: AccountKind, id: &str, column: &str) -> Aad {
    Aad::field(table(kind), column, id)
}

impl Store {
    /// The credentials of the patient account with this email.
    pub async fn account_auth_by_email(&self, email: &EmailAddress) -> Result<Option<AccountAuth>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT id, patient_id, password_hash, totp_secret FROM patient_accounts WHERE email_index = $1",
        )
        .bind(self.keys.blind.index(ACCOUNT_EMAIL_INDEX, email.expose()))
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id: AccountId = parse_id(&row, "id")?;
        let totp_secret =
            self.open_totp(AccountKind::Patient, &id.to_string(), "totp_secret", row.try_get("totp_secret")?)?;
        Ok(Some(AccountAuth {
            id,
            patient_id: parse_id(&row, "patient_id")?,
            password_hash: row.try_get("password_hash")?,
            totp_secret,
        }))
    }

    /// The account as an actor, with the proxy links in force at `now`.
    pub async fn patient_actor(&self, id: AccountId, now: Timestamp) -> Result<Option<PatientActor>, StoreError> {
        let Some(row) = sqlx::query("SELECT patient_id FROM patient_accounts WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let acts_for = self.proxy_links(id, now).await?.into_iter().map(|l| l.patient_id).collect();
        Ok(Some(PatientActor { account_id: id, patient_id: parse_id(&row, "patient_id")?, acts_for }))
    }

    /// Proxy links of an account in force at `now`.
    pub async fn proxy_links(&self, id: AccountId, now: Timestamp) -> Result<Vec<ProxyLink>, StoreError> {
        let rows = sqlx::query(
            "SELECT patient_id, relationship, ends_at FROM proxy_links WHERE account_id = $1 AND (ends_at IS NULL OR ends_at > $2)
             ORDER BY created_at",
        )
        .bind(id.to_string())
        .bind(now.unix_millis())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProxyLink {
                    patient_id: parse_id(r, "patient_id")?,
                    relationship: r.try_get("relationship")?,
                    ends_at: r.try_get("ends_at")?,
                })
            })
            .collect()
    }

    /// Lets an account act for another patient (parent, guardian, caregiver) until `ends_at`.
    pub async fn link_proxy(
        &self,
        link: &ProxyLink,
        account: AccountId,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO proxy_links (account_id, patient_id, relationship, ends_at, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(account.to_string())
            .bind(link.patient_id.to_string())
            .bind(&link.relationship)
            .bind(link.ends_at)
            .bind(at.unix_millis())
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound("account or patient"),
                _ => conflict("this proxy link")(e),
            })?;
        audit::insert(&mut tx, at, &audit_rec.clone().patient(link.patient_id).resource(account)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that TOTP time step `step` was used by an account of `kind`; false on replay.
    /// Atomic, so two racing logins with one code cannot both pass.
    pub async fn claim_totp_step(&self, kind: AccountKind, id: &str, step: i64) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
            table(kind)
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(step).bind(id).execute(&self.write_pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces an account's recovery codes with these hashes, with its audit event.
    pub async fn replace_recovery_codes(
        &self,
        kind: AccountKind,
        id: &str,
        hashes: &[Vec<u8>],
        at: Timestamp,
        audit_rec: &portico_domain::audit::AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_kind = $1 AND account_id = $2")
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for h in hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (account_kind, account_id, code_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(kind.as_str())
            .bind(id)
            .bind(h.as_slice())
            .bind(at.unix_millis())
            .execute(&mut *tx)
            .await?;
        }
        crate::audit::insert(&mut tx, at, audit_rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a recovery code: true if it was the account's and unused (atomically, so two
    /// racing sign-ins cannot both use it).
    pub async fn use_recovery_code(
        &self,
        kind: AccountKind,
        id: &str,
        hash: &[u8],
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1
             WHERE account_kind = $2 AND account_id = $3 AND code_hash = $4 AND used_at IS NULL",
        )
        .bind(at.unix_millis())
        .bind(kind.as_str())
        .bind(id)
        .bind(hash)
        .execute(&self.write_pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many unused recovery codes an account has.
    pub async fn recovery_codes_left(&self, kind: AccountKind, id: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_kind = $1 AND account_id = $2 AND used_at IS NULL",
        )
        .bind(kind.as_str())
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Stores a TOTP secret awaiting confirmation (enrollment step one).
    pub async fn set_pending_totp(&self, kind: AccountKind, id: &str, secret: &[u8]) -> Result<(), StoreError> {
        let sealed = self.keys.auth_secrets.seal(&totp_aad(kind, id, "totp_pending"), secret)?;
        let sql = format!("UPDATE {} SET totp_pending = $1 WHERE id = $2", table(kind));
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(sealed.into_bytes()).bind(id).execute(&self.write_pool).await?;
        Ok(())
    }

    /// The TOTP secret awaiting confirmation, if any.
    pub async fn pending_totp(&self, kind: AccountKind, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sql = format!("SELECT totp_pending FROM {} WHERE id = $1", table(kind));
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        match row {
            Some(r) => self.open_totp(kind, id, "totp_pending", r.try_get("totp_pending")?),
            None => Ok(None),
        }
    }

    /// Makes the pending secret the account's TOTP secret (enrollment step two), audited.
    pub async fn confirm_totp(
        &self,
        kind: AccountKind,
        id: &str,
        secret: &[u8],
        step: i64,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let sealed = self.keys.auth_secrets.seal(&totp_aad(kind, id, "totp_secret"), secret)?;
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE {} SET totp_secret = $1, totp_pending = NULL, totp_last_step = $2 WHERE id = $3",
            table(kind)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(sealed.into_bytes()).bind(step).bind(id).execute(&mut *tx).await?;
        audit::insert(&mut tx, at, audit_rec).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) fn open_totp(
        &self,
        kind: AccountKind,
        id: &str,
        column: &str,
        sealed: Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        sealed
            .map(|b| {
                self.keys
                    .auth_secrets
                    .open(&totp_aad(kind, id, column), &Sealed::from_bytes(b))
                    .map_err(|_| StoreError::Integrity("TOTP secret"))
            })
            .transpose()
    }
}

impl Store {
    /// Whether the account has a confirmed TOTP second factor.
    pub async fn totp_enrolled(&self, kind: AccountKind, id: &str) -> Result<bool, StoreError> {
        let sql = format!("SELECT totp_secret IS NOT NULL AS enrolled FROM {} WHERE id = $1", table(kind));
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(r) => {
                r.try_get::<i64, _>("enrolled").or_else(|_| r.try_get::<bool, _>("enrolled").map(i64::from))? != 0
            }
            None => false,
        })
    }
}

//! The key hierarchy in storage: system keys (blind index, staff secrets) and one data key per
//! patient, each wrapped under the KEK with associated data naming what it is. Rotation
//! re-wraps them all under a new KEK in one transaction; shredding deletes a patient's data key.

use portico_crypto::blind::BlindIndexKey;
use portico_crypto::{Aad, DataKey, Kek, Sealed};
use portico_domain::{PatientId, Timestamp};
use sqlx::{AnyPool, Row};

use crate::{Backend, Store, StoreError};

const BLIND_INDEX: &str = "blind_index";
const AUTH_SECRETS: &str = "auth_secrets";
const SOCIAL_DATA: &str = "social_data";
const SETTINGS: &str = "settings";

/// The KEK and the unwrapped system keys, held for the life of the process.
pub(crate) struct Keyring {
    pub(crate) kek: Kek,
    pub(crate) blind: BlindIndexKey,
    pub(crate) auth_secrets: DataKey,
    /// Seals what the social bridge keeps (senders and texts of people who are not, or not
    /// known to be, patients).
    pub(crate) social: DataKey,
    /// Seals the settings administrators change at run time (they hold the clinic's API
    /// credentials).
    pub(crate) settings: DataKey,
}

fn system_aad(purpose: &str) -> Aad {
    Aad::field("system_keys", "wrapped", purpose)
}

pub(crate) fn patient_key_aad(patient: PatientId) -> Aad {
    Aad::field("patient_keys", "wrapped_key", &patient.to_string())
}

impl Keyring {
    pub(crate) async fn load(pool: &AnyPool, backend: Backend, kek: Kek, now: Timestamp) -> Result<Self, StoreError> {
        let blind = system_key(pool, backend, &kek, BLIND_INDEX, now).await?;
        let auth_secrets = system_key(pool, backend, &kek, AUTH_SECRETS, now).await?;
        let social = system_key(pool, backend, &kek, SOCIAL_DATA, now).await?;
        let settings = system_key(pool, backend, &kek, SETTINGS, now).await?;
        Ok(Self { kek, blind: BlindIndexKey::new(blind), auth_secrets, social, settings })
    }

    /// Unwraps a patient's data key read from `patient_keys`.
    pub(crate) fn unwrap_patient(
        &self,
        patient: PatientId,
        wrapped: Vec<u8>,
        kek_id: &str,
    ) -> Result<DataKey, StoreError> {
        self.check_kek(kek_id)?;
        self.kek
            .unwrap_key(&patient_key_aad(patient), &Sealed::from_bytes(wrapped))
            .map_err(|_| StoreError::Integrity("patient data key"))
    }

    fn check_kek(&self, kek_id: &str) -> Result<(), StoreError> {
        if kek_id == self.kek.id() {
            Ok(())
        } else {
            Err(StoreError::WrongKek { found: kek_id.to_owned(), expected: self.kek.id().to_owned() })
        }
    }
}

/// Reads a system key, creating it on first start. Two processes starting at once may race
/// to create it: the insert ignores a conflict and the winner's key is read back.
async fn system_key(
    pool: &AnyPool,
    backend: Backend,
    kek: &Kek,
    purpose: &str,
    now: Timestamp,
) -> Result<DataKey, StoreError> {
    let fresh = DataKey::generate()?;
    let wrapped = kek.wrap(&system_aad(purpose), &fresh)?;
    let insert = match backend {
        Backend::Sqlite => {
            "INSERT OR IGNORE INTO system_keys (purpose, wrapped, kek_id, created_at) VALUES ($1, $2, $3, $4)"
        }
        Backend::Postgres => {
            "INSERT INTO system_keys (purpose, wrapped, kek_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (purpose) DO NOTHING"
        }
    };
    sqlx::query(insert)
        .bind(purpose)
        .bind(wrapped.into_bytes())
        .bind(kek.id())
        .bind(now.unix_millis())
        .execute(pool)
        .await?;
    let row =
        sqlx::query("SELECT wrapped, kek_id FROM system_keys WHERE purpose = $1").bind(purpose).fetch_one(pool).await?;
    let kek_id: String = row.try_get("kek_id")?;
    if kek_id != kek.id() {
        return Err(StoreError::WrongKek { found: kek_id, expected: kek.id().to_owned() });
    }
    let stored: Vec<u8> = row.try_get("wrapped")?;
    kek.unwrap_key(&system_aad(purpose), &Sealed::from_bytes(stored)).map_err(|_| StoreError::Integrity("system key"))
}

/// What a key rotation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationReport {
    /// Patient data keys re-wrapped.
    pub patient_keys: u64,
    /// System keys re-wrapped.
    pub system_keys: u64,
    /// The new KEK's id.
    pub new_kek_id: String,
}

impl Store {
    /// Re-wraps every data key under `new_kek`, in one transaction with its audit event. After
    /// it commits, only the new key file opens this database.
    pub async fn rotate_kek(
        &self,
        new_kek: &Kek,
        audit: &portico_domain::audit::AuditRecord,
        now: Timestamp,
    ) -> Result<RotationReport, StoreError> {
        let kek = &self.keys.kek;
        let mut tx = self.begin_write().await?;
        let mut system_keys = 0;
        for row in sqlx::query("SELECT purpose, wrapped, kek_id FROM system_keys").fetch_all(&mut *tx).await? {
            let purpose: String = row.try_get("purpose")?;
            self.keys.check_kek(&row.try_get::<String, _>("kek_id")?)?;
            let key = kek
                .unwrap_key(&system_aad(&purpose), &Sealed::from_bytes(row.try_get("wrapped")?))
                .map_err(|_| StoreError::Integrity("system key"))?;
            let rewrapped = new_kek.wrap(&system_aad(&purpose), &key)?;
            sqlx::query("UPDATE system_keys SET wrapped = $1, kek_id = $2 WHERE purpose = $3")
                .bind(rewrapped.into_bytes())
                .bind(new_kek.id())
                .bind(&purpose)
                .execute(&mut *tx)
                .await?;
            system_keys += 1;
        }
        let mut patient_keys = 0;
        for row in sqlx::query("SELECT patient_id, wrapped_key, kek_id FROM patient_keys").fetch_all(&mut *tx).await? {
            let patient: PatientId = crate::parse_id(&row, "patient_id")?;
            let key =
                self.keys.unwrap_patient(patient, row.try_get("wrapped_key")?, &row.try_get::<String, _>("kek_id")?)?;
            let rewrapped = new_kek.wrap(&patient_key_aad(patient), &key)?;
            sqlx::query("UPDATE patient_keys SET wrapped_key = $1, kek_id = $2 WHERE patient_id = $3")
                .bind(rewrapped.into_bytes())
                .bind(new_kek.id())
                .bind(patient.to_string())
                .execute(&mut *tx)
                .await?;
            patient_keys += 1;
        }
        crate::audit::insert(&mut tx, now, audit).await?;
        tx.commit().await?;
        Ok(RotationReport { patient_keys, system_keys, new_kek_id: new_kek.id().to_owned() })
    }

    /// Whether `other` carries this installation's audit signing key (a rotation must keep it,
    /// or earlier checkpoints would no longer verify).
    pub fn same_audit_key(&self, other: &Kek) -> bool {
        self.keys.kek.same_audit_key(other)
    }

    /// Destroys a patient's data key: every sealed field of theirs becomes unreadable for good.
    /// Retention and erasure work calls this; it is audited in the same transaction.
    pub async fn shred_patient_key(
        &self,
        patient: PatientId,
        audit: &portico_domain::audit::AuditRecord,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM patient_keys WHERE patient_id = $1")
            .bind(patient.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("patient data key"));
        }
        // The name's blind indexes go with the key: an erased patient cannot be found by name.
        sqlx::query("DELETE FROM patient_name_tokens WHERE patient_id = $1")
            .bind(patient.to_string())
            .execute(&mut *tx)
            .await?;
        crate::audit::insert(&mut tx, now, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads and unwraps a patient's data key inside a transaction.
    pub(crate) async fn patient_key(
        &self,
        conn: &mut sqlx::AnyConnection,
        patient: PatientId,
    ) -> Result<DataKey, StoreError> {
        load_patient_key(conn, &self.keys, patient).await
    }
}

/// Loads and unwraps a patient's data key on `conn`; a deleted key is [`StoreError::KeyShredded`].
pub(crate) async fn load_patient_key(
    conn: &mut sqlx::AnyConnection,
    keys: &Keyring,
    patient: PatientId,
) -> Result<DataKey, StoreError> {
    let row = sqlx::query("SELECT wrapped_key, kek_id FROM patient_keys WHERE patient_id = $1")
        .bind(patient.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::KeyShredded)?;
    keys.unwrap_patient(patient, row.try_get("wrapped_key")?, &row.try_get::<String, _>("kek_id")?)
}

//! HIPAA authorizations and testimonials. A testimonial's words are sealed under its patient's
//! data key; clearing one for publishing checks, in the same transaction, that an authorization
//! of that patient is in force; revoking an authorization withdraws what it cleared. Every
//! unit of work writes its audit event in its own transaction.

use portico_domain::audit::AuditRecord;
use portico_domain::testimonial::{Authorization, TestimonialStatus};
use portico_domain::vendor::{Date, parse_date};
use portico_domain::{PatientId, Timestamp, id};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::keys::load_patient_key;
use crate::{Store, StoreError, audit, open_text, seal_text};

/// An authorization as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAuthorization {
    /// Id.
    pub id: String,
    /// Whose.
    pub patient_id: String,
    /// The validated record.
    pub record: Authorization,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// A testimonial as staff see it: de-identified only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTestimonial {
    /// Id.
    pub id: String,
    /// Whose.
    pub patient_id: String,
    /// The text with names as initials and health terms removed.
    pub deidentified: String,
    /// Where it stands.
    pub status: TestimonialStatus,
    /// The authorization it was cleared under.
    pub authorization_id: Option<String>,
    /// When that authorization ends: publishing must stop then.
    pub authorization_expires_on: Option<Date>,
    /// When it was recorded.
    pub created_at: Timestamp,
}

/// Why a testimonial could not be cleared.
#[derive(Debug, thiserror::Error)]
pub enum ClearError {
    /// No such testimonial.
    #[error("no such testimonial")]
    NotFound,
    /// No authorization of the patient is in force today.
    #[error("no authorization in force")]
    NoAuthorization,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn date(row: &AnyRow, col: &str) -> Result<Date, StoreError> {
    parse_date("date", &row.try_get::<String, _>(col)?).map_err(|_| StoreError::Integrity("authorization date"))
}

fn authorization(row: &AnyRow) -> Result<StoredAuthorization, StoreError> {
    Ok(StoredAuthorization {
        id: row.try_get("id")?,
        patient_id: row.try_get("patient_id")?,
        record: Authorization {
            scope: row.try_get("scope")?,
            signed_on: date(row, "signed_on")?,
            expires_on: date(row, "expires_on")?,
            document_ref: row.try_get("document_ref")?,
        },
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(Timestamp::from_unix_millis),
    })
}

const AUTH_COLUMNS: &str = "id, patient_id, scope, signed_on, expires_on, document_ref, revoked_at";

impl Store {
    /// Records a signed authorization for a patient; audited.
    pub async fn record_authorization(
        &self,
        patient: PatientId,
        a: &Authorization,
        by: &str,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<String, StoreError> {
        let aid = id::new_v7(at).to_string();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO hipaa_authorizations (id, patient_id, purpose, scope, signed_on, expires_on, document_ref, created_at, created_by)
             VALUES ($1, $2, 'testimonial', $3, $4, $5, $6, $7, $8)",
        )
        .bind(&aid)
        .bind(patient.to_string())
        .bind(&a.scope)
        .bind(a.signed_on.to_string())
        .bind(a.expires_on.to_string())
        .bind(&a.document_ref)
        .bind(at.unix_millis())
        .bind(by)
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound("patient"),
            _ => StoreError::Database(e),
        })?;
        audit::insert(&mut tx, at, &rec.clone().patient(patient).resource(&aid)).await?;
        tx.commit().await?;
        Ok(aid)
    }

    /// A patient's authorizations, newest first; audited.
    pub async fn authorizations_of(
        &self,
        patient: PatientId,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<Vec<StoredAuthorization>, StoreError> {
        let mut tx = self.begin_write().await?;
        let sql =
            format!("SELECT {AUTH_COLUMNS} FROM hipaa_authorizations WHERE patient_id = $1 ORDER BY created_at DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(patient.to_string()).fetch_all(&mut *tx).await?;
        audit::insert(&mut tx, at, &rec.clone().patient(patient)).await?;
        tx.commit().await?;
        rows.iter().map(authorization).collect()
    }

    /// Revokes an authorization and withdraws every testimonial cleared under it; audited.
    /// Returns how many testimonials were withdrawn.
    pub async fn revoke_authorization(&self, aid: &str, at: Timestamp, rec: &AuditRecord) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT patient_id FROM hipaa_authorizations WHERE id = $1 AND revoked_at IS NULL")
            .bind(aid)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("authorization"))?;
        let patient: PatientId = crate::parse_id(&row, "patient_id")?;
        sqlx::query("UPDATE hipaa_authorizations SET revoked_at = $1 WHERE id = $2")
            .bind(at.unix_millis())
            .bind(aid)
            .execute(&mut *tx)
            .await?;
        let withdrawn = sqlx::query(
            "UPDATE testimonials SET status = 'withdrawn', updated_at = $1 WHERE authorization_id = $2 AND status = 'publishable'",
        )
        .bind(at.unix_millis())
        .bind(aid)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        audit::insert(&mut tx, at, &rec.clone().patient(patient).resource(aid)).await?;
        tx.commit().await?;
        Ok(withdrawn)
    }

    /// Records a testimonial: the words as given and de-identified, both sealed under the
    /// patient's key; audited.
    pub async fn create_testimonial(
        &self,
        patient: PatientId,
        original: &str,
        deidentified: &str,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<String, StoreError> {
        let tid = id::new_v7(at).to_string();
        let mut tx = self.begin_write().await?;
        let key = load_patient_key(&mut tx, &self.keys, patient).await?;
        sqlx::query(
            "INSERT INTO testimonials (id, patient_id, original, deidentified, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'draft', $5, $5)",
        )
        .bind(&tid)
        .bind(patient.to_string())
        .bind(seal_text(&key, "testimonials", "original", &tid, original)?)
        .bind(seal_text(&key, "testimonials", "deidentified", &tid, deidentified)?)
        .bind(at.unix_millis())
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, at, &rec.clone().patient(patient).resource(&tid)).await?;
        tx.commit().await?;
        Ok(tid)
    }

    /// Every testimonial, newest first, de-identified text only; one audit event per patient
    /// whose testimonial is shown.
    pub async fn testimonials(&self, at: Timestamp, rec: &AuditRecord) -> Result<Vec<StoredTestimonial>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT t.id, t.patient_id, t.deidentified, t.status, t.authorization_id, t.created_at, a.expires_on
             FROM testimonials t LEFT JOIN hipaa_authorizations a ON a.id = t.authorization_id
             ORDER BY t.created_at DESC LIMIT 500",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut patients = std::collections::BTreeSet::new();
        for r in &rows {
            let tid: String = r.try_get("id")?;
            let patient: PatientId = crate::parse_id(r, "patient_id")?;
            let key = match load_patient_key(&mut tx, &self.keys, patient).await {
                Ok(k) => k,
                Err(StoreError::KeyShredded) => continue,
                Err(e) => return Err(e),
            };
            let text = open_text(&key, "testimonials", "deidentified", &tid, r.try_get("deidentified")?)?;
            patients.insert(patient);
            out.push(StoredTestimonial {
                id: tid,
                patient_id: patient.to_string(),
                deidentified: text.expose().to_owned(),
                status: TestimonialStatus::parse(&r.try_get::<String, _>("status")?)
                    .ok_or(StoreError::Integrity("testimonials.status"))?,
                authorization_id: r.try_get("authorization_id")?,
                authorization_expires_on: match r.try_get::<Option<String>, _>("expires_on")? {
                    Some(_) => Some(date(r, "expires_on")?),
                    None => None,
                },
                created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
            });
        }
        let events: Vec<(Timestamp, AuditRecord)> =
            patients.into_iter().map(|p| (at, rec.clone().patient(p))).collect();
        audit::insert_many(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Clears a testimonial for publishing under an authorization of its patient in force on
    /// `today` (the one ending last); audited. Returns the authorization's id.
    pub async fn clear_testimonial(
        &self,
        tid: &str,
        today: Date,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<String, ClearError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT patient_id FROM testimonials WHERE id = $1")
            .bind(tid)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::from)?
            .ok_or(ClearError::NotFound)?;
        let patient: PatientId = crate::parse_id(&row, "patient_id")?;
        let sql = format!(
            "SELECT {AUTH_COLUMNS} FROM hipaa_authorizations WHERE patient_id = $1 AND revoked_at IS NULL ORDER BY expires_on DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(patient.to_string())
            .fetch_all(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        let mut in_force = None;
        for r in &rows {
            let a = authorization(r)?;
            if a.record.in_force(today, false) {
                in_force = Some(a.id);
                break;
            }
        }
        let Some(aid) = in_force else { return Err(ClearError::NoAuthorization) };
        sqlx::query(
            "UPDATE testimonials SET status = 'publishable', authorization_id = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(&aid)
        .bind(at.unix_millis())
        .bind(tid)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        audit::insert(&mut tx, at, &rec.clone().patient(patient).resource(tid)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(aid)
    }
}

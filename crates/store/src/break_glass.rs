//! Break-glass grants: a staff member's time-limited emergency access to one patient, with the
//! reason they gave (sealed), and the privacy officer's review of it.

use portico_domain::audit::AuditRecord;
use portico_domain::{PatientId, PhiText, StaffId, Timestamp};
use serde::Serialize;
use sqlx::Row;

use crate::{Store, StoreError, audit, open_text, parse_id, seal_text};

/// A grant as listed for review.
#[derive(Clone, Debug, Serialize)]
pub struct Grant {
    /// Id.
    pub id: String,
    /// Who broke the glass.
    pub staff_id: StaffId,
    /// Their name.
    pub staff_name: String,
    /// Whose record.
    pub patient_id: PatientId,
    /// The reason they gave (PHI).
    pub reason: PhiText,
    /// When.
    pub created_at: Timestamp,
    /// Until when.
    pub expires_at: Timestamp,
    /// `appropriate`, `inappropriate`, or none yet.
    pub verdict: Option<String>,
    /// The reviewer's note (PHI).
    pub review_note: Option<PhiText>,
}

impl Store {
    /// Records a grant, audited (purpose `emergency`) in the same transaction.
    pub async fn grant_break_glass(
        &self,
        staff: StaffId,
        patient: PatientId,
        reason: &str,
        at: Timestamp,
        expires_at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<String, StoreError> {
        let id = portico_domain::id::new_v7(at).to_string();
        let mut tx = self.begin_write().await?;
        let key = self.patient_key(&mut tx, patient).await.map_err(|e| match e {
            StoreError::KeyShredded => StoreError::NotFound("patient"),
            other => other,
        })?;
        sqlx::query("INSERT INTO break_glass_grants (id, staff_id, patient_id, reason, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id)
            .bind(staff.to_string())
            .bind(patient.to_string())
            .bind(seal_text(&key, "break_glass_grants", "reason", &id, reason)?)
            .bind(at.unix_millis())
            .bind(expires_at.unix_millis())
            .execute(&mut *tx)
            .await?;
        crate::staff_notices::alert_privacy_officers(&mut tx, &id, at).await?;
        audit::insert(&mut tx, at, &audit_rec.clone().patient(patient).resource(&id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Patients a staff member holds an unexpired grant for at `now`.
    pub async fn emergency_patients(&self, staff: StaffId, now: Timestamp) -> Result<Vec<PatientId>, StoreError> {
        let rows =
            sqlx::query("SELECT DISTINCT patient_id FROM break_glass_grants WHERE staff_id = $1 AND expires_at > $2")
                .bind(staff.to_string())
                .bind(now.unix_millis())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| parse_id(r, "patient_id")).collect()
    }

    /// Every grant, newest first, reasons opened; the listing is audited.
    pub async fn break_glass_grants(&self, at: Timestamp, audit_rec: &AuditRecord) -> Result<Vec<Grant>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT g.id, g.staff_id, s.name, g.patient_id, g.reason, g.created_at, g.expires_at, g.verdict, g.review_note
             FROM break_glass_grants g JOIN staff s ON s.id = g.staff_id ORDER BY g.created_at DESC LIMIT 500",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let patient: PatientId = parse_id(r, "patient_id")?;
            let key = self.patient_key(&mut tx, patient).await?;
            let note: Option<Vec<u8>> = r.try_get("review_note")?;
            out.push(Grant {
                staff_id: parse_id(r, "staff_id")?,
                staff_name: r.try_get("name")?,
                patient_id: patient,
                reason: open_text(&key, "break_glass_grants", "reason", &id, r.try_get("reason")?)?,
                created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                expires_at: Timestamp::from_unix_millis(r.try_get("expires_at")?),
                verdict: r.try_get("verdict")?,
                review_note: note.map(|n| open_text(&key, "break_glass_grants", "review_note", &id, n)).transpose()?,
                id,
            });
            audit::insert(&mut tx, at, &audit_rec.clone().patient(patient).resource(&out[out.len() - 1].id)).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Records the review of a grant, once; audited.
    pub async fn review_break_glass(
        &self,
        id: &str,
        reviewer: StaffId,
        verdict: &str,
        note: &str,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT patient_id, verdict FROM break_glass_grants WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("grant"))?;
        if row.try_get::<Option<String>, _>("verdict")?.is_some() {
            return Err(StoreError::Conflict("a review of this grant"));
        }
        let patient: PatientId = parse_id(&row, "patient_id")?;
        let key = self.patient_key(&mut tx, patient).await?;
        sqlx::query("UPDATE break_glass_grants SET verdict = $1, review_note = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5")
            .bind(verdict)
            .bind(seal_text(&key, "break_glass_grants", "review_note", id, note)?)
            .bind(reviewer.to_string())
            .bind(at.unix_millis())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, at, &audit_rec.clone().patient(patient).resource(id)).await?;
        tx.commit().await?;
        Ok(())
    }
}

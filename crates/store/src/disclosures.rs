//! Disclosures of PHI outside treatment, payment and operations, for the patient's accounting
//! (45 CFR 164.528). What was disclosed, to whom and why are sealed under the patient's key.

use portico_domain::audit::AuditRecord;
use portico_domain::{PatientId, PhiText, StaffId, Timestamp};
use serde::Serialize;
use sqlx::Row;

use crate::{Store, StoreError, audit, open_text, seal_text};

/// A disclosure to record.
#[derive(Clone, Debug)]
pub struct NewDisclosure {
    /// Whose PHI.
    pub patient: PatientId,
    /// When it was disclosed.
    pub disclosed_at: Timestamp,
    /// To whom (name and address where known).
    pub recipient: String,
    /// What was disclosed.
    pub description: String,
    /// Why (a brief statement of purpose).
    pub purpose: String,
}

/// A recorded disclosure (opened).
#[derive(Clone, Debug, Serialize)]
pub struct Disclosure {
    /// Id.
    pub id: String,
    /// Whose PHI.
    pub patient_id: PatientId,
    /// When.
    pub disclosed_at: Timestamp,
    /// To whom.
    pub recipient: PhiText,
    /// What.
    pub description: PhiText,
    /// Why.
    pub purpose: PhiText,
}

impl Store {
    /// Records a disclosure, audited.
    pub async fn record_disclosure(
        &self,
        d: &NewDisclosure,
        by: StaffId,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<String, StoreError> {
        let id = portico_domain::id::new_v7(at).to_string();
        let mut tx = self.begin_write().await?;
        let key = self.patient_key(&mut tx, d.patient).await.map_err(|e| match e {
            StoreError::KeyShredded => StoreError::NotFound("patient"),
            other => other,
        })?;
        let seal = |col: &str, text: &str| seal_text(&key, "disclosures", col, &id, text);
        sqlx::query(
            "INSERT INTO disclosures (id, patient_id, disclosed_at, recipient, description, purpose, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(d.patient.to_string())
        .bind(d.disclosed_at.unix_millis())
        .bind(seal("recipient", &d.recipient)?)
        .bind(seal("description", &d.description)?)
        .bind(seal("purpose", &d.purpose)?)
        .bind(by.to_string())
        .bind(at.unix_millis())
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, at, &audit_rec.clone().patient(d.patient).resource(&id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A patient's disclosures since `since`, oldest first; the read is audited.
    pub async fn disclosures(
        &self,
        patient: PatientId,
        since: Timestamp,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<Vec<Disclosure>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT id, disclosed_at, recipient, description, purpose FROM disclosures
             WHERE patient_id = $1 AND disclosed_at >= $2 ORDER BY disclosed_at, id",
        )
        .bind(patient.to_string())
        .bind(since.unix_millis())
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        if !rows.is_empty() {
            let key = self.patient_key(&mut tx, patient).await?;
            for r in &rows {
                let id: String = r.try_get("id")?;
                let open = |col: &'static str, v: Vec<u8>| open_text(&key, "disclosures", col, &id, v);
                out.push(Disclosure {
                    patient_id: patient,
                    disclosed_at: Timestamp::from_unix_millis(r.try_get("disclosed_at")?),
                    recipient: open("recipient", r.try_get("recipient")?)?,
                    description: open("description", r.try_get("description")?)?,
                    purpose: open("purpose", r.try_get("purpose")?)?,
                    id,
                });
            }
        }
        audit::insert(&mut tx, at, &audit_rec.clone().patient(patient).resource(patient)).await?;
        tx.commit().await?;
        Ok(out)
    }
}

//! The registry of vendors and their business associate agreements. Every change is audited
//! in the same transaction.

use portico_domain::audit::AuditRecord;
use portico_domain::vendor::Date;
use portico_domain::vendor::{AgreementStatus, VendorRecord};
use portico_domain::{Timestamp, id};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, audit};

/// A vendor as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vendor {
    /// Id.
    pub id: String,
    /// The validated record.
    pub record: VendorRecord,
    /// Last change.
    pub updated_at: Timestamp,
}

fn date_column(row: &AnyRow, col: &str) -> Result<Option<Date>, StoreError> {
    let v: Option<String> = row.try_get(col)?;
    v.map(|s| {
        portico_domain::vendor::parse_date("date", &s)
            .map_err(|_| StoreError::Integrity("vendors: a date column holds something else"))
    })
    .transpose()
}

fn vendor(row: &AnyRow) -> Result<Vendor, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(Vendor {
        id: row.try_get("id")?,
        record: VendorRecord {
            name: row.try_get("name")?,
            service: row.try_get("service")?,
            baa_signed_on: date_column(row, "baa_signed_on")?,
            baa_expires_on: date_column(row, "baa_expires_on")?,
            document_ref: row.try_get("document_ref")?,
            status: AgreementStatus::parse(&status).map_err(|_| StoreError::Integrity("vendors.status"))?,
        },
        updated_at: Timestamp::from_unix_millis(row.try_get("updated_at")?),
    })
}

/// Names are unique regardless of case and surrounding spaces.
fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn iso(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Binds a record's seven columns, then the change time and the id ($1 to $9), for both the
/// insert and the update.
fn bind_record<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    v: &'q VendorRecord,
    at: Timestamp,
    id: &'q str,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(&v.name)
        .bind(name_key(&v.name))
        .bind(&v.service)
        .bind(iso(v.baa_signed_on))
        .bind(iso(v.baa_expires_on))
        .bind(&v.document_ref)
        .bind(v.status.as_str())
        .bind(at.unix_millis())
        .bind(id)
}

impl Store {
    /// Records a vendor; a name already in the registry is a conflict.
    pub async fn create_vendor(
        &self,
        v: &VendorRecord,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<String, StoreError> {
        let vid = id::new_v7(at).to_string();
        let mut tx = self.begin_write().await?;
        let q = sqlx::query(
            "INSERT INTO vendors (name, name_key, service, baa_signed_on, baa_expires_on, document_ref, status, updated_at, id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)",
        );
        bind_record(q, v, at, &vid).execute(&mut *tx).await.map_err(crate::conflict("a vendor with this name"))?;
        audit::insert(&mut tx, at, &rec.clone().resource(&vid)).await?;
        tx.commit().await?;
        Ok(vid)
    }

    /// Replaces a vendor's record.
    pub async fn update_vendor(
        &self,
        vid: &str,
        v: &VendorRecord,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let q = sqlx::query(
            "UPDATE vendors SET name = $1, name_key = $2, service = $3, baa_signed_on = $4, baa_expires_on = $5,
                document_ref = $6, status = $7, updated_at = $8 WHERE id = $9",
        );
        let done =
            bind_record(q, v, at, vid).execute(&mut *tx).await.map_err(crate::conflict("a vendor with this name"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("vendor"));
        }
        audit::insert(&mut tx, at, &rec.clone().resource(vid)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One vendor.
    pub async fn vendor(&self, vid: &str) -> Result<Option<Vendor>, StoreError> {
        let row = sqlx::query("SELECT * FROM vendors WHERE id = $1").bind(vid).fetch_optional(&self.pool).await?;
        row.as_ref().map(vendor).transpose()
    }

    /// A vendor by name (any case).
    pub async fn vendor_named(&self, name: &str) -> Result<Option<Vendor>, StoreError> {
        let row = sqlx::query("SELECT * FROM vendors WHERE name_key = $1")
            .bind(name_key(name))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(vendor).transpose()
    }

    /// Every vendor, by name.
    pub async fn vendors(&self) -> Result<Vec<Vendor>, StoreError> {
        let rows = sqlx::query("SELECT * FROM vendors ORDER BY name_key").fetch_all(&self.pool).await?;
        rows.iter().map(vendor).collect()
    }
}

//! Appending audit events inside a unit of work's transaction, and reading them back.
//! Events hold ids and fixed words only. The table refuses UPDATE and DELETE (triggers).

use portico_domain::Timestamp;
use portico_domain::audit::AuditRecord;
use sqlx::{AnyConnection, Row};

use crate::sink::{Sink, Stmt, Val};
use crate::{Store, StoreError};

/// Appends `rec` at time `at` on the given transaction's connection.
pub(crate) async fn insert(conn: &mut AnyConnection, at: Timestamp, rec: &AuditRecord) -> Result<(), StoreError> {
    let q = sqlx::query(
        "INSERT INTO audit_events (at, actor_id, actor_role, action, patient_id, resource_type, resource_id,
            purpose, outcome, source_ip, session_hash, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    );
    bind_event(q, at, rec).execute(conn).await?;
    Ok(())
}

/// Binds the twelve columns of one audit event, in table order.
fn bind_event<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    at: Timestamp,
    rec: &AuditRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    crate::sink::bind_all(q, event_vals(at, rec).into())
}

/// An event's values in the order of the insert's columns.
fn event_vals(at: Timestamp, rec: &AuditRecord) -> [Val; 12] {
    [
        at.unix_millis().into(),
        rec.actor_id.clone().into(),
        rec.actor_role.clone().into(),
        rec.action.into(),
        rec.patient_id.map(|p| p.to_string()).into(),
        rec.resource_type.into(),
        rec.resource_id.clone().into(),
        rec.purpose.as_str().into(),
        rec.outcome.as_str().into(),
        rec.context.source_ip.clone().into(),
        rec.context.session_hash.clone().into(),
        rec.context.request_id.clone().into(),
    ]
}

/// An audit event as stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StoredAuditEvent {
    /// Position in the log.
    pub seq: i64,
    /// When (Unix ms).
    pub at: i64,
    /// Actor id.
    pub actor_id: String,
    /// Actor role.
    pub actor_role: String,
    /// Action name.
    pub action: String,
    /// Patient concerned.
    pub patient_id: Option<String>,
    /// Resource type.
    pub resource_type: String,
    /// Resource id.
    pub resource_id: Option<String>,
    /// Purpose of use.
    pub purpose: String,
    /// `success` or `failure`.
    pub outcome: String,
}

impl Store {
    /// Appends one audit event on its own (for events that change nothing else, e.g. a failed
    /// login).
    pub async fn append_audit(&self, at: Timestamp, rec: &AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert(&mut tx, at, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The most recent `limit` events, newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<StoredAuditEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_id, actor_role, action, patient_id, resource_type, resource_id, purpose, outcome
             FROM audit_events ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredAuditEvent {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_role: r.try_get("actor_role")?,
                    action: r.try_get("action")?,
                    patient_id: r.try_get("patient_id")?,
                    resource_type: r.try_get("resource_type")?,
                    resource_id: r.try_get("resource_id")?,
                    purpose: r.try_get("purpose")?,
                    outcome: r.try_get("outcome")?,
                })
            })
            .collect()
    }
}

/// Appends many events with multi-row inserts (the group-commit writer's fast path).
pub(crate) async fn insert_many(conn: &mut impl Sink, events: &[(Timestamp, AuditRecord)]) -> Result<(), StoreError> {
    let stmts = insert_many_stmts(conn.params(), events);
    conn.execute_all(stmts).await
}

/// The statements of [`insert_many`].
pub(crate) fn insert_many_stmts(params: crate::batch::Params, events: &[(Timestamp, AuditRecord)]) -> Vec<Stmt> {
    let head = "INSERT INTO audit_events (at, actor_id, actor_role, action, patient_id, resource_type, resource_id,
        purpose, outcome, source_ip, session_hash, request_id)";
    crate::batch::inserts(params, head, "", 12, events, |q, (at, rec)| {
        for v in event_vals(*at, rec) {
            q.push(v);
        }
    })
}

/// Records which patient each of these sealed events concerns (the sealer's transaction).
/// Sorted first, so each page of the index is visited once per batch.
pub(crate) async fn index_patients(conn: &mut AnyConnection, concern: &mut [(String, i64)]) -> Result<(), StoreError> {
    concern.sort_unstable();
    let params = crate::batch::Params::of(conn);
    for chunk in crate::batch::pow2_chunks(concern, params.rows_per_statement(2)) {
        let sql = format!("INSERT INTO audit_patient_events (patient_id, seq) VALUES {}", params.rows(chunk.len(), 2));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (patient, seq) in chunk {
            q = q.bind(patient.as_str()).bind(*seq);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One access to a patient's data, for reports.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccessRow {
    /// Position in the log.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Actor id.
    pub actor_id: String,
    /// Staff name, when the actor is staff.
    pub actor_name: Option<String>,
    /// Actor role.
    pub actor_role: String,
    /// What was done.
    pub action: String,
    /// On what.
    pub resource_type: String,
    /// Which.
    pub resource_id: Option<String>,
    /// Why.
    pub purpose: String,
    /// Success or failure.
    pub outcome: String,
    /// From where.
    pub source_ip: Option<String>,
}

impl Store {
    /// Audit events about a patient in `[from, to)`, oldest first, with staff names;
    /// `staff_only` keeps accesses by staff (the patient's own view). Sealed events are found
    /// through `audit_patient_events`, the rest by scanning the unsealed tail of the log (the
    /// last few seconds: the server seals every 5 s). The event's own `patient_id` is checked
    /// again, so a row planted in the index cannot show one patient another's events.
    pub async fn patient_accesses(
        &self,
        patient: portico_domain::PatientId,
        from: Timestamp,
        to: Timestamp,
        staff_only: bool,
    ) -> Result<Vec<AccessRow>, StoreError> {
        let rows = sqlx::query(
            "WITH concern AS (
                 SELECT seq FROM audit_patient_events WHERE patient_id = $1
                 UNION ALL
                 SELECT seq FROM audit_events
                 WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_chain) AND patient_id = $1
             )
             SELECT e.seq, e.at, e.actor_id, s.name AS actor_name, e.actor_role, e.action, e.resource_type, e.resource_id,
                    e.purpose, e.outcome, e.source_ip
             FROM concern c JOIN audit_events e ON e.seq = c.seq LEFT JOIN staff s ON s.id = e.actor_id
             WHERE e.patient_id = $1 AND e.at >= $2 AND e.at < $3 AND ($4 = 0 OR s.id IS NOT NULL)
             ORDER BY e.seq LIMIT 50000",
        )
        .bind(patient.to_string())
        .bind(from.unix_millis())
        .bind(to.unix_millis())
        .bind(i64::from(staff_only))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AccessRow {
                    seq: r.try_get("seq")?,
                    at: Timestamp::from_unix_millis(r.try_get("at")?),
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    actor_role: r.try_get("actor_role")?,
                    action: r.try_get("action")?,
                    resource_type: r.try_get("resource_type")?,
                    resource_id: r.try_get("resource_id")?,
                    purpose: r.try_get("purpose")?,
                    outcome: r.try_get("outcome")?,
                    source_ip: r.try_get("source_ip")?,
                })
            })
            .collect()
    }
}

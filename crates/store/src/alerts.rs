//! Rules that flag accesses for the privacy officer's review, computed from the audit log over a
//! window: many distinct patients in an hour, repeated refusals, access outside working hours,
//! and a staff member opening the record of a patient with their own family name (compared
//! through blind indexes, so no name is decrypted).

use portico_domain::{PatientId, Timestamp};
use serde::Serialize;
use sqlx::Row;

use crate::patients::{FAMILY_NAME_INDEX, family_name};
use crate::{Store, StoreError};

const HOUR_MS: i64 = 3_600_000;
const PATIENT_DATA: &str = "('thread.read', 'thread.list', 'patient.read', 'attachment.download', 'thread.mark_read')";
const STAFF_ROLES: &str = "('admin', 'privacy_officer', 'clinician', 'nurse', 'front_desk', 'billing')";

/// Thresholds and working hours.
#[derive(Clone, Copy, Debug)]
pub struct AlertRules {
    /// More distinct patients than this in one hour is flagged.
    pub patients_per_hour: i64,
    /// This many refusals in one hour is flagged.
    pub denials_per_hour: i64,
    /// Working hours `[start, end)` in minutes after local midnight.
    pub working_minutes: (i64, i64),
    /// The clinic's offset from UTC, in minutes.
    pub utc_offset_minutes: i64,
}

/// One flagged pattern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// `many_patients`, `repeated_denials`, `after_hours` or `same_family_name`.
    pub rule: &'static str,
    /// Who.
    pub actor_id: String,
    /// Their name, when staff.
    pub actor_name: Option<String>,
    /// The patient concerned, for per-patient rules.
    pub patient_id: Option<PatientId>,
    /// Start of the hour (or the first access) concerned.
    pub at: Timestamp,
    /// How many (patients, refusals, accesses).
    pub count: i64,
}

impl Store {
    /// Alerts over `[from, to)`, oldest first.
    pub async fn alerts(&self, rules: AlertRules, from: Timestamp, to: Timestamp) -> Result<Vec<Alert>, StoreError> {
        let (f, t) = (from.unix_millis(), to.unix_millis());
        let mut out = Vec::new();
        let per_hour = |rule: &'static str, sql: String, threshold: i64| (rule, sql, threshold);
        for (rule, sql, threshold) in [
            per_hour(
                "many_patients",
                format!(
                    "SELECT e.actor_id, s.name, (e.at / {HOUR_MS}) AS hour, COUNT(DISTINCT e.patient_id) AS n
                     FROM audit_events e LEFT JOIN staff s ON s.id = e.actor_id
                     WHERE e.at >= $1 AND e.at < $2 AND e.patient_id IS NOT NULL AND e.outcome = 'success'
                       AND e.actor_role IN {STAFF_ROLES} AND e.action IN {PATIENT_DATA}
                     GROUP BY e.actor_id, s.name, (e.at / {HOUR_MS}) HAVING COUNT(DISTINCT e.patient_id) > $3"
                ),
                rules.patients_per_hour,
            ),
            per_hour(
                "repeated_denials",
                format!(
                    "SELECT e.actor_id, s.name, (e.at / {HOUR_MS}) AS hour, COUNT(*) AS n
                     FROM audit_events e LEFT JOIN staff s ON s.id = e.actor_id
                     WHERE e.at >= $1 AND e.at < $2 AND e.action = 'access.denied'
                     GROUP BY e.actor_id, s.name, (e.at / {HOUR_MS}) HAVING COUNT(*) >= $3"
                ),
                rules.denials_per_hour,
            ),
        ] {
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(f).bind(t).bind(threshold).fetch_all(&self.pool).await?;
            for r in &rows {
                out.push(Alert {
                    rule,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("name")?,
                    patient_id: None,
                    at: Timestamp::from_unix_millis(r.try_get::<i64, _>("hour")? * HOUR_MS),
                    count: r.try_get("n")?,
                });
            }
        }
        out.extend(self.after_hours(rules, f, t).await?);
        out.extend(self.same_family_name(f, t).await?);
        out.sort_by(|a, b| a.at.cmp(&b.at).then(a.rule.cmp(b.rule)));
        Ok(out)
    }

    async fn after_hours(&self, rules: AlertRules, f: i64, t: i64) -> Result<Vec<Alert>, StoreError> {
        let sql = format!(
            "SELECT e.actor_id, s.name, e.at FROM audit_events e LEFT JOIN staff s ON s.id = e.actor_id
             WHERE e.at >= $1 AND e.at < $2 AND e.patient_id IS NOT NULL AND e.actor_role IN {STAFF_ROLES}
               AND e.action IN {PATIENT_DATA} ORDER BY e.seq"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(f).bind(t).fetch_all(&self.pool).await?;
        // One alert per staff member and local day, with the number of accesses.
        let mut by_day: std::collections::BTreeMap<(String, i64), Alert> = std::collections::BTreeMap::new();
        for r in &rows {
            let at: i64 = r.try_get("at")?;
            let local = at + rules.utc_offset_minutes * 60_000;
            let minute = local.rem_euclid(24 * HOUR_MS) / 60_000;
            if minute >= rules.working_minutes.0 && minute < rules.working_minutes.1 {
                continue;
            }
            let actor: String = r.try_get("actor_id")?;
            let entry = by_day.entry((actor.clone(), local.div_euclid(24 * HOUR_MS))).or_insert(Alert {
                rule: "after_hours",
                actor_id: actor,
                actor_name: r.try_get("name")?,
                patient_id: None,
                at: Timestamp::from_unix_millis(at),
                count: 0,
            });
            entry.count += 1;
        }
        Ok(by_day.into_values().collect())
    }

    async fn same_family_name(&self, f: i64, t: i64) -> Result<Vec<Alert>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.actor_id, s.name, e.patient_id, p.family_index, MIN(e.at) AS first_at, COUNT(*) AS n
             FROM audit_events e JOIN staff s ON s.id = e.actor_id JOIN patients p ON p.id = e.patient_id
             WHERE e.at >= $1 AND e.at < $2 AND p.family_index IS NOT NULL
             GROUP BY e.actor_id, s.name, e.patient_id, p.family_index",
        )
        .bind(f)
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let name: String = r.try_get("name")?;
            let staff_family = family_name(&name);
            let patient_family: Vec<u8> = r.try_get("family_index")?;
            if staff_family.is_empty() || self.keys.blind.index(FAMILY_NAME_INDEX, &staff_family) != patient_family {
                continue;
            }
            out.push(Alert {
                rule: "same_family_name",
                actor_id: r.try_get("actor_id")?,
                actor_name: Some(name),
                patient_id: Some(crate::parse_id(r, "patient_id")?),
                at: Timestamp::from_unix_millis(r.try_get("first_at")?),
                count: r.try_get("n")?,
            });
        }
        Ok(out)
    }
}

//! E-mails to staff, each saying only that something waits behind a sign-in: the daily digest
//! of new threads in one's teams (one row per member and day, queued when it falls due), and
//! the privacy officers' alert of an emergency access to review (written in the grant's
//! transaction). Claimed and delivered like the patients' outbox.

use portico_domain::audit::AuditRecord;
use portico_domain::{StaffId, Timestamp};
use sqlx::Row;

use crate::notifications::Outcome;
use crate::{Store, StoreError, audit};

/// What a staff notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// New threads arrived in one's teams the day before.
    Digest,
    /// An emergency access was granted and waits for review.
    BreakGlass,
}

/// A staff notice claimed for delivery.
#[derive(Clone, Debug)]
pub struct ClaimedNotice {
    /// Id (also the e-mail's idempotency key).
    pub id: String,
    /// Whose.
    pub staff: StaffId,
    /// About what.
    pub kind: NoticeKind,
    /// When it fell due (a digest: the end of the day it covers).
    pub due_at: Timestamp,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

impl Store {
    /// Whether a staff member gets the daily digest.
    pub async fn staff_email_digest(&self, staff: StaffId) -> Result<bool, StoreError> {
        let v: Option<i64> = sqlx::query_scalar("SELECT CAST(email_digest AS BIGINT) FROM staff WHERE id = $1")
            .bind(staff.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(v == Some(1))
    }

    /// Turns a staff member's daily digest on or off; audited.
    pub async fn set_staff_email_digest(
        &self,
        staff: StaffId,
        on: bool,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE staff SET email_digest = $1 WHERE id = $2")
            .bind(i64::from(on))
            .bind(staff.to_string())
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, at, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues the digest due at `due` for every active member who asked for it (once: a
    /// second call for the same day adds nothing).
    pub async fn queue_staff_digests(&self, due: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO staff_notices (id, staff_id, kind, due_at, status)
             SELECT staff.id || $1, staff.id, 'digest', $2, 'pending' FROM staff
             WHERE staff.email_digest = 1 AND staff.deactivated_at IS NULL
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(format!(":digest:{}", due.unix_millis()))
        .bind(due.unix_millis())
        .execute(&self.write_pool)
        .await?;
        Ok(())
    }

    /// Claims due staff notices for delivery (leased, like the outbox).
    pub async fn claim_staff_notices(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<ClaimedNotice>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = crate::lease_due(
            &mut tx,
            self.backend,
            "staff_notices",
            "id, staff_id, kind, due_at, attempts",
            now,
            lease_until,
            limit,
        )
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(ClaimedNotice {
                    id: r.try_get("id")?,
                    staff: crate::parse_id(r, "staff_id")?,
                    kind: if r.try_get::<String, _>("kind")? == "break_glass" {
                        NoticeKind::BreakGlass
                    } else {
                        NoticeKind::Digest
                    },
                    due_at: Timestamp::from_unix_millis(r.try_get("due_at")?),
                    attempt: crate::notifications::int(r, "attempts")?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// Threads opened in a staff member's teams in `[from, to)`.
    pub async fn new_threads_in_teams(
        &self,
        staff: StaffId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM threads t JOIN staff_teams st ON st.team_id = t.team_id
             WHERE st.staff_id = $1 AND t.created_at >= $2 AND t.created_at < $3",
        )
        .bind(staff.to_string())
        .bind(from.unix_millis())
        .bind(to.unix_millis())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records how a staff notice's delivery ended.
    pub async fn finish_staff_notice(&self, id: &str, outcome: &Outcome, now: Timestamp) -> Result<(), StoreError> {
        let (status, due, detail) = match outcome {
            Outcome::Sent => ("sent", None, None),
            Outcome::Skipped(why) => ("cancelled", None, Some(why.as_str())),
            Outcome::Retry(at, why) => ("pending", Some(*at), Some(why.as_str())),
            Outcome::Held(until) => ("pending", Some(*until), None),
            Outcome::Dead(why) => ("dead", None, Some(why.as_str())),
        };
        let finished = (status != "pending").then_some(now.unix_millis());
        sqlx::query(
            "UPDATE staff_notices SET status = $1, due_at = COALESCE($2, due_at), last_error = $3, finished_at = $4,
                lease_until = NULL WHERE id = $5",
        )
        .bind(status)
        .bind(due.map(Timestamp::unix_millis))
        .bind(detail)
        .bind(finished)
        .bind(id)
        .execute(&self.write_pool)
        .await?;
        Ok(())
    }

    /// Every notice of a staff member, oldest first: (kind, status, due at), for operators and
    /// tests.
    pub async fn staff_notices_of(&self, staff: StaffId) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT kind, status, due_at FROM staff_notices WHERE staff_id = $1 ORDER BY due_at, id")
                .bind(staff.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("status")?, r.try_get("due_at")?))).collect()
    }
}

/// Writes a break-glass alert for every active privacy officer (no commit: in the grant's
/// transaction).
pub(crate) async fn alert_privacy_officers(
    conn: &mut sqlx::AnyConnection,
    grant: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO staff_notices (id, staff_id, kind, due_at, status)
         SELECT staff.id || $1, staff.id, 'break_glass', $2, 'pending' FROM staff
         WHERE staff.role = 'privacy_officer' AND staff.deactivated_at IS NULL",
    )
    .bind(format!(":break_glass:{grant}"))
    .bind(at.unix_millis())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

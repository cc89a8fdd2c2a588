//! The notification outbox: rows written in the transaction of the event that causes them,
//! coalesced per patient, thread, channel and window, cancelled when the message they announce
//! is recalled before anything else in its thread could be announced instead.

use portico_domain::messaging::Party;
use portico_domain::notify::Preferences;
use portico_domain::{MessageId, PatientId, ThreadId, Timestamp};
use sqlx::{AnyConnection, Row};

use crate::messaging::NewMessage;
use crate::sink::{Sink, Stmt};
use crate::{Store, StoreError, audit};
use portico_domain::audit::AuditRecord;

/// Several events of one thread within this window make one notification (the default).
pub const COALESCE_WINDOW_MS: i64 = 10 * 60 * 1000;

/// The channels every patient notification goes out on (preferences come later: both).
const CHANNELS: [&str; 2] = ["email", "sms"];

/// A message that may need announcing to its patient.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Announce {
    pub patient: PatientId,
    pub thread: ThreadId,
    pub message: MessageId,
    /// When the message becomes visible: now, or its release time.
    pub due: Timestamp,
    pub at: Timestamp,
    pub kind: &'static str,
    /// The coalescing window, in milliseconds.
    pub window_ms: i64,
}

impl Announce {
    /// The announcement a new message calls for: staff messages the patient can see, when
    /// they become visible. Patient messages and internal notes announce nothing.
    pub(crate) fn of(
        msg: &NewMessage,
        patient: PatientId,
        thread: ThreadId,
        message: MessageId,
        at: Timestamp,
        window_ms: i64,
    ) -> Option<Announce> {
        if !matches!(msg.author, Party::Staff(_)) || msg.internal {
            return None;
        }
        let (due, kind) = match msg.release_at {
            Some(r) if r > at => (r, "result_released"),
            Some(_) => (at, "result_released"),
            None => (at, "new_message"),
        };
        Some(Announce { patient, thread, message, due, at, kind, window_ms })
    }
}

/// Writes the outbox rows for `items` (no commit): one per channel, unless the same thread
/// already has one in the same window. A few multi-row statements for a whole batch: one
/// statement per row cost as much as the rest of a send together.
pub(crate) async fn enqueue(conn: &mut impl Sink, items: &[Announce]) -> Result<(), StoreError> {
    let stmts = enqueue_stmts(conn.params(), items);
    conn.execute_all(stmts).await
}

/// The statements of [`enqueue`].
pub(crate) fn enqueue_stmts(params: crate::batch::Params, items: &[Announce]) -> Vec<Stmt> {
    let mut rows: Vec<(&Announce, &str, String)> = Vec::with_capacity(items.len() * CHANNELS.len());
    let mut keys = std::collections::HashSet::new();
    for a in items {
        let bucket = a.due.unix_millis() / a.window_ms.max(1);
        for channel in CHANNELS {
            // The first event of a window names the notification, as a row at a time would.
            let key = format!("{}:{}:{channel}:{bucket}", a.patient, a.thread);
            if keys.insert(key.clone()) {
                rows.push((a, channel, key));
            }
        }
    }
    let head = "INSERT INTO notifications (id, patient_id, channel, kind, thread_id, message_id, coalesce_key, due_at, created_at, status)";
    let tail = " ON CONFLICT (coalesce_key) DO NOTHING";
    crate::batch::inserts(params, head, tail, 10, &rows, |q, (a, channel, key)| {
        q.push(portico_domain::id::new_v7(a.at).to_string());
        q.push(a.patient.to_string());
        q.push(*channel);
        q.push(a.kind);
        q.push(a.thread.to_string());
        q.push(a.message.to_string());
        q.push(key.clone());
        q.push(a.due.unix_millis());
        q.push(a.at.unix_millis());
        q.push("pending");
    })
}

/// Writes the outbox rows of an event that is not a message (an invitation), once per
/// channel; `key` makes the event's rows unique (no commit).
pub(crate) async fn enqueue_event(
    conn: &mut AnyConnection,
    patient: PatientId,
    kind: &'static str,
    key: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    for channel in CHANNELS {
        sqlx::query(
            "INSERT INTO notifications (id, patient_id, channel, kind, coalesce_key, status, due_at, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)
             ON CONFLICT (coalesce_key) DO NOTHING",
        )
        .bind(portico_domain::id::new_v7(at).to_string())
        .bind(patient.to_string())
        .bind(channel)
        .bind(kind)
        .bind(format!("{patient}:{kind}:{key}:{channel}"))
        .bind(at.unix_millis())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// After a recall: pending notifications of the thread are cancelled unless another message
/// the patient can see arrived since they were queued (then they announce that one).
pub(crate) async fn cancel_for_recall(conn: &mut AnyConnection, thread: &str, at: Timestamp) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE notifications SET status = 'cancelled', finished_at = $1
         WHERE thread_id = $2 AND status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = $2 AND m.author_kind = 'staff'
                           AND m.internal = 0 AND m.recalled_at IS NULL AND m.created_at >= notifications.created_at)",
    )
    .bind(at.unix_millis())
    .bind(thread)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A row of the outbox, for operators and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    /// Id.
    pub id: String,
    /// Whose.
    pub patient_id: String,
    /// `email` or `sms`.
    pub channel: String,
    /// `new_message`, `result_released`, ...
    pub kind: String,
    /// `pending`, `sending`, `sent`, `dead`, `cancelled`.
    pub status: String,
    /// When it may be delivered (Unix ms).
    pub due_at: i64,
    /// Delivery attempts so far.
    pub attempts: i64,
}

impl Store {
    /// The outbox rows of a patient, oldest first.
    pub async fn outbox_of(&self, patient: PatientId) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, patient_id, channel, kind, status, due_at, attempts FROM notifications
             WHERE patient_id = $1 ORDER BY created_at, channel",
        )
        .bind(patient.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    id: r.try_get("id")?,
                    patient_id: r.try_get("patient_id")?,
                    channel: r.try_get("channel")?,
                    kind: r.try_get("kind")?,
                    status: r.try_get("status")?,
                    due_at: r.try_get("due_at")?,
                    attempts: int(r, "attempts")?.unwrap_or(0),
                })
            })
            .collect()
    }
}

/// A notification claimed for delivery: leased to one worker until `lease_until`.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// Id (and, through its coalescing key, the delivery's idempotency key).
    pub id: String,
    /// Whose.
    pub patient: PatientId,
    /// `email` or `sms`.
    pub channel: String,
    /// What happened.
    pub kind: String,
    /// This attempt's number, from 1.
    pub attempt: i64,
    /// When it fell due.
    pub due_at: Timestamp,
}

/// Where a patient can be reached, opened for one delivery.
#[derive(Clone, Debug)]
pub struct Contact {
    /// E-mail on file.
    pub email: Option<portico_domain::PhiText>,
    /// Phone on file.
    pub phone: Option<portico_domain::PhiText>,
    /// Preferred language tag.
    pub language: String,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// Failed; try again at this time.
    Retry(Timestamp, String),
    /// Failed for good (dead letter).
    Dead(String),
    /// Nothing to deliver to (no address on file, channel not configured or turned off).
    Skipped(String),
    /// Not now (quiet hours): due again then, and not counted as an attempt.
    Held(Timestamp),
}

impl Store {
    /// Leases up to `limit` due notifications (pending and due, or leased and the lease lapsed)
    /// to the caller until `lease_until`. Concurrent workers and nodes never get the same row:
    /// SQLite writers are serialized; PostgreSQL skips rows another worker holds. Each claim is
    /// audited (`rec`, per patient) in the same transaction, before the delivery reads the
    /// patient's address.
    pub async fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
        rec: &AuditRecord,
    ) -> Result<Vec<Claimed>, StoreError> {
        let mut tx = self.begin_write().await?;
        let returning = "id, patient_id, channel, kind, attempts, due_at";
        let rows = crate::lease_due(&mut tx, self.backend, "notifications", returning, now, lease_until, limit).await?;
        let claimed: Vec<Claimed> = rows
            .iter()
            .map(|r| {
                Ok(Claimed {
                    id: r.try_get("id")?,
                    patient: crate::parse_id(r, "patient_id")?,
                    channel: r.try_get("channel")?,
                    kind: r.try_get("kind")?,
                    attempt: int(r, "attempts")?.unwrap_or(0),
                    due_at: Timestamp::from_unix_millis(int(r, "due_at")?.unwrap_or(0)),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let events: Vec<(Timestamp, AuditRecord)> =
            claimed.iter().map(|c| (now, rec.clone().patient(c.patient).resource(&c.id))).collect();
        audit::insert_many(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// The patient's address for a delivery (the claim that led here was audited).
    pub async fn contact_for_delivery(&self, patient: PatientId) -> Result<Contact, StoreError> {
        // Only the columns a delivery needs are opened: not the name, date of birth or MRN.
        let mut conn = self.pool.acquire().await?;
        let cols = ["email", "phone", "preferred_language"];
        let [email, phone, language] = crate::patients::open_columns(self, &mut conn, patient, cols).await?;
        let language = language.ok_or(StoreError::Integrity("preferred_language"))?.expose().to_owned();
        Ok(Contact { email, phone, language })
    }

    /// Records how attempts ended, with the audit event of each, in one transaction (one commit
    /// for a whole batch of deliveries).
    pub async fn finish_deliveries(
        &self,
        done: &[(Claimed, Outcome, AuditRecord)],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (c, outcome, rec) in done {
            finish(&mut tx, c, outcome, at, rec).await?;
        }
        tx.commit().await?;
        Ok(())
    }
    /// The attempts of a notification: (attempt, outcome, detail), in order.
    pub async fn delivery_attempts(&self, id: &str) -> Result<Vec<(i64, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT attempt, outcome, detail FROM notification_attempts WHERE notification_id = $1 ORDER BY attempt",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((int(r, "attempt")?.unwrap_or(0), r.try_get("outcome")?, r.try_get("detail")?)))
            .collect()
    }
}

/// Deliveries that failed for good since a time, by what they were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetters {
    /// `notification` (e-mail, SMS) or `social` (a Graph API call).
    pub source: &'static str,
    /// The notification's channel, or the social call's kind.
    pub what: String,
    /// How many.
    pub count: i64,
    /// The latest (Unix ms).
    pub last_at: i64,
}

impl Store {
    /// Notifications and social calls dead-lettered at or after `since`, grouped.
    pub async fn dead_letters(&self, since: Timestamp) -> Result<Vec<DeadLetters>, StoreError> {
        let mut out = Vec::new();
        for (source, sql) in [
            (
                "notification",
                "SELECT channel AS what, COUNT(*) AS n, MAX(finished_at) AS last_at FROM notifications
                 WHERE status = 'dead' AND finished_at >= $1 GROUP BY channel ORDER BY channel",
            ),
            (
                "social",
                "SELECT kind AS what, COUNT(*) AS n, MAX(finished_at) AS last_at FROM social_actions
                 WHERE status = 'dead' AND finished_at >= $1 GROUP BY kind ORDER BY kind",
            ),
        ] {
            for r in sqlx::query(sql).bind(since.unix_millis()).fetch_all(&self.pool).await? {
                out.push(DeadLetters {
                    source,
                    what: r.try_get("what")?,
                    count: int(&r, "n")?.unwrap_or(0),
                    last_at: int(&r, "last_at")?.unwrap_or(0),
                });
            }
        }
        Ok(out)
    }
}

/// Blind-index purpose of phone numbers that opted out of SMS.
const SMS_OPT_OUT_INDEX: &str = "sms_opt_out_phone";

impl Store {
    /// Records that `phone` (E.164) answered STOP (`opted_out`) or START; audited.
    pub async fn set_sms_opt_out(
        &self,
        phone: &str,
        opted_out: bool,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sms_opt_outs (phone_index, opted_out, changed_at) VALUES ($1, $2, $3)
             ON CONFLICT (phone_index) DO UPDATE SET opted_out = $2, changed_at = $3",
        )
        .bind(self.keys.blind.index(SMS_OPT_OUT_INDEX, phone))
        .bind(i64::from(opted_out))
        .bind(at.unix_millis())
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, at, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether `phone` (E.164) has opted out of SMS.
    pub async fn sms_opted_out(&self, phone: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT opted_out FROM sms_opt_outs WHERE phone_index = $1")
            .bind(self.keys.blind.index(SMS_OPT_OUT_INDEX, phone))
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => int(&r, "opted_out")? == Some(1),
            None => false,
        })
    }
}

/// An integer column, whichever width the backend returns it in.
pub(crate) fn int(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<i64>, StoreError> {
    Ok(match r.try_get::<Option<i64>, _>(col) {
        Ok(v) => v,
        Err(_) => r.try_get::<Option<i32>, _>(col)?.map(i64::from),
    })
}

impl Store {
    /// A patient's notification preferences, if they set any.
    pub async fn notification_preferences(&self, patient: PatientId) -> Result<Option<Preferences>, StoreError> {
        let row = sqlx::query(
            "SELECT email, sms, quiet_start, quiet_end, time_zone, digest FROM notification_preferences WHERE patient_id = $1",
        )
        .bind(patient.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let minutes = |v: Option<i64>| v.and_then(|m| u16::try_from(m).ok());
        let quiet = match (minutes(int(&r, "quiet_start")?), minutes(int(&r, "quiet_end")?)) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        Ok(Some(Preferences {
            email: int(&r, "email")? == Some(1),
            sms: int(&r, "sms")? == Some(1),
            quiet_hours: quiet,
            time_zone: r.try_get("time_zone")?,
            digest: int(&r, "digest")? == Some(1),
        }))
    }

    /// The notice that carries a patient's digest on `channel` for the window `(from, to]` of
    /// due times: the first new-message or result notice of the window not cancelled. The
    /// others of the window are delivered as part of it.
    pub async fn digest_carrier(
        &self,
        patient: PatientId,
        channel: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(id) FROM notifications
             WHERE patient_id = $1 AND channel = $2 AND kind IN ('new_message', 'result_released')
               AND status <> 'cancelled' AND due_at > $3 AND due_at <= $4",
        )
        .bind(patient.to_string())
        .bind(channel)
        .bind(from.unix_millis())
        .bind(to.unix_millis())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Replaces a patient's notification preferences; audited.
    pub async fn set_notification_preferences(
        &self,
        patient: PatientId,
        p: &Preferences,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO notification_preferences (patient_id, email, sms, quiet_start, quiet_end, time_zone, updated_at, digest)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (patient_id) DO UPDATE SET email = $2, sms = $3, quiet_start = $4, quiet_end = $5,
                time_zone = $6, updated_at = $7, digest = $8",
        )
        .bind(patient.to_string())
        .bind(i64::from(p.email))
        .bind(i64::from(p.sms))
        .bind(p.quiet_hours.map(|q| i64::from(q.0)))
        .bind(p.quiet_hours.map(|q| i64::from(q.1)))
        .bind(&p.time_zone)
        .bind(at.unix_millis())
        .bind(i64::from(p.digest))
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, at, &rec.clone().patient(patient)).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn finish(
    conn: &mut AnyConnection,
    c: &Claimed,
    outcome: &Outcome,
    at: Timestamp,
    rec: &AuditRecord,
) -> Result<(), StoreError> {
    let (status, due, detail, tag) = match outcome {
        Outcome::Held(until) => {
            // Not an attempt: back to pending until the quiet hours end, nothing recorded.
            sqlx::query(
                "UPDATE notifications SET status = 'pending', due_at = $1, lease_until = NULL, attempts = attempts - 1
                 WHERE id = $2",
            )
            .bind(until.unix_millis())
            .bind(&c.id)
            .execute(&mut *conn)
            .await?;
            return Ok(());
        }
        Outcome::Sent => ("sent", None, "delivered".to_owned(), "sent"),
        Outcome::Retry(due, why) => ("pending", Some(*due), why.clone(), "retry"),
        Outcome::Dead(why) => ("dead", None, why.clone(), "dead"),
        Outcome::Skipped(why) => ("cancelled", None, why.clone(), "skipped"),
    };
    sqlx::query(
        "UPDATE notifications SET status = $1, due_at = COALESCE($2, due_at), lease_until = NULL, last_error = $3,
            finished_at = CASE WHEN $1 = 'pending' THEN NULL ELSE $4 END
         WHERE id = $5",
    )
    .bind(status)
    .bind(due.map(Timestamp::unix_millis))
    .bind(if tag == "sent" { None } else { Some(detail.clone()) })
    .bind(at.unix_millis())
    .bind(&c.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO notification_attempts (notification_id, attempt, at, outcome, detail) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (notification_id, attempt) DO NOTHING",
    )
    .bind(&c.id)
    .bind(c.attempt)
    .bind(at.unix_millis())
    .bind(tag)
    .bind(&detail)
    .execute(&mut *conn)
    .await?;
    audit::insert(conn, at, &rec.clone().patient(c.patient).resource(&c.id)).await
}

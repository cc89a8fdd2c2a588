//! The notification outbox: rows written in the transaction of the event that causes them,
//! coalesced per patient, thread, channel and window, cancelled when the message they announce
//! is recalled before anything else in its thread could be announced instead.

use portico_domain::messaging::Party;
use portico_domain::{MessageId, PatientId, ThreadId, Timestamp};
use sqlx::{AnyConnection, Row};

use crate::messaging::NewMessage;
use crate::{Store, StoreError};

/// Several events of one thread within this window make one notification.
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
    ) -> Option<Announce> {
        if !matches!(msg.author, Party::Staff(_)) || msg.internal {
            return None;
        }
        let (due, kind) = match msg.release_at {
            Some(r) if r > at => (r, "result_released"),
            Some(_) => (at, "result_released"),
            None => (at, "new_message"),
        };
        Some(Announce { patient, thread, message, due, at, kind })
    }
}

/// Writes the outbox rows for `items` (no commit): one per channel, unless the same thread
/// already has one in the same window.
pub(crate) async fn enqueue(conn: &mut AnyConnection, items: &[Announce]) -> Result<(), StoreError> {
    for a in items {
        let bucket = a.due.unix_millis() / COALESCE_WINDOW_MS;
        for channel in CHANNELS {
            sqlx::query(
                "INSERT INTO notifications (id, patient_id, channel, kind, thread_id, message_id, coalesce_key, status, due_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9)
                 ON CONFLICT (coalesce_key) DO NOTHING",
            )
            .bind(portico_domain::id::new_v7(a.at).to_string())
            .bind(a.patient.to_string())
            .bind(channel)
            .bind(a.kind)
            .bind(a.thread.to_string())
            .bind(a.message.to_string())
            .bind(format!("{}:{}:{channel}:{bucket}", a.patient, a.thread))
            .bind(a.due.unix_millis())
            .bind(a.at.unix_millis())
            .execute(&mut *conn)
            .await?;
        }
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
                    attempts: r
                        .try_get::<i64, _>("attempts")
                        .or_else(|_| r.try_get::<i32, _>("attempts").map(i64::from))?,
                })
            })
            .collect()
    }
}

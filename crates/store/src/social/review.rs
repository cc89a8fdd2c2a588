//! What staff do with social items: read the redacted inbox, mark items handled, send the
//! standard invitation, overrule a moderation decision; and the retention purge. Each is
//! audited in its own transaction.

use portico_domain::Timestamp;
use portico_domain::audit::AuditRecord;
use portico_domain::social::{ActionKind, Decision, SocialChannel, Template};
use sqlx::Row;

use super::{SocialItem, insert_action, int, open};
use crate::{Store, StoreError, audit};

/// Which items to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    /// Direct messages and texts (the social inbox).
    Messages,
    /// Page and Instagram comments (the moderation queue).
    Comments,
}

/// A staff decision on a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moderation {
    /// Hide it (with the standard public reply if it had none).
    Hide,
    /// Show it again.
    Unhide,
    /// Leave it as it is.
    Leave,
}

/// Why a staff action on an item was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// No such item (or purged).
    #[error("no such item")]
    NotFound,
    /// The action does not fit the item (inviting a commenter, moderating a message, a
    /// reply outside the platform's 24-hour window).
    #[error("{0}")]
    NotApplicable(&'static str),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        ReviewError::Store(e.into())
    }
}

/// A processed item's channel and arrival time (Unix ms); a missing or unprocessed one is
/// [`ReviewError::NotFound`].
async fn processed_item(conn: &mut sqlx::AnyConnection, item: &str) -> Result<(SocialChannel, i64), ReviewError> {
    let row = sqlx::query("SELECT channel, received_at FROM social_items WHERE id = $1 AND status = 'done'")
        .bind(item)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(ReviewError::NotFound)?;
    Ok((super::channel_of(&row)?, row.try_get("received_at")?))
}

impl Store {
    /// The newest items of a queue (`open` only, unless `all`), opened; the read is audited.
    pub async fn social_items(
        &self,
        queue: Queue,
        all: bool,
        limit: i64,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<Vec<SocialItem>, StoreError> {
        let channels = match queue {
            Queue::Messages => "('messenger', 'instagram', 'sms')",
            Queue::Comments => "('facebook_comment', 'instagram_comment')",
        };
        let review = if all { "" } else { "AND review = 'open'" };
        let sql = format!(
            "SELECT id, channel, received_at, redacted, phi_detected, labels, category, decision, review FROM social_items
             WHERE channel IN {channels} AND status = 'done' {review} ORDER BY received_at DESC LIMIT $1"
        );
        // A write transaction: the read and its audit event commit together.
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&mut *tx).await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let redacted = match r.try_get::<Option<Vec<u8>>, _>("redacted")? {
                Some(s) => open(&self.keys.social, "redacted", &id, s)?.expose().to_owned(),
                None => String::new(),
            };
            let labels: Option<String> = r.try_get("labels")?;
            let actions = sqlx::query("SELECT kind, status FROM social_actions WHERE item_id = $1 ORDER BY created_at")
                .bind(&id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|a| Ok(format!("{}:{}", a.try_get::<String, _>("kind")?, a.try_get::<String, _>("status")?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            items.push(SocialItem {
                channel: r.try_get("channel")?,
                received_at: r.try_get("received_at")?,
                redacted_text: redacted,
                phi_detected: int(r, "phi_detected")? == Some(1),
                labels: labels.unwrap_or_default().split(',').filter(|l| !l.is_empty()).map(str::to_owned).collect(),
                category: r.try_get("category")?,
                decision: r.try_get("decision")?,
                review: r.try_get("review")?,
                actions,
                id,
            });
        }
        audit::insert(&mut tx, at, rec).await?;
        tx.commit().await?;
        Ok(items)
    }

    /// Marks an item handled; audited.
    pub async fn mark_social_handled(
        &self,
        item: &str,
        by: &str,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<(), ReviewError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE social_items SET review = 'handled', handled_at = $1, handled_by = $2 WHERE id = $3 AND status = 'done'",
        )
        .bind(at.unix_millis())
        .bind(by)
        .bind(item)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(ReviewError::NotFound);
        }
        audit::insert(&mut tx, at, &rec.clone().resource(item)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues the standard invitation (the redirect) to the sender of a direct message, if the
    /// platform still allows a reply (`since`: the start of its 24-hour window); audited.
    pub async fn invite_social_sender(
        &self,
        item: &str,
        since: Timestamp,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<(), ReviewError> {
        let mut tx = self.begin_write().await?;
        let (channel, received_at) = processed_item(&mut tx, item).await?;
        if channel.is_comment() || channel == SocialChannel::Sms {
            return Err(ReviewError::NotApplicable(
                "only Messenger and Instagram messages can be answered with the invitation",
            ));
        }
        if received_at < since.unix_millis() {
            return Err(ReviewError::NotApplicable(
                "the platform allows a reply only within 24 hours of the person's message",
            ));
        }
        insert_action(&mut tx, item, ActionKind::SendMessage, Some(Template::Redirect), at).await?;
        sqlx::query("UPDATE social_items SET replied_at = $1 WHERE id = $2")
            .bind(at.unix_millis())
            .bind(item)
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, at, &rec.clone().resource(item)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A staff decision on a comment: hide (with the public reply if none was posted), unhide or
    /// leave; the item is then handled. Audited.
    pub async fn moderate_social(
        &self,
        item: &str,
        verdict: Moderation,
        by: &str,
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<Decision, ReviewError> {
        let mut tx = self.begin_write().await?;
        if !processed_item(&mut tx, item).await?.0.is_comment() {
            return Err(ReviewError::NotApplicable("only comments are moderated"));
        }
        let replied = sqlx::query("SELECT 1 FROM social_actions WHERE item_id = $1 AND kind = 'reply_comment'")
            .bind(item)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        let decision = match verdict {
            Moderation::Hide => {
                insert_action(&mut tx, item, ActionKind::HideComment, None, at).await?;
                if !replied {
                    insert_action(&mut tx, item, ActionKind::ReplyComment, Some(Template::PublicReply), at).await?;
                }
                Decision::Hidden
            }
            Moderation::Unhide => {
                insert_action(&mut tx, item, ActionKind::UnhideComment, None, at).await?;
                Decision::Left
            }
            Moderation::Leave => Decision::Left,
        };
        sqlx::query(
            "UPDATE social_items SET decision = $1, review = 'handled', handled_at = $2, handled_by = $3 WHERE id = $4",
        )
        .bind(decision.as_str())
        .bind(at.unix_millis())
        .bind(by)
        .bind(item)
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, at, &rec.clone().resource(item)).await?;
        tx.commit().await?;
        Ok(decision)
    }

    /// Deletes processed items received before `before` (and their calls), with one audit
    /// event; returns how many.
    pub async fn purge_social(&self, before: Timestamp, at: Timestamp, rec: &AuditRecord) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let old = "SELECT id FROM social_items WHERE status = 'done' AND received_at < $1";
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM social_actions WHERE item_id IN ({old}) AND status IN ('sent', 'dead')"
        )))
        .bind(before.unix_millis())
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "DELETE FROM social_items WHERE status = 'done' AND received_at < $1
               AND NOT EXISTS (SELECT 1 FROM social_actions a WHERE a.item_id = social_items.id)",
        )
        .bind(before.unix_millis())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            audit::insert(&mut tx, at, rec).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// How many items wait for the worker (queued, or being processed by another node's).
    pub async fn social_pending(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM social_items WHERE status = 'pending'")
            .fetch_one(&self.pool)
            .await?;
        Ok(int(&row, "n")?.unwrap_or(0))
    }

    /// How many items and platform calls are stored (for tests and operators).
    pub async fn social_counts(&self) -> Result<(i64, i64), StoreError> {
        let items = sqlx::query("SELECT COUNT(*) AS n FROM social_items").fetch_one(&self.pool).await?;
        let actions = sqlx::query("SELECT COUNT(*) AS n FROM social_actions").fetch_one(&self.pool).await?;
        Ok((int(&items, "n")?.unwrap_or(0), int(&actions, "n")?.unwrap_or(0)))
    }
}

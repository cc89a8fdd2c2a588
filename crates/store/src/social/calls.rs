//! The Graph API calls the bridge owes: leased to one worker at a time (PostgreSQL nodes skip
//! rows another holds), made outside any transaction, then recorded with their audit events.
//! A worker that dies mid-call leaves the lease to lapse, and the call is made again.

use portico_domain::audit::AuditRecord;
use portico_domain::social::{ActionKind, SocialChannel, Template};
use portico_domain::{PhiText, Timestamp};
use sqlx::Row;

use super::{channel_of, int, open};
use crate::{Store, StoreError, audit};

/// A call owed to the platform, claimed for delivery.
#[derive(Clone, Debug)]
pub struct ClaimedAction {
    /// Id.
    pub id: String,
    /// The item it concerns.
    pub item_id: String,
    /// The item's channel.
    pub channel: SocialChannel,
    /// What to do.
    pub kind: ActionKind,
    /// The standard message it carries.
    pub template: Option<Template>,
    /// The recipient (page-scoped id) or the comment's id, opened for this call.
    pub target: PhiText,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

/// How a call to the platform ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Done.
    Sent,
    /// Failed; try again at this time.
    Retry(Timestamp, String),
    /// Failed for good.
    Dead(String),
}

impl Store {
    /// Leases up to `limit` due platform calls until `lease_until`, opening each one's target;
    /// each claim is audited (`rec`) in the same transaction. SMS items are answered in their
    /// webhook's response and own no calls.
    pub async fn claim_social_actions(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
        rec: &AuditRecord,
    ) -> Result<Vec<ClaimedAction>, StoreError> {
        let mut tx = self.begin_write().await?;
        let returning = "id, item_id, kind, template, attempts";
        let rows =
            crate::lease_due(&mut tx, self.backend, "social_actions", returning, now, lease_until, limit).await?;
        // The items' channels and targets, in one query.
        let item_ids: Vec<String> = rows.iter().map(|r| r.try_get("item_id")).collect::<Result<_, _>>()?;
        let mut targets = std::collections::HashMap::new();
        for chunk in item_ids.chunks(256) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id, channel, target FROM social_items WHERE id IN ({})", marks.join(", "));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            for item in q.fetch_all(&mut *tx).await? {
                let id: String = item.try_get("id")?;
                let target = item.try_get::<Option<Vec<u8>>, _>("target")?.ok_or(StoreError::Integrity("target"))?;
                targets.insert(id.clone(), (channel_of(&item)?, open(&self.keys.social, "target", &id, target)?));
            }
        }
        let mut claimed = Vec::with_capacity(rows.len());
        for (r, item_id) in rows.iter().zip(item_ids) {
            let (channel, target) = targets.get(&item_id).cloned().ok_or(StoreError::NotFound("social item"))?;
            let template: Option<String> = r.try_get("template")?;
            claimed.push(ClaimedAction {
                id: r.try_get("id")?,
                channel,
                kind: ActionKind::parse(&r.try_get::<String, _>("kind")?)
                    .ok_or(StoreError::Integrity("social_actions.kind"))?,
                template: template.as_deref().and_then(Template::parse),
                target,
                attempt: int(r, "attempts")?.unwrap_or(1),
                item_id,
            });
        }
        let events: Vec<(Timestamp, AuditRecord)> =
            claimed.iter().map(|c| (now, rec.clone().resource(&c.item_id))).collect();
        audit::insert_many(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records how platform calls ended, each with its audit event, in one transaction.
    pub async fn finish_social_actions(
        &self,
        done: &[(ClaimedAction, ActionOutcome, AuditRecord)],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Successes in one statement; retries and failures (rare) one by one.
        let sent: Vec<&str> =
            done.iter().filter(|(_, o, _)| *o == ActionOutcome::Sent).map(|(c, _, _)| c.id.as_str()).collect();
        for chunk in sent.chunks(256) {
            let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
            let sql = format!(
                "UPDATE social_actions SET status = 'sent', lease_until = NULL, finished_at = $1 WHERE id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at.unix_millis());
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await?;
        }
        for (c, outcome, _) in done {
            let (status, due, error) = match outcome {
                ActionOutcome::Sent => continue,
                ActionOutcome::Retry(due, why) => ("pending", Some(due.unix_millis()), why.as_str()),
                ActionOutcome::Dead(why) => ("dead", None, why.as_str()),
            };
            sqlx::query(
                "UPDATE social_actions SET status = $1, due_at = COALESCE($2, due_at), lease_until = NULL,
                    last_error = $3, finished_at = CASE WHEN $1 = 'pending' THEN NULL ELSE $4 END
                 WHERE id = $5",
            )
            .bind(status)
            .bind(due)
            .bind(error)
            .bind(at.unix_millis())
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
        }
        let events: Vec<(Timestamp, AuditRecord)> =
            done.iter().map(|(c, _, rec)| (at, rec.clone().resource(&c.item_id))).collect();
        audit::insert_many(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(())
    }
}

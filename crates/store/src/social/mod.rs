//! The social bridge's storage: inbound items from Messenger, Instagram, page comments and SMS,
//! the decisions taken on them, and the Graph API calls owed.
//!
//! An inbound event is written (sealed, with its audit event) before the webhook is answered;
//! concurrent webhooks share one commit through a writer task, as message sends do. The raw
//! event is kept only until it is processed; then only the sealed sender, the sealed redacted
//! text and the decision remain, until the retention period ends. Platform ids are stored only
//! sealed, and looked up through blind indexes.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use portico_crypto::{Aad, DataKey, Sealed};
use portico_domain::audit::AuditRecord;
use portico_domain::social::{ActionKind, Category, Decision, InboundEvent, SocialChannel, Template};
use portico_domain::{PhiText, Timestamp, id};
use sqlx::{AnyConnection, AnyPool, Row};
use tokio::sync::{mpsc, oneshot};

mod calls;
mod review;

pub use calls::{ActionOutcome, ClaimedAction};
pub use review::{Moderation, Queue, ReviewError};

use crate::keys::Keyring;
use crate::{Backend, Store, StoreError, audit};

const TABLE: &str = "social_items";
const DEDUPE_INDEX: &str = "social.dedupe";
const SENDER_INDEX: &str = "social.sender";

fn seal(key: &DataKey, column: &str, row: &str, text: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key.seal(&Aad::field(TABLE, column, row), text.as_bytes())?.into_bytes())
}

fn open(key: &DataKey, column: &'static str, row: &str, sealed: Vec<u8>) -> Result<PhiText, StoreError> {
    let plain = key
        .open(&Aad::field(TABLE, column, row), &Sealed::from_bytes(sealed))
        .map_err(|_| StoreError::Integrity(column))?;
    String::from_utf8(plain).map(PhiText::new).map_err(|_| StoreError::Integrity(column))
}

/// An inbound event sealed and ready to insert.
struct Prepared {
    id: String,
    dedupe: Vec<u8>,
    channel: &'static str,
    payload: Vec<u8>,
}

type Reply = oneshot::Sender<Result<usize, StoreError>>;

/// The writer that batches inbound events of concurrent webhooks into one commit.
#[derive(Clone)]
pub(crate) struct Inbox {
    queue: mpsc::Sender<(Vec<Prepared>, AuditRecord, Timestamp, Reply)>,
    /// Events accepted since start (new ones only), for the worker's pacing.
    accepted: Arc<AtomicU64>,
}

impl Inbox {
    pub(crate) fn start(pool: AnyPool, backend: Backend) -> Self {
        let (queue, rx) = mpsc::channel(1024);
        tokio::spawn(inbox_writer(pool, backend, rx));
        Self { queue, accepted: Arc::default() }
    }
}

async fn inbox_writer(
    pool: AnyPool,
    backend: Backend,
    mut rx: mpsc::Receiver<(Vec<Prepared>, AuditRecord, Timestamp, Reply)>,
) {
    let mut jobs = Vec::with_capacity(64);
    while rx.recv_many(&mut jobs, 64).await > 0 {
        match write_inbound(&pool, backend, &jobs).await {
            Ok(inserted) => {
                for (prepared, _, _, reply) in jobs.drain(..) {
                    let _ = reply.send(Ok(prepared.iter().filter(|p| inserted.contains(&p.id)).count()));
                }
            }
            Err(e) => {
                let text = e.to_string();
                for (_, _, _, reply) in jobs.drain(..) {
                    let _ = reply.send(Err(StoreError::Database(sqlx::Error::Protocol(text.clone()))));
                }
            }
        }
    }
}

/// Inserts every job's events in one transaction, skipping redeliveries, with one audit event
/// per new item; returns the ids inserted.
async fn write_inbound(
    pool: &AnyPool,
    backend: Backend,
    jobs: &[(Vec<Prepared>, AuditRecord, Timestamp, Reply)],
) -> Result<HashSet<String>, StoreError> {
    let mut tx = match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    };
    let rows: Vec<(&Prepared, Timestamp)> = jobs.iter().flat_map(|(p, _, at, _)| p.iter().map(|p| (p, *at))).collect();
    let mut inserted = HashSet::new();
    for chunk in crate::batch::pow2_chunks(&rows, crate::batch::Params::Numbered.rows_per_statement(5)) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                format!("(${}, ${}, ${}, ${}, ${}, 'pending')", r * 5 + 1, r * 5 + 2, r * 5 + 3, r * 5 + 4, r * 5 + 5)
            })
            .collect();
        let sql = format!(
            "INSERT INTO social_items (id, dedupe_key, channel, payload, received_at, status) VALUES {}
             ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (p, at) in chunk {
            q = q.bind(&p.id).bind(&p.dedupe).bind(p.channel).bind(&p.payload).bind(at.unix_millis());
        }
        for row in q.fetch_all(&mut *tx).await? {
            inserted.insert(row.try_get::<String, _>("id")?);
        }
    }
    let events: Vec<(Timestamp, AuditRecord)> = jobs
        .iter()
        .flat_map(|(p, rec, at, _)| {
            p.iter().filter(|p| inserted.contains(&p.id)).map(|p| (*at, rec.clone().resource(&p.id)))
        })
        .collect();
    audit::insert_many(&mut tx, &events).await?;
    tx.commit().await?;
    Ok(inserted)
}

/// An inbound item claimed for processing, opened.
#[derive(Clone, Debug)]
pub struct ClaimedItem {
    /// Id.
    pub id: String,
    /// The event as received (`None` if it no longer opens: it is then ignored).
    pub event: Option<InboundEvent>,
}

/// What processing decided about an item.
#[derive(Clone, Debug)]
pub struct Processed {
    /// Id.
    pub id: String,
    /// The event.
    pub event: Option<InboundEvent>,
    /// The text with PHI replaced by `[LABEL]`.
    pub redacted: String,
    /// The labels the scanner found, comma-separated (no text).
    pub labels: String,
    /// Whether PHI was found.
    pub phi: bool,
    /// For comments, what the comment reveals.
    pub category: Option<Category>,
    /// The decision, before the reply window is applied.
    pub decision: Decision,
    /// Calls owed to the platform. A `SendMessage` is dropped (decision `no_reply_window`) when
    /// the sender had an automatic reply within the window.
    pub actions: Vec<(ActionKind, Option<Template>)>,
    /// The audit event of the decision.
    pub audit: AuditRecord,
}

/// An item as the social inbox shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SocialItem {
    /// Id.
    pub id: String,
    /// `messenger`, `instagram`, `facebook_comment`, `instagram_comment`, `sms`.
    pub channel: String,
    /// When it arrived (Unix ms).
    pub received_at: i64,
    /// The text with PHI replaced by `[LABEL]` (empty until processed).
    pub redacted_text: String,
    /// Whether PHI was found.
    pub phi_detected: bool,
    /// The PHI labels found.
    pub labels: Vec<String>,
    /// For comments: `phi`, `relationship` or `neutral`.
    pub category: Option<String>,
    /// What Portico did.
    pub decision: Option<String>,
    /// `open` or `handled`.
    pub review: String,
    /// The platform calls made or owed: `kind:status`.
    pub actions: Vec<String>,
}

fn int(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<i64>, StoreError> {
    Ok(match r.try_get::<Option<i64>, _>(col) {
        Ok(v) => v,
        Err(_) => r.try_get::<Option<i32>, _>(col)?.map(i64::from),
    })
}

fn channel_of(r: &sqlx::any::AnyRow) -> Result<SocialChannel, StoreError> {
    SocialChannel::parse(&r.try_get::<String, _>("channel")?).ok_or(StoreError::Integrity("social_items.channel"))
}

impl Store {
    fn prepare(&self, e: &InboundEvent, at: Timestamp) -> Result<Prepared, StoreError> {
        let id = id::new_v7(at).to_string();
        Ok(Prepared {
            dedupe: self.keys.blind.index(DEDUPE_INDEX, &e.dedupe_key()),
            channel: e.channel.as_str(),
            payload: seal(&self.keys.social, "payload", &id, &e.encode())?,
            id,
        })
    }

    /// Writes inbound events durably (sealed, each with its audit event `rec`), sharing one
    /// commit with concurrent callers; a redelivered event is skipped. Returns how many were new.
    pub async fn enqueue_social(
        &self,
        events: &[InboundEvent],
        at: Timestamp,
        rec: &AuditRecord,
    ) -> Result<usize, StoreError> {
        if events.is_empty() {
            return Ok(0);
        }
        let prepared = events.iter().map(|e| self.prepare(e, at)).collect::<Result<Vec<_>, _>>()?;
        let (reply, answer) = oneshot::channel();
        self.social_inbox
            .queue
            .send((prepared, rec.clone(), at, reply))
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        let fresh = answer.await.map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))??;
        self.social_inbox.accepted.fetch_add(fresh as u64, Ordering::Relaxed);
        Ok(fresh)
    }

    /// How many inbound events this node has accepted since it started.
    pub fn social_accepted(&self) -> u64 {
        self.social_inbox.accepted.load(Ordering::Relaxed)
    }

    /// Processes up to `limit` queued items in one transaction: opens each, asks `decide`
    /// (the scan and the policy, pure CPU), then records every decision, the platform calls
    /// owed and one audit event per item, and drops the raw events. A crash before the commit
    /// leaves the items queued; PostgreSQL nodes skip items another node is processing.
    /// Returns the final decision of each (a reply inside the sender's window becomes
    /// `no_reply_window`).
    pub async fn process_social(
        &self,
        limit: i64,
        at: Timestamp,
        window_ms: i64,
        mut decide: impl FnMut(&ClaimedItem) -> Processed,
    ) -> Result<Vec<Decision>, StoreError> {
        let lock = if self.backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "SELECT id, channel, payload FROM social_items WHERE status = 'pending'
             ORDER BY received_at LIMIT $1 {lock}"
        );
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&mut *tx).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut processed = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let channel = channel_of(r)?;
            let payload: Option<Vec<u8>> = r.try_get("payload")?;
            let event = payload
                .and_then(|p| open(&self.keys.social, "payload", &id, p).ok())
                .and_then(|t| InboundEvent::decode(channel, t.expose()));
            processed.push(decide(&ClaimedItem { id, event }));
        }
        let decisions = apply_decisions(&mut tx, &self.keys, &processed, at, window_ms).await?;
        tx.commit().await?;
        Ok(decisions)
    }

    /// Records an item that was decided as it arrived (an SMS answered in the webhook's own
    /// response), with its audit events, in one transaction. `None` if it is a redelivery.
    pub async fn record_social_now(
        &self,
        p: &Processed,
        at: Timestamp,
        window_ms: i64,
        received: &AuditRecord,
    ) -> Result<Option<Decision>, StoreError> {
        let Some(event) = &p.event else { return Ok(None) };
        let prepared = self.prepare(event, at)?;
        let mut tx = self.begin_write().await?;
        let fresh = sqlx::query(
            "INSERT INTO social_items (id, dedupe_key, channel, received_at, status, attempts)
             VALUES ($1, $2, $3, $4, 'processing', 1) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(&prepared.id)
        .bind(&prepared.dedupe)
        .bind(prepared.channel)
        .bind(at.unix_millis())
        .execute(&mut *tx)
        .await?;
        if fresh.rows_affected() == 0 {
            return Ok(None);
        }
        audit::insert(&mut tx, at, &received.clone().resource(&prepared.id)).await?;
        let p = Processed { id: prepared.id, ..p.clone() };
        let decisions = apply_decisions(&mut tx, &self.keys, std::slice::from_ref(&p), at, window_ms).await?;
        tx.commit().await?;
        Ok(decisions.first().copied())
    }
}

fn sender_index(keys: &Keyring, e: &InboundEvent) -> Vec<u8> {
    keys.blind.index(SENDER_INDEX, &format!("{}:{}", e.channel.as_str(), e.sender))
}

/// The senders among `indexes` that had an automatic reply since `since` (one query).
async fn replied_since(
    conn: &mut AnyConnection,
    indexes: &[&Vec<u8>],
    since: i64,
) -> Result<HashSet<Vec<u8>>, StoreError> {
    let mut out = HashSet::new();
    for chunk in indexes.chunks(256) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT DISTINCT sender_index FROM social_items WHERE replied_at > $1 AND sender_index IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since);
        for index in chunk {
            q = q.bind(*index);
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.insert(row.try_get::<Vec<u8>, _>("sender_index")?);
        }
    }
    Ok(out)
}

/// Writes the decisions on `items` (no commit): applies the reply window, seals what is kept,
/// drops the raw events, inserts the calls owed and one audit event per item.
async fn apply_decisions(
    conn: &mut AnyConnection,
    keys: &Keyring,
    items: &[Processed],
    at: Timestamp,
    window_ms: i64,
) -> Result<Vec<Decision>, StoreError> {
    let indexes: Vec<Option<Vec<u8>>> = items.iter().map(|p| p.event.as_ref().map(|e| sender_index(keys, e))).collect();
    let wants_reply = |p: &Processed| p.actions.iter().any(|(k, _)| *k == ActionKind::SendMessage);
    let asking: Vec<&Vec<u8>> =
        items.iter().zip(&indexes).filter(|(p, _)| wants_reply(p)).filter_map(|(_, i)| i.as_ref()).collect();
    let mut replied = replied_since(conn, &asking, at.unix_millis() - window_ms).await?;
    let mut decisions = Vec::with_capacity(items.len());
    let mut owed = Vec::new();
    for (p, index) in items.iter().zip(&indexes) {
        let mut decision = p.decision;
        let mut replied_at = None;
        let mut actions = p.actions.clone();
        if let (Some(index), true) = (index, wants_reply(p)) {
            // A set of senders answered in the window, this batch included.
            if replied.insert(index.clone()) {
                replied_at = Some(at.unix_millis());
            } else {
                decision = Decision::NoReplyWindow;
                actions.retain(|(k, _)| *k != ActionKind::SendMessage);
            }
        }
        update_item(conn, keys, p, index.as_deref(), decision, replied_at, at).await?;
        owed.extend(actions.into_iter().map(|(kind, template)| (p.id.as_str(), kind, template)));
        decisions.push(decision);
    }
    insert_actions(conn, &owed, at).await?;
    let events: Vec<(Timestamp, AuditRecord)> = items.iter().map(|p| (at, p.audit.clone().resource(&p.id))).collect();
    audit::insert_many(conn, &events).await?;
    Ok(decisions)
}

async fn update_item(
    conn: &mut AnyConnection,
    keys: &Keyring,
    p: &Processed,
    sender_index: Option<&[u8]>,
    decision: Decision,
    replied_at: Option<i64>,
    at: Timestamp,
) -> Result<(), StoreError> {
    let sealed = |col: &str, text: &str| seal(&keys.social, col, &p.id, text);
    let (target, sender) = match &p.event {
        // A comment is acted on by its id; a message is answered to its sender.
        Some(e) if e.channel.is_comment() => {
            (Some(sealed("target", &e.external_id)?), Some(sealed("sender", &e.sender)?))
        }
        Some(e) => (Some(sealed("target", &e.sender)?), Some(sealed("sender", &e.sender)?)),
        None => (None, None),
    };
    sqlx::query(
        "UPDATE social_items SET status = 'done', payload = NULL, lease_until = NULL, target = $1, sender = $2,
            sender_index = $3, redacted = $4, phi_detected = $5, labels = $6, category = $7, decision = $8,
            replied_at = $9, processed_at = $10, review = $11, attempts = attempts + 1
         WHERE id = $12",
    )
    .bind(target)
    .bind(sender)
    .bind(sender_index)
    .bind(sealed("redacted", &p.redacted)?)
    .bind(i64::from(p.phi))
    .bind(&p.labels)
    .bind(p.category.map(Category::as_str))
    .bind(decision.as_str())
    .bind(replied_at)
    .bind(at.unix_millis())
    // Nothing for staff to look at: a comment left alone, an unreadable event.
    .bind(if matches!(decision, Decision::Left | Decision::Ignored) { "handled" } else { "open" })
    .bind(&p.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inserts the calls owed, in multi-row statements.
async fn insert_actions(
    conn: &mut AnyConnection,
    owed: &[(&str, ActionKind, Option<Template>)],
    at: Timestamp,
) -> Result<(), StoreError> {
    for chunk in crate::batch::pow2_chunks(owed, crate::batch::Params::Numbered.rows_per_statement(4)) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| format!("(${}, ${}, ${}, ${}, 'pending', $1, $1)", r * 4 + 2, r * 4 + 3, r * 4 + 4, r * 4 + 5))
            .collect();
        let sql = format!(
            "INSERT INTO social_actions (id, item_id, kind, template, status, due_at, created_at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at.unix_millis());
        for (item, kind, template) in chunk {
            q = q.bind(id::new_v7(at).to_string()).bind(*item).bind(kind.as_str()).bind(template.map(Template::as_str));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts one call owed.
pub(super) async fn insert_action(
    conn: &mut AnyConnection,
    item: &str,
    kind: ActionKind,
    template: Option<Template>,
    at: Timestamp,
) -> Result<(), StoreError> {
    insert_actions(conn, &[(item, kind, template)], at).await
}

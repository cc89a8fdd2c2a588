//! Threads, messages, read receipts, recall, attachments, saved replies and idempotency keys.
//!
//! Subjects, bodies, file names, file contents and file hashes are sealed under the patient's
//! data key. The store returns everything a thread holds; what a given reader may see (internal
//! notes, held results, recalled messages) is decided in `app`.

use portico_crypto::DataKey;
use portico_domain::audit::AuditRecord;
use portico_domain::messaging::{Category, MessageBody, Party, Subject, ThreadFacts, ThreadStatus};
use portico_domain::{
    AttachmentId, MessageId, MisdirectedId, PatientId, PhiText, StaffId, TeamId, ThreadId, Timestamp,
};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::notifications::{self, Announce};
use crate::{Store, StoreError, audit, open_text, parse_id, seal_text};

/// A thread's facts without PHI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadMeta {
    /// Id.
    pub id: ThreadId,
    /// Whose thread.
    pub patient_id: PatientId,
    /// Addressed to.
    pub team_id: TeamId,
    /// Category.
    pub category: Category,
    /// Open or closed.
    pub status: ThreadStatus,
    /// Assigned staff member.
    pub assignee_id: Option<StaffId>,
    /// Created.
    pub created_at: Timestamp,
    /// Last message.
    pub last_activity_at: Timestamp,
}

impl ThreadMeta {
    /// The facts the policy needs.
    pub fn facts(&self) -> ThreadFacts {
        ThreadFacts { patient: self.patient_id, team: self.team_id }
    }
}

/// A file to attach, already checked by the caller (type from magic bytes, size limit).
#[derive(Clone)]
pub struct NewAttachment {
    /// File name as uploaded (PHI: sealed).
    pub filename: String,
    /// Detected content type.
    pub content_type: &'static str,
    /// The bytes.
    pub content: Vec<u8>,
}

/// A message to write.
#[derive(Clone)]
pub struct NewMessage {
    /// Who writes it.
    pub author: Party,
    /// The text.
    pub body: MessageBody,
    /// Staff-only note.
    pub internal: bool,
    /// Hidden from the patient until then (held results).
    pub release_at: Option<Timestamp>,
    /// Files.
    pub attachments: Vec<NewAttachment>,
    /// The client's idempotency key, scoped to the author.
    pub idempotency_key: Option<String>,
}

/// A written (or replayed) message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posted {
    /// Its thread.
    pub thread_id: ThreadId,
    /// The message.
    pub message_id: MessageId,
    /// When it was written.
    pub created_at: Timestamp,
    /// Whether this answers a repeated idempotency key (nothing new was written).
    pub replayed: bool,
}

/// Who read a message and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadReceipt {
    /// `staff` or `patient`.
    pub reader_kind: String,
    /// Staff id or account id.
    pub reader_id: String,
    /// When (first read).
    pub read_at: Timestamp,
}

/// An attachment as listed with its message.
#[derive(Clone, Debug, Serialize)]
pub struct AttachmentMeta {
    /// Id.
    pub id: AttachmentId,
    /// File name (PHI).
    pub filename: PhiText,
    /// Detected type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

/// A message as stored (opened).
#[derive(Clone, Debug)]
pub struct StoredMessage {
    /// Id.
    pub id: MessageId,
    /// Who wrote it.
    pub author: (String, String),
    /// Text.
    pub body: PhiText,
    /// Staff-only note.
    pub internal: bool,
    /// Held until.
    pub release_at: Option<Timestamp>,
    /// Written.
    pub created_at: Timestamp,
    /// Recalled.
    pub recalled_at: Option<Timestamp>,
    /// First reads, per reader.
    pub reads: Vec<ReadReceipt>,
    /// Files.
    pub attachments: Vec<AttachmentMeta>,
}

/// A thread with its subject and messages.
#[derive(Clone, Debug)]
pub struct ThreadDetail {
    /// Facts.
    pub meta: ThreadMeta,
    /// Subject (PHI).
    pub subject: PhiText,
    /// Team name.
    pub team_name: String,
    /// Messages, oldest first.
    pub messages: Vec<StoredMessage>,
}

/// A thread in a list.
#[derive(Clone, Debug)]
pub struct ThreadSummary {
    /// Facts.
    pub meta: ThreadMeta,
    /// Subject (PHI).
    pub subject: PhiText,
    /// Team name.
    pub team_name: String,
    /// Messages from the other side this reader has not read.
    pub unread: i64,
}

/// Which threads to list.
#[derive(Clone, Debug)]
pub enum ThreadScope {
    /// Threads of these patients (a patient and those they act for).
    Patients(Vec<PatientId>),
    /// Threads addressed to these teams (a staff member's teams).
    Teams(Vec<TeamId>),
}

/// A message's facts without PHI, with its thread's.
#[derive(Clone, Debug)]
pub struct MessageMeta {
    /// Id.
    pub id: MessageId,
    /// Its thread.
    pub thread: ThreadMeta,
    /// Author (`staff`|`patient`, id).
    pub author: (String, String),
    /// Staff-only note.
    pub internal: bool,
    /// Held until.
    pub release_at: Option<Timestamp>,
    /// Recalled.
    pub recalled_at: Option<Timestamp>,
}

/// What a recall found.
#[derive(Clone, Debug)]
pub struct RecallOutcome {
    /// Recipients who had read the message before it was recalled.
    pub read_by: Vec<ReadReceipt>,
    /// The misdirected-message record opened because it had been read.
    pub misdirected: Option<MisdirectedId>,
}

/// A record for the privacy officer.
#[derive(Clone, Debug, Serialize)]
pub struct MisdirectedRecord {
    /// Id.
    pub id: MisdirectedId,
    /// The recalled message.
    pub message_id: MessageId,
    /// Its thread.
    pub thread_id: ThreadId,
    /// Whose PHI.
    pub patient_id: PatientId,
    /// Who recalled it (`kind:id`).
    pub recalled_by: String,
    /// When.
    pub recalled_at: Timestamp,
    /// `open` until reviewed.
    pub status: String,
    /// Who had read it, and when.
    pub read_by: Vec<ReadReceipt>,
}

/// A team's reusable reply.
#[derive(Clone, Debug, Serialize)]
pub struct SavedReply {
    /// Id.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Text to insert.
    pub body: String,
}

/// An opened attachment.
pub struct OpenedAttachment {
    /// File name (PHI).
    pub filename: PhiText,
    /// Detected type.
    pub content_type: String,
    /// Bytes, checked against the recorded SHA-256.
    pub content: Vec<u8>,
}

/// An attachment's facts without PHI.
#[derive(Clone, Debug)]
pub struct AttachmentRef {
    /// Id.
    pub id: AttachmentId,
    /// The message it belongs to.
    pub message: MessageMeta,
}

const THREAD_COLS: &str =
    "t.id, t.patient_id, t.team_id, t.category, t.status, t.assignee_id, t.created_at, t.last_activity_at";

fn thread_meta(r: &AnyRow) -> Result<ThreadMeta, StoreError> {
    let bad = |_| StoreError::Integrity("thread field");
    Ok(ThreadMeta {
        id: parse_id(r, "id")?,
        patient_id: parse_id(r, "patient_id")?,
        team_id: parse_id(r, "team_id")?,
        category: Category::parse(&r.try_get::<String, _>("category")?).map_err(bad)?,
        status: ThreadStatus::parse(&r.try_get::<String, _>("status")?).map_err(bad)?,
        assignee_id: r
            .try_get::<Option<String>, _>("assignee_id")?
            .map(|s| s.parse())
            .transpose()
            .map_err(|_| StoreError::Integrity("assignee"))?,
        created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
        last_activity_at: Timestamp::from_unix_millis(r.try_get("last_activity_at")?),
    })
}

fn opt_ts(r: &AnyRow, col: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(r.try_get::<Option<i64>, _>(col)?.map(Timestamp::from_unix_millis))
}

impl Store {
    /// A thread's facts, if it exists.
    pub async fn thread_meta(&self, id: ThreadId) -> Result<Option<ThreadMeta>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {THREAD_COLS} FROM threads t WHERE t.id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(thread_meta).transpose()
    }

    /// Opens a thread with its first message, in one transaction with its audit event. A
    /// repeated idempotency key returns the thread and message written the first time.
    pub async fn open_thread(
        &self,
        facts: ThreadFacts,
        subject: &Subject,
        category: Category,
        first: &NewMessage,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<Posted, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(done) = replay(&mut tx, first).await? {
            tx.commit().await?;
            return Ok(done);
        }
        let key = self.patient_key(&mut tx, facts.patient).await?;
        let id = ThreadId::generate(at);
        sqlx::query(
            "INSERT INTO threads (id, patient_id, team_id, subject, category, status, created_at, last_activity_at)
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $6)",
        )
        .bind(id.to_string())
        .bind(facts.patient.to_string())
        .bind(facts.team.to_string())
        .bind(seal_text(&key, "threads", "subject", &id.to_string(), subject.expose())?)
        .bind(category.as_str())
        .bind(at.unix_millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound("patient or team"),
            _ => StoreError::Database(e),
        })?;
        let (mut tx, posted) = match self.insert_or_replay(tx, &key, id, first, at).await? {
            Ok(written) => written,
            Err(replayed) => return Ok(replayed),
        };
        if let Some(a) = Announce::of(first, facts.patient, id, posted.message_id, at, self.notify_window_ms) {
            notifications::enqueue(&mut tx, &[a]).await?;
        }
        audit::insert(&mut tx, at, &audit_rec.clone().patient(facts.patient).resource(id)).await?;
        audit::insert(&mut tx, at, &message_audit(audit_rec, facts.patient, posted.message_id)).await?;
        tx.commit().await?;
        Ok(posted)
    }

    /// Appends a message to a thread with its audit event; a repeated idempotency key returns the
    /// message written the first time. The send joins the group commit and returns only after
    /// the transaction that holds it has committed.
    pub async fn post_message(
        &self,
        thread: ThreadId,
        patient: PatientId,
        msg: &NewMessage,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<Posted, StoreError> {
        let job = PostJob {
            thread,
            patient,
            msg: msg.clone(),
            at,
            audit: audit_rec.clone(),
            window_ms: self.notify_window_ms,
        };
        self.group.post(job).await
    }

    /// Lists threads in scope, newest activity first, with unread counts for `reader`. One
    /// audit event per patient whose subjects are returned. A patient does not see a thread
    /// before it holds a message for them (a result held until its release time, a thread
    /// with only internal notes).
    pub async fn list_threads(
        &self,
        scope: &ThreadScope,
        reader: Party,
        now: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<Vec<ThreadSummary>, StoreError> {
        let (column, ids): (&str, Vec<String>) = match scope {
            ThreadScope::Patients(p) => ("t.patient_id", p.iter().map(ToString::to_string).collect()),
            ThreadScope::Teams(t) => ("t.team_id", t.iter().map(ToString::to_string).collect()),
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 4)).collect();
        let for_patient = if reader.is_staff() {
            ""
        } else {
            "AND EXISTS (SELECT 1 FROM messages v WHERE v.thread_id = t.id AND v.internal = 0
                AND (v.release_at IS NULL OR v.release_at <= $3))"
        };
        let sql = format!(
            "SELECT {THREAD_COLS}, t.subject, tm.name AS team_name,
               (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND m.author_kind <> $1 AND m.internal = 0
                  AND m.recalled_at IS NULL AND (m.release_at IS NULL OR m.release_at <= $3)
                  AND NOT EXISTS (SELECT 1 FROM message_reads r WHERE r.message_id = m.id AND r.reader_kind = $1 AND r.reader_id = $2)
               ) AS unread
             FROM threads t JOIN teams tm ON tm.id = t.team_id
             WHERE {column} IN ({}) {for_patient} ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 500",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reader.kind()).bind(reader.id()).bind(now.unix_millis());
        for id in &ids {
            q = q.bind(id.clone());
        }
        let mut tx = self.begin_write().await?;
        let rows = q.fetch_all(&mut *tx).await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut keys: std::collections::HashMap<PatientId, DataKey> = std::collections::HashMap::new();
        for r in &rows {
            let meta = thread_meta(r)?;
            let key = match keys.get(&meta.patient_id) {
                Some(k) => k.clone(),
                None => {
                    let k = self.patient_key(&mut tx, meta.patient_id).await?;
                    keys.insert(meta.patient_id, k.clone());
                    k
                }
            };
            let subject = open_text(&key, "threads", "subject", &meta.id.to_string(), r.try_get("subject")?)?;
            out.push(ThreadSummary { meta, subject, team_name: r.try_get("team_name")?, unread: r.try_get("unread")? });
        }
        for patient in keys.keys() {
            audit::insert(&mut tx, now, &audit_rec.clone().patient(*patient)).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Reads a thread with every message, read receipt and attachment name; audited in the
    /// same transaction before anything is returned.
    pub async fn read_thread(
        &self,
        thread: &ThreadMeta,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<ThreadDetail, StoreError> {
        let mut tx = self.begin_write().await?;
        let key = self.patient_key(&mut tx, thread.patient_id).await?;
        let tid = thread.id.to_string();
        let head =
            sqlx::query("SELECT t.subject, tm.name FROM threads t JOIN teams tm ON tm.id = t.team_id WHERE t.id = $1")
                .bind(&tid)
                .fetch_one(&mut *tx)
                .await?;
        let subject = open_text(&key, "threads", "subject", &tid, head.try_get("subject")?)?;
        let reads = reads_of_thread(&mut tx, &tid).await?;
        let files = attachments_of_thread(&mut tx, &key, &tid).await?;
        let rows = sqlx::query(
            "SELECT id, author_kind, author_id, body, internal, release_at, created_at, recalled_at
             FROM messages WHERE thread_id = $1 ORDER BY created_at, id",
        )
        .bind(&tid)
        .fetch_all(&mut *tx)
        .await?;
        let mut messages = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: MessageId = parse_id(r, "id")?;
            let mid = id.to_string();
            messages.push(StoredMessage {
                id,
                author: (r.try_get("author_kind")?, r.try_get("author_id")?),
                body: open_text(&key, "messages", "body", &mid, r.try_get("body")?)?,
                internal: r.try_get::<i64, _>("internal")? != 0,
                release_at: opt_ts(r, "release_at")?,
                created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                recalled_at: opt_ts(r, "recalled_at")?,
                reads: reads.iter().filter(|(m, _)| *m == mid).map(|(_, rr)| rr.clone()).collect(),
                attachments: files.iter().filter(|(m, _)| *m == mid).map(|(_, a)| a.clone()).collect(),
            });
        }
        audit::insert(&mut tx, at, &audit_rec.clone().patient(thread.patient_id).resource(thread.id)).await?;
        tx.commit().await?;
        Ok(ThreadDetail { meta: thread.clone(), subject, team_name: head.try_get("name")?, messages })
    }

    /// Records `reader`'s first read of every message they can see in the thread now.
    pub async fn mark_thread_read(
        &self,
        thread: &ThreadMeta,
        reader: Party,
        include_internal: bool,
        now: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO message_reads (message_id, reader_kind, reader_id, read_at)
             SELECT m.id, $2, $3, $4 FROM messages m
             WHERE m.thread_id = $1 AND m.recalled_at IS NULL AND (m.internal = 0 OR $5 = 1)
               AND (m.release_at IS NULL OR m.release_at <= $4)
               AND NOT EXISTS (SELECT 1 FROM message_reads r WHERE r.message_id = m.id AND r.reader_kind = $2 AND r.reader_id = $3)",
        )
        .bind(thread.id.to_string())
        .bind(reader.kind())
        .bind(reader.id())
        .bind(now.unix_millis())
        .bind(i64::from(include_internal))
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, now, &audit_rec.clone().patient(thread.patient_id).resource(thread.id)).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// A message's facts with its thread's, if it exists.
    pub async fn message_meta(&self, id: MessageId) -> Result<Option<MessageMeta>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {THREAD_COLS}, m.id AS message_id, m.author_kind, m.author_id, m.internal, m.release_at, m.recalled_at
             FROM messages m JOIN threads t ON t.id = m.thread_id WHERE m.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(message_meta).transpose()
    }

    /// Recalls a message. If a recipient (the other side from the author) had read it, a
    /// misdirected-message record is opened for the privacy officer. One transaction, audited.
    pub async fn recall_message(
        &self,
        msg: &MessageMeta,
        by: &str,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<RecallOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let mid = msg.id.to_string();
        let done =
            sqlx::query("UPDATE messages SET recalled_at = $1, recalled_by = $2 WHERE id = $3 AND recalled_at IS NULL")
                .bind(at.unix_millis())
                .bind(by)
                .bind(&mid)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("a recall of this message"));
        }
        notifications::cancel_for_recall(&mut tx, &msg.thread.id.to_string(), at).await?;
        let read_by: Vec<ReadReceipt> =
            reads_of_message(&mut tx, &mid).await?.into_iter().filter(|r| r.reader_kind != msg.author.0).collect();
        let misdirected = if read_by.is_empty() {
            None
        } else {
            let id = MisdirectedId::generate(at);
            sqlx::query(
                "INSERT INTO misdirected_messages (id, message_id, thread_id, patient_id, recalled_by, recalled_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.to_string())
            .bind(&mid)
            .bind(msg.thread.id.to_string())
            .bind(msg.thread.patient_id.to_string())
            .bind(by)
            .bind(at.unix_millis())
            .execute(&mut *tx)
            .await?;
            Some(id)
        };
        audit::insert(&mut tx, at, &audit_rec.clone().patient(msg.thread.patient_id).resource(&mid)).await?;
        tx.commit().await?;
        Ok(RecallOutcome { read_by, misdirected })
    }

    /// Misdirected-message records, newest first, with who read each message; audited.
    pub async fn misdirected_records(
        &self,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<Vec<MisdirectedRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT id, message_id, thread_id, patient_id, recalled_by, recalled_at, status FROM misdirected_messages ORDER BY recalled_at DESC LIMIT 500",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let message_id: MessageId = parse_id(r, "message_id")?;
            let read_by = reads_of_message(&mut tx, &message_id.to_string()).await?;
            out.push(MisdirectedRecord {
                id: parse_id(r, "id")?,
                message_id,
                thread_id: parse_id(r, "thread_id")?,
                patient_id: parse_id(r, "patient_id")?,
                recalled_by: r.try_get("recalled_by")?,
                recalled_at: Timestamp::from_unix_millis(r.try_get("recalled_at")?),
                status: r.try_get("status")?,
                read_by,
            });
        }
        audit::insert(&mut tx, at, audit_rec).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// An attachment's facts (and its message's), if it exists.
    pub async fn attachment_ref(&self, id: AttachmentId) -> Result<Option<AttachmentRef>, StoreError> {
        let row = sqlx::query("SELECT message_id FROM attachments WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let message = self
            .message_meta(parse_id(&row, "message_id")?)
            .await?
            .ok_or(StoreError::Integrity("attachment without message"))?;
        Ok(Some(AttachmentRef { id, message }))
    }

    /// Opens an attachment, checks its SHA-256, audits the download in the same transaction.
    pub async fn open_attachment(
        &self,
        att: &AttachmentRef,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<OpenedAttachment, StoreError> {
        let mut tx = self.begin_write().await?;
        let patient = att.message.thread.patient_id;
        let key = self.patient_key(&mut tx, patient).await?;
        let aid = att.id.to_string();
        let r = sqlx::query("SELECT filename, content_type, sha256, content FROM attachments WHERE id = $1")
            .bind(&aid)
            .fetch_one(&mut *tx)
            .await?;
        let content = key
            .open(
                &portico_crypto::Aad::field("attachments", "content", &aid),
                &portico_crypto::Sealed::from_bytes(r.try_get("content")?),
            )
            .map_err(|_| StoreError::Integrity("content"))?;
        let recorded = key
            .open(
                &portico_crypto::Aad::field("attachments", "sha256", &aid),
                &portico_crypto::Sealed::from_bytes(r.try_get("sha256")?),
            )
            .map_err(|_| StoreError::Integrity("sha256"))?;
        if !portico_crypto::constant_time_eq(&recorded, &portico_crypto::sha256(&content)) {
            return Err(StoreError::Integrity("attachment checksum"));
        }
        let filename = open_text(&key, "attachments", "filename", &aid, r.try_get("filename")?)?;
        audit::insert(&mut tx, at, &audit_rec.clone().patient(patient).resource(&aid)).await?;
        tx.commit().await?;
        Ok(OpenedAttachment { filename, content_type: r.try_get("content_type")?, content })
    }

    /// Changes a thread's status and/or assignee (`Some(None)` unassigns), audited.
    pub async fn update_thread(
        &self,
        thread: &ThreadMeta,
        status: Option<ThreadStatus>,
        assignee: Option<Option<StaffId>>,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(s) = status {
            sqlx::query("UPDATE threads SET status = $1 WHERE id = $2")
                .bind(s.as_str())
                .bind(thread.id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(a) = assignee {
            sqlx::query("UPDATE threads SET assignee_id = $1 WHERE id = $2")
                .bind(a.map(|s| s.to_string()))
                .bind(thread.id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        audit::insert(&mut tx, at, &audit_rec.clone().patient(thread.patient_id).resource(thread.id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A team's saved replies, by title.
    pub async fn saved_replies(&self, team: TeamId) -> Result<Vec<SavedReply>, StoreError> {
        let rows = sqlx::query("SELECT id, title, body FROM saved_replies WHERE team_id = $1 ORDER BY title")
            .bind(team.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(SavedReply { id: r.try_get("id")?, title: r.try_get("title")?, body: r.try_get("body")? }))
            .collect()
    }

    /// Adds a saved reply to a team, audited.
    pub async fn create_saved_reply(
        &self,
        team: TeamId,
        by: StaffId,
        title: &str,
        body: &str,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<portico_domain::SavedReplyId, StoreError> {
        let id = portico_domain::SavedReplyId::generate(at);
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO saved_replies (id, team_id, title, body, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.to_string())
            .bind(team.to_string())
            .bind(title)
            .bind(body)
            .bind(by.to_string())
            .bind(at.unix_millis())
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, at, &audit_rec.clone().resource(id)).await?;
        tx.commit().await?;
        Ok(id)
    }
}

pub(crate) fn message_audit(base: &AuditRecord, patient: PatientId, message: MessageId) -> AuditRecord {
    AuditRecord { action: "message.create", resource_type: "message", ..base.clone() }
        .patient(patient)
        .resource(message)
}

fn message_meta(r: &AnyRow) -> Result<MessageMeta, StoreError> {
    Ok(MessageMeta {
        id: parse_id(r, "message_id")?,
        thread: thread_meta(r)?,
        author: (r.try_get("author_kind")?, r.try_get("author_id")?),
        internal: r.try_get::<i64, _>("internal")? != 0,
        release_at: opt_ts(r, "release_at")?,
        recalled_at: opt_ts(r, "recalled_at")?,
    })
}

/// One message send: everything its unit of work needs.
pub(crate) struct PostJob {
    pub(crate) thread: ThreadId,
    pub(crate) patient: PatientId,
    pub(crate) msg: NewMessage,
    pub(crate) at: Timestamp,
    pub(crate) audit: AuditRecord,
    /// Notification coalescing window (ms).
    pub(crate) window_ms: i64,
}

/// The unit of work of a send, on an open transaction: replay an idempotency key, or write the
/// message, bump the thread's activity and append the audit event. No commit.
pub(crate) async fn apply_post(
    conn: &mut AnyConnection,
    keys: &crate::keys::Keyring,
    job: &PostJob,
) -> Result<Posted, StoreError> {
    if let Some(done) = replay(conn, &job.msg).await? {
        if done.thread_id != job.thread {
            return Err(StoreError::Conflict("this idempotency key (used for another thread)"));
        }
        return Ok(done);
    }
    let key = crate::keys::load_patient_key(conn, keys, job.patient).await?;
    let posted = insert_message(conn, &key, job.thread, &job.msg, job.at).await?;
    if let Some(a) = Announce::of(&job.msg, job.patient, job.thread, posted.message_id, job.at, job.window_ms) {
        notifications::enqueue(conn, &[a]).await?;
    }
    sqlx::query("UPDATE threads SET last_activity_at = $1 WHERE id = $2 AND last_activity_at < $1")
        .bind(job.at.unix_millis())
        .bind(job.thread.to_string())
        .execute(&mut *conn)
        .await?;
    audit::insert(conn, job.at, &message_audit(&job.audit, job.patient, posted.message_id)).await?;
    Ok(posted)
}

/// The message written earlier under the same idempotency key by the same author, if any.
pub(crate) async fn replay(conn: &mut AnyConnection, msg: &NewMessage) -> Result<Option<Posted>, StoreError> {
    let Some(key) = &msg.idempotency_key else { return Ok(None) };
    let row = sqlx::query(
        "SELECT m.id, m.thread_id, m.created_at FROM idempotency_keys k JOIN messages m ON m.id = k.message_id
         WHERE k.account_kind = $1 AND k.account_id = $2 AND k.key = $3",
    )
    .bind(msg.author.kind())
    .bind(msg.author.id())
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Posted {
            thread_id: parse_id(&r, "thread_id")?,
            message_id: parse_id(&r, "id")?,
            created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
            replayed: true,
        })
    })
    .transpose()
}

pub(crate) const IDEMPOTENCY_CLASH: &str = "this idempotency key";

impl Store {
    /// Inserts a message; when a concurrent request with the same idempotency key committed
    /// first (PostgreSQL; SQLite writers are serialized), rolls back and answers with its message.
    async fn insert_or_replay(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        key: &DataKey,
        thread: ThreadId,
        msg: &NewMessage,
        at: Timestamp,
    ) -> Result<Result<(sqlx::Transaction<'static, sqlx::Any>, Posted), Posted>, StoreError> {
        match insert_message(&mut tx, key, thread, msg, at).await {
            Ok(posted) => Ok(Ok((tx, posted))),
            Err(StoreError::Conflict(IDEMPOTENCY_CLASH)) => {
                tx.rollback().await?;
                let mut conn = self.pool.acquire().await?;
                replay(&mut conn, msg).await?.map(Err).ok_or(StoreError::Conflict(IDEMPOTENCY_CLASH))
            }
            Err(e) => Err(e),
        }
    }
}

/// Writes one message, its files and its idempotency key on `conn` (no commit, no audit).
/// Kept free of transaction handling so a writer can batch many into one commit.
pub(crate) async fn insert_message(
    conn: &mut AnyConnection,
    key: &DataKey,
    thread: ThreadId,
    msg: &NewMessage,
    at: Timestamp,
) -> Result<Posted, StoreError> {
    let id = MessageId::generate(at);
    let mid = id.to_string();
    sqlx::query(
        "INSERT INTO messages (id, thread_id, author_kind, author_id, body, internal, release_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&mid)
    .bind(thread.to_string())
    .bind(msg.author.kind())
    .bind(msg.author.id())
    .bind(seal_text(key, "messages", "body", &mid, msg.body.expose())?)
    .bind(i64::from(msg.internal))
    .bind(msg.release_at.map(Timestamp::unix_millis))
    .bind(at.unix_millis())
    .execute(&mut *conn)
    .await?;
    for file in &msg.attachments {
        let aid = AttachmentId::generate(at).to_string();
        let seal = |col: &str, bytes: &[u8]| -> Result<Vec<u8>, StoreError> {
            Ok(key.seal(&portico_crypto::Aad::field("attachments", col, &aid), bytes)?.into_bytes())
        };
        sqlx::query(
            "INSERT INTO attachments (id, message_id, filename, content_type, size, sha256, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&aid)
        .bind(&mid)
        .bind(seal("filename", file.filename.as_bytes())?)
        .bind(file.content_type)
        .bind(i64::try_from(file.content.len()).unwrap_or(i64::MAX))
        .bind(seal("sha256", &portico_crypto::sha256(&file.content))?)
        .bind(seal("content", &file.content)?)
        .bind(at.unix_millis())
        .execute(&mut *conn)
        .await?;
    }
    if let Some(k) = &msg.idempotency_key {
        sqlx::query("INSERT INTO idempotency_keys (account_kind, account_id, key, message_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(msg.author.kind())
            .bind(msg.author.id())
            .bind(k)
            .bind(&mid)
            .bind(at.unix_millis())
            .execute(&mut *conn)
            .await
            .map_err(crate::conflict(IDEMPOTENCY_CLASH))?;
    }
    Ok(Posted { thread_id: thread, message_id: id, created_at: at, replayed: false })
}

async fn reads_of_message(conn: &mut AnyConnection, message: &str) -> Result<Vec<ReadReceipt>, StoreError> {
    let rows =
        sqlx::query("SELECT reader_kind, reader_id, read_at FROM message_reads WHERE message_id = $1 ORDER BY read_at")
            .bind(message)
            .fetch_all(conn)
            .await?;
    rows.iter().map(receipt).collect()
}

fn receipt(r: &AnyRow) -> Result<ReadReceipt, StoreError> {
    Ok(ReadReceipt {
        reader_kind: r.try_get("reader_kind")?,
        reader_id: r.try_get("reader_id")?,
        read_at: Timestamp::from_unix_millis(r.try_get("read_at")?),
    })
}

async fn reads_of_thread(conn: &mut AnyConnection, thread: &str) -> Result<Vec<(String, ReadReceipt)>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.message_id, r.reader_kind, r.reader_id, r.read_at FROM message_reads r JOIN messages m ON m.id = r.message_id
         WHERE m.thread_id = $1 ORDER BY r.read_at",
    )
    .bind(thread)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("message_id")?, receipt(r)?))).collect()
}

async fn attachments_of_thread(
    conn: &mut AnyConnection,
    key: &DataKey,
    thread: &str,
) -> Result<Vec<(String, AttachmentMeta)>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.id, a.message_id, a.filename, a.content_type, a.size FROM attachments a JOIN messages m ON m.id = a.message_id
         WHERE m.thread_id = $1 ORDER BY a.created_at, a.id",
    )
    .bind(thread)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let id: AttachmentId = parse_id(r, "id")?;
            Ok((
                r.try_get("message_id")?,
                AttachmentMeta {
                    id,
                    filename: open_text(key, "attachments", "filename", &id.to_string(), r.try_get("filename")?)?,
                    content_type: r.try_get("content_type")?,
                    size: r.try_get("size")?,
                },
            ))
        })
        .collect()
}

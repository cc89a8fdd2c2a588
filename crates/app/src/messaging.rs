//! Secure messaging use cases: open threads, send messages and internal notes, read, mark read,
//! recall, share results, download attachments, manage threads and saved replies.
//!
//! Visibility rules live here. A reader never sees another side's recalled message (a placeholder
//! if they had read it, nothing if not), patients never see internal notes or results held
//! until a release time, and a thread the actor may not access is reported as not found.

use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::authz::{Action, permits};
use portico_domain::messaging::{Category, MessageBody, Party, Subject, ThreadFacts, ThreadStatus};
use portico_domain::patient::FieldError;
use portico_domain::{Actor, AttachmentId, MessageId, PatientId, PhiText, StaffId, TeamId, ThreadId, Timestamp};
use portico_store::StoreError;
use portico_store::messaging::{
    AttachmentMeta, MessageMeta, MisdirectedRecord, NewAttachment, NewMessage, OpenedAttachment, Posted, ReadReceipt,
    SavedReply, StoredMessage, ThreadMeta, ThreadScope,
};
use serde::Serialize;

use crate::{App, Unexpected};

/// Why a messaging action failed.
#[derive(Debug, thiserror::Error)]
pub enum MessagingError {
    /// No such thing, or nothing this actor may know about.
    #[error("not found")]
    NotFound,
    /// The actor can see it but may not do this.
    #[error("not permitted")]
    Forbidden,
    /// Input is malformed.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// A file is not an accepted type.
    #[error("files must be PDF, PNG, JPEG or plain text")]
    UnsupportedFile,
    /// A file is over the size limit.
    #[error("a file is larger than the limit")]
    FileTooLarge,
    /// Already done, or an idempotency key reused for another request.
    #[error("{0}")]
    Conflict(&'static str),
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for MessagingError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => MessagingError::NotFound,
            StoreError::Conflict(what) => MessagingError::Conflict(what),
            other => MessagingError::Unexpected(other.into()),
        }
    }
}

/// An uploaded file, before checks.
#[derive(Clone)]
pub struct Upload {
    /// Name as given by the client.
    pub filename: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A new thread.
#[derive(Clone)]
pub struct OpenThread {
    /// For staff: the patient. For a proxy: the patient acted for (default: oneself).
    pub patient_id: Option<PatientId>,
    /// Addressed to.
    pub team_id: TeamId,
    /// Subject.
    pub subject: String,
    /// First message.
    pub body: String,
    /// Category.
    pub category: String,
    /// Files.
    pub files: Vec<Upload>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// A message to send.
#[derive(Clone)]
pub struct SendMessage {
    /// Text.
    pub body: String,
    /// Staff-only note.
    pub internal: bool,
    /// Files.
    pub files: Vec<Upload>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
}

/// A result to share with a patient.
#[derive(Clone)]
pub struct ShareResult {
    /// The patient.
    pub patient_id: PatientId,
    /// The care team sharing it.
    pub team_id: TeamId,
    /// Subject.
    pub subject: String,
    /// Note to the patient.
    pub body: String,
    /// Hidden from the patient until then.
    pub release_at: Option<Timestamp>,
    /// The result file.
    pub file: Upload,
}

/// A thread as shown to a reader.
#[derive(Clone, Debug, Serialize)]
pub struct ThreadView {
    /// Id.
    pub id: ThreadId,
    /// Whose thread.
    pub patient_id: PatientId,
    /// Team.
    pub team_id: TeamId,
    /// Team name.
    pub team_name: String,
    /// Subject.
    pub subject: PhiText,
    /// Category.
    pub category: Category,
    /// Status.
    pub status: ThreadStatus,
    /// Assigned staff member (staff readers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<StaffId>,
    /// Created.
    pub created_at: Timestamp,
    /// Last message.
    pub last_activity_at: Timestamp,
    /// Unread messages from the other side (lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<i64>,
}

/// Who wrote a message.
#[derive(Clone, Debug, Serialize)]
pub struct AuthorView {
    /// `staff` or `patient`.
    pub kind: String,
    /// Staff id or patient account id (a proxy's own account when a proxy wrote).
    pub id: String,
}

/// A message as shown to a reader.
#[derive(Clone, Debug, Serialize)]
pub struct MessageView {
    /// Id.
    pub id: MessageId,
    /// Author.
    pub author: AuthorView,
    /// Text; `null` when the message was withdrawn.
    pub body: Option<PhiText>,
    /// Staff-only note (never sent to patients).
    pub internal: bool,
    /// Withdrawn by its sender.
    pub recalled: bool,
    /// Written.
    pub created_at: Timestamp,
    /// Held until (staff readers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_at: Option<Timestamp>,
    /// Files.
    pub attachments: Vec<AttachmentMeta>,
    /// For staff readers: when the patient (or a proxy) first read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_by_patient_at: Option<Timestamp>,
    /// For patient readers: when the care team first read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_by_care_team_at: Option<Timestamp>,
}

/// A thread with the messages the reader may see.
#[derive(Clone, Debug, Serialize)]
pub struct ThreadWithMessages {
    /// The thread.
    pub thread: ThreadView,
    /// Messages, oldest first.
    pub messages: Vec<MessageView>,
}

/// What a recall did.
#[derive(Clone, Debug, Serialize)]
pub struct RecallResult {
    /// The message.
    pub message_id: MessageId,
    /// Whether a recipient had read it before the recall.
    pub had_been_read: bool,
    /// The record opened for the privacy officer when it had been read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misdirected_id: Option<portico_domain::MisdirectedId>,
}

/// The party an actor writes and reads as.
pub fn party_of(actor: &Actor) -> Result<Party, MessagingError> {
    match actor {
        Actor::Staff(s) => Ok(Party::Staff(s.id)),
        Actor::Patient(p) => Ok(Party::Patient(p.account_id)),
        Actor::System => Err(MessagingError::Forbidden),
    }
}

fn audit(actor: &Actor, action: &'static str, resource: &'static str, ctx: &RequestContext) -> AuditRecord {
    AuditRecord::new(actor, action, resource, Purpose::of(actor), ctx)
}

/// An audit record for an access to one thread (purpose `emergency` under break-glass).
fn thread_audit(
    actor: &Actor,
    facts: ThreadFacts,
    action: &'static str,
    resource: &'static str,
    ctx: &RequestContext,
) -> AuditRecord {
    AuditRecord::new(actor, action, resource, Purpose::for_thread(actor, facts), ctx)
}

/// What a reader is shown of one message.
#[derive(Debug, PartialEq, Eq)]
enum Shown {
    Full,
    Withdrawn,
    Hidden,
}

fn shown(m: &StoredMessage, viewer: Party, now: Timestamp) -> Shown {
    let viewer_is_staff = viewer.is_staff();
    if !viewer_is_staff && (m.internal || m.release_at.is_some_and(|r| r > now)) {
        return Shown::Hidden;
    }
    if m.recalled_at.is_none() || (m.author.0 == "staff") == viewer_is_staff {
        return Shown::Full;
    }
    let had_read = m.reads.iter().any(|r| r.reader_kind == viewer.kind() && r.reader_id == viewer.id());
    if had_read { Shown::Withdrawn } else { Shown::Hidden }
}

fn first_read(reads: &[ReadReceipt], kind: &str) -> Option<Timestamp> {
    reads.iter().filter(|r| r.reader_kind == kind).map(|r| r.read_at).min()
}

fn message_view(m: StoredMessage, viewer: Party, now: Timestamp) -> Option<MessageView> {
    let how = shown(&m, viewer, now);
    if how == Shown::Hidden {
        return None;
    }
    let full = how == Shown::Full;
    let staff = viewer.is_staff();
    Some(MessageView {
        id: m.id,
        author: AuthorView { kind: m.author.0.clone(), id: m.author.1.clone() },
        body: full.then_some(m.body),
        internal: m.internal,
        recalled: m.recalled_at.is_some(),
        created_at: m.created_at,
        release_at: if staff { m.release_at } else { None },
        attachments: if full { m.attachments } else { Vec::new() },
        read_by_patient_at: if staff && m.author.0 == "staff" { first_read(&m.reads, "patient") } else { None },
        read_by_care_team_at: if !staff && m.author.0 == "patient" { first_read(&m.reads, "staff") } else { None },
    })
}

fn thread_view(meta: ThreadMeta, subject: PhiText, team_name: String, unread: Option<i64>, staff: bool) -> ThreadView {
    ThreadView {
        id: meta.id,
        patient_id: meta.patient_id,
        team_id: meta.team_id,
        team_name,
        subject,
        category: meta.category,
        status: meta.status,
        assignee_id: if staff { meta.assignee_id } else { None },
        created_at: meta.created_at,
        last_activity_at: meta.last_activity_at,
        unread,
    }
}

/// The accepted file types, told by their first bytes, never by name.
pub fn detect_file_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if !bytes.is_empty()
        && std::str::from_utf8(bytes)
            .is_ok_and(|s| !s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')))
    {
        Some("text/plain; charset=utf-8")
    } else {
        None
    }
}

/// A file name safe to store and to send back: the last path component, printable, at most 120
/// characters.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';')).take(120).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "attachment".to_owned() } else { cleaned }
}

impl App {
    fn check_files(&self, files: &[Upload]) -> Result<Vec<NewAttachment>, MessagingError> {
        if files.len() > 10 {
            return Err(FieldError { field: "file", reason: "at most 10 files per message" }.into());
        }
        files
            .iter()
            .map(|f| {
                if f.bytes.len() > self.settings.attachment_max_bytes {
                    return Err(MessagingError::FileTooLarge);
                }
                let content_type = detect_file_type(&f.bytes).ok_or(MessagingError::UnsupportedFile)?;
                Ok(NewAttachment { filename: clean_filename(&f.filename), content_type, content: f.bytes.clone() })
            })
            .collect()
    }

    /// A thread the actor may read, or not-found (also when it exists but is someone else's).
    async fn readable_thread(
        &self,
        actor: &Actor,
        id: ThreadId,
        ctx: &RequestContext,
    ) -> Result<ThreadMeta, MessagingError> {
        let meta = self.store.thread_meta(id).await?.ok_or(MessagingError::NotFound)?;
        if permits(actor, &Action::ReadThread(meta.facts())) {
            Ok(meta)
        } else {
            Err(self.denied(actor, "thread", &id.to_string(), Some(meta.patient_id), ctx).await)
        }
    }

    /// Records a refused access to something that exists (the caller is told "not found").
    async fn denied(
        &self,
        actor: &Actor,
        resource: &'static str,
        id: &str,
        patient: Option<PatientId>,
        ctx: &RequestContext,
    ) -> MessagingError {
        let mut rec = AuditRecord::new(actor, "access.denied", resource, Purpose::of(actor), ctx).resource(id).failed();
        rec.patient_id = patient;
        match self.store.append_audit(self.now(), &rec).await {
            Ok(()) => MessagingError::NotFound,
            Err(e) => MessagingError::Unexpected(e.into()),
        }
    }

    /// Threads visible to the actor, newest activity first, with unread counts.
    pub async fn list_threads(&self, actor: &Actor, ctx: &RequestContext) -> Result<Vec<ThreadView>, MessagingError> {
        let reader = party_of(actor)?;
        let now = self.now();
        let (scope, emergency) = match actor {
            Actor::Patient(p) => (
                ThreadScope::Patients(std::iter::once(p.patient_id).chain(p.acts_for.iter().copied()).collect()),
                vec![],
            ),
            Actor::Staff(s) if s.role.is_care_team() => (ThreadScope::Teams(s.teams.clone()), s.emergency.clone()),
            _ => return Err(MessagingError::Forbidden),
        };
        let staff = matches!(actor, Actor::Staff(_));
        let mut list =
            self.store.list_threads(&scope, reader, now, &audit(actor, "thread.list", "thread", ctx)).await?;
        if !emergency.is_empty() {
            let rec = AuditRecord::new(actor, "thread.list", "thread", Purpose::Emergency, ctx);
            let extra = self.store.list_threads(&ThreadScope::Patients(emergency), reader, now, &rec).await?;
            list.extend(extra.into_iter().filter(|t| permits(actor, &Action::ReadThread(t.meta.facts()))));
            list.sort_by(|a, b| b.meta.last_activity_at.cmp(&a.meta.last_activity_at).then(b.meta.id.cmp(&a.meta.id)));
            list.dedup_by_key(|t| t.meta.id);
        }
        Ok(list.into_iter().map(|t| thread_view(t.meta, t.subject, t.team_name, Some(t.unread), staff)).collect())
    }

    /// A thread and the messages the actor may see; audited before it is returned.
    pub async fn get_thread(
        &self,
        actor: &Actor,
        id: ThreadId,
        ctx: &RequestContext,
    ) -> Result<ThreadWithMessages, MessagingError> {
        let meta = self.readable_thread(actor, id, ctx).await?;
        let viewer = party_of(actor)?;
        let now = self.now();
        let detail = self
            .store
            .read_thread(&meta, now, &thread_audit(actor, meta.facts(), "thread.read", "thread", ctx))
            .await?;
        let messages = detail.messages.into_iter().filter_map(|m| message_view(m, viewer, now)).collect();
        let thread = thread_view(detail.meta, detail.subject, detail.team_name, None, viewer.is_staff());
        Ok(ThreadWithMessages { thread, messages })
    }

    /// Who a thread is about, for the staff thread page's banner: name, date of birth and MRN,
    /// or `None` when the reader's role may not see demographics (the minimum necessary). The
    /// read is audited as `patient.read` with the thread's purpose (treatment, or emergency
    /// under break-glass).
    pub async fn thread_patient(
        &self,
        actor: &Actor,
        id: ThreadId,
        ctx: &RequestContext,
    ) -> Result<Option<portico_domain::patient::PatientRecord>, MessagingError> {
        let meta = self.readable_thread(actor, id, ctx).await?;
        let may = matches!(actor, Actor::Staff(_))
            && permits(actor, &Action::ReadPatientDemographics { patient: meta.patient_id, care_relationship: true });
        if !may {
            return Ok(None);
        }
        let rec = thread_audit(actor, meta.facts(), "patient.read", "patient", ctx);
        Ok(Some(self.store.read_patient(meta.patient_id, self.now(), &rec).await?))
    }

    /// Opens a thread with a first message. Patients write to teams open to them, for themselves
    /// or a patient they act for; staff write to a patient from one of their teams.
    pub async fn open_thread(
        &self,
        actor: &Actor,
        req: OpenThread,
        ctx: &RequestContext,
    ) -> Result<Posted, MessagingError> {
        let patient = match (actor, req.patient_id) {
            (Actor::Patient(p), None) => p.patient_id,
            (_, Some(id)) => id,
            _ => return Err(FieldError { field: "patient_id", reason: "is required" }.into()),
        };
        let facts = ThreadFacts { patient, team: req.team_id };
        if !permits(actor, &Action::WriteMessage(facts)) {
            return Err(if matches!(actor, Actor::Patient(_)) {
                MessagingError::NotFound
            } else {
                MessagingError::Forbidden
            });
        }
        if matches!(actor, Actor::Patient(_)) && !self.store.list_teams(true).await?.iter().any(|t| t.id == req.team_id)
        {
            return Err(MessagingError::NotFound);
        }
        let subject = Subject::parse(&req.subject)?;
        let category = Category::parse(&req.category)?;
        let first = NewMessage {
            author: party_of(actor)?,
            body: MessageBody::parse(&req.body)?,
            internal: false,
            release_at: None,
            attachments: self.check_files(&req.files)?,
            idempotency_key: clean_key(req.idempotency_key)?,
        };
        let rec = audit(actor, "thread.create", "thread", ctx);
        let posted = self.store.open_thread(facts, &subject, category, &first, self.now(), &rec).await?;
        self.announce(&posted, facts.team).await;
        Ok(posted)
    }

    /// Tells the open inboxes of the thread's team that it changed (ids only). The change is
    /// committed already: if the announcement fails, the next page load shows it.
    async fn announce_change(&self, thread: ThreadId, team: TeamId) {
        let change = portico_store::live::ThreadChanged { thread, team };
        if let Err(e) = self.store.announce(change).await {
            tracing::warn!(error = %e, "live update not announced");
        }
    }

    async fn announce(&self, posted: &Posted, team: TeamId) {
        if !posted.replayed {
            self.announce_change(posted.thread_id, team).await;
        }
    }

    /// Thread changes for the live staff inbox (every node's, on PostgreSQL).
    pub fn thread_changes(&self) -> tokio::sync::broadcast::Receiver<portico_store::live::ThreadChanged> {
        self.store.thread_changes()
    }

    /// Sends a message (or, for staff, an internal note) in a thread.
    pub async fn send_message(
        &self,
        actor: &Actor,
        thread: ThreadId,
        req: SendMessage,
        ctx: &RequestContext,
    ) -> Result<Posted, MessagingError> {
        let facts = self.thread_facts(actor, thread, ctx).await?;
        let action = if req.internal { Action::ManageThread(facts) } else { Action::WriteMessage(facts) };
        if !permits(actor, &action) {
            return Err(MessagingError::Forbidden);
        }
        let msg = NewMessage {
            author: party_of(actor)?,
            body: MessageBody::parse(&req.body)?,
            internal: req.internal,
            release_at: None,
            attachments: self.check_files(&req.files)?,
            idempotency_key: clean_key(req.idempotency_key)?,
        };
        let rec = audit(actor, "message.create", "message", ctx);
        let posted = self.store.post_message(thread, facts.patient, &msg, self.now(), &rec).await?;
        self.announce(&posted, facts.team).await;
        Ok(posted)
    }

    /// The facts of a thread the actor may read (cached: they never change), or not-found.
    async fn thread_facts(
        &self,
        actor: &Actor,
        id: ThreadId,
        ctx: &RequestContext,
    ) -> Result<ThreadFacts, MessagingError> {
        let facts = match self.caches.thread(id) {
            Some(f) => f,
            None => {
                let meta = self.store.thread_meta(id).await?.ok_or(MessagingError::NotFound)?;
                self.caches.put_thread(id, meta.facts());
                meta.facts()
            }
        };
        if permits(actor, &Action::ReadThread(facts)) {
            Ok(facts)
        } else {
            Err(self.denied(actor, "thread", &id.to_string(), Some(facts.patient), ctx).await)
        }
    }

    /// Marks every message the actor can see in the thread as read by them.
    pub async fn mark_read(
        &self,
        actor: &Actor,
        thread: ThreadId,
        ctx: &RequestContext,
    ) -> Result<u64, MessagingError> {
        let meta = self.readable_thread(actor, thread, ctx).await?;
        let reader = party_of(actor)?;
        let rec = thread_audit(actor, meta.facts(), "thread.mark_read", "thread", ctx);
        Ok(self.store.mark_thread_read(&meta, reader, reader.is_staff(), self.now(), &rec).await?)
    }

    /// Recalls a message: its author (or an admin). Unread: it disappears. Read: it is withdrawn
    /// and a misdirected-message record is opened for the privacy officer.
    pub async fn recall(
        &self,
        actor: &Actor,
        message: MessageId,
        ctx: &RequestContext,
    ) -> Result<RecallResult, MessagingError> {
        let meta = self.visible_message(actor, message, ctx).await?;
        let me = party_of(actor)?;
        let is_author = meta.author.0 == me.kind() && meta.author.1 == me.id();
        if !permits(actor, &Action::RecallMessage { thread: meta.thread.facts(), is_author }) {
            return Err(MessagingError::Forbidden);
        }
        let by = format!("{}:{}", me.kind(), me.id());
        let outcome =
            self.store.recall_message(&meta, &by, self.now(), &audit(actor, "message.recall", "message", ctx)).await?;
        self.announce_change(meta.thread.id, meta.thread.team_id).await;
        Ok(RecallResult {
            message_id: meta.id,
            had_been_read: !outcome.read_by.is_empty(),
            misdirected_id: outcome.misdirected,
        })
    }

    /// A message the actor may know about: in a thread they may read (admins: any, for recall),
    /// and not hidden from them.
    async fn visible_message(
        &self,
        actor: &Actor,
        id: MessageId,
        ctx: &RequestContext,
    ) -> Result<MessageMeta, MessagingError> {
        let meta = self.store.message_meta(id).await?.ok_or(MessagingError::NotFound)?;
        let admin = matches!(actor, Actor::Staff(s) if s.role == portico_domain::StaffRole::Admin);
        let readable = permits(actor, &Action::ReadThread(meta.thread.facts()));
        let hidden_from_patient =
            matches!(actor, Actor::Patient(_)) && (meta.internal || meta.release_at.is_some_and(|r| r > self.now()));
        if (readable || admin) && !hidden_from_patient {
            Ok(meta)
        } else {
            Err(self.denied(actor, "message", &id.to_string(), Some(meta.thread.patient_id), ctx).await)
        }
    }

    /// Opens an attachment for download, checking its hash; audited.
    pub async fn download(
        &self,
        actor: &Actor,
        id: AttachmentId,
        ctx: &RequestContext,
    ) -> Result<OpenedAttachment, MessagingError> {
        let att = self.store.attachment_ref(id).await?.ok_or(MessagingError::NotFound)?;
        let meta = &att.message;
        let readable = permits(actor, &Action::ReadThread(meta.thread.facts()));
        let viewer = party_of(actor)?;
        let other_side_recalled = meta.recalled_at.is_some() && (meta.author.0 == "staff") != viewer.is_staff();
        let hidden_from_patient =
            !viewer.is_staff() && (meta.internal || meta.release_at.is_some_and(|r| r > self.now()));
        if !readable || other_side_recalled || hidden_from_patient {
            return Err(self.denied(actor, "attachment", &id.to_string(), Some(meta.thread.patient_id), ctx).await);
        }
        Ok(self
            .store
            .open_attachment(&att, self.now(), &audit(actor, "attachment.download", "attachment", ctx))
            .await?)
    }

    /// Shares a result file with a patient in a new `results` thread, optionally held until
    /// `release_at`.
    pub async fn share_result(
        &self,
        actor: &Actor,
        req: ShareResult,
        ctx: &RequestContext,
    ) -> Result<Posted, MessagingError> {
        let facts = ThreadFacts { patient: req.patient_id, team: req.team_id };
        if !permits(actor, &Action::ShareResult(facts)) {
            return Err(MessagingError::Forbidden);
        }
        let msg = NewMessage {
            author: party_of(actor)?,
            body: MessageBody::parse(&req.body)?,
            internal: false,
            release_at: req.release_at,
            attachments: self.check_files(std::slice::from_ref(&req.file))?,
            idempotency_key: None,
        };
        let rec = audit(actor, "result.share", "thread", ctx);
        let posted = self
            .store
            .open_thread(facts, &Subject::parse(&req.subject)?, Category::Results, &msg, self.now(), &rec)
            .await?;
        self.announce(&posted, facts.team).await;
        Ok(posted)
    }

    /// Closes, reopens, assigns or unassigns a thread (staff of its team). An assignee must be a
    /// care-team member of the thread's team.
    pub async fn update_thread(
        &self,
        actor: &Actor,
        thread: ThreadId,
        status: Option<ThreadStatus>,
        assignee: Option<Option<StaffId>>,
        ctx: &RequestContext,
    ) -> Result<(), MessagingError> {
        let meta = self.readable_thread(actor, thread, ctx).await?;
        if !permits(actor, &Action::ManageThread(meta.facts())) {
            return Err(MessagingError::Forbidden);
        }
        if let Some(Some(staff)) = assignee {
            let member = self.store.staff_actor(staff).await?;
            if !member.is_some_and(|m| m.role.is_care_team() && m.teams.contains(&meta.team_id)) {
                return Err(FieldError {
                    field: "assignee_id",
                    reason: "must be a care-team member of the thread's team",
                }
                .into());
            }
        }
        self.store
            .update_thread(&meta, status, assignee, self.now(), &audit(actor, "thread.update", "thread", ctx))
            .await?;
        self.announce_change(meta.id, meta.team_id).await;
        Ok(())
    }

    /// A team's saved replies.
    pub async fn saved_replies(&self, actor: &Actor, team: TeamId) -> Result<Vec<SavedReply>, MessagingError> {
        if !permits(actor, &Action::UseSavedReplies(team)) {
            return Err(MessagingError::NotFound);
        }
        Ok(self.store.saved_replies(team).await?)
    }

    /// Adds a saved reply to a team.
    pub async fn create_saved_reply(
        &self,
        actor: &Actor,
        team: TeamId,
        title: &str,
        body: &str,
        ctx: &RequestContext,
    ) -> Result<(), MessagingError> {
        let Actor::Staff(s) = actor else { return Err(MessagingError::Forbidden) };
        if !permits(actor, &Action::UseSavedReplies(team)) {
            return Err(MessagingError::NotFound);
        }
        let title =
            Subject::parse(title).map_err(|_| FieldError { field: "title", reason: "must be 1 to 200 characters" })?;
        let body = MessageBody::parse(body)?;
        let rec = AuditRecord::new(actor, "saved_reply.create", "saved_reply", Purpose::Operations, ctx);
        self.store.create_saved_reply(team, s.id, title.expose(), body.expose(), self.now(), &rec).await?;
        Ok(())
    }

    /// Misdirected-message records for the privacy officer.
    pub async fn misdirected(
        &self,
        actor: &Actor,
        ctx: &RequestContext,
    ) -> Result<Vec<MisdirectedRecord>, MessagingError> {
        if !permits(actor, &Action::ReviewMisdirected) {
            return Err(MessagingError::Forbidden);
        }
        let rec = AuditRecord::new(actor, "misdirected.list", "misdirected_message", Purpose::Operations, ctx);
        Ok(self.store.misdirected_records(self.now(), &rec).await?)
    }
}

/// An idempotency key: 1 to 200 printable ASCII characters.
fn clean_key(key: Option<String>) -> Result<Option<String>, MessagingError> {
    match key {
        Some(k) if k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()) => {
            Err(FieldError { field: "Idempotency-Key", reason: "must be 1 to 200 printable ASCII characters" }.into())
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_types_are_told_by_their_bytes_not_their_names() {
        assert_eq!(detect_file_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(detect_file_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(detect_file_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(detect_file_type("Résultat: normal\n".as_bytes()), Some("text/plain; charset=utf-8"));
        assert_eq!(detect_file_type(b"MZ\x90\x00\x03"), None, "an executable is refused");
        assert_eq!(detect_file_type(b"<html>\x00"), None);
        assert_eq!(detect_file_type(b""), None);
    }

    #[test]
    fn file_names_lose_paths_and_header_breaking_characters() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\x\\lab \"A\";.pdf"), "lab A.pdf");
        assert_eq!(clean_filename("\u{7}"), "attachment");
        assert_eq!(clean_filename(".hidden"), "hidden");
    }
}

//! The audit log seen from outside the database: signed checkpoints written to a directory
//! outside the data directory, verification of the whole log against them, the privacy
//! officer's access report and the patient's own access log.

use std::path::{Path, PathBuf};
use std::time::Duration;

use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::{Actor, PatientId, StaffRole, Timestamp};
use portico_store::AccessRow;
use portico_store::chain::{Checkpoint, Tampered, Verified};
use serde::Serialize;

use crate::{App, Unexpected};

/// How long a committed event is left before it is sealed into the chain, so that transactions
/// holding earlier sequence numbers have committed.
pub const SETTLE: Duration = Duration::from_secs(5);

/// Why checkpoints could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// A checkpoint file is unreadable, malformed or not signed by this installation's key.
    #[error("checkpoint {0} is corrupted or not signed by this key file")]
    Corrupted(String),
    /// The directory could not be read or written.
    #[error("checkpoint directory {0}: {1}")]
    Io(String, std::io::Error),
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

/// The outcome of `audit verify`.
#[derive(Debug)]
pub enum Verification {
    /// Every event and checkpoint holds.
    Intact(Verified),
    /// The first problem.
    Tampered(Tampered),
}

fn checkpoint_files(dir: &Path) -> Result<Vec<PathBuf>, CheckpointError> {
    let io = |e| CheckpointError::Io(dir.display().to_string(), e);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("checkpoint-") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Every checkpoint in `dir`, each checked against `public_key`.
pub fn load_checkpoints(dir: &Path, public_key: &[u8]) -> Result<Vec<Checkpoint>, CheckpointError> {
    checkpoint_files(dir)?.iter().map(|path| load_checkpoint(path, public_key)).collect()
}

fn load_checkpoint(path: &Path, public_key: &[u8]) -> Result<Checkpoint, CheckpointError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|_| CheckpointError::Corrupted(name.clone()))?;
    let cp: Checkpoint = serde_json::from_str(&text).map_err(|_| CheckpointError::Corrupted(name.clone()))?;
    if cp.is_signed_by(public_key) { Ok(cp) } else { Err(CheckpointError::Corrupted(name)) }
}

impl App {
    /// Seals committed events into the chain and, if the chain grew, writes a signed checkpoint
    /// into `dir` (atomically: a temporary file renamed into place). `settle` is how old an
    /// event must be to be sealed; zero at shutdown. Returns the new checkpoint, if any.
    pub async fn checkpoint_audit(&self, dir: &Path, settle: Duration) -> Result<Option<Checkpoint>, CheckpointError> {
        let now = self.now();
        let Some(head) = self.store.seal_audit(self.settled_before(settle)).await.map_err(Unexpected::from)? else {
            return Ok(None);
        };
        let public_key = self.store.audit_public_key();
        // Only the newest file: a file a minute adds up to half a million a year, which
        // `audit verify` reads, but a checkpoint pass need not. Names sort by position.
        let last = match checkpoint_files(dir)?.last() {
            Some(path) => load_checkpoint(path, &public_key)?.position,
            None => 0,
        };
        if head.position <= last {
            return Ok(None);
        }
        let (hash, at) = (portico_crypto::hex(&head.hash), now.to_rfc3339());
        let signature = self
            .store
            .sign_checkpoint(&Checkpoint::message(head.position, head.seq, &hash, &at))
            .map_err(Unexpected::from)?;
        let cp = Checkpoint {
            position: head.position,
            seq: head.seq,
            hash,
            at,
            public_key: portico_crypto::hex(&public_key),
            signature: portico_crypto::hex(&signature),
        };
        let io = |e| CheckpointError::Io(dir.display().to_string(), e);
        std::fs::create_dir_all(dir).map_err(io)?;
        let path = dir.join(format!("checkpoint-{:015}.json", cp.position));
        let tmp = dir.join(format!(".checkpoint-{:015}.tmp", cp.position));
        let body = serde_json::to_vec_pretty(&cp).map_err(|e| Unexpected(e.into()))?;
        std::fs::write(&tmp, body).and_then(|()| std::fs::rename(&tmp, &path)).map_err(io)?;
        Ok(Some(cp))
    }

    /// Seals committed events older than `settle` into the chain without writing a checkpoint.
    /// Run every few seconds, each pass is small, so message sends never wait long behind it.
    pub async fn seal_audit(&self, settle: Duration) -> Result<(), Unexpected> {
        self.store.seal_audit(self.settled_before(settle)).await?;
        Ok(())
    }

    /// Events written at or before this time are `settle` old: they may be sealed.
    fn settled_before(&self, settle: Duration) -> Timestamp {
        Timestamp::from_unix_millis(self.now().unix_millis() - i64::try_from(settle.as_millis()).unwrap_or(0))
    }

    /// Verifies every event against the chain and the checkpoints in `dir`.
    pub async fn verify_audit(
        &self,
        dir: &Path,
        progress: impl FnMut(u64, u64) + Send + 'static,
    ) -> Result<Verification, CheckpointError> {
        let checkpoints = load_checkpoints(dir, &self.store.audit_public_key())?;
        let anchors = checkpoints.into_iter().map(|c| (c.position, c.seq, c.hash)).collect();
        Ok(match self.store.verify_audit(anchors, progress).await.map_err(Unexpected::from)? {
            Ok(v) => Verification::Intact(v),
            Err(t) => Verification::Tampered(t),
        })
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Not the privacy officer (or not a patient, for the own log).
    #[error("not permitted")]
    Forbidden,
    /// Input is malformed.
    #[error(transparent)]
    Invalid(#[from] portico_domain::patient::FieldError),
    /// No such patient.
    #[error("not found")]
    NotFound,
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<portico_store::StoreError> for ReportError {
    fn from(e: portico_store::StoreError) -> Self {
        match e {
            portico_store::StoreError::NotFound(_) => Self::NotFound,
            other => Self::Unexpected(other.into()),
        }
    }
}

/// An access shown to the patient: who (name and role), when, and what kind of access.
#[derive(Clone, Debug, Serialize)]
pub struct PatientAccess {
    /// When.
    pub at: Timestamp,
    /// Staff name.
    pub who: String,
    /// Their role.
    pub role: String,
    /// What they did, in words.
    pub what: &'static str,
    /// Why (purpose of use).
    pub purpose: String,
}

/// Plain words for an audited action, as a patient would read them.
fn describe(action: &str) -> &'static str {
    match action {
        "thread.read" | "thread.list" => "viewed your messages",
        "message.create" => "wrote in your messages",
        "thread.create" => "started a conversation with you",
        "thread.mark_read" => "marked your messages as read",
        "thread.update" => "assigned or closed a conversation",
        "attachment.download" => "opened a file in your messages",
        "result.share" => "shared a result with you",
        "message.recall" => "withdrew a message",
        "patient.read" => "viewed your details",
        "patient.create" => "registered you",
        "invitation.issue" => "issued you an invitation code",
        "proxy.link" => "linked a parent or caregiver to your record",
        _ => "accessed your record",
    }
}

impl App {
    /// Who accessed a patient's data, when, what, why and from where (privacy officer only).
    /// Making the report is itself audited.
    pub async fn access_report(
        &self,
        actor: &Actor,
        patient: PatientId,
        from: Timestamp,
        to: Timestamp,
        ctx: &RequestContext,
    ) -> Result<Vec<AccessRow>, ReportError> {
        if !matches!(actor, Actor::Staff(s) if s.role == StaffRole::PrivacyOfficer) {
            return Err(ReportError::Forbidden);
        }
        let rows = self.store.patient_accesses(patient, from, to, false).await?;
        let rec = AuditRecord::new(actor, "audit.access_report", "patient", Purpose::Operations, ctx)
            .patient(patient)
            .resource(patient);
        self.store.append_audit(self.now(), &rec).await?;
        Ok(rows)
    }

    /// [`access_report`](Self::access_report) for the patient with this MRN (the privacy
    /// officer knows patients by MRN; the lookup reads no demographics).
    pub async fn access_report_by_mrn(
        &self,
        actor: &Actor,
        mrn: &str,
        from: Timestamp,
        to: Timestamp,
        ctx: &RequestContext,
    ) -> Result<(PatientId, Vec<AccessRow>), ReportError> {
        if !matches!(actor, Actor::Staff(s) if s.role == StaffRole::PrivacyOfficer) {
            return Err(ReportError::Forbidden);
        }
        let mrn = portico_domain::patient::Mrn::parse(mrn)?;
        let patient = self.store.patient_by_mrn(&mrn).await?.ok_or(ReportError::NotFound)?;
        Ok((patient, self.access_report(actor, patient, from, to, ctx).await?))
    }

    /// The staff accesses to the signed-in patient's own record (their own actions excluded).
    pub async fn my_access_log(&self, actor: &Actor, ctx: &RequestContext) -> Result<Vec<PatientAccess>, ReportError> {
        let Actor::Patient(p) = actor else { return Err(ReportError::Forbidden) };
        let rec = AuditRecord::new(actor, "audit.my_access_log", "patient", Purpose::PatientRequest, ctx)
            .patient(p.patient_id);
        self.store.append_audit(self.now(), &rec).await?;
        let rows = self
            .store
            .patient_accesses(
                p.patient_id,
                Timestamp::from_unix_millis(0),
                self.now().plus(Duration::from_secs(1)),
                true,
            )
            .await?;
        Ok(rows
            .into_iter()
            .rev()
            .map(|r| PatientAccess {
                at: r.at,
                who: r.actor_name.unwrap_or_else(|| "Clinic staff".into()),
                role: r.actor_role,
                what: describe(&r.action),
                purpose: r.purpose,
            })
            .collect())
    }
}

impl App {
    /// Accesses flagged for review over `[from, to)` (privacy officer); audited.
    pub async fn alerts(
        &self,
        actor: &Actor,
        from: Timestamp,
        to: Timestamp,
        ctx: &RequestContext,
    ) -> Result<Vec<portico_store::alerts::Alert>, ReportError> {
        if !matches!(actor, Actor::Staff(s) if s.role == StaffRole::PrivacyOfficer) {
            return Err(ReportError::Forbidden);
        }
        let alerts = self.store.alerts(self.settings.alert_rules, from, to).await?;
        self.store
            .append_audit(self.now(), &AuditRecord::new(actor, "audit.alerts", "audit_log", Purpose::Operations, ctx))
            .await?;
        Ok(alerts)
    }

    /// Records that a signed-in actor was refused a route for their role.
    pub async fn record_denial(&self, actor: &Actor, route: &str, ctx: &RequestContext) -> Result<(), Unexpected> {
        let rec = AuditRecord::new(actor, "access.denied", "route", Purpose::of(actor), ctx).resource(route).failed();
        Ok(self.store.append_audit(self.now(), &rec).await?)
    }
}

/// The accounting period of 45 CFR 164.528: six years.
const ACCOUNTING_YEARS: i64 = 6;

impl App {
    /// Records a disclosure outside treatment, payment and operations (privacy officer).
    pub async fn record_disclosure(
        &self,
        actor: &Actor,
        d: &portico_store::disclosures::NewDisclosure,
        ctx: &RequestContext,
    ) -> Result<String, ReportError> {
        let Actor::Staff(officer) = actor else { return Err(ReportError::Forbidden) };
        if officer.role != StaffRole::PrivacyOfficer {
            return Err(ReportError::Forbidden);
        }
        for (field, text) in [("recipient", &d.recipient), ("description", &d.description), ("purpose", &d.purpose)] {
            let n = text.trim().chars().count();
            if n == 0 || n > 2000 {
                return Err(
                    portico_domain::patient::FieldError { field, reason: "must be 1 to 2000 characters" }.into()
                );
            }
        }
        if d.disclosed_at > self.now() {
            return Err(portico_domain::patient::FieldError {
                field: "disclosed_at",
                reason: "must not be in the future",
            }
            .into());
        }
        let rec = AuditRecord::new(actor, "disclosure.record", "disclosure", Purpose::Operations, ctx);
        Ok(self.store.record_disclosure(d, officer.id, self.now(), &rec).await?)
    }

    /// The accounting of disclosures of the last six years: for the privacy officer (any
    /// patient) or for a patient (their own record); audited.
    pub async fn accounting(
        &self,
        actor: &Actor,
        patient: Option<PatientId>,
        ctx: &RequestContext,
    ) -> Result<Vec<portico_store::disclosures::Disclosure>, ReportError> {
        let patient = match (actor, patient) {
            (Actor::Staff(s), Some(p)) if s.role == StaffRole::PrivacyOfficer => p,
            (Actor::Patient(p), None) => p.patient_id,
            _ => return Err(ReportError::Forbidden),
        };
        let now = self.now();
        let since = Timestamp::from_unix_millis(
            now.unix_millis() - ACCOUNTING_YEARS * 365 * 24 * 3_600_000 - 2 * 24 * 3_600_000,
        );
        let purpose = if matches!(actor, Actor::Patient(_)) { Purpose::PatientRequest } else { Purpose::Operations };
        let rec = AuditRecord::new(actor, "disclosure.accounting", "patient", purpose, ctx);
        Ok(self.store.disclosures(patient, since, now, &rec).await?)
    }
}

/// A report as CSV; cells that a spreadsheet would run as a formula are neutralised.
pub fn access_report_csv(rows: &[AccessRow]) -> String {
    let mut out = String::from(
        "seq,at,actor_id,actor_name,actor_role,action,resource_type,resource_id,purpose,outcome,source_ip\n",
    );
    for r in rows {
        let cells = [
            r.seq.to_string(),
            r.at.to_rfc3339(),
            r.actor_id.clone(),
            r.actor_name.clone().unwrap_or_default(),
            r.actor_role.clone(),
            r.action.clone(),
            r.resource_type.clone(),
            r.resource_id.clone().unwrap_or_default(),
            r.purpose.clone(),
            r.outcome.clone(),
            r.source_ip.clone().unwrap_or_default(),
        ];
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}

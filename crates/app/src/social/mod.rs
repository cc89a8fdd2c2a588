//! The social bridge: people who write to the clinic on Messenger, Instagram, its page's
//! comments or by text get an instant, standard, PHI-free answer that moves them to the secure
//! portal. Nothing they wrote is ever repeated back; what is kept is redacted and sealed.
//!
//! Webhooks only check, parse and enqueue ([`App::accept_social`]); a worker
//! ([`App::process_social`]) scans each item with the PHI scanner, decides, and owes the Graph
//! API calls that [`App::deliver_social`] makes. Staff see redacted items only and can do
//! nothing but mark them handled, send the standard invitation, or hide and unhide comments.

pub mod meta;
mod review;
pub mod settings;

use std::sync::Arc;
use std::time::Duration;

use portico_domain::Actor;
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::social::{
    ActionKind, Category, ClinicContact, Decision, InboundEvent, InboundKind, Policy, SocialChannel, StandardMessages,
    Template, reveals_relationship,
};
use portico_phi::Label;
use portico_store::social::{ActionOutcome, ClaimedAction, ClaimedItem, Processed};

use crate::{App, Unexpected};

pub use review::SocialError;

/// Messenger's standard messaging window: one automatic reply per sender within it.
pub const REPLY_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// `[social]`: what the bridge answers and how it treats comments.
#[derive(Clone, Debug)]
pub struct SocialSettings {
    /// The Meta app and page, when configured.
    pub meta: Option<meta::MetaSettings>,
    /// The standard messages (already checked: known placeholders, no PHI).
    pub messages: StandardMessages,
    /// The clinic facts the messages may name.
    pub contact: ClinicContact,
    /// What to do with a comment that holds PHI.
    pub phi_policy: Policy,
    /// What to do with a comment that reveals a patient relationship.
    pub relationship_policy: Policy,
    /// How long redacted items are kept.
    pub retention: Duration,
}

impl Default for SocialSettings {
    fn default() -> Self {
        Self {
            meta: None,
            messages: StandardMessages::defaults(false, false),
            contact: ClinicContact::default(),
            phi_policy: Policy::Hide,
            relationship_policy: Policy::Hide,
            retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// What the scanner found in an item's text.
struct Finding {
    redacted: String,
    labels: String,
    phi: bool,
}

/// Scans `text`. In a private message anything the scanner finds but a web address counts (the
/// gentle variant costs nothing when unneeded); in a public comment a lone date, ZIP code or
/// name is not PHI by itself (names of clinicians are judged as relationship instead).
fn scan(text: &str, comment: bool) -> Finding {
    let spans = portico_phi::scan(text);
    let counts = |l: Label| match l {
        Label::Url => false,
        Label::Date | Label::Zip | Label::Name => !comment,
        _ => true,
    };
    let mut labels: Vec<&str> = spans.iter().map(|s| s.label.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    Finding {
        redacted: portico_phi::redact_spans(text, &spans, portico_phi::Mode::Mask),
        labels: labels.join(","),
        phi: spans.iter().any(|s| counts(s.label)),
    }
}

/// A platform call owed, with the standard message it carries.
type Owed = (ActionKind, Option<Template>);

fn system_record(action: &'static str, ctx: &RequestContext) -> AuditRecord {
    AuditRecord::new(&Actor::System, action, "social_item", Purpose::Operations, ctx)
}

impl App {
    /// One of the clinic's standard messages, its placeholders filled from the clinic's facts.
    fn standard_message(&self, t: Template) -> String {
        let s = self.social_settings();
        portico_domain::social::render_template(t.pick(&s.messages), &s.contact)
    }

    /// Durably enqueues verified inbound events (a redelivery is skipped) and wakes the worker.
    /// Returns how many were new.
    pub async fn accept_social(&self, events: &[InboundEvent], ctx: &RequestContext) -> Result<usize, Unexpected> {
        let fresh = self.store.enqueue_social(events, self.now(), &system_record("social.received", ctx)).await?;
        if fresh > 0 {
            self.social_wake_again();
        }
        Ok(fresh)
    }

    /// Asks the worker for a pass at once (something was queued, or its last pass was full).
    pub fn social_wake_again(&self) {
        self.social_wake.notify_one();
    }

    /// How many inbound events this node has accepted since it started (for the worker's pacing).
    pub fn social_accepted(&self) -> u64 {
        self.store.social_accepted()
    }

    /// Waits until [`accept_social`](Self::accept_social) has queued something (for the worker).
    pub async fn social_queued(&self) {
        self.social_wake.notified().await;
    }

    /// Decides what to do with one item (pure apart from the scan): the reply, or the comment
    /// policy.
    fn decide(&self, c: &ClaimedItem) -> Processed {
        let audit = system_record("social.decided", &RequestContext::default());
        let Some(e) = &c.event else {
            return Processed {
                id: c.id.clone(),
                event: None,
                redacted: String::new(),
                labels: String::new(),
                phi: false,
                category: None,
                decision: Decision::Ignored,
                actions: Vec::new(),
                audit: audit.failed(),
            };
        };
        let found = scan(e.text.expose(), e.channel.is_comment());
        let (category, decision, actions) = if e.channel.is_comment() {
            self.moderate(e, found.phi)
        } else {
            let template = if found.phi { Template::PhiRedirect } else { Template::Redirect };
            let decision = if found.phi { Decision::RepliedPhi } else { Decision::Replied };
            (None, decision, vec![(ActionKind::SendMessage, Some(template))])
        };
        Processed {
            id: c.id.clone(),
            event: Some(e.clone()),
            redacted: found.redacted,
            labels: found.labels,
            phi: found.phi,
            category,
            decision,
            actions,
            audit,
        }
    }

    fn moderate(&self, e: &InboundEvent, phi: bool) -> (Option<Category>, Decision, Vec<Owed>) {
        let s = self.social_settings();
        let category = if phi {
            Category::Phi
        } else if e.kind == InboundKind::Text && reveals_relationship(e.text.expose()) {
            Category::Relationship
        } else {
            Category::Neutral
        };
        let policy = match category {
            Category::Phi => s.phi_policy,
            Category::Relationship => s.relationship_policy,
            Category::Neutral => Policy::Leave,
        };
        let (decision, actions) = match policy {
            Policy::Hide => (
                Decision::Hidden,
                vec![(ActionKind::HideComment, None), (ActionKind::ReplyComment, Some(Template::PublicReply))],
            ),
            Policy::Review => (Decision::Queued, Vec::new()),
            Policy::Leave => (Decision::Left, Vec::new()),
        };
        (Some(category), decision, actions)
    }

    /// Processes up to `limit` queued items in one transaction: scan, decide, record (dropping
    /// the raw text), and owe the platform calls. Returns the decisions, in order.
    pub async fn process_social(&self, limit: i64) -> Result<Vec<Decision>, Unexpected> {
        Ok(self.store.process_social(limit, self.now(), window_ms(), |c| self.decide(c)).await?)
    }

    /// Makes up to `limit` due Graph API calls; returns how many succeeded.
    pub async fn deliver_social(&self, graph: &meta::Graph, limit: i64) -> Result<usize, Unexpected> {
        use futures_util::StreamExt as _;
        let now = self.now();
        let rec = system_record("social.deliver", &RequestContext::default());
        let claimed = self.store.claim_social_actions(now, now.plus(Duration::from_secs(60)), limit, &rec).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let done: Vec<(ClaimedAction, ActionOutcome, AuditRecord)> = futures_util::stream::iter(claimed)
            .map(|a| async move {
                let outcome = self.call_graph(graph, &a).await;
                let rec = action_audit(&a, &outcome);
                (a, outcome, rec)
            })
            .buffer_unordered(32)
            .collect()
            .await;
        let sent = done.iter().filter(|(_, o, _)| *o == ActionOutcome::Sent).count();
        self.store.finish_social_actions(&done, self.now()).await?;
        Ok(sent)
    }

    async fn call_graph(&self, graph: &meta::Graph, a: &ClaimedAction) -> ActionOutcome {
        let text = a.template.map(|t| self.standard_message(t)).unwrap_or_default();
        match graph.call(a, &text).await {
            Ok(()) => ActionOutcome::Sent,
            Err(meta::CallError::Permanent(why)) => ActionOutcome::Dead(why),
            Err(meta::CallError::Transient(why)) if a.attempt >= 6 => {
                ActionOutcome::Dead(format!("{why} (after {} attempts)", a.attempt))
            }
            Err(meta::CallError::Transient(why)) => {
                let wait = Duration::from_secs(5u64 << a.attempt.clamp(1, 6));
                ActionOutcome::Retry(self.now().plus(wait), why)
            }
        }
    }

    /// Deletes items older than the retention period; returns how many.
    pub async fn purge_social(&self) -> Result<u64, Unexpected> {
        let now = self.now();
        let before = portico_domain::Timestamp::from_unix_millis(
            now.unix_millis() - i64::try_from(self.social_settings().retention.as_millis()).unwrap_or(i64::MAX),
        );
        Ok(self.store.purge_social(before, now, &system_record("social.purge", &RequestContext::default())).await?)
    }

    /// An inbound text (already authenticated as the provider's): STOP, START and HELP are
    /// handled by [`sms_inbound`](Self::sms_inbound); any other text is scanned, recorded and
    /// answered at once (the reply goes back in the provider's webhook response) with the
    /// standard redirect, unless the number answered STOP or already had an automatic reply
    /// within the window. Returns the reply text, if any. A redelivered message (same
    /// `message_sid`) gets none.
    pub async fn sms_received(
        &self,
        from: &str,
        body: &str,
        message_sid: &str,
        ctx: &RequestContext,
    ) -> Result<Option<String>, Unexpected> {
        let from = from.trim();
        if crate::notify::Keyword::of(body).is_some() {
            return self.sms_inbound(from, body, ctx).await;
        }
        if !crate::notify::is_e164(from) || !portico_domain::social::plausible_id(message_sid) {
            return Ok(None);
        }
        let event = InboundEvent {
            channel: SocialChannel::Sms,
            external_id: message_sid.to_owned(),
            sender: from.to_owned(),
            kind: InboundKind::Text,
            text: portico_domain::PhiText::new(body),
        };
        let found = scan(body, false);
        let opted_out = self.store.sms_opted_out(from).await?;
        let template = if found.phi { Template::PhiRedirect } else { Template::Redirect };
        let (decision, actions) = match (opted_out, found.phi) {
            (true, _) => (Decision::NoReplyOptedOut, Vec::new()),
            (false, true) => (Decision::RepliedPhi, vec![(ActionKind::SendMessage, Some(template))]),
            (false, false) => (Decision::Replied, vec![(ActionKind::SendMessage, Some(template))]),
        };
        let p = Processed {
            id: String::new(),
            event: Some(event),
            redacted: found.redacted,
            labels: found.labels,
            phi: found.phi,
            category: None,
            decision,
            actions,
            audit: system_record("social.decided", ctx),
        };
        let recorded =
            self.store.record_social_now(&p, self.now(), window_ms(), &system_record("social.received", ctx)).await?;
        Ok(match recorded {
            Some(Decision::Replied | Decision::RepliedPhi) => Some(self.standard_message(template)),
            _ => None,
        })
    }
}

/// Checks a standard message before it is used: known placeholders only, and nothing the PHI
/// scanner finds in its own words (web addresses aside). The clinic's phone and address enter
/// only through placeholders, so they are not mistaken for a patient's.
pub fn check_message(text: &str) -> Result<(), String> {
    portico_domain::social::check_template(text).map_err(|e| e.to_string())?;
    let words = portico_domain::social::template_words(text);
    // The text is not repeated in the error: it may be what should not have been typed.
    match portico_phi::scan(&words).iter().find(|s| s.label != Label::Url) {
        Some(s) => Err(format!("must not contain personal or health details (the scanner found {})", s.label.as_str())),
        None => Ok(()),
    }
}

/// [`REPLY_WINDOW`] in milliseconds.
pub(crate) fn window_ms() -> i64 {
    i64::try_from(REPLY_WINDOW.as_millis()).unwrap_or(i64::MAX)
}

/// The audit event of a Graph API call (the item's id and the outcome; no text, no id there).
fn action_audit(a: &ClaimedAction, outcome: &ActionOutcome) -> AuditRecord {
    let action = match (a.kind, outcome) {
        (_, ActionOutcome::Dead(_)) => "social.call_failed",
        (_, ActionOutcome::Retry(..)) => "social.call_retry",
        (ActionKind::SendMessage, _) => "social.reply_sent",
        (ActionKind::HideComment, _) => "social.comment_hidden",
        (ActionKind::UnhideComment, _) => "social.comment_unhidden",
        (ActionKind::ReplyComment, _) => "social.public_reply_sent",
    };
    if let ActionOutcome::Dead(why) = outcome {
        tracing::warn!(social.item = %a.item_id, reason = %why, "social call dead-lettered");
    }
    let rec = system_record(action, &RequestContext::default());
    if *outcome == ActionOutcome::Sent { rec } else { rec.failed() }
}

/// A shared wake-up for the bridge's worker.
pub(crate) type Wake = Arc<tokio::sync::Notify>;

#[cfg(test)]
mod tests {
    use portico_domain::social::StandardMessages;

    use super::check_message;

    #[test]
    fn the_default_standard_messages_pass_their_own_check() {
        for (phone, hours) in [(false, false), (true, false), (false, true), (true, true)] {
            let d = StandardMessages::defaults(phone, hours);
            for text in [&d.redirect, &d.phi_redirect, &d.public_reply] {
                assert_eq!(check_message(text), Ok(()), "{text}");
            }
        }
        let refused = check_message("We are sorry about your diabetes").unwrap_err();
        assert!(refused.contains("CONDITION") && !refused.contains("diabetes"), "{refused}");
    }
}

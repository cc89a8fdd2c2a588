//! Delivery of the notification outbox: e-mail over SMTP and SMS through a provider's HTTP API
//! in Twilio's Messages shape. Each text comes from the fixed, PHI-free templates of
//! [`portico_domain::notify`]; the only patient data read is the address, at delivery time.
//!
//! At least once: a row is leased to one worker, delivered, then marked; a worker that dies
//! mid-delivery leaves the lease to lapse and another attempt follows. Failures are retried with
//! exponential backoff and jitter up to a limit, then dead-lettered.

use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portico_domain::Actor;
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::notify::{Channel, Event, Kind, Locale, Notice, Preferences, Sender, render};
use portico_store::notifications::{Claimed, Outcome};
use portico_store::staff_notices::{ClaimedNotice, NoticeKind};

use crate::{App, Unexpected};

/// E-mail settings (`[notify.email]`).
#[derive(Clone)]
pub struct EmailSettings {
    /// `smtp://host:port` (plain, for local relays and tests), `smtps://...` (implicit TLS),
    /// or `smtp://...?tls=required` (STARTTLS); credentials may be in the URL.
    pub smtp_url: String,
    /// The sender, `Name <address>`.
    pub from: String,
}

/// SMS settings (`[notify.sms]`).
#[derive(Clone)]
pub struct SmsSettings {
    /// The API's base URL (Twilio: `https://api.twilio.com`).
    pub base_url: String,
    /// Account SID.
    pub account_sid: String,
    /// Auth token (basic-auth password; never logged).
    pub auth_token: String,
    /// The sending number.
    pub from: String,
}

impl std::fmt::Debug for EmailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold the SMTP password.
        f.debug_struct("EmailSettings").field("from", &self.from).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSettings")
            .field("base_url", &self.base_url)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// The channels a deployment has configured, ready to send.
pub struct Delivery {
    email: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    sms: Option<(SmsSettings, reqwest::Client)>,
    /// Attempts before a notification is dead-lettered.
    pub max_attempts: i64,
    /// How long a worker holds a claimed row.
    pub lease: Duration,
    /// Deliveries in flight at once.
    pub concurrency: usize,
}

/// `List-Unsubscribe`: where to change notification preferences.
#[derive(Clone, Debug)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

impl Delivery {
    /// Builds the configured channels; a malformed URL or address is an error naming the field.
    pub fn new(email: Option<EmailSettings>, sms: Option<SmsSettings>) -> anyhow::Result<Delivery> {
        let email = match email {
            Some(e) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&e.smtp_url)
                    .map_err(|_| anyhow::anyhow!("notify.email.smtp_url is not an smtp:// or smtps:// URL"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                let from: Mailbox =
                    e.from.parse().map_err(|_| anyhow::anyhow!("notify.email.from is not an address: Name <a@b.c>"))?;
                Some((transport, from))
            }
            None => None,
        };
        let sms = match sms {
            Some(s) => {
                if !(s.base_url.starts_with("http://") || s.base_url.starts_with("https://")) {
                    anyhow::bail!("notify.sms.base_url must start with http:// or https://");
                }
                let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build()?;
                Some((s, client))
            }
            None => None,
        };
        Ok(Delivery { email, sms, max_attempts: 8, lease: Duration::from_secs(120), concurrency: 64 })
    }

    /// Whether any channel is configured.
    pub fn is_configured(&self) -> bool {
        self.email.is_some() || self.sms.is_some()
    }
}

fn kind_of(tag: &str) -> Option<Kind> {
    Some(match tag {
        "new_message" => Kind::NewMessage,
        "result_released" => Kind::ResultReleased,
        "message_recalled" => Kind::MessageRecalled,
        "enrollment_invite" => Kind::EnrollmentInvite,
        "new_sign_in" => Kind::NewSignIn,
        _ => return None,
    })
}

/// The audit event of a delivery attempt (no address, no text: the row's id and the outcome).
fn audit_of(c: &Claimed, outcome: &Outcome) -> AuditRecord {
    let action = match outcome {
        Outcome::Sent => "notification.sent",
        Outcome::Retry(..) => "notification.retry",
        Outcome::Dead(_) => "notification.dead_letter",
        Outcome::Skipped(_) => "notification.skipped",
        Outcome::Held(_) => "notification.held",
    };
    let rec = AuditRecord::new(&Actor::System, action, "notification", Purpose::Operations, &RequestContext::default());
    if let Outcome::Dead(why) = outcome {
        tracing::warn!(notification = %c.id, channel = %c.channel, reason = %why, "notification dead-lettered");
    }
    if matches!(outcome, Outcome::Sent | Outcome::Skipped(_) | Outcome::Held(_)) { rec } else { rec.failed() }
}

/// Exponential backoff from 30 s, capped at one hour, with up to 20% jitter taken from the
/// notification's id so that a burst of failures does not retry in lockstep.
fn backoff(id: &str, attempt: i64) -> Duration {
    let base = 30u64.saturating_mul(1 << attempt.clamp(1, 7).saturating_sub(1)).min(3600);
    let spread = id.bytes().fold(attempt as u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) % 21;
    Duration::from_secs(base + base * spread / 100)
}

enum Failure {
    /// Worth another attempt (network, 5xx, 429).
    Transient(String),
    /// Will never work (a refused address, a 4xx).
    Permanent(String),
}

impl App {
    /// Delivers up to `limit` due notifications, up to [`Delivery::concurrency`] at a time,
    /// then records every outcome in one transaction; returns how many were sent.
    pub async fn deliver_due(&self, d: &Delivery, limit: i64) -> Result<usize, Unexpected> {
        use futures_util::StreamExt as _;
        let now = self.now();
        let rec = AuditRecord::new(
            &Actor::System,
            "notification.deliver",
            "notification",
            Purpose::Operations,
            &RequestContext::default(),
        );
        let claimed = self.store.claim_due(now, now.plus(d.lease), limit, &rec).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let done: Vec<(Claimed, Outcome, AuditRecord)> = futures_util::stream::iter(claimed)
            .map(|c| async move {
                let outcome = self.deliver_one(d, &c).await;
                let rec = audit_of(&c, &outcome);
                (c, outcome, rec)
            })
            .buffer_unordered(d.concurrency.max(1))
            .collect()
            .await;
        let sent = done.iter().filter(|(_, o, _)| *o == Outcome::Sent).count();
        self.store.finish_deliveries(&done, self.now()).await?;
        Ok(sent)
    }

    async fn deliver_one(&self, d: &Delivery, c: &Claimed) -> Outcome {
        let Some(kind) = kind_of(&c.kind) else { return Outcome::Dead(format!("unknown kind {}", c.kind)) };
        let contact = match self.store.contact_for_delivery(c.patient).await {
            Ok(contact) => contact,
            Err(portico_store::StoreError::KeyShredded | portico_store::StoreError::NotFound(_)) => {
                return Outcome::Skipped("the patient's record is gone".into());
            }
            Err(e) => return self.retry_or_dead(d, &c.id, c.attempt, format!("cannot read the record: {e}")),
        };
        let prefs = match self.store.notification_preferences(c.patient).await {
            Ok(p) => p.unwrap_or_else(|| Preferences::default_in(&self.settings.time_zone)),
            Err(e) => return self.retry_or_dead(d, &c.id, c.attempt, format!("cannot read the preferences: {e}")),
        };
        match c.channel.as_str() {
            "email" if !prefs.email => return Outcome::Skipped("the patient turned e-mail off".into()),
            "sms" if !prefs.sms => return Outcome::Skipped("the patient turned SMS off".into()),
            "sms" => {
                if let Some(until) = prefs.sms_held_until(self.now()) {
                    return Outcome::Held(until);
                }
            }
            _ => {}
        }
        // With the daily digest, the first notice of the day's window carries it, at the
        // digest hour; the others of the window are part of it.
        if prefs.digest
            && matches!(kind, Kind::NewMessage | Kind::ResultReleased)
            && let Some((from, slot)) = prefs.digest_window(c.due_at)
        {
            match self.store.digest_carrier(c.patient, &c.channel, from, slot).await {
                Ok(Some(carrier)) if carrier != c.id => {
                    return Outcome::Skipped("included in the day's digest".into());
                }
                Ok(_) => {}
                Err(e) => return self.retry_or_dead(d, &c.id, c.attempt, format!("cannot read the digest: {e}")),
            }
            if self.now() < slot {
                return Outcome::Held(slot);
            }
        }
        let locale = Locale::from_tag(&contact.language);
        let sender = Sender { clinic_name: &self.settings.clinic_name, public_url: &self.settings.public_url };
        let notice = Notice::of(&Event { kind, patient_name: None, subject: None, body: None });
        let result = match c.channel.as_str() {
            "email" => {
                let (Some((transport, from)), Some(to)) = (&d.email, &contact.email) else {
                    return Outcome::Skipped(
                        if d.email.is_none() { "e-mail is not configured" } else { "no e-mail on file" }.into(),
                    );
                };
                let r = render(notice, locale, Channel::Email, &sender);
                self.send_email(transport, from, to.expose(), &r, &c.id, "/portal/preferences").await
            }
            "sms" => {
                let (Some((settings, client)), Some(to)) = (&d.sms, &contact.phone) else {
                    return Outcome::Skipped(
                        if d.sms.is_none() { "SMS is not configured" } else { "no phone on file" }.into(),
                    );
                };
                match self.store.sms_opted_out(to.expose()).await {
                    Ok(true) => return Outcome::Skipped("the number answered STOP".into()),
                    Ok(false) => {}
                    Err(e) => return self.retry_or_dead(d, &c.id, c.attempt, format!("cannot read the opt-outs: {e}")),
                }
                let r = render(notice, locale, Channel::Sms, &sender);
                send_sms(client, settings, to.expose(), &r.text).await
            }
            other => return Outcome::Dead(format!("unknown channel {other}")),
        };
        match result {
            Ok(()) => Outcome::Sent,
            Err(Failure::Permanent(why)) => Outcome::Dead(why),
            Err(Failure::Transient(why)) => self.retry_or_dead(d, &c.id, c.attempt, why),
        }
    }

    /// A failed attempt `attempt` of delivery `id`: retried later, or dead after the last.
    fn retry_or_dead(&self, d: &Delivery, id: &str, attempt: i64, why: String) -> Outcome {
        if attempt >= d.max_attempts {
            Outcome::Dead(format!("{why} (after {attempt} attempts)"))
        } else {
            Outcome::Retry(self.now().plus(backoff(id, attempt)), why)
        }
    }

    async fn send_email(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        from: &Mailbox,
        to: &str,
        r: &portico_domain::notify::Rendered,
        id: &str,
        preferences_path: &str,
    ) -> Result<(), Failure> {
        let to: Mailbox = to.parse().map_err(|_| Failure::Permanent("the e-mail on file is not an address".into()))?;
        let preferences = format!("<{}{preferences_path}>", self.settings.public_url.trim_end_matches('/'));
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(r.subject.clone())
            .message_id(Some(format!("<{id}@portico>")))
            .header(ListUnsubscribe(preferences))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(r.text.clone()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(r.html.clone())),
            )
            .map_err(|e| Failure::Permanent(format!("cannot build the e-mail: {e}")))?;
        match transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::Permanent("the mail server refused the message".into())),
            Err(_) => Err(Failure::Transient("the mail server could not be reached or failed".into())),
        }
    }
}

/// The local hour of the staff digest, in the clinic's time zone.
const STAFF_DIGEST_HOUR: i8 = 7;

impl App {
    /// E-mails to staff: once the day's digest hour has passed, queues a digest for every
    /// member who asked for one, then delivers the staff notices due (digests, and privacy
    /// officers' alerts of emergency accesses). Each says only that something waits behind a
    /// sign-in; a digest is not sent on a day without a new thread.
    pub async fn deliver_staff_notices(&self, d: &Delivery, limit: i64) -> Result<usize, Unexpected> {
        let now = self.now();
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(due) = portico_domain::notify::latest_daily(&self.settings.time_zone, STAFF_DIGEST_HOUR, now)
            && self.staff_digests_queued.load(Relaxed) != due.unix_millis()
        {
            self.store.queue_staff_digests(due).await?;
            self.staff_digests_queued.store(due.unix_millis(), Relaxed);
        }
        let claimed = self.store.claim_staff_notices(now, now.plus(d.lease), limit).await?;
        let mut sent = 0;
        for c in claimed {
            let outcome = self.deliver_staff_notice(d, &c).await;
            sent += usize::from(outcome == Outcome::Sent);
            self.store.finish_staff_notice(&c.id, &outcome, self.now()).await?;
        }
        Ok(sent)
    }

    async fn deliver_staff_notice(&self, d: &Delivery, c: &ClaimedNotice) -> Outcome {
        let retry = |why: String| self.retry_or_dead(d, &c.id, c.attempt, why);
        let Some((transport, from)) = &d.email else {
            return Outcome::Skipped("e-mail is not configured".into());
        };
        let profile = match self.store.staff_profile(c.staff).await {
            Ok(Some(p)) => p,
            Ok(None) => return Outcome::Skipped("the account is deactivated".into()),
            Err(e) => return retry(format!("cannot read the account: {e}")),
        };
        let kind = match c.kind {
            NoticeKind::BreakGlass => Kind::BreakGlassReview,
            NoticeKind::Digest => {
                let day_before = portico_domain::Timestamp::from_unix_millis(c.due_at.unix_millis() - 24 * 3600 * 1000);
                match self.store.new_threads_in_teams(c.staff, day_before, c.due_at).await {
                    Ok(0) => return Outcome::Skipped("no new thread".into()),
                    Ok(_) => Kind::StaffQueue,
                    Err(e) => return retry(format!("cannot count the new threads: {e}")),
                }
            }
        };
        let sender = Sender { clinic_name: &self.settings.clinic_name, public_url: &self.settings.public_url };
        let notice = Notice::of(&Event { kind, patient_name: None, subject: None, body: None });
        let r = render(notice, Locale::En, Channel::Email, &sender);
        match self.send_email(transport, from, &profile.email, &r, &c.id, "/staff/security").await {
            Ok(()) => Outcome::Sent,
            Err(Failure::Permanent(why)) => Outcome::Dead(why),
            Err(Failure::Transient(why)) => retry(why),
        }
    }

    /// Turns the signed-in staff member's daily digest on or off; audited.
    pub async fn set_my_staff_digest(&self, actor: &Actor, on: bool, ctx: &RequestContext) -> Result<(), Unexpected> {
        let Actor::Staff(s) = actor else { return Ok(()) };
        let rec = AuditRecord::new(actor, "staff_preferences.update", "staff", Purpose::Operations, ctx)
            .resource(s.id.to_string());
        Ok(self.store.set_staff_email_digest(s.id, on, self.now(), &rec).await?)
    }

    /// Whether the signed-in staff member gets the daily digest.
    pub async fn my_staff_digest(&self, actor: &Actor) -> Result<bool, Unexpected> {
        let Actor::Staff(s) = actor else { return Ok(false) };
        Ok(self.store.staff_email_digest(s.id).await?)
    }
}

/// Notification preferences as a patient sets them.
#[derive(Clone, Debug, Default)]
pub struct PreferencesInput {
    /// `email`, `sms`: the channels to use (empty: none).
    pub channels: Vec<String>,
    /// Start of quiet hours, `HH:MM` (with `quiet_end`; neither: no quiet hours).
    pub quiet_start: Option<String>,
    /// End of quiet hours, `HH:MM`.
    pub quiet_end: Option<String>,
    /// IANA time zone (default: the clinic's).
    pub time_zone: Option<String>,
    /// One notice a day for new messages and results.
    pub digest: bool,
}

impl App {
    /// The signed-in patient's notification preferences (the defaults until they set some).
    pub async fn my_notification_preferences(&self, actor: &Actor) -> Result<Preferences, crate::admin::AdminError> {
        let Actor::Patient(p) = actor else { return Err(crate::admin::AdminError::Forbidden) };
        Ok(self
            .store
            .notification_preferences(p.patient_id)
            .await?
            .unwrap_or_else(|| Preferences::default_in(&self.settings.time_zone)))
    }

    /// Replaces the signed-in patient's notification preferences; audited.
    pub async fn set_my_notification_preferences(
        &self,
        actor: &Actor,
        input: &PreferencesInput,
        ctx: &RequestContext,
    ) -> Result<Preferences, crate::admin::AdminError> {
        let Actor::Patient(p) = actor else { return Err(crate::admin::AdminError::Forbidden) };
        let parsed = Preferences::parse(
            &input.channels,
            input.quiet_start.as_deref(),
            input.quiet_end.as_deref(),
            input.time_zone.as_deref().unwrap_or(&self.settings.time_zone),
        )?;
        let prefs = Preferences { digest: input.digest, ..parsed };
        let rec = AuditRecord::new(
            actor,
            "notification_preferences.update",
            "notification_preferences",
            Purpose::PatientRequest,
            ctx,
        );
        self.store.set_notification_preferences(p.patient_id, &prefs, self.now(), &rec).await?;
        Ok(prefs)
    }
}

/// What an inbound text asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    /// STOP and its synonyms: no more texts.
    Stop,
    /// START: texts again.
    Start,
    /// HELP: who we are and how to stop.
    Help,
}

impl Keyword {
    /// The carriers' standard keywords (and their Spanish equivalents), as the whole message.
    pub fn of(body: &str) -> Option<Keyword> {
        match body.trim().trim_end_matches(['.', '!']).to_ascii_uppercase().as_str() {
            "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "OPTOUT" | "REVOKE" | "PARAR" | "ALTO"
            | "BAJA" => Some(Keyword::Stop),
            "START" | "YES" | "UNSTOP" | "OPTIN" | "ALTA" => Some(Keyword::Start),
            "HELP" | "INFO" | "AYUDA" => Some(Keyword::Help),
            _ => None,
        }
    }
}

impl App {
    /// Handles an inbound text (already authenticated as the provider's): STOP turns SMS off
    /// for that number, START back on, HELP explains; each change is audited. Returns the reply,
    /// which never repeats the sender's words; other texts get none here.
    pub async fn sms_inbound(
        &self,
        from: &str,
        body: &str,
        ctx: &RequestContext,
    ) -> Result<Option<String>, Unexpected> {
        let from = from.trim();
        let (Some(keyword), true) = (Keyword::of(body), is_e164(from)) else { return Ok(None) };
        let clinic = &self.settings.clinic_name;
        let reply = match keyword {
            Keyword::Stop | Keyword::Start => {
                let stop = keyword == Keyword::Stop;
                let action = if stop { "sms.opt_out" } else { "sms.opt_in" };
                let rec = AuditRecord::new(&Actor::System, action, "sms_number", Purpose::Operations, ctx);
                self.store.set_sms_opt_out(from, stop, self.now(), &rec).await?;
                if stop {
                    format!("{clinic}: you will get no more text messages from us. Reply START to turn them back on.")
                } else {
                    format!("{clinic}: text notifications are on again. Reply STOP to turn them off.")
                }
            }
            Keyword::Help => format!(
                "{clinic}: texts tell you when something is waiting in your patient portal, {}. Reply STOP to stop them. In an emergency call 911.",
                self.settings.public_url.trim_end_matches('/')
            ),
        };
        Ok(Some(reply))
    }
}

/// Whether `n` is a number as SMS providers send it: `+` and 7 to 15 digits.
pub(crate) fn is_e164(n: &str) -> bool {
    n.strip_prefix('+').is_some_and(|d| (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// `POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, basic auth.
async fn send_sms(client: &reqwest::Client, s: &SmsSettings, to: &str, body: &str) -> Result<(), Failure> {
    let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", s.base_url.trim_end_matches('/'), s.account_sid);
    let resp = client
        .post(url)
        .basic_auth(&s.account_sid, Some(&s.auth_token))
        .form(&[("To", to), ("From", s.from.as_str()), ("Body", body)])
        .send()
        .await
        .map_err(|_| Failure::Transient("the SMS provider could not be reached".into()))?;
    let status = resp.status();
    if status.is_success() {
        Ok(())
    } else if status.as_u16() == 429 || status.is_server_error() {
        Err(Failure::Transient(format!("the SMS provider answered {status}")))
    } else {
        Err(Failure::Permanent(format!("the SMS provider refused the message ({status})")))
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_grows_exponentially_with_bounded_jitter() {
        let secs = |a| backoff("0192-abc", a).as_secs();
        for (attempt, base) in [(1, 30), (2, 60), (3, 120), (4, 240), (7, 1920), (12, 1920)] {
            assert!((base..=base + base / 5).contains(&secs(attempt)), "attempt {attempt}: {}", secs(attempt));
        }
        assert_ne!(backoff("a", 3), backoff("b", 3), "different rows retry at different times");
    }
}

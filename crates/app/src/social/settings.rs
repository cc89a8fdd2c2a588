//! The bridge's settings at run time. The configuration file's `[social]` is the starting point;
//! once an administrator saves settings through the API they are kept in the database, sealed
//! whole (the Meta app secret and page token among them), and win over the file. Every node
//! polls their version and reloads, so a change reaches all nodes within [`REFRESH`].
//!
//! The file, the API and the stored copy share one shape, [`SocialPatch`], and one validation,
//! [`SocialSettings::patched`]: a bad value names its field and changes nothing.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use portico_domain::Actor;
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::authz::Action;
use portico_domain::social::{Policy, StandardMessages};
use serde::{Deserialize, Serialize};

use super::SocialSettings;
use super::meta::{Graph, MetaSettings};
use crate::admin::{AdminError, require};
use crate::{App, Unexpected};

/// How often each node checks whether the stored settings changed.
pub const REFRESH: Duration = Duration::from_secs(5);

/// The row the bridge's settings are stored under.
const NAME: &str = "social";

/// Changes to the bridge's settings; a field left out keeps its value.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SocialPatch {
    /// The Meta app and page (a first connection needs the four credentials).
    pub meta: Option<MetaPatch>,
    /// Forget the Meta credentials: the webhook answers 404 and nothing is sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disconnect_meta: bool,
    /// The private reply to a message without PHI.
    pub redirect_message: Option<String>,
    /// The private reply to a message that held PHI.
    pub phi_message: Option<String>,
    /// The public reply under a hidden comment.
    pub public_reply: Option<String>,
    /// `hide`, `review` or `leave`: a comment that holds PHI.
    pub phi_comments: Option<String>,
    /// `hide`, `review` or `leave`: a comment that reveals a patient relationship.
    pub relationship_comments: Option<String>,
    /// Days redacted items are kept (1 to 3650).
    pub retention_days: Option<u64>,
    /// The office phone the messages may name (empty: none).
    pub phone: Option<String>,
    /// Opening hours in words (empty: none).
    pub hours: Option<String>,
    /// The secure portal's address.
    pub portal_url: Option<String>,
    /// Where to request an appointment.
    pub appointment_url: Option<String>,
}

impl std::fmt::Debug for SocialPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SocialPatch { .. }")
    }
}

/// Changes to the Meta connection; a field left out keeps its value.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetaPatch {
    /// The app secret: the key of `X-Hub-Signature-256`.
    pub app_secret: Option<String>,
    /// The token Meta echoes when it verifies the webhook.
    pub verify_token: Option<String>,
    /// The page's numeric id.
    pub page_id: Option<String>,
    /// The page access token.
    pub page_access_token: Option<String>,
    /// `https://graph.facebook.com` unless a stand-in.
    pub graph_base_url: Option<String>,
    /// `v21.0` unless given.
    pub graph_version: Option<String>,
}

/// A setting was refused: which, and why (never the value: it may be a secret, or PHI typed by
/// mistake).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SettingError {
    /// The field, as the API (or, with a `social.` prefix, the configuration file) spells it.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

fn refuse(field: &str, reason: impl Into<String>) -> SettingError {
    SettingError { field: field.to_owned(), reason: reason.into() }
}

impl SettingError {
    /// The same error with the field spelled as in the configuration file.
    pub fn in_file(self) -> Self {
        Self { field: format!("social.{}", self.field), ..self }
    }
}

fn policy(field: &str, v: &Option<String>, current: Policy) -> Result<Policy, SettingError> {
    match v {
        None => Ok(current),
        Some(v) => Policy::parse(v.trim()).ok_or_else(|| refuse(field, "must be hide, review or leave")),
    }
}

fn web_address(field: &str, v: &Option<String>, current: &str) -> Result<String, SettingError> {
    match v {
        None => Ok(current.to_owned()),
        Some(v) if v.starts_with("https://") || v.starts_with("http://") => Ok(v.trim().to_owned()),
        Some(_) => Err(refuse(field, "must be a web address starting with https://")),
    }
}

impl MetaPatch {
    /// The connection after this patch, checked.
    fn apply(&self, current: Option<&MetaSettings>) -> Result<MetaSettings, SettingError> {
        let pick = |field: &str, new: &Option<String>, old: Option<&String>| -> Result<String, SettingError> {
            new.as_ref().or(old).map(|s| s.trim().to_owned()).ok_or_else(|| refuse(field, "is required"))
        };
        let m = MetaSettings {
            app_secret: pick("meta.app_secret", &self.app_secret, current.map(|m| &m.app_secret))?,
            verify_token: pick("meta.verify_token", &self.verify_token, current.map(|m| &m.verify_token))?,
            page_id: pick("meta.page_id", &self.page_id, current.map(|m| &m.page_id))?,
            page_access_token: pick(
                "meta.page_access_token",
                &self.page_access_token,
                current.map(|m| &m.page_access_token),
            )?,
            graph_base_url: web_address(
                "meta.graph_base_url",
                &self.graph_base_url,
                current.map_or("https://graph.facebook.com", |m| &m.graph_base_url),
            )?,
            graph_version: self
                .graph_version
                .clone()
                .or_else(|| current.map(|m| m.graph_version.clone()))
                .unwrap_or_else(|| "v21.0".to_owned()),
        };
        if m.app_secret.len() < 16 {
            return Err(refuse("meta.app_secret", "must be the app's secret (at least 16 characters)"));
        }
        if m.verify_token.len() < 8 {
            return Err(refuse("meta.verify_token", "must be at least 8 characters"));
        }
        if m.page_id.is_empty() || !m.page_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse("meta.page_id", "must be the page's numeric id"));
        }
        if m.page_access_token.is_empty() {
            return Err(refuse("meta.page_access_token", "must not be empty"));
        }
        let v = m.graph_version.as_bytes();
        if !(v.len() >= 2 && v[0] == b'v' && v[1..].iter().all(|b| b.is_ascii_digit() || *b == b'.')) {
            return Err(refuse("meta.graph_version", "must look like v21.0"));
        }
        Ok(m)
    }
}

impl SocialSettings {
    /// These settings with `p` applied, every field checked: standard messages may use only
    /// known placeholders and must carry nothing the PHI scanner finds; policies must be known
    /// words. A message left at its default follows the phone and hours (the default names them
    /// only when the clinic gave them).
    pub fn patched(&self, p: &SocialPatch) -> Result<SocialSettings, SettingError> {
        let mut contact = self.contact.clone();
        if let Some(v) = &p.phone {
            contact.phone = v.trim().to_owned();
        }
        if let Some(v) = &p.hours {
            contact.hours = v.trim().to_owned();
        }
        contact.portal_url = web_address("portal_url", &p.portal_url, &contact.portal_url)?;
        contact.appointment_url = web_address("appointment_url", &p.appointment_url, &contact.appointment_url)?;
        let (old, new) = (
            StandardMessages::defaults(!self.contact.phone.is_empty(), !self.contact.hours.is_empty()),
            StandardMessages::defaults(!contact.phone.is_empty(), !contact.hours.is_empty()),
        );
        let message =
            |field: &str, given: &Option<String>, current: &String, was: &String, default: &String| match given {
                Some(text) => {
                    super::check_message(text).map_err(|why| refuse(field, why))?;
                    Ok(text.clone())
                }
                None if current == was => Ok(default.clone()),
                None => Ok(current.clone()),
            };
        let m = &self.messages;
        let messages = StandardMessages {
            redirect: message("redirect_message", &p.redirect_message, &m.redirect, &old.redirect, &new.redirect)?,
            phi_redirect: message(
                "phi_message",
                &p.phi_message,
                &m.phi_redirect,
                &old.phi_redirect,
                &new.phi_redirect,
            )?,
            public_reply: message(
                "public_reply",
                &p.public_reply,
                &m.public_reply,
                &old.public_reply,
                &new.public_reply,
            )?,
        };
        let retention = match p.retention_days {
            None => self.retention,
            Some(d @ 1..=3650) => Duration::from_secs(d * 24 * 3600),
            Some(_) => return Err(refuse("retention_days", "must be between 1 and 3650")),
        };
        let meta = match (&p.meta, p.disconnect_meta) {
            (Some(_), true) => return Err(refuse("disconnect_meta", "cannot be combined with meta")),
            (None, true) => None,
            (None, false) => self.meta.clone(),
            (Some(m), false) => Some(m.apply(self.meta.as_ref())?),
        };
        Ok(SocialSettings {
            meta,
            messages,
            contact,
            phi_policy: policy("phi_comments", &p.phi_comments, self.phi_policy)?,
            relationship_policy: policy("relationship_comments", &p.relationship_comments, self.relationship_policy)?,
            retention,
        })
    }

    /// Every field, as a patch that rebuilds these settings (the stored form).
    fn to_patch(&self) -> SocialPatch {
        SocialPatch {
            meta: self.meta.as_ref().map(|m| MetaPatch {
                app_secret: Some(m.app_secret.clone()),
                verify_token: Some(m.verify_token.clone()),
                page_id: Some(m.page_id.clone()),
                page_access_token: Some(m.page_access_token.clone()),
                graph_base_url: Some(m.graph_base_url.clone()),
                graph_version: Some(m.graph_version.clone()),
            }),
            disconnect_meta: self.meta.is_none(),
            redirect_message: Some(self.messages.redirect.clone()),
            phi_message: Some(self.messages.phi_redirect.clone()),
            public_reply: Some(self.messages.public_reply.clone()),
            phi_comments: Some(self.phi_policy.as_str().to_owned()),
            relationship_comments: Some(self.relationship_policy.as_str().to_owned()),
            retention_days: Some(self.retention.as_secs() / (24 * 3600)),
            phone: Some(self.contact.phone.clone()),
            hours: Some(self.contact.hours.clone()),
            portal_url: Some(self.contact.portal_url.clone()).filter(|u| !u.is_empty()),
            appointment_url: Some(self.contact.appointment_url.clone()).filter(|u| !u.is_empty()),
        }
    }
}

/// The bridge's settings in force on this node, with the Graph client built from them.
pub(crate) struct Live {
    pub(crate) settings: Arc<SocialSettings>,
    pub(crate) graph: Option<Graph>,
    /// The stored version they come from (0: the configuration file).
    pub(crate) version: i64,
}

impl Live {
    pub(crate) fn new(settings: SocialSettings, version: i64) -> Result<Self, Unexpected> {
        let graph = settings.meta.clone().map(Graph::new).transpose()?;
        Ok(Self { settings: Arc::new(settings), graph, version })
    }
}

/// The Meta connection as an administrator sees it: never the secrets.
#[derive(Clone, Debug, Serialize)]
pub struct MetaView {
    /// The page's id.
    pub page_id: String,
    /// The Graph API's address.
    pub graph_base_url: String,
    /// The Graph API version.
    pub graph_version: String,
    /// Where Meta should send webhooks (the callback URL of the app's webhook settings).
    pub callback_url: String,
}

/// The bridge's settings as an administrator sees them.
#[derive(Clone, Debug, Serialize)]
pub struct SocialSettingsView {
    /// `file` (the configuration file) or `database` (saved by an administrator).
    pub source: &'static str,
    /// The stored version (0 while the file is in force): send it back as `version` to save.
    pub version: i64,
    /// The Meta connection, if any.
    pub meta: Option<MetaView>,
    /// The private reply to a message without PHI.
    pub redirect_message: String,
    /// The private reply to a message that held PHI.
    pub phi_message: String,
    /// The public reply under a hidden comment.
    pub public_reply: String,
    /// What happens to a comment that holds PHI.
    pub phi_comments: &'static str,
    /// What happens to a comment that reveals a patient relationship.
    pub relationship_comments: &'static str,
    /// Days redacted items are kept.
    pub retention_days: u64,
    /// The office phone the messages may name.
    pub phone: String,
    /// Opening hours in words.
    pub hours: String,
    /// The secure portal's address.
    pub portal_url: String,
    /// Where to request an appointment.
    pub appointment_url: String,
}

/// Why saving the bridge's settings failed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Not an administrator.
    #[error("not permitted")]
    Forbidden,
    /// A field was refused; nothing changed.
    #[error(transparent)]
    Invalid(#[from] SettingError),
    /// Someone saved since `version` was read; nothing changed.
    #[error("the settings changed since they were read")]
    Stale,
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<AdminError> for SettingsError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Forbidden => SettingsError::Forbidden,
            other => SettingsError::Unexpected(anyhow::anyhow!("{other}").into()),
        }
    }
}

impl App {
    fn live(&self) -> Arc<Live> {
        self.social_live.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The bridge's settings in force on this node.
    pub fn social_settings(&self) -> Arc<SocialSettings> {
        self.live().settings.clone()
    }

    /// The Graph API client for the settings in force, if Meta is connected.
    pub fn social_graph(&self) -> Option<Graph> {
        self.live().graph.clone()
    }

    /// Reloads the bridge's settings if an administrator saved new ones (on any node). Returns
    /// the version now in force when it changed. A stored copy that cannot be read or no longer
    /// passes the checks is an error, and the settings in force stay.
    pub async fn refresh_social_settings(&self) -> Result<Option<i64>, Unexpected> {
        let current = self.live().version;
        match self.store.setting_version(NAME).await? {
            Some(v) if v != current => {}
            _ => return Ok(None),
        }
        let Some(stored) = self.store.setting(NAME).await? else { return Ok(None) };
        let patch: SocialPatch = serde_json::from_slice(&stored.value).map_err(anyhow::Error::from)?;
        let settings = self
            .settings
            .social
            .patched(&patch)
            .map_err(|e| anyhow::anyhow!("the stored social settings are refused: {e}"))?;
        self.install(settings, stored.version)?;
        Ok(Some(stored.version))
    }

    fn install(&self, settings: SocialSettings, version: i64) -> Result<(), Unexpected> {
        let live = Arc::new(Live::new(settings, version)?);
        *self.social_live.write().unwrap_or_else(PoisonError::into_inner) = live;
        Ok(())
    }

    /// The bridge's settings, without secrets (admins).
    pub fn social_settings_view(&self, actor: &Actor) -> Result<SocialSettingsView, SettingsError> {
        require(actor, &Action::ManageSettings)?;
        let live = self.live();
        let s = &live.settings;
        let base = self.settings.public_url.trim_end_matches('/');
        Ok(SocialSettingsView {
            source: if live.version == 0 { "file" } else { "database" },
            version: live.version,
            meta: s.meta.as_ref().map(|m| MetaView {
                page_id: m.page_id.clone(),
                graph_base_url: m.graph_base_url.clone(),
                graph_version: m.graph_version.clone(),
                callback_url: format!("{base}/webhooks/meta"),
            }),
            redirect_message: s.messages.redirect.clone(),
            phi_message: s.messages.phi_redirect.clone(),
            public_reply: s.messages.public_reply.clone(),
            phi_comments: s.phi_policy.as_str(),
            relationship_comments: s.relationship_policy.as_str(),
            retention_days: s.retention.as_secs() / (24 * 3600),
            phone: s.contact.phone.clone(),
            hours: s.contact.hours.clone(),
            portal_url: s.contact.portal_url.clone(),
            appointment_url: s.contact.appointment_url.clone(),
        })
    }

    /// Saves changes to the bridge's settings (admins), made from `version` as read: every
    /// field is checked first, the whole is sealed and stored with an audit event naming the
    /// fields changed (never their values), and this node switches at once; the others within
    /// [`REFRESH`].
    pub async fn save_social_settings(
        &self,
        actor: &Actor,
        version: i64,
        patch: &SocialPatch,
        ctx: &RequestContext,
    ) -> Result<SocialSettingsView, SettingsError> {
        require(actor, &Action::ManageSettings)?;
        let live = self.live();
        if live.version != version {
            return Err(SettingsError::Stale);
        }
        let next = live.settings.patched(patch)?;
        let value = serde_json::to_vec(&next.to_patch()).map_err(anyhow::Error::from).map_err(Unexpected::from)?;
        // The resource names the group and the fields changed, never their values.
        let rec = AuditRecord::new(actor, "settings.update", "settings", Purpose::Operations, ctx)
            .resource(format!("{NAME}:{}", changed_fields(patch)));
        let saved = match self.store.save_setting(NAME, &value, version, self.now(), &rec).await {
            Ok(v) => v,
            Err(portico_store::StoreError::Conflict(_)) => return Err(SettingsError::Stale),
            Err(e) => return Err(Unexpected::from(e).into()),
        };
        self.install(next, saved)?;
        self.social_settings_view(actor)
    }
}

/// The names of the fields a patch sets, for the audit event.
fn changed_fields(p: &SocialPatch) -> String {
    let mut out: Vec<&str> = Vec::new();
    if let Some(m) = &p.meta {
        for (name, v) in [
            ("meta.app_secret", &m.app_secret),
            ("meta.verify_token", &m.verify_token),
            ("meta.page_id", &m.page_id),
            ("meta.page_access_token", &m.page_access_token),
            ("meta.graph_base_url", &m.graph_base_url),
            ("meta.graph_version", &m.graph_version),
        ] {
            if v.is_some() {
                out.push(name);
            }
        }
    }
    if p.disconnect_meta {
        out.push("disconnect_meta");
    }
    for (name, set) in [
        ("redirect_message", p.redirect_message.is_some()),
        ("phi_message", p.phi_message.is_some()),
        ("public_reply", p.public_reply.is_some()),
        ("phi_comments", p.phi_comments.is_some()),
        ("relationship_comments", p.relationship_comments.is_some()),
        ("retention_days", p.retention_days.is_some()),
        ("phone", p.phone.is_some()),
        ("hours", p.hours.is_some()),
        ("portal_url", p.portal_url.is_some()),
        ("appointment_url", p.appointment_url.is_some()),
    ] {
        if set {
            out.push(name);
        }
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> MetaPatch {
        MetaPatch {
            app_secret: Some("an-app-secret-of-length".into()),
            verify_token: Some("verify-token".into()),
            page_id: Some("1122334455".into()),
            page_access_token: Some("TOKEN".into()),
            ..MetaPatch::default()
        }
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_the_stored_form_rebuilds_the_whole() {
        let base = SocialSettings::default();
        let p = SocialPatch { meta: Some(meta()), retention_days: Some(7), ..SocialPatch::default() };
        let s = base.patched(&p).unwrap();
        assert_eq!(s.retention, Duration::from_secs(7 * 24 * 3600));
        assert_eq!(s.meta.as_ref().unwrap().graph_base_url, "https://graph.facebook.com");
        assert_eq!(s.messages, base.messages);
        let rebuilt = SocialSettings::default().patched(&s.to_patch()).unwrap();
        assert_eq!(rebuilt.meta.as_ref().unwrap().app_secret, "an-app-secret-of-length");
        assert_eq!((rebuilt.retention, &rebuilt.messages), (s.retention, &s.messages));
        // A later patch may change one credential and keep the others.
        let one = SocialPatch {
            meta: Some(MetaPatch { page_access_token: Some("NEW".into()), ..MetaPatch::default() }),
            ..SocialPatch::default()
        };
        let m = s.patched(&one).unwrap().meta.unwrap();
        assert_eq!((m.page_access_token.as_str(), m.app_secret.as_str()), ("NEW", "an-app-secret-of-length"));
        let gone = s.patched(&SocialPatch { disconnect_meta: true, ..SocialPatch::default() }).unwrap();
        assert!(gone.meta.is_none());
    }

    #[test]
    fn a_default_message_follows_the_phone_and_a_custom_one_stays() {
        let base = SocialSettings::default();
        let with_phone = base.patched(&SocialPatch { phone: Some("+1 503 555 0100".into()), ..Default::default() });
        assert!(with_phone.unwrap().messages.redirect.contains("{phone}"));
        let custom = "Please write to us at {portal}.";
        let s = base.patched(&SocialPatch { redirect_message: Some(custom.into()), ..Default::default() }).unwrap();
        let s = s.patched(&SocialPatch { phone: Some("+1 503 555 0100".into()), ..Default::default() }).unwrap();
        assert_eq!(s.messages.redirect, custom);
    }

    #[test]
    fn bad_fields_are_named_and_never_echoed() {
        let base = SocialSettings::default();
        let cases: [(SocialPatch, &str); 7] = [
            (SocialPatch { phi_comments: Some("delete".into()), ..Default::default() }, "phi_comments"),
            (SocialPatch { retention_days: Some(0), ..Default::default() }, "retention_days"),
            (SocialPatch { portal_url: Some("javascript:alert(1)".into()), ..Default::default() }, "portal_url"),
            (
                SocialPatch { public_reply: Some("Hope your diabetes is better".into()), ..Default::default() },
                "public_reply",
            ),
            (SocialPatch { redirect_message: Some("Hi {name}".into()), ..Default::default() }, "redirect_message"),
            (
                SocialPatch { meta: Some(MetaPatch { app_secret: None, ..meta() }), ..Default::default() },
                "meta.app_secret",
            ),
            (
                SocialPatch {
                    meta: Some(MetaPatch { page_id: Some("my page".into()), ..meta() }),
                    ..Default::default()
                },
                "meta.page_id",
            ),
        ];
        for (patch, field) in cases {
            let e = base.patched(&patch).unwrap_err();
            assert_eq!(e.field, field);
            assert!(!e.reason.contains("diabetes") && !e.reason.contains("my page"), "{e}");
        }
    }
}

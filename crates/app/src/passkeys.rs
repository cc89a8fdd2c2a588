//! Passkeys (WebAuthn) for staff and patients: added from the security page, then used to sign
//! in without a password. A passkey checks the person (fingerprint, face or device PIN: user
//! verification is required) and holds a key that never leaves their device, so a passkey
//! sign-in is multi-factor on its own: it stands in for the password and the code together.
//!
//! Each ceremony's state is kept in the database for five minutes and taken by its finish, so
//! a ceremony may start on one node and finish on another, and each challenge is used once.
//!
//! The relying party is `clinic.public_url`: its host is the RP ID, its origin the only origin
//! accepted. Browsers refuse an IP address as RP ID, so when the portal is served on a loopback
//! address (a first run on a laptop), passkeys work at `http://localhost:<port>` instead.

use std::time::Duration;

use portico_crypto::token::SessionToken;
use portico_domain::Actor;
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::session::AccountKind;
use portico_domain::{AccountId, StaffId, Timestamp};
use portico_store::{PasskeyRow, StoreError};
use serde::Serialize;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url,
    Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::auth::{Authenticated, LoginError, LoginSuccess};
use crate::{App, Unexpected};

/// How long a started ceremony may be finished.
const CEREMONY_TTL: Duration = Duration::from_secs(300);
/// Passkey sign-ins one address may start per throttling window: each start writes a ceremony.
const STARTS_PER_ADDRESS: u32 = 60;
const REGISTER: &str = "register";
const SIGN_IN: &str = "sign_in";

/// The relying party, when passkeys are possible at `clinic.public_url`.
#[derive(Clone)]
pub(crate) struct RelyingParty {
    webauthn: std::sync::Arc<Webauthn>,
    origin: String,
}

impl RelyingParty {
    /// The relying party for this public address; `None` where browsers cannot use passkeys
    /// (an address that is not loopback and has no host name).
    pub(crate) fn for_public_url(public_url: &str, clinic_name: &str) -> Option<Self> {
        let url = Url::parse(public_url).ok()?;
        let host = url.host_str()?.trim_start_matches('[').trim_end_matches(']');
        let origin = match host.parse::<std::net::IpAddr>() {
            Err(_) => url.clone(),
            Ok(ip) if ip.is_loopback() => localhost(&url)?,
            Ok(_) => return None,
        };
        let rp_id = origin.host_str()?.to_owned();
        let webauthn =
            WebauthnBuilder::new(&rp_id, &origin).ok()?.rp_name(clinic_name).timeout(CEREMONY_TTL).build().ok()?;
        let origin = origin.origin().ascii_serialization();
        Some(Self { webauthn: std::sync::Arc::new(webauthn), origin })
    }
}

fn localhost(url: &Url) -> Option<Url> {
    let mut local = url.clone();
    local.set_host(Some("localhost")).ok()?;
    Some(local)
}

/// What a browser needs to run a ceremony: its id (sent back with the result) and the options
/// for `navigator.credentials`.
#[derive(Clone, Debug, Serialize)]
pub struct CeremonyStart {
    /// The ceremony's id.
    pub ceremony: String,
    /// `{"publicKey": {...}}` as `navigator.credentials.create` or `get` takes it (binary
    /// fields base64url-encoded).
    pub options: serde_json::Value,
}

/// A passkey as its owner sees it.
#[derive(Clone, Debug, Serialize)]
pub struct PasskeyView {
    /// The credential id (base64url): names it for removal.
    pub id: String,
    /// Its name ("Passkey 2").
    pub name: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it last signed in.
    pub last_used_at: Option<Timestamp>,
}

impl From<PasskeyRow> for PasskeyView {
    fn from(r: PasskeyRow) -> Self {
        Self { id: r.credential_id, name: r.name, created_at: r.created_at, last_used_at: r.last_used_at }
    }
}

/// Why adding a passkey failed.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// Passkeys cannot work at this server's public address.
    #[error("passkeys are not available at this address")]
    Unavailable,
    /// The ceremony is unknown, used, expired, or another account's.
    #[error("this passkey request expired; start again")]
    Expired,
    /// The browser's answer did not verify.
    #[error("the passkey could not be verified")]
    Rejected,
    /// This passkey is already registered.
    #[error("this passkey is already registered")]
    AlreadyRegistered,
    /// Too many sign-ins started from this address; try again after the given time.
    #[error("too many passkey sign-ins started")]
    Throttled(Duration),
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for PasskeyError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => Self::AlreadyRegistered,
            e => Self::Unexpected(e.into()),
        }
    }
}

fn account_of(actor: &Actor) -> Option<(AccountKind, String)> {
    match actor {
        Actor::Staff(s) => Some((AccountKind::Staff, s.id.to_string())),
        Actor::Patient(p) => Some((AccountKind::Patient, p.account_id.to_string())),
        Actor::System => None,
    }
}

fn options_json(value: &impl Serialize) -> Result<serde_json::Value, Unexpected> {
    serde_json::to_value(value).map_err(|e| Unexpected(anyhow::anyhow!("passkey options: {e}")))
}

fn credential_id(passkey: &Passkey) -> String {
    portico_crypto::base64url(passkey.cred_id().as_ref())
}

impl App {
    /// The origin at which passkeys work (`None`: not at this server's address).
    pub fn passkey_origin(&self) -> Option<&str> {
        self.relying_party.as_ref().map(|rp| rp.origin.as_str())
    }

    fn rp(&self) -> Result<&Webauthn, PasskeyError> {
        self.relying_party.as_ref().map(|rp| rp.webauthn.as_ref()).ok_or(PasskeyError::Unavailable)
    }

    async fn keep_ceremony(
        &self,
        purpose: &str,
        account: Option<(AccountKind, &str)>,
        state: &impl Serialize,
    ) -> Result<String, Unexpected> {
        let id = SessionToken::generate()?.expose().to_owned();
        let state = serde_json::to_string(state).map_err(|e| Unexpected(anyhow::anyhow!("ceremony state: {e}")))?;
        let now = self.now();
        self.store.put_ceremony(&id, purpose, account, &state, now, now.plus(CEREMONY_TTL)).await?;
        Ok(id)
    }

    /// The signed-in account's passkeys.
    pub async fn my_passkeys(&self, actor: &Actor) -> Result<Vec<PasskeyView>, Unexpected> {
        let Some((kind, id)) = account_of(actor) else { return Ok(Vec::new()) };
        Ok(self.store.passkeys_of(kind, &id).await?.into_iter().map(PasskeyView::from).collect())
    }

    /// Starts adding a passkey to the signed-in account. The account's passkeys are excluded,
    /// so one authenticator is not registered twice.
    pub async fn start_passkey_registration(&self, auth: &Authenticated) -> Result<CeremonyStart, PasskeyError> {
        let rp = self.rp()?;
        let (kind, id) = account_of(&auth.actor).ok_or(PasskeyError::Expired)?;
        let user = Uuid::parse_str(&id).map_err(|e| Unexpected(anyhow::anyhow!("account id: {e}")))?;
        // What the person's device shows in its list of passkeys: a staff member's work email,
        // and for a patient only the clinic's portal (no name or email of theirs on the device).
        let label = match &auth.actor {
            Actor::Staff(s) => self.store.staff_profile(s.id).await?.map(|p| p.email).unwrap_or_default(),
            _ => format!("{} patient portal", self.settings.clinic_name),
        };
        let existing = self.store.passkeys_of(kind, &id).await?;
        let exclude = existing
            .iter()
            .filter_map(|r| serde_json::from_str::<Passkey>(&r.passkey).ok())
            .map(|p| p.cred_id().clone())
            .collect::<Vec<_>>();
        let (options, state): (_, PasskeyRegistration) = rp
            .start_passkey_registration(user, &label, &label, Some(exclude))
            .map_err(|e| Unexpected(anyhow::anyhow!("passkey registration: {e}")))?;
        let ceremony = self.keep_ceremony(REGISTER, Some((kind, &id)), &state).await?;
        Ok(CeremonyStart { ceremony, options: options_json(&options)? })
    }

    /// Finishes adding a passkey with the browser's answer; audited (`passkey.add`).
    pub async fn finish_passkey_registration(
        &self,
        auth: &Authenticated,
        ceremony: &str,
        credential: serde_json::Value,
        ctx: &RequestContext,
    ) -> Result<PasskeyView, PasskeyError> {
        let rp = self.rp()?;
        let (kind, id) = account_of(&auth.actor).ok_or(PasskeyError::Expired)?;
        let taken = self.store.take_ceremony(ceremony, REGISTER, self.now()).await?.ok_or(PasskeyError::Expired)?;
        if taken.account.as_ref() != Some(&(kind, id.clone())) {
            return Err(PasskeyError::Expired);
        }
        let state: PasskeyRegistration = serde_json::from_str(&taken.state).map_err(|_| PasskeyError::Expired)?;
        let answer: RegisterPublicKeyCredential =
            serde_json::from_value(credential).map_err(|_| PasskeyError::Rejected)?;
        let passkey = rp.finish_passkey_registration(&answer, &state).map_err(|_| PasskeyError::Rejected)?;
        // Named by number, one past the highest in use: names stay distinct after a removal.
        let highest = self
            .store
            .passkeys_of(kind, &id)
            .await?
            .iter()
            .filter_map(|p| p.name.strip_prefix("Passkey ")?.parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        let row = PasskeyRow {
            credential_id: credential_id(&passkey),
            account_kind: kind,
            account_id: id,
            name: format!("Passkey {}", highest + 1),
            passkey: serde_json::to_string(&passkey).map_err(|e| Unexpected(anyhow::anyhow!("passkey: {e}")))?,
            created_at: self.now(),
            last_used_at: None,
        };
        let rec = AuditRecord::new(&auth.actor, "passkey.add", "passkey", Purpose::Operations, ctx)
            .resource(&row.credential_id);
        self.store.add_passkey(&row, &rec).await?;
        Ok(row.into())
    }

    /// Removes one of the signed-in account's passkeys; false if it has none by that id.
    /// Audited (`passkey.remove`).
    pub async fn remove_passkey(
        &self,
        auth: &Authenticated,
        credential_id: &str,
        ctx: &RequestContext,
    ) -> Result<bool, Unexpected> {
        let Some((kind, id)) = account_of(&auth.actor) else { return Ok(false) };
        let rec = AuditRecord::new(&auth.actor, "passkey.remove", "passkey", Purpose::Operations, ctx)
            .resource(credential_id);
        Ok(self.store.remove_passkey(kind, &id, credential_id, self.now(), &rec).await?)
    }

    /// Starts a sign-in with a passkey: no email is asked, the device offers the passkeys it
    /// holds for this site. An address may start [`STARTS_PER_ADDRESS`] per throttling window.
    pub async fn start_passkey_sign_in(&self, ctx: &RequestContext) -> Result<CeremonyStart, PasskeyError> {
        let rp = self.rp()?;
        let now = self.now();
        let key = format!("passkey-start:{}", ctx.source_ip.as_deref().unwrap_or("unknown"));
        self.throttle.check(&key, STARTS_PER_ADDRESS, now).map_err(PasskeyError::Throttled)?;
        self.throttle.record_failure(&key, now);
        let (mut options, state): (_, DiscoverableAuthentication) =
            rp.start_discoverable_authentication().map_err(|e| Unexpected(anyhow::anyhow!("passkey sign-in: {e}")))?;
        // Asked for by a button, not offered in the email field's autofill.
        options.mediation = None;
        let ceremony = self.keep_ceremony(SIGN_IN, None, &state).await?;
        Ok(CeremonyStart { ceremony, options: options_json(&options)? })
    }

    /// Finishes a sign-in with a passkey and opens a session. Failures count toward the
    /// address's throttle and are audited like a wrong password.
    pub async fn finish_passkey_sign_in(
        &self,
        ceremony: &str,
        credential: serde_json::Value,
        ctx: &RequestContext,
        previous: Option<&SessionToken>,
        device: Option<String>,
    ) -> Result<LoginSuccess, LoginError> {
        let now = self.now();
        let ip_key = format!("ip:{}", ctx.source_ip.as_deref().unwrap_or("unknown"));
        self.throttle.check(&ip_key, self.throttle.policy().per_ip, now).map_err(LoginError::Throttled)?;
        let Some(rp) = self.relying_party.as_ref().map(|rp| rp.webauthn.clone()) else {
            return Err(LoginError::InvalidCredentials);
        };
        let verified = self.verify_passkey(&rp, ceremony, credential, now).await?;
        let Some((row, actor)) = verified else {
            self.throttle.record_failure(&ip_key, now);
            let failure = crate::auth::anonymous(ctx, "auth.login_passkey").failed();
            self.store.append_audit(now, &failure).await?;
            return Err(LoginError::InvalidCredentials);
        };
        let patient = match &actor {
            Actor::Patient(p) => Some(p.patient_id),
            _ => None,
        };
        self.open_session(row.account_kind, &row.account_id, patient, ctx, previous, device, "auth.login_passkey").await
    }

    /// The passkey and its (still active) account if the answer verifies against the ceremony.
    async fn verify_passkey(
        &self,
        rp: &Webauthn,
        ceremony: &str,
        credential: serde_json::Value,
        now: Timestamp,
    ) -> Result<Option<(PasskeyRow, Actor)>, LoginError> {
        let Some(taken) = self.store.take_ceremony(ceremony, SIGN_IN, now).await? else { return Ok(None) };
        let Ok(state) = serde_json::from_str::<DiscoverableAuthentication>(&taken.state) else { return Ok(None) };
        let Ok(answer) = serde_json::from_value::<PublicKeyCredential>(credential) else { return Ok(None) };
        let Ok((user, cred_id)) = rp.identify_discoverable_authentication(&answer) else { return Ok(None) };
        let Some(row) = self.store.passkey(&portico_crypto::base64url(cred_id)).await? else { return Ok(None) };
        if Uuid::parse_str(&row.account_id).ok() != Some(user) {
            return Ok(None);
        }
        let Ok(mut passkey) = serde_json::from_str::<Passkey>(&row.passkey) else { return Ok(None) };
        let Ok(result) = rp.finish_discoverable_authentication_v2(&answer, state, &passkey) else { return Ok(None) };
        let actor = match row.account_kind {
            AccountKind::Staff => match row.account_id.parse::<StaffId>() {
                Ok(id) => self.store.staff_actor(id).await?.map(Actor::Staff),
                Err(_) => None,
            },
            AccountKind::Patient => match row.account_id.parse::<AccountId>() {
                Ok(id) => self.store.patient_actor(id, now).await?.map(Actor::Patient),
                Err(_) => None,
            },
        };
        let Some(actor) = actor else { return Ok(None) };
        let updated = match passkey.update_credential(&result) {
            Some(true) => serde_json::to_string(&passkey).ok(),
            _ => None,
        };
        self.store.passkey_used(&row.credential_id, updated.as_deref(), now).await?;
        Ok(Some((row, actor)))
    }
}

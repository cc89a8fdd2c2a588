//! Sign-in, sign-out, session checks and second-factor enrollment.
//!
//! Sign-in fails the same way for an unknown email and a wrong password: both verify a
//! password hash (a dummy one when there is no account), both count toward throttling, both
//! answer [`LoginError::InvalidCredentials`]. Only a right password reveals `MfaRequired`,
//! as the API contract asks.

use std::time::Duration;

use portico_crypto::token::{SessionToken, TokenHash};
use portico_domain::actor::{Actor, PatientActor, StaffActor};
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::credentials::{Password, PasswordError};
use portico_domain::patient::EmailAddress;
use portico_domain::session::{AccountKind, Expiry};
use portico_domain::{AccountId, PatientId, PhiText, StaffId, Timestamp};
use portico_store::{ProxyLink, StaffProfile};
use serde::Serialize;

use crate::{App, Unexpected, blocking, totp};

/// A sign-in request.
#[derive(Clone)]
pub struct LoginRequest {
    /// Email as typed.
    pub email: String,
    /// Password as typed.
    pub password: String,
    /// TOTP code, when the account has a second factor.
    pub totp: Option<String>,
    /// The browser's device token (a long-lived cookie), if it sent one.
    pub device: Option<String>,
}

/// Why sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, wrong password, wrong or replayed code, deactivated account.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password is right and a second factor is needed.
    #[error("a second factor is required")]
    MfaRequired,
    /// Too many failures; try again after the given time.
    #[error("too many attempts")]
    Throttled(Duration),
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<portico_store::StoreError> for LoginError {
    fn from(e: portico_store::StoreError) -> Self {
        Self::Unexpected(e.into())
    }
}

/// A successful sign-in.
#[derive(Debug)]
pub struct LoginSuccess {
    /// The new session token (for the cookie; stored only as a hash).
    pub token: SessionToken,
    /// The kind of account.
    pub kind: AccountKind,
    /// A device token for a browser that had none (for its long-lived cookie).
    pub new_device: Option<String>,
}

/// Why a request is not signed in.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No session, or an unknown token.
    #[error("not signed in")]
    NotSignedIn,
    /// The session expired (idle or absolute) and was ended.
    #[error("session expired")]
    Expired,
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<portico_store::StoreError> for AuthError {
    fn from(e: portico_store::StoreError) -> Self {
        Self::Unexpected(e.into())
    }
}

/// A verified session.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// Who is acting.
    pub actor: Actor,
    /// The session's token hash (for logout and audit).
    pub session: TokenHash,
}

/// An account as shown to itself (`GET /me`).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Me {
    /// A staff account.
    Staff {
        /// Profile.
        #[serde(flatten)]
        profile: StaffProfile,
    },
    /// A patient account.
    Patient {
        /// Account id.
        id: AccountId,
        /// Own patient record.
        patient_id: PatientId,
        /// Name on the patient's record.
        name: PhiText,
        /// Patients this account acts for.
        acts_for: Vec<ProxyLink>,
        /// Whether a TOTP second factor is enrolled.
        totp_enrolled: bool,
    },
}

/// Someone a patient account acts for (or the account's own patient).
#[derive(Clone, Debug)]
pub struct Person {
    /// Their record.
    pub patient_id: PatientId,
    /// Their name (PHI).
    pub name: PhiText,
    /// How the account's holder is related to them (`None`: the holder themselves).
    pub relationship: Option<String>,
}

/// Last-seen times are written at most this often per session: a request inside this interval
/// does not write. Expiry is computed from the stored time, so the error is on the safe side
/// (a session may end up to this much early, never late).
const TOUCH_INTERVAL: Duration = Duration::from_secs(10);

pub(crate) fn anonymous(ctx: &RequestContext, action: &'static str) -> AuditRecord {
    AuditRecord {
        actor_id: "anonymous".to_owned(),
        actor_role: "anonymous".to_owned(),
        action,
        patient_id: None,
        resource_type: "session",
        resource_id: None,
        purpose: Purpose::Operations,
        outcome: portico_domain::audit::Outcome::Success,
        context: ctx.clone(),
    }
}

/// The account found for a sign-in email.
enum Found {
    Staff(portico_store::StaffAuth),
    Patient(portico_store::AccountAuth),
    Nobody,
}

impl App {
    /// Signs in. `previous` is the session the request came with, ended so the id changes.
    pub async fn login(
        &self,
        req: LoginRequest,
        ctx: &RequestContext,
        previous: Option<&SessionToken>,
    ) -> Result<LoginSuccess, LoginError> {
        let now = self.now();
        let policy = self.throttle.policy();
        let email = EmailAddress::parse(&req.email).ok();
        let account_key = format!(
            "login:{}",
            portico_crypto::hex(&portico_crypto::sha256(req.email.trim().to_lowercase().as_bytes()))
        );
        let ip_key = format!("ip:{}", ctx.source_ip.as_deref().unwrap_or("unknown"));
        self.throttle.check(&account_key, policy.per_account, now).map_err(LoginError::Throttled)?;
        self.throttle.check(&ip_key, policy.per_ip, now).map_err(LoginError::Throttled)?;

        let found = self.find_account(email.as_ref()).await?;
        let (hash, active) = match &found {
            Found::Staff(s) => (s.password_hash.clone(), !s.deactivated),
            Found::Patient(a) => (a.password_hash.clone(), true),
            Found::Nobody => (portico_crypto::password::dummy_hash().to_owned(), false),
        };
        let password = req.password.clone();
        let verified = blocking(move || portico_crypto::password::verify_password(&password, &hash)).await?;
        let patient = match &found {
            Found::Patient(a) => Some(a.patient_id),
            _ => None,
        };
        let (kind, id, secret) = match found {
            Found::Staff(s) => (AccountKind::Staff, s.id.to_string(), s.totp_secret),
            Found::Patient(a) => (AccountKind::Patient, a.id.to_string(), a.totp_secret),
            Found::Nobody => (AccountKind::Patient, String::new(), None),
        };
        let mut failure = anonymous(ctx, "auth.login").failed();
        if !id.is_empty() {
            failure = failure.resource(&id);
        }
        if !(verified && active) {
            return Err(self.login_failed(&account_key, &ip_key, &failure).await);
        }
        let mfa_needed = secret.is_some() || (kind == AccountKind::Staff && self.settings.require_staff_mfa);
        if mfa_needed {
            let Some(code) = req.totp.as_deref().filter(|c| !c.trim().is_empty()) else {
                return Err(LoginError::MfaRequired);
            };
            let step = secret.as_deref().and_then(|s| totp::matching_step(s, code, now));
            let fresh = match step {
                Some(step) => self.store.claim_totp_step(kind, &id, step).await?,
                // Not the app's code: perhaps one of the account's recovery codes.
                None => {
                    let hash = portico_crypto::token::recovery_code_hash(code);
                    secret.is_some() && self.store.use_recovery_code(kind, &id, &hash, now).await?
                }
            };
            if !fresh {
                return Err(self.login_failed(&account_key, &ip_key, &failure).await);
            }
        }
        let opened = self.open_session(kind, &id, patient, ctx, previous, req.device, "auth.login").await?;
        self.throttle.clear(&account_key);
        Ok(opened)
    }

    /// Opens a session for an account that has proved who it is, replacing the one the request
    /// came with (so the id changes), audited under `action`. A browser without a (well-formed)
    /// device cookie gets a new one; a patient's new device is announced to them.
    #[expect(clippy::too_many_arguments, reason = "the parts of one sign-in, named at each call")]
    pub(crate) async fn open_session(
        &self,
        kind: AccountKind,
        id: &str,
        patient: Option<PatientId>,
        ctx: &RequestContext,
        previous: Option<&SessionToken>,
        device: Option<String>,
        action: &'static str,
    ) -> Result<LoginSuccess, LoginError> {
        let replaced = previous.map(SessionToken::hash);
        if let Some(old) = &replaced {
            self.caches.forget_session(old.as_bytes());
        }
        let token = SessionToken::generate().map_err(Unexpected::from)?;
        let success =
            AuditRecord { actor_id: id.to_owned(), actor_role: kind.as_str().to_owned(), ..anonymous(ctx, action) }
                .resource(token.hash().to_hex());
        // A browser without a (well-formed) device cookie gets a new one.
        let sent = device.filter(|d| {
            (32..=128).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        let new_device = match sent {
            Some(_) => None,
            None => Some(SessionToken::generate().map_err(Unexpected::from)?.expose().to_owned()),
        };
        let device = portico_crypto::sha256(sent.or_else(|| new_device.clone()).unwrap_or_default().as_bytes());
        self.store
            .create_session(&token.hash(), kind, id, replaced.as_ref(), Some((&device, patient)), self.now(), &success)
            .await?;
        Ok(LoginSuccess { token, kind, new_device })
    }

    async fn find_account(&self, email: Option<&EmailAddress>) -> Result<Found, LoginError> {
        let Some(email) = email else {
            return Ok(Found::Nobody);
        };
        if let Some(s) = self.store.staff_auth_by_email(email.expose()).await? {
            return Ok(Found::Staff(s));
        }
        Ok(match self.store.account_auth_by_email(email).await? {
            Some(a) => Found::Patient(a),
            None => Found::Nobody,
        })
    }

    async fn login_failed(&self, account_key: &str, ip_key: &str, audit: &AuditRecord) -> LoginError {
        let now = self.now();
        self.throttle.record_failure(account_key, now);
        self.throttle.record_failure(ip_key, now);
        match self.store.append_audit(now, audit).await {
            Ok(()) => LoginError::InvalidCredentials,
            Err(e) => LoginError::Unexpected(e.into()),
        }
    }

    /// Checks a session token and returns the actor. An expired session is ended (and audited).
    /// `extend` is false for background requests, which must not keep a session alive.
    pub async fn authenticate(
        &self,
        token: &SessionToken,
        ctx: &RequestContext,
        extend: bool,
    ) -> Result<Authenticated, AuthError> {
        let now = self.now();
        let hash = token.hash();
        let session = match self.caches.session(hash.as_bytes(), now) {
            Some(s) => s,
            None => self.load_session(&hash, now).await?,
        };
        if let Some(why) = self.settings.sessions.expiry(session.kind, session.created_at, session.last_seen_at, now) {
            self.caches.forget_session(hash.as_bytes());
            let action = match why {
                Expiry::Idle => "session.expire_idle",
                Expiry::Absolute => "session.expire_absolute",
            };
            let rec = AuditRecord {
                actor_id: session.actor.audit_id(),
                actor_role: session.kind.as_str().to_owned(),
                ..anonymous(ctx, action)
            }
            .resource(hash.to_hex());
            self.store.end_session(&hash, now, &rec).await?;
            return Err(AuthError::Expired);
        }
        if extend && now.since(session.last_seen_at) >= TOUCH_INTERVAL {
            self.store.touch_session(&hash, now).await?;
            self.caches.touch_session(hash.as_bytes(), now);
        }
        Ok(Authenticated { actor: session.actor, session: hash })
    }

    async fn load_session(
        &self,
        hash: &TokenHash,
        now: portico_domain::Timestamp,
    ) -> Result<crate::cache::CachedSession, AuthError> {
        let row = self.store.session(hash).await?.ok_or(AuthError::NotSignedIn)?;
        let actor = self.actor_of(row.kind, &row.account_id).await?.ok_or(AuthError::NotSignedIn)?;
        let cached = crate::cache::CachedSession {
            actor,
            kind: row.kind,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            fetched_at: now,
        };
        self.caches.put_session(hash.as_bytes(), cached.clone());
        Ok(cached)
    }

    async fn actor_of(&self, kind: AccountKind, id: &str) -> Result<Option<Actor>, AuthError> {
        let bad = |_| AuthError::NotSignedIn;
        Ok(match kind {
            AccountKind::Staff => {
                let id = id.parse::<StaffId>().map_err(bad)?;
                match self.store.staff_actor(id).await? {
                    Some(mut staff) => {
                        staff.emergency = self.store.emergency_patients(id, self.now()).await?;
                        Some(Actor::Staff(staff))
                    }
                    None => None,
                }
            }
            AccountKind::Patient => {
                self.store.patient_actor(id.parse::<AccountId>().map_err(bad)?, self.now()).await?.map(Actor::Patient)
            }
        })
    }

    /// Drops a session from the in-process cache so a change to its actor (a new break-glass
    /// grant) applies to its next request.
    pub(crate) fn refresh_session(&self, session: &TokenHash) {
        self.caches.forget_session(session.as_bytes());
    }

    /// Signs out: the session is deleted server-side.
    pub async fn logout(&self, auth: &Authenticated, ctx: &RequestContext) -> Result<(), Unexpected> {
        let rec = AuditRecord::new(&auth.actor, "auth.logout", "session", Purpose::Operations, ctx)
            .resource(auth.session.to_hex());
        self.caches.forget_session(auth.session.as_bytes());
        self.store.end_session(&auth.session, self.now(), &rec).await?;
        Ok(())
    }

    /// The signed-in account. For a patient this reads the name on their record (audited).
    pub async fn me(&self, actor: &Actor, ctx: &RequestContext) -> Result<Me, Unexpected> {
        match actor {
            Actor::Staff(StaffActor { id, .. }) => {
                let profile = self
                    .store
                    .staff_profile(*id)
                    .await?
                    .ok_or_else(|| Unexpected(anyhow::anyhow!("staff vanished")))?;
                Ok(Me::Staff { profile })
            }
            Actor::Patient(p) => self.patient_me(actor, p, ctx).await,
            Actor::System => Err(Unexpected(anyhow::anyhow!("the system has no account"))),
        }
    }

    /// The people a proxy's account acts for, itself first, with their names (each read
    /// audited), for the portal's switcher. Empty for an account that acts only for itself.
    pub async fn people(&self, actor: &Actor, ctx: &RequestContext) -> Result<Vec<Person>, Unexpected> {
        let Actor::Patient(p) = actor else { return Ok(Vec::new()) };
        if p.acts_for.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let links = self.store.proxy_links(p.account_id, now).await?;
        let mut people = Vec::with_capacity(links.len() + 1);
        let rec = AuditRecord::new(actor, "patient.read", "patient", Purpose::PatientRequest, ctx);
        let me = self.store.read_patient(p.patient_id, now, &rec).await?;
        people.push(Person { patient_id: p.patient_id, name: me.name, relationship: None });
        for link in links.into_iter().filter(|l| p.acts_for.contains(&l.patient_id)) {
            let record = self.store.read_patient(link.patient_id, now, &rec).await?;
            people.push(Person {
                patient_id: link.patient_id,
                name: record.name,
                relationship: Some(link.relationship),
            });
        }
        Ok(people)
    }

    async fn patient_me(&self, actor: &Actor, p: &PatientActor, ctx: &RequestContext) -> Result<Me, Unexpected> {
        let now = self.now();
        let rec = AuditRecord::new(actor, "patient.read", "patient", Purpose::PatientRequest, ctx);
        let record = self.store.read_patient(p.patient_id, now, &rec).await?;
        let acts_for = self.store.proxy_links(p.account_id, now).await?;
        let totp_enrolled = self.store.totp_enrolled(AccountKind::Patient, &p.account_id.to_string()).await?;
        Ok(Me::Patient { id: p.account_id, patient_id: p.patient_id, name: record.name, acts_for, totp_enrolled })
    }
}

/// A session of the signed-in account, as its security page lists it.
#[derive(Clone, Debug)]
pub struct SessionView {
    /// When it was signed in.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_seen_at: Timestamp,
    /// Whether it is the session asking.
    pub current: bool,
}

/// Why a password change was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// The current password is not right (or too many tries).
    #[error("the current password is not right")]
    WrongPassword,
    /// The new password does not meet the policy.
    #[error(transparent)]
    Weak(#[from] PasswordError),
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl App {
    /// The signed-in account's sessions, most recently used first.
    pub async fn my_sessions(&self, auth: &Authenticated) -> Result<Vec<SessionView>, Unexpected> {
        let (kind, id) = account_ref(&auth.actor)?;
        Ok(self
            .store
            .account_sessions(kind, &id)
            .await?
            .into_iter()
            .map(|(hash, s)| SessionView {
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                current: hash == auth.session.as_bytes(),
            })
            .collect())
    }

    /// Ends every other session of the signed-in account (a lost phone, a shared computer);
    /// audited. Returns how many ended. Other nodes stop honouring them within the session
    /// cache's two seconds.
    pub async fn end_other_sessions(&self, auth: &Authenticated, ctx: &RequestContext) -> Result<u64, Unexpected> {
        let (kind, id) = account_ref(&auth.actor)?;
        let rec =
            AuditRecord::new(&auth.actor, "auth.sessions_ended", "session", Purpose::Operations, ctx).resource(&id);
        Ok(self.store.end_account_sessions(kind, &id, Some(&auth.session), self.now(), &rec).await?)
    }

    /// Changes the signed-in account's password after checking the current one, and ends its
    /// other sessions (whoever knew the old password is signed out); audited either way. Wrong
    /// current passwords count toward the sign-in throttle of the account.
    pub async fn change_password(
        &self,
        auth: &Authenticated,
        current: &str,
        new: &str,
        ctx: &RequestContext,
    ) -> Result<u64, PasswordChangeError> {
        let (kind, id) = account_ref(&auth.actor)?;
        let now = self.now();
        let throttle_key = format!("password:{id}");
        if self.throttle.check(&throttle_key, self.throttle.policy().per_account, now).is_err() {
            return Err(PasswordChangeError::WrongPassword);
        }
        let stored = self.store.password_hash(kind, &id).await.map_err(Unexpected::from)?;
        let hash = stored.ok_or_else(|| Unexpected(anyhow::anyhow!("the account vanished")))?;
        let given = current.to_owned();
        let right = blocking(move || portico_crypto::password::verify_password(&given, &hash)).await?;
        let rec =
            AuditRecord::new(&auth.actor, "auth.password_change", "account", Purpose::Operations, ctx).resource(&id);
        if !right {
            self.throttle.record_failure(&throttle_key, now);
            self.store.append_audit(now, &rec.failed()).await.map_err(Unexpected::from)?;
            return Err(PasswordChangeError::WrongPassword);
        }
        let new = Password::parse(new)?;
        let hashed =
            blocking(move || portico_crypto::password::hash_password(new.expose())).await?.map_err(Unexpected::from)?;
        Ok(self.store.set_password(kind, &id, &hashed, &auth.session, now, &rec).await.map_err(Unexpected::from)?)
    }
}

/// Enrollment of a TOTP second factor by the signed-in account.
#[derive(Debug, thiserror::Error)]
pub enum TotpEnrollError {
    /// No enrollment was started, or the code does not match it.
    #[error("the code does not match")]
    CodeMismatch,
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

fn account_ref(actor: &Actor) -> Result<(AccountKind, String), Unexpected> {
    match actor {
        Actor::Staff(s) => Ok((AccountKind::Staff, s.id.to_string())),
        Actor::Patient(p) => Ok((AccountKind::Patient, p.account_id.to_string())),
        Actor::System => Err(Unexpected(anyhow::anyhow!("the system has no second factor"))),
    }
}

impl App {
    /// Starts TOTP enrollment: a new secret is stored as pending; returns the provisioning URI.
    pub async fn begin_totp_enrollment(&self, actor: &Actor) -> Result<String, Unexpected> {
        let (kind, id) = account_ref(actor)?;
        let secret = totp::new_secret()?;
        self.store.set_pending_totp(kind, &id, &secret).await?;
        totp::provisioning_uri(
            &secret,
            &self.settings.totp_issuer,
            &format!("{}-{}", kind.as_str(), &id[id.len().saturating_sub(6)..]),
        )
    }

    /// Ten new recovery codes for the signed-in account, replacing any earlier ones; audited.
    /// Each signs in once in place of the authenticator's code. They are returned to be shown
    /// once: only their hashes are kept.
    pub async fn new_recovery_codes(
        &self,
        auth: &Authenticated,
        ctx: &RequestContext,
    ) -> Result<Vec<String>, Unexpected> {
        let (kind, id) = account_ref(&auth.actor)?;
        let mut codes = Vec::with_capacity(10);
        let mut hashes = Vec::with_capacity(10);
        for _ in 0..10 {
            let (code, hash) = portico_crypto::token::recovery_code()?;
            codes.push(code);
            hashes.push(hash);
        }
        let rec =
            AuditRecord::new(&auth.actor, "auth.recovery_codes", "account", Purpose::Operations, ctx).resource(&id);
        self.store.replace_recovery_codes(kind, &id, &hashes, self.now(), &rec).await?;
        Ok(codes)
    }

    /// How many unused recovery codes the signed-in account has.
    pub async fn recovery_codes_left(&self, actor: &Actor) -> Result<i64, Unexpected> {
        let (kind, id) = account_ref(actor)?;
        Ok(self.store.recovery_codes_left(kind, &id).await?)
    }

    /// Whether the signed-in account signs in with a second factor.
    pub async fn has_second_factor(&self, actor: &Actor) -> Result<bool, Unexpected> {
        let (kind, id) = account_ref(actor)?;
        Ok(self.store.totp_enrolled(kind, &id).await?)
    }

    /// Confirms TOTP enrollment with a code from the app; from then on sign-in asks for a code.
    pub async fn confirm_totp_enrollment(
        &self,
        actor: &Actor,
        code: &str,
        ctx: &RequestContext,
    ) -> Result<(), TotpEnrollError> {
        let (kind, id) = account_ref(actor)?;
        let now = self.now();
        let secret =
            self.store.pending_totp(kind, &id).await.map_err(Unexpected::from)?.ok_or(TotpEnrollError::CodeMismatch)?;
        let step = totp::matching_step(&secret, code, now).ok_or(TotpEnrollError::CodeMismatch)?;
        let rec = AuditRecord::new(actor, "auth.totp_enroll", "account", Purpose::Operations, ctx).resource(&id);
        self.store.confirm_totp(kind, &id, &secret, step, now, &rec).await.map_err(Unexpected::from)?;
        Ok(())
    }
}

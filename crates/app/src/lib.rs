//! Portico's use cases.
//!
//! Each public method of [`App`] is one use case: it takes the acting party (or, for sign-in
//! and enrollment, the anonymous request), asks the authorization policy, and calls one unit of
//! work in the store, which writes the audit event in the same transaction. This crate owns the
//! rules that need I/O (throttling, TOTP replay, password hashing on a blocking thread) and the
//! ports to the outside. It knows nothing of HTTP status codes: the web crate maps errors.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod break_glass;
mod cache;
pub mod enrollment;
pub mod messaging;
pub mod notify;
pub mod passkeys;
pub mod settings;
pub mod social;
pub mod testimonials;
pub mod throttle;
mod totp;
pub mod vendors;

use std::sync::Arc;

use portico_domain::Clock;
use portico_domain::audit::RequestContext;
use portico_store::Store;

pub use settings::Settings;

/// The application: storage, the clock, settings and in-process state, shared by every request.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    throttle: Arc<throttle::Throttle>,
    caches: Arc<cache::Caches>,
    social_wake: social::Wake,
    /// The bridge's settings in force (the file's, or an administrator's from the database).
    social_live: Arc<std::sync::RwLock<Arc<social::settings::Live>>>,
    /// The WebAuthn relying party (`None` where browsers cannot use passkeys).
    relying_party: Option<passkeys::RelyingParty>,
    /// The due time (Unix ms) of the last staff digests this process queued, so the delivery
    /// loop queues each day's once instead of on every pass.
    staff_digests_queued: Arc<std::sync::atomic::AtomicI64>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("store", &self.store).finish_non_exhaustive()
    }
}

impl App {
    /// Builds the application around an opened store.
    /// Fails only if the bridge's Graph client cannot be built from the settings.
    pub fn new(store: Store, clock: Arc<dyn Clock>, settings: Settings) -> Result<Self, Unexpected> {
        let throttle = Arc::new(throttle::Throttle::new(settings.throttle));
        let live = social::settings::Live::new(settings.social.clone(), 0)?;
        let relying_party = passkeys::RelyingParty::for_public_url(&settings.public_url, &settings.clinic_name);
        Ok(Self {
            store,
            clock,
            settings: Arc::new(settings),
            throttle,
            caches: Arc::default(),
            social_wake: Arc::default(),
            social_live: Arc::new(std::sync::RwLock::new(Arc::new(live))),
            relying_party,
            staff_digests_queued: Arc::default(),
        })
    }
    /// The store (for health checks and wiring).
    pub fn store(&self) -> &Store {
        &self.store
    }
    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// The current time from the application's clock.
    pub fn now(&self) -> portico_domain::Timestamp {
        self.clock.now()
    }
}

/// Something unexpected failed (database, crypto, a bug). Its text is for the server log only,
/// never for a client.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Unexpected(#[from] anyhow::Error);

impl From<portico_store::StoreError> for Unexpected {
    fn from(e: portico_store::StoreError) -> Self {
        Self(e.into())
    }
}

impl From<portico_crypto::CryptoError> for Unexpected {
    fn from(e: portico_crypto::CryptoError) -> Self {
        Self(e.into())
    }
}

/// Runs a CPU-heavy closure (password hashing) off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Unexpected> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Unexpected(anyhow::anyhow!("blocking task failed: {e}")))
}

/// The request context used for actions of the operator through the CLI.
pub fn cli_context() -> RequestContext {
    RequestContext { source_ip: Some("cli".to_owned()), session_hash: None, request_id: None }
}

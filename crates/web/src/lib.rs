//! Portico's HTTP surface, with axum: the route table and its access guard, extractors, JSON
//! handlers, HTML pages, the error code table, health and metrics.
//!
//! Handlers are thin: extract typed input, call one use case in `portico_app`, map the result.
//! This crate cannot reach SQL and makes no business decisions.

pub mod api;
mod cookies;
pub mod error;
pub mod extract;
mod form;
mod middleware;
pub mod ops;
mod pages;
pub mod routes;
mod webhooks;

use std::sync::OnceLock;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use portico_app::App;

use crate::error::{ApiError, ErrorCode};

/// HTTP-level settings.
#[derive(Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` and send HSTS (Portico is reached over HTTPS).
    pub secure_cookies: bool,
    /// Bearer token that may read `/metrics` without a session.
    pub metrics_token: Option<String>,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// The public base URL, as outside services sign it (webhook signatures).
    pub public_url: String,
    /// The SMS provider's auth token, to check `X-Twilio-Signature` (none: the inbound SMS
    /// webhook answers 404).
    pub sms_auth_token: Option<String>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("secure_cookies", &self.secure_cookies)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "[redacted]"))
            .field("body_limit", &self.body_limit)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .finish()
    }
}

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The use cases. Behind one `Arc`: axum clones the state for every request and extractor,
    /// and an `App` is a dozen handles, some of which allocate when cloned.
    pub app: std::sync::Arc<App>,
    /// HTTP settings.
    pub config: std::sync::Arc<WebConfig>,
}

impl AppState {
    fn metrics_token_matches(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = self.config.metrics_token.as_deref() else {
            return false;
        };
        headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| portico_crypto::constant_time_eq(given.as_bytes(), expected.as_bytes()))
    }
}

/// The process-wide Prometheus recorder (installed once; every router shares it).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed; then our handle renders nothing.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Refuses state-changing requests a browser sends on behalf of another site (tower-http's
/// implementation of Go's cross-origin protection: `Sec-Fetch-Site`, then `Origin` against the
/// configured public address and the `Host`). Requests without either header (the provider
/// webhooks, API clients) pass: they carry no ambient credentials, since the session cookie is
/// `SameSite=Strict` and the webhooks are signed.
fn csrf_layer(
    public_url: &str,
) -> tower_http::csrf::CsrfLayer<impl Fn(tower_http::csrf::ProtectionError) -> axum::response::Response + Clone + use<>>
{
    let origin = public_url.trim_end_matches('/');
    let layer = tower_http::csrf::CsrfLayer::new();
    let layer = match layer.clone().add_trusted_origin(origin) {
        Ok(with_origin) => with_origin,
        Err(e) => {
            tracing::warn!(error = %e, "clinic.public_url is not an origin; cross-site checks use the Host header only");
            layer
        }
    };
    layer.with_rejection_response(|_| {
        crate::error::error_response(
            ErrorCode::Forbidden,
            "Requests from other sites are refused. Use the form on this site.".into(),
            None,
        )
    })
}

/// Builds the application router from the route table.
pub fn router(state: AppState) -> Router {
    // Install the recorder before the first request records anything.
    let _ = metrics_handle();
    let mut router = Router::new();
    for (spec, method_router) in routes::table() {
        let guarded =
            method_router.route_layer(axum::middleware::from_fn_with_state((state.clone(), spec), middleware::guard));
        router = router.route(spec.path, guarded);
    }
    router
        .fallback(pages::not_found)
        .method_not_allowed_fallback(|| async {
            ApiError::new(ErrorCode::MethodNotAllowed, "Method not allowed on this path.")
        })
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(csrf_layer(&state.config.public_url))
        .layer(axum::middleware::from_fn(pages::i18n::language))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::boundary))
        .with_state(state)
}

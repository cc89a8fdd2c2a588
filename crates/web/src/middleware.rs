//! The boundary every request crosses: a request id, security headers, one log line and
//! metrics per request, and the rewriting of every 500 into an opaque body carrying the request
//! id (the cause is logged here, once). Also the access guard that enforces a route's declared
//! policy before its handler runs.
//!
//! Log lines carry the route pattern, never the URI: paths and query strings may hold
//! identifiers a patient typed.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portico_app::auth::AuthError;

use crate::error::{ApiError, ErrorCode, InternalCause, error_response};
use crate::extract::{RequestId, request_context, session_cookie};
use crate::routes::{Access, RouteSpec};
use crate::{AppState, cookies};

/// Outermost middleware: request id, headers, log line, metrics, opaque 500s.
pub(crate) async fn boundary(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    #[expect(
        clippy::disallowed_methods,
        reason = "request latency is measured on the monotonic clock, not business time"
    )]
    let started = std::time::Instant::now();
    let request_id = portico_domain::id::new_v7(state.app.now()).to_string();
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let lang = crate::pages::i18n::Lang::of(req.headers());

    let mut resp = next.run(req).await;
    if resp.status().is_server_error() {
        match resp.extensions().get::<InternalCause>() {
            Some(cause) => {
                tracing::error!(request.id = %request_id, http.route = %route, error = %format!("{:#}", cause.0), "request failed")
            }
            None => {
                tracing::error!(request.id = %request_id, http.route = %route, status = resp.status().as_u16(), "request failed without a recorded cause")
            }
        }
        let status = resp.status();
        let code = if status == axum::http::StatusCode::SERVICE_UNAVAILABLE {
            ErrorCode::Unavailable
        } else {
            ErrorCode::Internal
        };
        resp = if crate::routes::is_page(&route) {
            crate::pages::server_fault(status, &request_id, lang)
        } else {
            error_response(
                code,
                "Something went wrong on our side. If you contact support, quote the request id.".into(),
                Some(request_id.clone()),
            )
        };
    }
    let status = resp.status().as_u16();
    set_security_headers(&state, &mut resp, &request_id);
    let elapsed = started.elapsed();
    let labels = [("method", method.to_string()), ("route", route.clone()), ("status", status.to_string())];
    metrics::counter!("portico_http_requests_total", &labels).increment(1);
    metrics::histogram!("portico_http_request_duration_seconds", &labels[..2]).record(elapsed.as_secs_f64());
    tracing::info!(
        request.id = %request_id, http.method = %method, http.route = %route, http.status = status,
        duration_ms = elapsed.as_secs_f64() * 1000.0, "request"
    );
    resp
}

fn set_security_headers(state: &AppState, resp: &mut Response, request_id: &str) {
    let h = resp.headers_mut();
    let fixed: [(HeaderName, &'static str); 6] = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    for (name, value) in fixed {
        h.insert(name, HeaderValue::from_static(value));
    }
    // Responses may hold PHI: no cache may keep them. Static assets set their own policy.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(HeaderName::from_static("x-request-id"), v);
    }
}

/// The access guard of one route: authenticates as the declared [`Access`] needs and puts the
/// verified session into the request for the handler's extractors.
pub(crate) async fn guard(State((state, spec)): State<(AppState, RouteSpec)>, req: Request, next: Next) -> Response {
    let refused = |resp: Response| if spec.html { as_page(spec.access, resp) } else { resp };
    match admit(&state, spec, req).await.map_err(refused) {
        Ok(req) => next.run(req).await,
        Err(resp) => resp,
    }
}

/// A refusal of a page request in the terms of a browser: a visitor who is not (or no longer)
/// signed in is sent to the sign-in page of the side they asked for; a signed-in one who may not
/// see the page gets a page that says so.
fn as_page(access: Access, refused: Response) -> Response {
    use crate::pages::Side;
    let side = match access {
        Access::Staff => Some(Side::Staff),
        Access::Patient => Some(Side::Portal),
        _ => None,
    };
    let code = refused.extensions().get::<ErrorCode>().copied();
    let to = |query: &str| side.map_or_else(|| "/".to_owned(), |s| format!("{}{query}", s.sign_in()));
    let mut page = match code {
        Some(ErrorCode::Unauthenticated) => crate::pages::see_other(&to("")),
        Some(ErrorCode::SessionExpired) => crate::pages::see_other(&to("?expired=1")),
        Some(ErrorCode::Forbidden) => {
            let t = crate::pages::t();
            crate::pages::problem(axum::http::StatusCode::FORBIDDEN, None, t.not_allowed, t.wrong_account)
        }
        _ => return refused,
    };
    // The refusal may have cleared the session cookie: keep that.
    for cookie in refused.headers().get_all(header::SET_COOKIE) {
        page.headers_mut().append(header::SET_COOKIE, cookie.clone());
    }
    page
}

/// Requests that set this header are background refreshes (polling, live updates): they are
/// authenticated but do not count as activity for idle logoff.
const BACKGROUND_HEADER: &str = "x-portico-background";

async fn admit(state: &AppState, spec: RouteSpec, req: Request) -> Result<Request, Response> {
    let (access, route) = (spec.access, spec.path);
    if access == Access::Public {
        return Ok(req);
    }
    if access == Access::MetricsReader && state.metrics_token_matches(req.headers()) {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let unauthenticated = || ApiError::new(ErrorCode::Unauthenticated, "Sign in first.").into_response();
    let token = session_cookie(&parts.headers).ok_or_else(unauthenticated)?;
    let ctx = request_context(&parts, state.config.trust_forwarded_for);
    let background = spec.background || parts.headers.contains_key(BACKGROUND_HEADER);
    let auth = match state.app.authenticate(&token, &ctx, !background).await {
        Ok(a) => a,
        Err(AuthError::NotSignedIn) => {
            return Err(cookies::with_cleared_session(unauthenticated(), state));
        }
        Err(AuthError::Expired) => {
            let resp = ApiError::new(ErrorCode::SessionExpired, "Your session ended. Sign in again.").into_response();
            return Err(cookies::with_cleared_session(resp, state));
        }
        Err(AuthError::Unexpected(e)) => return Err(ApiError::Internal(e.into()).into_response()),
    };
    let allowed = match (access, &auth.actor) {
        (Access::SignedIn, _) => true,
        (Access::Staff, portico_domain::Actor::Staff(_)) => true,
        (Access::Patient, portico_domain::Actor::Patient(_)) => true,
        (Access::MetricsReader, a) => portico_domain::authz::permits(a, &portico_domain::authz::Action::ReadMetrics),
        _ => false,
    };
    if !allowed {
        if let Err(e) = state.app.record_denial(&auth.actor, route, &ctx).await {
            return Err(ApiError::Internal(e.into()).into_response());
        }
        return Err(ApiError::new(ErrorCode::Forbidden, "This account may not do that.").into_response());
    }
    parts.extensions.insert(auth);
    Ok(Request::from_parts(parts, body))
}

//! The route table: every route with its access policy, in one place. The router is built from
//! this table (the guard enforces the policy before the handler runs), and the security tests
//! iterate over it, so a route cannot exist without a declared policy.

use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

use crate::{AppState, api, ops, pages};

/// Who may call a route. The guard enforces it; handlers narrow further with extractors and
/// the domain policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    SignedIn,
    /// A signed-in staff account.
    Staff,
    /// A signed-in patient account.
    Patient,
    /// A signed-in admin, or the metrics bearer token.
    MetricsReader,
}

/// One route as declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: &'static str,
    /// Path pattern (axum syntax, `{id}` for parameters).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Whether it is an HTML page (security-header tests treat those more strictly).
    pub html: bool,
    /// Whether it accepts file uploads (and so the larger body limit).
    pub upload: bool,
    /// Whether its requests are background traffic (live updates) that must not count as
    /// activity for idle logoff.
    pub background: bool,
}

const fn route(method: &'static str, path: &'static str, access: Access) -> RouteSpec {
    RouteSpec { method, path, access, html: false, upload: false, background: false }
}

const fn upload(path: &'static str, access: Access) -> RouteSpec {
    RouteSpec { method: "POST", path, access, html: false, upload: true, background: false }
}

const fn page(path: &'static str, access: Access) -> RouteSpec {
    RouteSpec { method: "GET", path, access, html: true, upload: false, background: false }
}

/// A page's form (`multipart/form-data` when it can carry files, or a plain form).
const fn form(path: &'static str, access: Access) -> RouteSpec {
    RouteSpec { method: "POST", path, access, html: true, upload: true, background: false }
}

/// A stream of live updates (Server-Sent Events): background traffic for idle logoff.
const fn events(path: &'static str, access: Access) -> RouteSpec {
    RouteSpec { method: "GET", path, access, html: false, upload: false, background: true }
}

/// Every route of the application with its policy.
pub(crate) fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::*;
    vec![
        (page("/", Public), get(pages::index)),
        (route("GET", "/static/portico.js", Public), get(pages::script)),
        (page("/appointments/request", Public), get(pages::appointments)),
        (page("/portal/enroll", Public), get(pages::portal_enroll_form)),
        (form("/portal/enroll", Public), post(pages::portal_enroll)),
        (page("/portal/sign-in", Public), get(pages::portal_sign_in_form)),
        (form("/portal/sign-in", Public), post(pages::portal_sign_in)),
        (page("/staff/sign-in", Public), get(pages::staff_sign_in_form)),
        (form("/staff/sign-in", Public), post(pages::staff_sign_in)),
        (form("/sign-out", SignedIn), post(pages::sign_out)),
        (route("POST", "/session/keep-alive", SignedIn), post(pages::keep_alive)),
        (events("/staff/events", Staff), get(pages::staff_events)),
        (page("/staff/social", Staff), get(pages::staff_social)),
        (form("/staff/social/{id}", Staff), post(pages::staff_social_act)),
        (page("/staff/privacy", Staff), get(pages::staff_privacy)),
        (page("/staff/privacy/report", Staff), get(pages::staff_access_report_form)),
        (form("/staff/privacy/report", Staff), post(pages::staff_access_report)),
        (form("/staff/privacy/grants/{id}", Staff), post(pages::staff_review_grant)),
        (page("/staff/admin", Staff), get(pages::staff_admin)),
        (form("/staff/admin/vendors", Staff), post(pages::staff_add_vendor)),
        (form("/staff/admin/social", Staff), post(pages::staff_save_social)),
        (page("/staff/admin/people", Staff), get(pages::staff_people)),
        (form("/staff/admin/people", Staff), post(pages::staff_people_act)),
        (page("/staff/register", Staff), get(pages::staff_register_form)),
        (page("/staff/patients", Staff), get(pages::staff_patients)),
        (form("/staff/patients", Staff), post(pages::staff_patients_search)),
        (form("/staff/patients/{id}/invitation", Staff), post(pages::staff_new_invitation)),
        (form("/staff/patients/{id}/proxies", Staff), post(pages::staff_link_proxy)),
        (form("/staff/register", Staff), post(pages::staff_register)),
        (page("/portal", Patient), get(pages::portal_inbox)),
        (page("/portal/compose", Patient), get(pages::portal_compose)),
        (form("/portal/threads", Patient), post(pages::portal_start_thread)),
        (page("/portal/threads/{id}", Patient), get(pages::portal_thread)),
        (form("/portal/threads/{id}/messages", Patient), post(pages::portal_send)),
        (form("/portal/messages/{id}/recall", Patient), post(pages::portal_recall)),
        (page("/portal/preferences", Patient), get(pages::portal_preferences)),
        (form("/portal/preferences", Patient), post(pages::portal_save_preferences)),
        (page("/portal/access-log", Patient), get(pages::portal_access_log)),
        (page("/portal/security", Patient), get(pages::security)),
        (form("/portal/security/totp", Patient), post(pages::portal_totp)),
        (form("/portal/security/password", Patient), post(pages::change_password)),
        (form("/portal/security/sessions", Patient), post(pages::end_other_sessions)),
        (form("/portal/security/recovery", Patient), post(pages::new_recovery_codes)),
        (form("/portal/security/passkeys/remove", Patient), post(pages::remove_passkey)),
        (page("/staff/security", Staff), get(pages::security)),
        (form("/staff/security/password", Staff), post(pages::change_password)),
        (form("/staff/security/sessions", Staff), post(pages::end_other_sessions)),
        (form("/staff/security/recovery", Staff), post(pages::new_recovery_codes)),
        (form("/staff/security/passkeys/remove", Staff), post(pages::remove_passkey)),
        (form("/staff/security/digest", Staff), post(pages::staff_digest)),
        (page("/staff", Staff), get(pages::staff_inbox)),
        (page("/staff/threads/{id}", Staff), get(pages::staff_thread)),
        (form("/staff/threads/{id}/messages", Staff), post(pages::staff_send)),
        (form("/staff/threads/{id}/update", Staff), post(pages::staff_update_thread)),
        (form("/staff/threads/{id}/results", Staff), post(pages::staff_share_result)),
        (form("/staff/messages/{id}/recall", Staff), post(pages::staff_recall)),
        (route("GET", "/static/portico.css", Public), get(pages::stylesheet)),
        (route("GET", "/healthz", Public), get(ops::healthz)),
        (route("GET", "/metrics", MetricsReader), get(ops::metrics)),
        (route("GET", "/api/v1/openapi.json", Public), get(ops::openapi)),
        (route("POST", "/api/v1/auth/login", Public), post(api::auth::login)),
        (route("POST", "/api/v1/auth/logout", SignedIn), post(api::auth::logout)),
        (route("GET", "/api/v1/me", SignedIn), get(api::me::get_me)),
        (route("POST", "/api/v1/me/totp", SignedIn), post(api::me::begin_totp)),
        (route("POST", "/api/v1/me/totp/confirm", SignedIn), post(api::me::confirm_totp)),
        (route("GET", "/api/v1/me/passkeys", SignedIn), get(api::passkeys::list)),
        (route("POST", "/api/v1/me/passkeys", SignedIn), post(api::passkeys::add)),
        (route("POST", "/api/v1/me/passkeys/start", SignedIn), post(api::passkeys::start_adding)),
        (route("DELETE", "/api/v1/me/passkeys/{id}", SignedIn), delete(api::passkeys::remove)),
        (route("POST", "/api/v1/auth/passkey/start", Public), post(api::passkeys::start_sign_in)),
        (route("POST", "/api/v1/auth/passkey/finish", Public), post(api::passkeys::finish_sign_in)),
        (route("POST", "/api/v1/enroll", Public), post(api::enroll::enroll)),
        (route("GET", "/api/v1/teams", SignedIn), get(api::teams::list_teams)),
        (route("GET", "/api/v1/threads", SignedIn), get(api::threads::list_threads)),
        (upload("/api/v1/threads", SignedIn), post(api::threads::open_thread)),
        (route("GET", "/api/v1/threads/{id}", SignedIn), get(api::threads::get_thread)),
        (route("PATCH", "/api/v1/threads/{id}", Staff), patch(api::threads::update_thread)),
        (upload("/api/v1/threads/{id}/messages", SignedIn), post(api::threads::post_message)),
        (route("POST", "/api/v1/threads/{id}/read", SignedIn), post(api::threads::mark_read)),
        (route("POST", "/api/v1/messages/{id}/recall", SignedIn), post(api::threads::recall)),
        (route("GET", "/api/v1/attachments/{id}", SignedIn), get(api::threads::download)),
        (upload("/api/v1/results", Staff), post(api::threads::share_result)),
        (route("GET", "/api/v1/teams/{id}/saved-replies", Staff), get(api::threads::saved_replies)),
        (route("POST", "/api/v1/teams/{id}/saved-replies", Staff), post(api::threads::create_saved_reply)),
        (route("GET", "/api/v1/misdirected-messages", Staff), get(api::threads::misdirected)),
        (route("GET", "/api/v1/audit/access-report", Staff), get(api::audit::access_report)),
        (route("GET", "/api/v1/me/access-log", Patient), get(api::audit::my_access_log)),
        (route("GET", "/api/v1/audit/alerts", Staff), get(api::audit::alerts)),
        (route("POST", "/api/v1/disclosures", Staff), post(api::audit::record_disclosure)),
        (route("GET", "/api/v1/disclosures", Staff), get(api::audit::accounting)),
        (route("GET", "/api/v1/me/disclosures", Patient), get(api::audit::my_accounting)),
        (route("GET", "/api/v1/me/notification-preferences", Patient), get(api::preferences::get)),
        (route("PUT", "/api/v1/me/notification-preferences", Patient), put(api::preferences::put)),
        (route("POST", "/api/v1/break-glass", Staff), post(api::break_glass::request)),
        (route("GET", "/api/v1/break-glass/reviews", Staff), get(api::break_glass::reviews)),
        (route("POST", "/api/v1/break-glass/reviews/{id}", Staff), post(api::break_glass::review)),
        (route("GET", "/api/v1/vendors", Staff), get(api::vendors::list)),
        (route("POST", "/api/v1/vendors", Staff), post(api::vendors::create)),
        (route("PATCH", "/api/v1/vendors/{id}", Staff), patch(api::vendors::update)),
        (route("GET", "/api/v1/admin/alerts", Staff), get(api::vendors::admin_alerts)),
        (route("GET", "/api/v1/admin/social-settings", Staff), get(api::settings::get_social)),
        (route("PUT", "/api/v1/admin/social-settings", Staff), put(api::settings::put_social)),
        (route("GET", "/api/v1/social/messages", Staff), get(api::social::messages)),
        (route("GET", "/api/v1/social/comments", Staff), get(api::social::comments)),
        (route("POST", "/api/v1/social/items/{id}/handled", Staff), post(api::social::handled)),
        (route("POST", "/api/v1/social/items/{id}/invite", Staff), post(api::social::invite)),
        (route("POST", "/api/v1/social/items/{id}/moderation", Staff), post(api::social::moderate)),
        (route("POST", "/api/v1/patients/{id}/authorizations", Staff), post(api::testimonials::record_authorization)),
        (route("GET", "/api/v1/patients/{id}/authorizations", Staff), get(api::testimonials::authorizations)),
        (route("POST", "/api/v1/authorizations/{id}/revoke", Staff), post(api::testimonials::revoke)),
        (route("POST", "/api/v1/testimonials", Staff), post(api::testimonials::create)),
        (route("GET", "/api/v1/testimonials", Staff), get(api::testimonials::list)),
        (route("POST", "/api/v1/testimonials/{id}/publishable", Staff), post(api::testimonials::publishable)),
        (route("POST", "/webhooks/twilio/sms", Public), post(crate::webhooks::twilio_sms)),
        (route("GET", "/webhooks/meta", Public), get(crate::webhooks::meta_verify)),
        (route("POST", "/webhooks/meta", Public), post(crate::webhooks::meta_event)),
    ]
}

/// Whether `path` (a route pattern) is a page's: its errors are answered as pages too.
pub(crate) fn is_page(path: &str) -> bool {
    static PAGES: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    PAGES.get_or_init(|| route_specs().into_iter().filter(|r| r.html).map(|r| r.path).collect()).contains(path)
}

/// The declared routes (for tests and documentation).
pub fn route_specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(spec, _)| spec).collect()
}

/// The HTTP method of a spec.
pub fn method_of(spec: &RouteSpec) -> Method {
    Method::from_bytes(spec.method.as_bytes()).unwrap_or(Method::GET)
}

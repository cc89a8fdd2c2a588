//! Security properties checked against the route table itself, so a new route is covered
//! the moment it is declared: anonymous access, security headers, OpenAPI coverage, error
//! shapes, body limits, metrics access.

use portico_domain::StaffRole;
use portico_web::routes::{Access, method_of, route_specs};
use serde_json::Value;

use crate::helpers::{error_code, spawn_app, spawn_app_with};

/// A concrete path for a route pattern (any `{param}` becomes a random UUID).
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { uuid::Uuid::new_v4().to_string() } else { seg.to_owned() })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_route_that_needs_a_session_refuses_anonymous_requests_without_data() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let guarded: Vec<_> = route_specs().into_iter().filter(|r| r.access != Access::Public).collect();
    assert!(guarded.len() >= 5);
    for spec in guarded {
        let resp = client
            .request(method_of(&spec), app.url(&concrete(spec.path)))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        if spec.html {
            // A page sends the visitor to the sign-in page of its side, and shows nothing.
            assert_eq!(resp.status(), 303, "{} {}", spec.method, spec.path);
            let to = resp.headers()["location"].to_str().unwrap().to_owned();
            let want = match spec.access {
                Access::Patient => "/portal/sign-in",
                Access::Staff => "/staff/sign-in",
                _ => "/",
            };
            assert_eq!(to, want, "{} {}", spec.method, spec.path);
            assert!(resp.text().await.unwrap().is_empty());
            continue;
        }
        assert_eq!(resp.status(), 401, "{} {}", spec.method, spec.path);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated", "{} {}", spec.method, spec.path);
        assert_eq!(body.as_object().unwrap().len(), 1, "a denial carries nothing but the error");
    }
}

#[tokio::test]
async fn every_route_sends_the_security_headers() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    for spec in route_specs() {
        let resp = client.request(method_of(&spec), app.url(&concrete(spec.path))).send().await.unwrap();
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{}", spec.path);
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{}", spec.path);
        assert_eq!(h["x-content-type-options"], "nosniff", "{}", spec.path);
        assert_eq!(h["referrer-policy"], "no-referrer", "{}", spec.path);
        assert!(h.contains_key("permissions-policy"), "{}", spec.path);
        assert!(h.contains_key("x-request-id"), "{}", spec.path);
        if !spec.path.starts_with("/static/") {
            assert_eq!(h["cache-control"], "no-store", "{}", spec.path);
        }
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for spec in route_specs().into_iter().filter(|r| r.path.starts_with("/api/") || r.path == "/healthz") {
        let op = &doc["paths"][spec.path][spec.method.to_lowercase()];
        assert!(op.is_object(), "{} {} is missing from openapi.json", spec.method, spec.path);
    }
}

#[tokio::test]
async fn unknown_paths_wrong_methods_and_bad_bodies_get_coded_json_errors() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let nothing = client.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(nothing.status(), 404);
    assert_eq!(error_code(nothing).await, "not_found");
    let wrong_method = client.delete(app.url("/api/v1/auth/login")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(error_code(wrong_method).await, "method_not_allowed");
    let login = app.url("/api/v1/auth/login");
    let malformed =
        client.post(&login).header("content-type", "application/json").body("{\"email\": ").send().await.unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(error_code(malformed).await, "malformed_json");
    let missing = client.post(&login).json(&serde_json::json!({"email": "a@b.org"})).send().await.unwrap();
    assert_eq!(error_code(missing).await, "invalid_request");
    let form = client
        .post(&login)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415, "a cross-site form cannot post to the JSON API");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = spawn_app_with(|c| c.body_limit = 4096).await;
    let big = serde_json::json!({"email": "a@b.org", "password": "x".repeat(10_000)});
    let resp = reqwest::Client::new().post(app.url("/api/v1/auth/login")).json(&big).send().await.unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(error_code(resp).await, "payload_too_large");
}

#[tokio::test]
async fn metrics_are_for_admins_and_the_bearer_token_only() {
    let app = spawn_app().await;
    let anonymous = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let token = app.config.metrics_token.clone().unwrap();
    let with_token = reqwest::Client::new().get(app.url("/metrics")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(with_token.status(), 200);
    assert!(with_token.text().await.unwrap().contains("portico_http_requests_total"));
    let wrong_token = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth("not-the-token-at-all-0000000")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), 401);
    let admin = app.create_staff(StaffRole::Admin, vec![]).await;
    assert_eq!(app.signed_in_staff(&admin).await.get(app.url("/metrics")).send().await.unwrap().status(), 200);
    let clinician = app.create_staff(StaffRole::Clinician, vec![]).await;
    let denied = app.signed_in_staff(&clinician).await.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(denied.status(), 403);
}

#[tokio::test]
async fn health_reports_the_database_and_the_front_page_says_what_this_is() {
    let app = spawn_app().await;
    let health: Value = reqwest::get(app.url("/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "ok");
    let page = reqwest::get(app.url("/")).await.unwrap().text().await.unwrap();
    assert!(page.contains("secure message center"));
    assert!(page.contains("/portal/sign-in") && page.contains("/portal/enroll"));
    assert!(!page.contains("http://") && !page.contains("https://"), "no request to another origin");
}

#[tokio::test]
async fn the_audit_table_refuses_updates_and_deletes() {
    let app = spawn_app().await;
    app.enrolled_patient().await;
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.config.database_url).await.unwrap();
    let update = sqlx::query("UPDATE audit_events SET outcome = 'failure'").execute(&mut conn).await;
    assert!(update.is_err(), "UPDATE must be refused");
    let delete = sqlx::query("DELETE FROM audit_events").execute(&mut conn).await;
    assert!(delete.is_err(), "DELETE must be refused");
    assert!(!app.audit_actions().await.is_empty());
}

#[tokio::test]
async fn every_state_changing_route_refuses_a_request_another_site_sends() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let unsafe_routes: Vec<_> = route_specs().into_iter().filter(|r| r.method != "GET").collect();
    assert!(unsafe_routes.len() >= 20);
    for spec in unsafe_routes {
        for (name, value) in [("sec-fetch-site", "cross-site"), ("origin", "https://attacker.example")] {
            let resp = client
                .request(method_of(&spec), app.url(&concrete(spec.path)))
                .header(name, value)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 403, "{} {} with {name}: {value}", spec.method, spec.path);
        }
    }
    assert!(app.audit_actions().await.iter().all(|(a, _)| !a.starts_with("social.")), "nothing was accepted");
}

//! The authorization matrix, generated from the route table: every route × every kind of
//! caller × {own resource, another patient's, nonexistent}, checking the status and that a
//! denial carries nothing but the error. A route without an expectation here fails the test.

use portico_domain::StaffRole;
use portico_web::routes::{Access, RouteSpec, method_of, route_specs};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Patient,
    Proxy,
    Staff(StaffRole),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    NoId,
    Own,
    Other,
    Missing,
}

fn ok_if_own(case: Case, allowed: bool, ok: u16) -> u16 {
    if case == Case::Own && allowed { ok } else { 404 }
}

/// The policy, restated independently of the code under test.
fn expected(spec: &RouteSpec, who: Who, case: Case) -> u16 {
    use StaffRole::*;
    if spec.access != Access::Public && who == Who::Anonymous {
        // A page sends the visitor to sign in; the API answers 401.
        return if spec.html { 303 } else { 401 };
    }
    let patient_side = matches!(who, Who::Patient | Who::Proxy);
    let care = matches!(who, Who::Staff(r) if r.is_care_team());
    let is = |r: StaffRole| who == Who::Staff(r);
    match (spec.method, spec.path) {
        ("GET", "/" | "/static/portico.css" | "/static/portico.js" | "/healthz" | "/api/v1/openapi.json") => 200,
        ("GET", "/portal/enroll" | "/appointments/request") => 200,
        ("POST", "/portal/enroll") => 400,
        ("POST", "/session/keep-alive") => 204,
        ("GET", "/staff/events") => {
            if care {
                200
            } else {
                403
            }
        }
        ("POST", "/api/v1/auth/login" | "/api/v1/enroll") => 400,
        ("GET", "/metrics") => {
            if is(Admin) {
                200
            } else {
                403
            }
        }
        ("POST", "/api/v1/auth/logout") => 204,
        ("GET", "/api/v1/me" | "/api/v1/teams") | ("POST", "/api/v1/me/totp") => 200,
        ("POST", "/api/v1/me/totp/confirm") => 400,
        // Passkeys: the test server's loopback address makes them available (at localhost).
        ("GET", "/api/v1/me/passkeys") | ("POST", "/api/v1/me/passkeys/start" | "/api/v1/auth/passkey/start") => 200,
        // An empty answer finishes nothing; no account has a passkey with a thread's id.
        ("POST", "/api/v1/me/passkeys" | "/api/v1/auth/passkey/finish") => 400,
        ("DELETE", "/api/v1/me/passkeys/{id}") => 404,
        ("POST", "/portal/security/passkeys/remove") => {
            if patient_side {
                303
            } else {
                403
            }
        }
        ("POST", "/staff/security/passkeys/remove" | "/staff/security/digest") => {
            if patient_side {
                403
            } else {
                303
            }
        }
        ("GET", "/api/v1/threads") => {
            if patient_side || care {
                200
            } else {
                403
            }
        }
        ("POST", "/api/v1/threads") => {
            if patient_side || care {
                201
            } else {
                403
            }
        }
        ("GET", "/api/v1/threads/{id}" | "/api/v1/attachments/{id}") | ("POST", "/api/v1/threads/{id}/read") => {
            ok_if_own(case, patient_side || care, 200)
        }
        ("POST", "/api/v1/threads/{id}/messages") => ok_if_own(case, patient_side || care, 201),
        ("PATCH", "/api/v1/threads/{id}") => {
            if patient_side {
                403
            } else {
                ok_if_own(case, care, 204)
            }
        }
        ("POST", "/api/v1/messages/{id}/recall") => match case {
            Case::Missing => 404,
            _ if is(Admin) => 200,
            Case::Own if who == Who::Patient => 200,
            Case::Own if who == Who::Proxy || care => 403,
            _ => 404,
        },
        ("POST", "/api/v1/results") => {
            if is(Clinician) || is(Nurse) {
                201
            } else {
                403
            }
        }
        ("GET", "/api/v1/teams/{id}/saved-replies") => {
            if patient_side {
                403
            } else {
                ok_if_own(case, care, 200)
            }
        }
        ("POST", "/api/v1/teams/{id}/saved-replies") => {
            if patient_side {
                403
            } else {
                ok_if_own(case, care, 201)
            }
        }
        ("GET", "/api/v1/misdirected-messages") => {
            if is(Admin) || is(PrivacyOfficer) {
                200
            } else {
                403
            }
        }
        ("GET", "/api/v1/audit/access-report") => {
            if is(PrivacyOfficer) {
                200
            } else {
                403
            }
        }
        ("GET", "/api/v1/me/access-log") => {
            if patient_side {
                200
            } else {
                403
            }
        }
        ("POST", "/api/v1/break-glass") => {
            if is(Clinician) || is(Nurse) {
                400
            } else {
                403
            }
        }
        ("GET", "/api/v1/break-glass/reviews") => {
            if is(PrivacyOfficer) {
                200
            } else {
                403
            }
        }
        ("POST", "/api/v1/break-glass/reviews/{id}") => {
            if is(PrivacyOfficer) {
                404
            } else {
                403
            }
        }
        ("GET", "/api/v1/audit/alerts") => {
            if is(PrivacyOfficer) {
                200
            } else {
                403
            }
        }
        ("POST", "/api/v1/disclosures") => {
            if is(PrivacyOfficer) {
                201
            } else {
                403
            }
        }
        ("GET", "/api/v1/disclosures") => {
            if is(PrivacyOfficer) {
                200
            } else {
                403
            }
        }
        ("GET", "/api/v1/me/disclosures") => {
            if patient_side {
                200
            } else {
                403
            }
        }
        ("GET", "/api/v1/vendors") => {
            if is(Admin) || is(PrivacyOfficer) {
                200
            } else {
                403
            }
        }
        ("POST", "/api/v1/vendors") => {
            if is(Admin) {
                201
            } else {
                403
            }
        }
        // No vendor has a thread's id, or a random one.
        ("PATCH", "/api/v1/vendors/{id}") => {
            if is(Admin) {
                404
            } else {
                403
            }
        }
        ("GET", "/portal/sign-in" | "/staff/sign-in") => 200,
        ("POST", "/portal/sign-in" | "/staff/sign-in") => 400,
        ("POST", "/sign-out") => 303,
        ("GET", "/portal" | "/portal/compose") => {
            if patient_side {
                200
            } else {
                403
            }
        }
        ("POST", "/portal/threads") => {
            if patient_side {
                303
            } else {
                403
            }
        }
        ("GET", "/portal/threads/{id}") if patient_side => ok_if_own(case, true, 200),
        ("POST", "/portal/threads/{id}/messages") if patient_side => ok_if_own(case, true, 303),
        ("GET" | "POST", "/portal/threads/{id}" | "/portal/threads/{id}/messages") => 403,
        ("POST", "/portal/messages/{id}/recall") => match case {
            _ if !patient_side => 403,
            Case::Own if who == Who::Patient => 303,
            Case::Own => 403,
            _ => 404,
        },
        ("POST", "/staff/messages/{id}/recall") => match case {
            _ if patient_side => 403,
            Case::Missing => 404,
            _ if is(Admin) => 303,
            Case::Own if care => 403,
            _ => 404,
        },
        ("GET", "/portal/preferences" | "/portal/access-log" | "/portal/security")
        | ("POST", "/portal/security/totp") => {
            if patient_side {
                200
            } else {
                403
            }
        }
        ("POST", "/portal/preferences") => {
            if patient_side {
                303
            } else {
                403
            }
        }
        ("POST", "/staff/threads/{id}/update" | "/staff/threads/{id}/results") if patient_side => 403,
        ("POST", "/staff/threads/{id}/update") => ok_if_own(case, care, 303),
        ("POST", "/staff/threads/{id}/results") => ok_if_own(case, care, 400),
        ("GET", "/staff") => {
            if care {
                200
            } else if is(FrontDesk) || is(PrivacyOfficer) || is(Admin) {
                303
            } else {
                403
            }
        }
        ("GET" | "POST", "/staff/social" | "/staff/social/{id}") if patient_side => 403,
        ("GET", "/staff/social") => {
            if is(FrontDesk) || is(PrivacyOfficer) || is(Admin) {
                200
            } else {
                403
            }
        }
        ("POST", "/staff/social/{id}") => {
            if is(FrontDesk) || is(PrivacyOfficer) || is(Admin) {
                404
            } else {
                403
            }
        }
        ("GET", "/staff/privacy" | "/staff/privacy/report") | ("POST", "/staff/privacy/report") => {
            if is(PrivacyOfficer) { 200 } else { 403 }
        }
        ("POST", "/staff/privacy/grants/{id}") => {
            if is(PrivacyOfficer) {
                404
            } else {
                403
            }
        }
        ("POST", "/portal/security/password") => {
            if patient_side {
                400
            } else {
                403
            }
        }
        ("POST", "/portal/security/sessions" | "/portal/security/recovery") => {
            if patient_side {
                303
            } else {
                403
            }
        }
        ("GET", "/staff/security") => {
            if patient_side {
                403
            } else {
                200
            }
        }
        ("POST", "/staff/security/password") => {
            if patient_side {
                403
            } else {
                400
            }
        }
        ("POST", "/staff/security/recovery") => {
            if patient_side {
                403
            } else {
                200
            }
        }
        ("POST", "/staff/security/sessions") => {
            if patient_side {
                403
            } else {
                303
            }
        }
        ("GET", "/staff/admin/people") => {
            if is(Admin) {
                200
            } else {
                403
            }
        }
        ("POST", "/staff/admin/people") => {
            if is(Admin) {
                400
            } else {
                403
            }
        }
        ("GET" | "POST", "/staff/patients") => {
            if is(FrontDesk) {
                200
            } else {
                403
            }
        }
        ("POST", "/staff/patients/{id}/invitation") => {
            if is(FrontDesk) {
                404
            } else {
                403
            }
        }
        ("POST", "/staff/patients/{id}/proxies") => {
            if is(FrontDesk) {
                400
            } else {
                403
            }
        }
        ("GET", "/staff/register") => {
            if is(Admin) || is(FrontDesk) {
                200
            } else {
                403
            }
        }
        ("POST", "/staff/register") => {
            if is(Admin) || is(FrontDesk) {
                400
            } else {
                403
            }
        }
        ("GET", "/staff/admin") => {
            if is(Admin) {
                200
            } else {
                403
            }
        }
        ("POST", "/staff/admin/vendors" | "/staff/admin/social") => {
            if is(Admin) {
                400
            } else {
                403
            }
        }
        ("GET" | "POST", "/staff/threads/{id}" | "/staff/threads/{id}/messages") if patient_side => 403,
        ("GET", "/staff/threads/{id}") => ok_if_own(case, care, 200),
        ("POST", "/staff/threads/{id}/messages") => ok_if_own(case, care, 303),
        ("GET" | "PUT", "/api/v1/admin/social-settings") => {
            if is(Admin) {
                200
            } else {
                403
            }
        }
        ("GET", "/api/v1/admin/alerts") => {
            if is(Admin) {
                200
            } else {
                403
            }
        }
        ("GET" | "PUT", "/api/v1/me/notification-preferences") => {
            if patient_side {
                200
            } else {
                403
            }
        }
        ("GET", "/api/v1/social/messages" | "/api/v1/social/comments") => {
            if is(FrontDesk) || is(PrivacyOfficer) || is(Admin) { 200 } else { 403 }
        }
        // No social item has a thread's id, or a random one.
        (
            "POST",
            "/api/v1/social/items/{id}/handled"
            | "/api/v1/social/items/{id}/invite"
            | "/api/v1/social/items/{id}/moderation",
        ) => {
            if is(FrontDesk) || is(PrivacyOfficer) || is(Admin) {
                404
            } else {
                403
            }
        }
        ("GET", "/api/v1/testimonials" | "/api/v1/patients/{id}/authorizations") => {
            if is(PrivacyOfficer) || is(Admin) {
                200
            } else {
                403
            }
        }
        ("POST", "/api/v1/testimonials") => {
            if is(PrivacyOfficer) || is(Admin) {
                201
            } else {
                403
            }
        }
        // No patient, authorization or testimonial has a thread's id, or a random one.
        (
            "POST",
            "/api/v1/patients/{id}/authorizations"
            | "/api/v1/authorizations/{id}/revoke"
            | "/api/v1/testimonials/{id}/publishable",
        ) => {
            if is(PrivacyOfficer) || is(Admin) {
                404
            } else {
                403
            }
        }
        // SMS and Meta are not configured here: the webhooks do not exist.
        ("POST", "/webhooks/twilio/sms") | ("GET" | "POST", "/webhooks/meta") => 404,
        (m, p) => panic!("{m} {p} has no expectation in the authorization matrix: declare its policy here"),
    }
}

struct Fixture {
    team: String,
    other_team: String,
    patient_id: String,
    own_thread: String,
    other_thread: String,
    own_attachment: String,
    other_attachment: String,
}

const OWN_SUBJECT: &str = "Matrix own subject";
const OTHER_SUBJECT: &str = "Matrix other subject";

async fn thread_with_file(app: &TestApp, client: &reqwest::Client, team: &str, subject: &str) -> (String, String) {
    let team_id: portico_domain::TeamId = team.parse().unwrap();
    let thread = app.open_thread(client, team_id, subject, "matrix body").await;
    app.send_file(client, &thread, "file", "f.txt", b"matrix file".to_vec()).await;
    let (_, view) = app.get_json(client, &format!("/api/v1/threads/{thread}")).await;
    (thread, view["messages"][1]["attachments"][0]["id"].as_str().unwrap().to_owned())
}

fn body_for(spec: &RouteSpec, f: &Fixture) -> Value {
    match (spec.method, spec.path) {
        ("POST", "/api/v1/threads") => {
            json!({"team_id": f.team, "patient_id": f.patient_id, "subject": "Matrix new", "body": "new", "category": "general"})
        }
        ("POST", "/api/v1/threads/{id}/messages")
        | ("POST", "/portal/threads/{id}/messages" | "/staff/threads/{id}/messages") => json!({"body": "matrix reply"}),
        ("POST", "/portal/threads") => {
            json!({"team_id": f.team, "subject": "Matrix page", "body": "page", "category": "general"})
        }
        ("PATCH", "/api/v1/threads/{id}") => json!({"status": "open"}),
        ("POST", "/staff/threads/{id}/update") => json!({"action": "assign_me"}),
        ("POST", "/staff/social/{id}") => json!({"action": "handled"}),
        ("POST", "/staff/privacy/grants/{id}") => json!({"verdict": "appropriate", "note": "n"}),
        ("POST", "/api/v1/teams/{id}/saved-replies") => json!({"title": "t", "body": "b"}),
        ("POST", "/api/v1/me/totp/confirm") => json!({"code": "000000"}),
        ("POST", "/api/v1/break-glass") => {
            json!({"patient_id": f.patient_id, "reason": "Matrix emergency reason here", "totp": "000000"})
        }
        ("POST", "/api/v1/break-glass/reviews/{id}") => json!({"verdict": "appropriate", "note": "n"}),
        ("POST", "/api/v1/disclosures") => {
            json!({"patient_id": f.patient_id, "disclosed_at": "2026-01-01T00:00:00Z", "recipient": "r", "description": "d", "purpose": "p"})
        }
        ("POST", "/api/v1/vendors") => {
            json!({"name": "Matrix Mail Co", "service": "email", "baa_signed_on": "2026-01-01", "status": "active"})
        }
        ("PATCH", "/api/v1/vendors/{id}") => json!({"status": "pending"}),
        ("PUT", "/api/v1/me/notification-preferences") => json!({"channels": ["email"]}),
        ("PUT", "/api/v1/admin/social-settings") => json!({"version": 0, "changes": {"retention_days": 14}}),
        ("POST", "/api/v1/social/items/{id}/moderation") => json!({"action": "hide"}),
        ("POST", "/api/v1/patients/{id}/authorizations") => {
            json!({"scope": "testimonial", "signed_on": "2026-01-01", "expires_on": "2027-01-01"})
        }
        ("POST", "/api/v1/testimonials") => json!({"patient_id": f.patient_id, "text": "They were kind."}),
        _ => json!({}),
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_policy_says() {
    let app = spawn_app().await;
    let team = app.create_team("Matrix Team").await;
    let other_team = app.create_team("Elsewhere").await;
    let own = app.enrolled_patient().await;
    let proxy = app.enrolled_patient().await;
    let link = portico_store::ProxyLink { patient_id: own.patient_id, relationship: "caregiver".into(), ends_at: None };
    app.app
        .link_proxy(&portico_domain::Actor::System, proxy.account_id, &link, &portico_app::cli_context())
        .await
        .unwrap();
    let other = app.enrolled_patient().await;
    let own_client = app.signed_in_patient(&own).await;
    let other_client = app.signed_in_patient(&other).await;
    let (own_thread, own_attachment) = thread_with_file(&app, &own_client, &team.to_string(), OWN_SUBJECT).await;
    let (other_thread, other_attachment) =
        thread_with_file(&app, &other_client, &other_team.to_string(), OTHER_SUBJECT).await;
    let f = Fixture {
        team: team.to_string(),
        other_team: other_team.to_string(),
        patient_id: own.patient_id.to_string(),
        own_thread,
        other_thread,
        own_attachment,
        other_attachment,
    };

    let mut callers: Vec<(Who, Option<reqwest::Client>)> = vec![
        (Who::Anonymous, None),
        (Who::Patient, Some(own_client.clone())),
        (Who::Proxy, Some(app.signed_in_patient(&proxy).await)),
    ];
    let mut staff_users = Vec::new();
    for role in StaffRole::ALL {
        let user = app.create_staff(role, vec![team]).await;
        callers.push((Who::Staff(role), Some(app.signed_in_staff(&user).await)));
        staff_users.push((role, user));
    }

    let mut checked = 0;
    for spec in route_specs() {
        let cases: &[Case] =
            if spec.path.contains("{id}") { &[Case::Own, Case::Other, Case::Missing] } else { &[Case::NoId] };
        for &(who, ref client) in &callers {
            for &case in cases {
                // Sign-out ends the session: use a fresh one for it.
                let fresh;
                let client = match (spec.path, who) {
                    ("/api/v1/auth/logout" | "/sign-out", Who::Patient) => Some(app.signed_in_patient(&own).await),
                    ("/api/v1/auth/logout" | "/sign-out", Who::Proxy) => Some(app.signed_in_patient(&proxy).await),
                    ("/api/v1/auth/logout" | "/sign-out", Who::Staff(r)) => {
                        fresh = staff_users.iter().find(|(role, _)| *role == r).map(|(_, u)| u).unwrap();
                        Some(app.signed_in_staff(fresh).await)
                    }
                    _ => client.clone(),
                };
                let path = concrete_path(&app, &spec, case, &f, &own_client, &other_client).await;
                let (status, body) = call(&app, client.as_ref(), &spec, &path, &f).await;
                let want = expected(&spec, who, case);
                assert_eq!(status, want, "{} {} as {who:?} on {case:?}: {body}", spec.method, spec.path);
                if spec.html && matches!(status, 401 | 403 | 404) {
                    assert!(body.starts_with("<!doctype html>"), "{} {}: {body}", spec.method, spec.path);
                    assert!(!body.contains(OWN_SUBJECT) && !body.contains(OTHER_SUBJECT) && !body.contains("matrix"));
                } else if matches!(status, 401 | 403 | 404) {
                    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    assert!(
                        v.get("error").is_some() && v.as_object().unwrap().len() == 1,
                        "{} {}: {body}",
                        spec.method,
                        spec.path
                    );
                    assert!(!body.contains(OWN_SUBJECT) && !body.contains(OTHER_SUBJECT) && !body.contains("matrix"));
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked} combinations checked");
}

/// The path for a case. Recall consumes its message, so each recall gets a fresh one.
async fn concrete_path(
    app: &TestApp,
    spec: &RouteSpec,
    case: Case,
    f: &Fixture,
    own: &reqwest::Client,
    other: &reqwest::Client,
) -> String {
    let missing = uuid::Uuid::new_v4().to_string();
    let id = if ["/api/v1/messages/", "/portal/messages/", "/staff/messages/"].iter().any(|p| spec.path.starts_with(p))
    {
        match case {
            Case::Own => fresh_message(app, own, &f.own_thread).await,
            Case::Other => fresh_message(app, other, &f.other_thread).await,
            _ => missing,
        }
    } else {
        let (own_id, other_id) = if spec.path.starts_with("/api/v1/attachments/") {
            (&f.own_attachment, &f.other_attachment)
        } else if spec.path.starts_with("/api/v1/teams/") {
            (&f.team, &f.other_team)
        } else {
            (&f.own_thread, &f.other_thread)
        };
        match case {
            Case::Own => own_id.clone(),
            Case::Other => other_id.clone(),
            _ => missing,
        }
    };
    let path = spec.path.replace("{id}", &id);
    if matches!(spec.path, "/api/v1/audit/access-report" | "/api/v1/disclosures") && spec.method == "GET" {
        format!("{path}?patient_id={}", f.patient_id)
    } else {
        path
    }
}

async fn fresh_message(app: &TestApp, client: &reqwest::Client, thread: &str) -> String {
    let resp = app.send(client, thread, json!({"body": "to be recalled"})).await;
    resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn call(
    app: &TestApp,
    client: Option<&reqwest::Client>,
    spec: &RouteSpec,
    path: &str,
    f: &Fixture,
) -> (u16, String) {
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let client = client.unwrap_or(&anonymous);
    let mut req = client.request(method_of(spec), app.url(path));
    if spec.path == "/api/v1/results" {
        let form = reqwest::multipart::Form::new()
            .text("patient_id", f.patient_id.clone())
            .text("team_id", f.team.clone())
            .text("body", "result")
            .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("r.pdf"));
        req = req.multipart(form);
    } else if spec.method != "GET" {
        req = req.json(&body_for(spec, f));
    }
    let resp = req.send().await.unwrap();
    if spec.background && resp.status() == 200 {
        // A live stream does not end: its status and type say enough.
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        return (200, String::new());
    }
    (resp.status().as_u16(), resp.text().await.unwrap())
}

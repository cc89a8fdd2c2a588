//! The web pages over real HTTP, as a browser without JavaScript uses them: sign in with a
//! form, write to a team, see the reply; staff see the queue, the patient banner, write replies
//! and internal notes. Message text is always shown as text; cross-site posts change nothing;
//! signing out and idle expiry leave the pages.

use std::time::Duration;

use portico_domain::StaffRole;
use reqwest::header::{HeaderMap, LOCATION};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn location(h: &HeaderMap) -> String {
    h[LOCATION].to_str().unwrap().to_owned()
}

/// Posts a plain HTML form; returns the status, the redirect target (if any) and the page.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let r = client.post(app.url(path)).form(fields).send().await.unwrap();
    let to = r.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (r.status().as_u16(), to, r.text().await.unwrap())
}

/// Posts a form as `multipart/form-data`, as the pages that take files do (with the empty file
/// part a browser sends for a file input left empty).
async fn post_multipart(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (u16, String) {
    let empty = reqwest::multipart::Part::bytes(Vec::new()).file_name("").mime_str("application/octet-stream").unwrap();
    let mut form = reqwest::multipart::Form::new().part("file", empty);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let mut req = client.post(app.url(path)).multipart(form);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let to = r.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (r.status().as_u16(), to)
}

#[tokio::test]
async fn a_patient_writes_to_a_team_through_the_pages_and_reads_the_reply_but_never_the_note() {
    let app = spawn_app().await;
    let team = app.create_team("Family Medicine").await;
    let nurse = app.create_staff(StaffRole::Nurse, vec![team]).await;
    let patient = app.enrolled_patient().await;
    let browser = app.client();

    // Signed out: the portal sends the browser to its sign-in page.
    let r = browser.get(app.url("/portal")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(r.headers())), (303, "/portal/sign-in".into()));
    let (status, form) = page(&app, &browser, "/portal/sign-in").await;
    assert_eq!(status, 200);
    assert!(form.contains(r#"<label for="email">"#) && form.contains(r#"autocomplete="current-password""#));

    let wrong = "Wrong-password-123";
    let (status, _, body) =
        post_form(&app, &browser, "/portal/sign-in", &[("email", &patient.email), ("password", wrong)]).await;
    assert_eq!(status, 401);
    assert!(body.contains("not right") && body.contains(&patient.email) && !body.contains(wrong), "{body}");
    let (status, to, _) =
        post_form(&app, &browser, "/portal/sign-in", &[("email", &patient.email), ("password", PASSWORD)]).await;
    assert_eq!((status, to.as_str()), (303, "/portal"));

    let (_, compose) = page(&app, &browser, "/portal/compose").await;
    assert!(compose.contains("Family Medicine") && compose.contains(r#"name="idempotency_key""#));
    let fields = [
        ("team_id", team.to_string()),
        ("category", "clinical".to_owned()),
        ("subject", "Rash <b>question</b>".to_owned()),
        ("body", "<script>alert('x')</script>\nIt itches since Monday.".to_owned()),
        ("idempotency_key", "page-key-1".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, thread_url) = post_multipart(&app, &browser, "/portal/threads", &fields, &[]).await;
    assert_eq!(status, 303);
    assert!(thread_url.starts_with("/portal/threads/"), "{thread_url}");
    // A double submit of the same form sends once.
    let (_, again) = post_multipart(&app, &browser, "/portal/threads", &fields, &[]).await;
    assert_eq!(again, thread_url);
    let (_, inbox) = page(&app, &browser, "/portal").await;
    assert_eq!(inbox.matches("/portal/threads/").count(), 1, "{inbox}");

    let (_, thread) = page(&app, &browser, &thread_url).await;
    assert!(thread.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"), "{thread}");
    assert!(!thread.contains("<script>") && !thread.contains("<b>question"), "text is never markup");

    // The nurse signs in with the second factor and finds it in the queue.
    let staff = app.client();
    let (status, _, _) =
        post_form(&app, &staff, "/staff/sign-in", &[("email", &nurse.email), ("password", PASSWORD)]).await;
    assert_eq!(status, 401, "staff need the code");
    app.advance(Duration::from_secs(30));
    let code = app.code(&nurse);
    let login = [("email", nurse.email.as_str()), ("password", PASSWORD), ("code", code.as_str())];
    let (status, to, _) = post_form(&app, &staff, "/staff/sign-in", &login).await;
    assert_eq!((status, to.as_str()), (303, "/staff"));
    let (_, queue) = page(&app, &staff, "/staff?view=unassigned&category=clinical").await;
    assert!(queue.contains("Rash &#60;b&#62;question&#60;/b&#62;") && queue.contains("1 new"), "{queue}");
    let (_, empty) = page(&app, &staff, "/staff?view=unassigned&category=billing").await;
    assert!(!empty.contains("Rash"), "the category filter applies");
    let staff_url = thread_url.replace("/portal/", "/staff/");
    let (_, seen) = page(&app, &staff, &staff_url).await;
    assert!(seen.contains(&patient.name) && seen.contains("1971-03-14") && seen.contains("MRN-"), "the banner");
    assert!(seen.contains("&#60;script&#62;"));

    let reply_to = format!("{staff_url}/messages");
    let note = [("body", "Check the allergy list first"), ("internal", "true")];
    assert_eq!(post_multipart(&app, &staff, &reply_to, &note, &[]).await.0, 303);
    let reply = [("body", "Please send a photo of the rash.")];
    assert_eq!(post_multipart(&app, &staff, &reply_to, &reply, &[]).await.0, 303);
    let (_, staff_view) = page(&app, &staff, &staff_url).await;
    assert!(staff_view.contains("Internal note") && staff_view.contains("Not read by the patient yet"));

    let (_, inbox) = page(&app, &browser, "/portal").await;
    assert!(inbox.contains("1 new"), "{inbox}");
    let (_, thread) = page(&app, &browser, &thread_url).await;
    assert!(thread.contains("Please send a photo of the rash.") && thread.contains("Family Medicine care team"));
    assert!(!thread.contains("allergy list"), "an internal note never reaches the patient");
    assert!(thread.contains("Read by the care team"));
    let (_, staff_view) = page(&app, &staff, &staff_url).await;
    assert!(staff_view.contains("Read by the patient "), "{staff_view}");

    // Staff pages are not for patients, and the other way round.
    assert_eq!(page(&app, &browser, &staff_url).await.0, 403);
    assert_eq!(page(&app, &staff, &thread_url).await.0, 403);

    // Signing out ends the session and asks the browser to forget the pages.
    let r = browser.post(app.url("/sign-out")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(r.headers())), (303, "/portal/sign-in?signed_out=1".into()));
    assert_eq!(r.headers()["clear-site-data"], "\"cache\", \"storage\"");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = browser.get(app.url(&thread_url)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(r.headers())), (303, "/portal/sign-in".into()));
}

#[tokio::test]
async fn a_cross_site_form_post_is_refused_and_sends_nothing() {
    let app = spawn_app().await;
    let team = app.create_team("Front Office").await;
    let patient = app.enrolled_patient().await;
    let browser = app.signed_in_patient(&patient).await;
    let team = team.to_string();
    let fields = [("team_id", team.as_str()), ("subject", "Forged"), ("body", "sent by another site")];
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://attacker.example")],
    ] {
        let (status, _) = post_multipart(&app, &browser, "/portal/threads", &fields, &headers).await;
        assert_eq!(status, 403, "{headers:?}");
    }
    // The API refuses the same.
    let r = browser
        .post(app.url("/api/v1/threads"))
        .header("origin", "https://attacker.example")
        .json(&serde_json::json!({"team_id": team, "subject": "Forged", "body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, inbox) = page(&app, &browser, "/portal").await;
    assert!(!inbox.contains("Forged"), "nothing was sent");
    // The clinic's own page posts (same origin) go through.
    let own = [("sec-fetch-site", "same-origin"), ("origin", app.base.as_str())];
    assert_eq!(post_multipart(&app, &browser, "/portal/threads", &fields, &own).await.0, 303);
}

#[tokio::test]
async fn an_idle_session_sends_the_page_to_sign_in_and_says_why() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let browser = app.signed_in_patient(&patient).await;
    assert_eq!(page(&app, &browser, "/portal").await.0, 200);
    app.advance(Duration::from_secs(3 * 3600));
    let r = browser.get(app.url("/portal")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(r.headers())), (303, "/portal/sign-in?expired=1".into()));
    let (_, signin) = page(&app, &browser, "/portal/sign-in?expired=1").await;
    assert!(signin.contains("signed out because the page was idle"));
}

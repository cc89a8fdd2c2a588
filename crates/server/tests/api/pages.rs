//! The web pages over real HTTP, as a browser without JavaScript uses them: sign in with a
//! form, write to a team, see the reply; staff see the queue, the patient banner, write replies
//! and internal notes. Message text is always shown as text; cross-site posts change nothing;
//! signing out and idle expiry leave the pages.

use std::time::Duration;

use portico_domain::StaffRole;
use reqwest::header::{HeaderMap, LOCATION};

use crate::helpers::{PASSWORD, TestApp, error_code, spawn_app};

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

#[tokio::test]
async fn a_patient_enrolls_with_the_invitation_code_and_lands_in_the_portal() {
    let app = spawn_app().await;
    let invited = app.invite_patient("Robin Example", "1990-02-03", None).await;
    let browser = app.client();
    let (status, form) = page(&app, &browser, "/portal/enroll").await;
    assert_eq!(status, 200);
    assert!(form.contains(r#"<label for="invite_code">"#) && form.contains(r#"autocomplete="new-password""#));
    let email = "robin@patients.test";
    let wrong = [
        ("invite_code", invited.code.as_str()),
        ("date_of_birth", "1990-02-04"),
        ("email", email),
        ("password", PASSWORD),
    ];
    let (status, _, body) = post_form(&app, &browser, "/portal/enroll", &wrong).await;
    assert_eq!(status, 400);
    assert!(body.contains("do not match") && body.contains(email) && !body.contains(PASSWORD), "{body}");
    let right = [
        ("invite_code", invited.code.as_str()),
        ("date_of_birth", "1990-02-03"),
        ("email", email),
        ("password", PASSWORD),
    ];
    let (status, to, _) = post_form(&app, &browser, "/portal/enroll", &right).await;
    assert_eq!((status, to.as_str()), (303, "/portal"));
    assert_eq!(page(&app, &browser, "/portal").await.0, 200, "signed in at once");
    let (status, _, body) = post_form(&app, &app.client(), "/portal/enroll", &right).await;
    assert_eq!(status, 400, "a used code opens nothing: {body}");
    assert!(body.contains("do not match an open invitation"));
}

/// Reads a Server-Sent Events stream until an event named `name` arrives; returns its data.
async fn next_event(resp: &mut reqwest::Response, name: &str) -> String {
    let wait = async {
        let mut buf = String::new();
        loop {
            let chunk = resp.chunk().await.unwrap().expect("the stream ended");
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let frame: String = buf.drain(..end + 2).collect();
                if frame.lines().any(|l| l == format!("event: {name}")) {
                    let data = frame.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or_default();
                    return data.to_owned();
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.expect("no event within ten seconds")
}

#[tokio::test]
async fn the_staff_stream_names_the_conversations_of_the_readers_teams_as_they_change() {
    let app = spawn_app().await;
    let (mine, other) = (app.create_team("Cardiology").await, app.create_team("Dermatology").await);
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![mine]).await).await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;

    let mut stream = nurse.get(app.url("/staff/events")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    // A conversation with another team is not announced to this nurse; one with hers is, by id.
    let elsewhere = app.open_thread(&client, other, "Mole check", "A new mole").await;
    let here = app.open_thread(&client, mine, "Palpitations", "Since yesterday").await;
    let first = next_event(&mut stream, "thread").await;
    assert_eq!(first, here, "only her team's conversation, and nothing but its id ({elsewhere} is not hers)");
    assert_eq!(app.send(&client, &here, serde_json::json!({"body": "Still there"})).await.status(), 201);
    assert_eq!(next_event(&mut stream, "thread").await, here);

    // Patients have no stream.
    assert_eq!(client.get(app.url("/staff/events")).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn background_requests_do_not_keep_a_session_alive() {
    let app = spawn_app().await;
    let team = app.create_team("Oncology").await;
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![team]).await).await;
    // Staff sessions end after 15 idle minutes; a live refresh at minute 10 does not count...
    app.advance(Duration::from_secs(10 * 60));
    let r = nurse.get(app.url("/staff")).header("x-portico-background", "1").send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.advance(Duration::from_secs(6 * 60));
    let r = nurse.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(location(r.headers()), "/staff/sign-in?expired=1");

    // ...while "stay signed in" does.
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![team]).await).await;
    app.advance(Duration::from_secs(10 * 60));
    let r = nurse.post(app.url("/session/keep-alive")).header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_eq!(r.status(), 204);
    app.advance(Duration::from_secs(6 * 60));
    assert_eq!(nurse.get(app.url("/staff")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn patients_withdraw_messages_set_notifications_and_see_who_read_their_record() {
    let app = spawn_app().await;
    let team = app.create_team("Pediatrics").await;
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![team]).await).await;
    let patient = app.enrolled_patient().await;
    let browser = app.signed_in_patient(&patient).await;
    let thread = app.open_thread(&browser, team, "Fever", "Since last night").await;
    let oops = app.send(&browser, &thread, serde_json::json!({"body": "Wrong child, sorry"})).await;
    let oops = oops.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    let (_, view) = page(&app, &browser, &format!("/portal/threads/{thread}")).await;
    assert!(view.contains(&format!("/portal/messages/{oops}/recall")) && view.contains("Withdraw this message"));
    let recall = format!("/portal/messages/{oops}/recall");
    let (status, to) = post_multipart(&app, &browser, &recall, &[("thread_id", &thread)], &[]).await;
    assert_eq!((status, to), (303, format!("/portal/threads/{thread}")));
    let (_, own_view) = page(&app, &browser, &format!("/portal/threads/{thread}")).await;
    assert!(own_view.contains("Wrong child") && own_view.contains("Withdrawn: only the side that wrote it"));
    assert!(!own_view.contains(&recall), "withdrawn once");
    let (_, staff_view) = page(&app, &nurse, &format!("/staff/threads/{thread}")).await;
    assert!(!staff_view.contains("Wrong child"), "unread, it is gone from the care team's view");

    // Notifications: the form shows the defaults, refuses half a quiet period, saves the rest.
    let (_, prefs) = page(&app, &browser, "/portal/preferences").await;
    assert!(prefs.contains(r#"name="email" value="true" checked"#) && prefs.contains(r#"value="21:00""#));
    let half = [("email", "true"), ("quiet_start", "22:00")];
    let (status, _, body) = post_form(&app, &browser, "/portal/preferences", &half).await;
    assert_eq!(status, 400, "{body}");
    let (status, to, _) = post_form(
        &app,
        &browser,
        "/portal/preferences",
        &[("sms", "true"), ("quiet_start", "20:00"), ("quiet_end", "07:30")],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, "/portal/preferences?saved=1"));
    let (_, prefs) = page(&app, &browser, "/portal/preferences?saved=1").await;
    assert!(prefs.contains("Saved.") && prefs.contains(r#"name="email" value="true">"#) && prefs.contains("07:30"));

    // The nurse opened the conversation (and the banner): the patient sees it.
    let (_, log) = page(&app, &browser, "/portal/access-log").await;
    assert!(
        log.contains("Test nurse (nurse)")
            && log.contains("viewed your messages")
            && log.contains("viewed your details"),
        "{log}"
    );
}

#[tokio::test]
async fn staff_take_a_conversation_use_a_saved_reply_close_it_and_share_a_held_result() {
    let app = spawn_app().await;
    let team = app.create_team("Lab").await;
    let nurse_user = app.create_staff(StaffRole::Nurse, vec![team]).await;
    let nurse = app.signed_in_staff(&nurse_user).await;
    let patient = app.enrolled_patient().await;
    let browser = app.signed_in_patient(&patient).await;
    let thread = app.open_thread(&browser, team, "Blood test", "When are results ready?").await;
    let url = format!("/staff/threads/{thread}");
    let body = serde_json::json!({"title": "Results timing", "body": "Results usually take 3 business days."});
    let r = app.post_json(&nurse, &format!("/api/v1/teams/{team}/saved-replies"), body).await;
    assert_eq!(r.status(), 201);

    let (status, to) = post_multipart(&app, &nurse, &format!("{url}/update"), &[("action", "assign_me")], &[]).await;
    assert_eq!((status, to.as_str()), (303, url.as_str()));
    let (_, view) = page(&app, &nurse, &url).await;
    assert!(view.contains("Unassign me") && view.contains("Results timing"));
    let (_, mine) = page(&app, &nurse, "/staff?view=mine").await;
    assert!(mine.contains("Blood test"));

    let (status, reply_page) = page(&app, &nurse, &format!("{url}?reply={}", saved_reply_id(&view))).await;
    assert_eq!(status, 200);
    assert!(reply_page.contains(">Results usually take 3 business days.</textarea>"), "the reply starts from it");

    // A result held until tomorrow 9:00 (clinic time): the patient does not see it yet.
    let pdf = reqwest::multipart::Part::bytes(b"%PDF-1.4 result".to_vec()).file_name("cbc.pdf");
    let form = reqwest::multipart::Form::new()
        .part("file", pdf)
        .text("subject", "Your blood count")
        .text("body", "Normal.")
        .text("release_at", "2026-11-25T09:00");
    let r = nurse.post(app.url(&format!("{url}/results"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let result_url = location(r.headers());
    assert!(result_url.starts_with("/staff/threads/") && result_url != url);
    let (_, inbox) = page(&app, &browser, "/portal").await;
    assert!(!inbox.contains("Your blood count"), "held until its release time");
    app.advance(Duration::from_secs(25 * 3600));
    let browser = app.signed_in_patient(&patient).await;
    let (_, inbox) = page(&app, &browser, "/portal").await;
    assert!(inbox.contains("Your blood count"), "released");
    let nurse = app.signed_in_staff(&nurse_user).await;

    let (status, to) = post_multipart(&app, &nurse, &format!("{url}/update"), &[("action", "close")], &[]).await;
    assert_eq!((status, to.as_str()), (303, url.as_str()));
    let (_, closed) = page(&app, &nurse, "/staff?view=closed").await;
    assert!(closed.contains("Blood test"));
    let (_, open) = page(&app, &nurse, "/staff").await;
    assert!(!open.contains("Blood test"));
}

/// The id of the first saved reply offered on a staff thread page.
fn saved_reply_id(page: &str) -> String {
    let at = page.find(r#"<select id="reply" name="reply"><option value=""#).expect("saved replies offered");
    let rest = &page[at + r#"<select id="reply" name="reply"><option value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn the_office_pages_serve_each_role_its_work() {
    let app = spawn_app().await;
    let team = app.create_team("General").await;
    let admin = app.create_staff(StaffRole::Admin, vec![]).await;
    let admin_browser = app.client();
    app.advance(Duration::from_secs(30));
    let code = app.code(&admin);
    let login = [("email", admin.email.as_str()), ("password", PASSWORD), ("code", code.as_str())];
    assert_eq!(post_form(&app, &admin_browser, "/staff/sign-in", &login).await.1, "/staff");
    let r = admin_browser.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(location(r.headers()), "/staff/admin", "an admin starts on the administration page");

    // The BAA registry: a bad date is refused with the field named, a good vendor is listed.
    let bad = [("name", "Example SMS Inc."), ("service", "SMS"), ("baa_signed_on", "2026-13-01")];
    let (status, _, body) = post_form(&app, &admin_browser, "/staff/admin/vendors", &bad).await;
    assert_eq!(status, 400);
    assert!(body.contains("baa_signed_on"), "{body}");
    let good =
        [("name", "Example SMS Inc."), ("service", "SMS"), ("baa_signed_on", "2026-01-01"), ("status", "active")];
    assert_eq!(post_form(&app, &admin_browser, "/staff/admin/vendors", &good).await.1, "/staff/admin?saved=1");
    let (_, admin_page) = page(&app, &admin_browser, "/staff/admin").await;
    assert!(admin_page.contains("Example SMS Inc.") && admin_page.contains("No Meta page connected"));

    // The social bridge from the page: a message with health words is refused; the page is
    // connected with secrets that the page never shows again.
    let graph = crate::sinks::graph_sink().await;
    let (secret, token) = ("page-form-app-secret-0123", "PAGE-FORM-TOKEN-42");
    let phi = [("version", "0"), ("redirect_message", "Sorry about your diabetes, see {portal}")];
    let (status, _, body) = post_form(&app, &admin_browser, "/staff/admin/social", &phi).await;
    assert_eq!(status, 400);
    assert!(body.contains("redirect_message: must not contain") && !body.contains("Sorry about your"), "{body}");
    let connect = [
        ("version", "0"),
        ("page_id", "1122334455"),
        ("app_secret", secret),
        ("verify_token", "verify-from-the-page"),
        ("page_access_token", token),
        ("phone", "+1 503 555 0100"),
        ("phi_comments", "review"),
    ];
    let (status, to, _) = post_form(&app, &admin_browser, "/staff/admin/social", &connect).await;
    assert_eq!((status, to.as_str()), (303, "/staff/admin?saved=1#social"));
    let (_, admin_page) = page(&app, &admin_browser, "/staff/admin").await;
    assert!(admin_page.contains("Connected to page 1122334455") && admin_page.contains("/webhooks/meta"));
    assert!(!admin_page.contains(secret) && !admin_page.contains(token), "secrets are write-only");
    // (The page offers no Graph address; the API points this test's bridge at the stand-in.)
    let stand_in =
        serde_json::json!({"version": 1, "changes": {"meta": {"graph_base_url": format!("http://{}", graph.addr)}}});
    let r = admin_browser.put(app.url("/api/v1/admin/social-settings")).json(&stand_in).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The front desk sees what came in, redacted, and marks it handled.
    let body = crate::social::dm("m_page", "PSID9", "My husband's chemotherapy appointment got moved?").to_string();
    let sig = portico_crypto::webhook::meta_signature(secret, body.as_bytes());
    assert_eq!(crate::social::post_raw(&app, body.as_bytes(), Some(&sig)).await, 200);
    let reply = crate::social::calls(&graph, 1).await.remove(0);
    assert!(reply.query.contains(token), "the token saved from the page is used");
    let desk = app.signed_in_staff(&app.create_staff(StaffRole::FrontDesk, vec![]).await).await;
    let (_, social) = page(&app, &desk, "/staff/social").await;
    assert!(social.contains("[PROCEDURE]") || social.contains("[CONDITION]"), "{social}");
    assert!(!social.contains("chemotherapy") && !social.contains("PSID9"));
    let item = social.split(r#"action="/staff/social/"#).nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (status, to, _) = post_form(&app, &desk, &format!("/staff/social/{item}"), &[("action", "handled")]).await;
    assert_eq!((status, to.as_str()), (303, "/staff/social"));
    let (_, social) = page(&app, &desk, "/staff/social").await;
    assert!(!social.contains(&item), "handled items leave the open list");
    assert_eq!(page(&app, &desk, "/staff/admin").await.0, 403);

    // The privacy officer sees a message withdrawn after the care team read it.
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![team]).await).await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    let thread = app.open_thread(&client, team, "Wrong person", "This was meant for my sister").await;
    let (_, seen) = page(&app, &nurse, &format!("/staff/threads/{thread}")).await;
    let first = seen.split(r#"id="m-"#).nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = client.post(app.url(&format!("/api/v1/messages/{first}/recall"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let officer = app.signed_in_staff(&app.create_staff(StaffRole::PrivacyOfficer, vec![]).await).await;
    let (status, privacy) = page(&app, &officer, "/staff/privacy").await;
    assert_eq!(status, 200);
    assert!(privacy.contains(&patient.patient_id.to_string()) && privacy.contains("staff at "), "{privacy}");
    assert!(privacy.contains("No emergency access so far."));
}

#[tokio::test]
async fn a_patient_turns_on_two_step_sign_in_with_a_qr_code_drawn_by_the_server() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let browser = app.signed_in_patient(&patient).await;
    let (_, security) = page(&app, &browser, "/portal/security").await;
    assert!(security.contains("Set up an authenticator app"));
    let (status, _, setup) = post_form(&app, &browser, "/portal/security/totp", &[]).await;
    assert_eq!(status, 200);
    assert!(setup.contains("<svg") && setup.contains(r#"class="qr""#), "the QR code is inline SVG");
    let secret = setup.split(r#"<code class="secret">"#).nth(1).unwrap().split('<').next().unwrap().to_owned();
    let totp = totp_rs::Totp::from_url(format!("otpauth://totp/Portico:p?secret={secret}&issuer=Portico")).unwrap();
    let code = |app: &TestApp| totp.generate(u64::try_from(app.clock_now().unix_millis() / 1000).unwrap()).to_string();

    let (status, _, refused) = post_form(&app, &browser, "/portal/security/totp", &[("code", "000000")]).await;
    assert_eq!(status, 400, "{refused}");
    // A refused code leaves the pending secret: the same one is confirmed with a right code.
    let (status, to, _) = post_form(&app, &browser, "/portal/security/totp", &[("code", &code(&app))]).await;
    assert_eq!((status, to.as_str()), (303, "/portal/security?done=totp"));

    let fresh = app.client();
    let without = [("email", patient.email.as_str()), ("password", PASSWORD)];
    let (status, _, body) = post_form(&app, &fresh, "/portal/sign-in", &without).await;
    assert_eq!(status, 401);
    assert!(body.contains("six-digit code"));
    app.advance(Duration::from_secs(30));
    let now_code = code(&app);
    let with = [("email", patient.email.as_str()), ("password", PASSWORD), ("code", now_code.as_str())];
    assert_eq!(post_form(&app, &fresh, "/portal/sign-in", &with).await.1, "/portal");
}

#[tokio::test]
async fn patient_pages_speak_spanish_when_asked_and_staff_pages_stay_english() {
    let app = spawn_app().await;
    let team = app.create_team("Familia").await;
    let patient = app.enrolled_patient().await;
    let spanish = |c: reqwest::RequestBuilder| c.header("accept-language", "es-MX,es;q=0.9,en;q=0.5");
    let browser = app.client();

    let r = spanish(browser.get(app.url("/portal/sign-in"))).send().await.unwrap();
    let body = r.text().await.unwrap();
    assert!(body.contains(r#"<html lang="es">"#) && body.contains("Inicie sesión en su portal del paciente"));
    assert!(body.contains(r#"href="?lang=en""#), "the switch offers English");
    let r = spanish(browser.post(app.url("/portal/sign-in")))
        .form(&[("email", patient.email.as_str()), ("password", "not-the-password-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("no son correctos"));
    let r = spanish(browser.post(app.url("/portal/sign-in")))
        .form(&[("email", patient.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let inbox = spanish(browser.get(app.url("/portal"))).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains("<h1>Sus mensajes</h1>") && inbox.contains("Cerrar sesión"), "{inbox}");
    assert!(inbox.contains(r#"data-stay-text="Seguir conectado""#), "the idle warning too");
    let thread = app.open_thread(&browser, team, "Receta", "Necesito una receta").await;
    let page = spanish(browser.get(app.url(&format!("/portal/threads/{thread}")))).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("Usted ·") && page.contains("Pregunta de salud") && page.contains("/11/2026"), "{page}");

    // The switch: English from now on, whatever the browser says.
    let r = spanish(browser.get(app.url("/portal?lang=en"))).send().await.unwrap();
    assert!(r.headers()["set-cookie"].to_str().unwrap().starts_with("portico_lang=en;"));
    assert!(r.text().await.unwrap().contains("<h1>Your messages</h1>"));
    let again = spanish(browser.get(app.url("/portal"))).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("<h1>Your messages</h1>"), "the choice is kept");

    // Staff pages are in English.
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![team]).await).await;
    let queue = spanish(nurse.get(app.url("/staff"))).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains(r#"<html lang="en">"#) && queue.contains("<h1>Inbox</h1>"));
}

#[tokio::test]
async fn a_parent_writes_about_a_child_and_switches_between_the_people_they_act_for() {
    let app = spawn_app().await;
    let team = app.create_team("Pediatrics").await;
    let parent = app.enrolled_patient().await;
    let child = app.invite_patient("Riley Example", "2019-06-01", None).await;
    let link = portico_store::ProxyLink { patient_id: child.patient_id, relationship: "parent".into(), ends_at: None };
    app.app
        .link_proxy(&portico_domain::Actor::System, parent.account_id, &link, &portico_app::cli_context())
        .await
        .unwrap();
    let browser = app.signed_in_patient(&parent).await;

    let (_, compose) = page(&app, &browser, &format!("/portal/compose?for={}", child.patient_id)).await;
    assert!(compose.contains("Who is this about"), "{compose}");
    assert!(
        compose.contains(&format!(r#"<option value="{}" selected>Riley Example (parent)</option>"#, child.patient_id))
    );
    let child_id = child.patient_id.to_string();
    let team_id = team.to_string();
    let about_child = [
        ("patient_id", child_id.as_str()),
        ("team_id", &team_id),
        ("subject", "Rash on Riley"),
        ("body", "Since Monday"),
    ];
    let (status, thread_url) = post_multipart(&app, &browser, "/portal/threads", &about_child, &[]).await;
    assert_eq!(status, 303);
    let mine = [("team_id", team_id.as_str()), ("subject", "My own checkup"), ("body", "When?")];
    assert_eq!(post_multipart(&app, &browser, "/portal/threads", &mine, &[]).await.0, 303);

    let (_, everyone) = page(&app, &browser, "/portal").await;
    assert!(
        everyone.contains("Riley Example (parent) · Pediatrics") && everyone.contains("You · Pediatrics"),
        "{everyone}"
    );
    let (_, riley) = page(&app, &browser, &format!("/portal?for={child_id}")).await;
    assert!(riley.contains("Rash on Riley") && !riley.contains("My own checkup"));
    assert!(riley.contains(r#"aria-current="page">Riley Example (parent)"#));

    // The care team sees whose record the conversation belongs to.
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![team]).await).await;
    let (_, staff_view) = page(&app, &nurse, &thread_url.replace("/portal/", "/staff/")).await;
    assert!(staff_view.contains("<strong>Riley Example</strong>") && staff_view.contains("2019-06-01"));
}

#[tokio::test]
async fn admins_add_teams_and_staff_and_the_front_desk_registers_a_patient_who_then_enrolls() {
    let app = spawn_app().await;
    let admin = app.signed_in_staff(&app.create_staff(StaffRole::Admin, vec![]).await).await;
    let act = |fields: Vec<(String, String)>| {
        let (admin, app) = (&admin, &app);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            post_form(app, admin, "/staff/admin/people", &fields).await
        }
    };
    let owned =
        |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
    let (status, _, page_body) = act(owned(&[("action", "create_team"), ("team_name", "Cardiology")])).await;
    assert_eq!(status, 200);
    assert!(page_body.contains("<li>Cardiology</li>"));
    let team = app.app.list_teams(&portico_domain::Actor::System).await.unwrap().remove(0).id;
    let email = "new.nurse@clinic.test";
    let staff = [("action", "create_staff"), ("email", email), ("name", "New Nurse"), ("role", "nurse")];
    let mut weak = owned(&staff);
    weak.push(("password".into(), "short".into()));
    assert_eq!(act(weak).await.0, 400);
    let mut create = owned(&staff);
    create.extend([("password".into(), PASSWORD.into()), (format!("team_{team}"), "true".into())]);
    let (status, _, shown) = act(create).await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown.contains("New Nurse can now sign in") && shown.contains("<svg") && shown.contains("Cardiology"));
    let (_, again) = page(&app, &admin, "/staff/admin/people").await;
    assert!(again.contains(email) && !again.contains("<svg"), "the authenticator link is shown once");
    let (status, _, gone) = act(owned(&[("action", "deactivate"), ("email", email)])).await;
    assert_eq!(status, 200);
    assert!(gone.contains("can no longer sign in") && !gone.contains(&format!("<td>{email}</td>")));

    let desk = app.signed_in_staff(&app.create_staff(StaffRole::FrontDesk, vec![]).await).await;
    assert_eq!(page(&app, &desk, "/staff/admin/people").await.0, 403);
    let bad = [("name", "Jamie Example"), ("date_of_birth", "2090-01-01"), ("mrn", "MRN-PAGE-1")];
    let (status, _, refused) = post_form(&app, &desk, "/staff/register", &bad).await;
    assert_eq!(status, 400);
    assert!(refused.contains("date_of_birth: must not be in the future") && refused.contains("Jamie Example"));
    let good = [
        ("name", "Jamie Example"),
        ("date_of_birth", "1988-04-05"),
        ("mrn", "MRN-PAGE-1"),
        ("email", "jamie@patients.test"),
    ];
    let (status, _, registered) = post_form(&app, &desk, "/staff/register", &good).await;
    assert_eq!(status, 200);
    let code =
        registered.split(r#"<p class="invite-code"><strong>"#).nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(app.enroll(&code, "1988-04-05", "jamie@patients.test", PASSWORD).await.status(), 201);
}

#[tokio::test]
async fn changing_the_password_signs_out_the_other_browsers_and_sessions_can_be_ended() {
    let app = spawn_app().await;
    let patient = app.enrolled_patient().await;
    let here = app.signed_in_patient(&patient).await;
    let elsewhere = app.signed_in_patient(&patient).await;
    let (_, security) = page(&app, &here, "/portal/security").await;
    assert_eq!(security.matches(r#"<li>Signed in "#).count(), 2, "{security}");
    assert!(security.contains("This browser") && security.contains("Sign out everywhere else"));

    let wrong = [("current_password", "not-my-password-1"), ("new_password", "a brand new passphrase")];
    let (status, _, body) = post_form(&app, &here, "/portal/security/password", &wrong).await;
    assert_eq!(status, 400);
    assert!(body.contains("current password is not right") && !body.contains("brand new"));
    let weak = [("current_password", PASSWORD), ("new_password", "short")];
    assert_eq!(post_form(&app, &here, "/portal/security/password", &weak).await.0, 400);
    let new_password = "a brand new passphrase";
    let right = [("current_password", PASSWORD), ("new_password", new_password)];
    let (status, to, _) = post_form(&app, &here, "/portal/security/password", &right).await;
    assert_eq!((status, to.as_str()), (303, "/portal/security?done=password"));
    app.advance(Duration::from_secs(3)); // past the session cache
    assert_eq!(page(&app, &here, "/portal").await.0, 200, "this browser stays signed in");
    assert_eq!(page(&app, &elsewhere, "/portal").await.0, 303, "the other one is signed out");
    let fresh = app.client();
    let old = [("email", patient.email.as_str()), ("password", PASSWORD)];
    assert_eq!(post_form(&app, &fresh, "/portal/sign-in", &old).await.0, 401);
    let new = [("email", patient.email.as_str()), ("password", new_password)];
    assert_eq!(post_form(&app, &fresh, "/portal/sign-in", &new).await.0, 303);

    // Signing out everywhere else, from the staff side too.
    let nurse_user = app.create_staff(StaffRole::Nurse, vec![]).await;
    let nurse = app.signed_in_staff(&nurse_user).await;
    let nurse_elsewhere = app.signed_in_staff(&nurse_user).await;
    let (status, to, _) = post_form(&app, &nurse, "/staff/security/sessions", &[]).await;
    assert_eq!((status, to.as_str()), (303, "/staff/security?done=sessions"));
    app.advance(Duration::from_secs(3));
    assert_eq!(page(&app, &nurse, "/staff/security").await.0, 200);
    assert_eq!(page(&app, &nurse_elsewhere, "/staff/security").await.0, 303);
    let audit = app.audit_actions().await;
    assert!(audit.contains(&("auth.password_change".to_owned(), "failure".to_owned())), "{audit:?}");
    assert!(audit.iter().any(|(a, o)| a == "auth.sessions_ended" && o == "success"));
}

#[tokio::test]
async fn the_front_desk_finds_a_patient_by_mrn_email_or_the_beginning_of_a_name_and_issues_a_new_code() {
    let app = spawn_app().await;
    let invited = app.invite_patient("Morgan Quillfeather", "1975-09-09", Some("morgan@patients.test")).await;
    app.invite_patient("Avery Other", "1980-01-01", None).await;
    app.invite_patient("Alicia García-Lopez", "1990-02-02", None).await;
    app.invite_patient("Gary O'Brien", "1991-03-03", None).await;
    let desk = app.signed_in_staff(&app.create_staff(StaffRole::FrontDesk, vec![]).await).await;
    let (status, empty) = page(&app, &desk, "/staff/patients").await;
    assert_eq!(status, 200);
    assert!(empty.contains(r#"<label for="q">"#));
    for q in ["quillfeather", "Morgan Quillfeather", "morgan@patients.test", "quill", "QUILLF", "mor qui"] {
        let (_, _, found) = post_form(&app, &desk, "/staff/patients", &[("q", q)]).await;
        assert!(found.contains("Morgan Quillfeather") && found.contains("1975-09-09"), "{q}: {found}");
        assert!(!found.contains("Avery Other"), "{q}");
    }
    // Beginnings of any word of the name, with or without accents, any case; every word must match.
    let names = |html: &str| ["Alicia García-Lopez", "Gary O&#39;Brien", "Gary O'Brien"].map(|n| html.contains(n));
    for (q, alicia, gary) in [
        ("gar", true, true),
        ("garc", true, false),
        ("GARCÍA", true, false),
        ("garcia", true, false),
        ("lope", true, false),
        ("ali gar", true, false),
        ("obri", false, true),
        ("o'brien", false, true),
        ("gar zzz", false, false),
    ] {
        let (_, _, found) = post_form(&app, &desk, "/staff/patients", &[("q", q)]).await;
        let [a, g1, g2] = names(&found);
        assert_eq!((a, g1 || g2), (alicia, gary), "{q}: {found}");
    }
    for q in ["qu", "uillfeather", "avery@patients.test"] {
        let (_, _, none) = post_form(&app, &desk, "/staff/patients", &[("q", q)]).await;
        assert!(none.contains("No patient matches"), "{q}: a word's middle, two letters or a stranger's email");
    }

    let r = desk
        .post(app.url(&format!("/staff/patients/{}/invitation", invited.patient_id)))
        .form(&[("q", "quillfeather")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let shown = r.text().await.unwrap();
    let code = shown.split(r#"<p class="invite-code"><strong>"#).nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_ne!(code, invited.code);
    assert_eq!(
        app.enroll(&invited.code, "1975-09-09", "m1@patients.test", PASSWORD).await.status(),
        400,
        "the old code stopped working"
    );
    assert_eq!(app.enroll(&code, "1975-09-09", "m2@patients.test", PASSWORD).await.status(), 201);

    // The care team cannot search: it would reveal patients they have no relationship with.
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![]).await).await;
    assert_eq!(post_form(&app, &nurse, "/staff/patients", &[("q", "quillfeather")]).await.0, 403);
}

#[tokio::test]
async fn a_server_fault_on_a_page_is_a_page_with_the_request_id_and_nothing_else() {
    let app = spawn_app().await;
    let team = app.create_team("Renal").await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    let thread = app.open_thread(&client, team, "Dialysis schedule", "Can we move Tuesday?").await;
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![team]).await).await;
    // The banner's name no longer opens: the read fails as an integrity error.
    crate::at_rest::flip_a_byte_of_the_name(&app, patient.patient_id).await;

    let r = nurse.get(app.url(&format!("/staff/threads/{thread}"))).send().await.unwrap();
    assert_eq!(r.status(), 500);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let body = r.text().await.unwrap();
    assert!(body.contains("Something went wrong") && body.contains(&id), "{body}");
    assert!(!body.contains(&patient.name) && !body.contains("Dialysis") && !body.contains("ntegrity"));
    let r = client.get(app.url("/api/v1/me")).header("accept-language", "es").send().await.unwrap();
    assert_eq!(r.status(), 500, "the API still answers JSON");
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "internal");
    let r = client.get(app.url("/portal/compose")).send().await.unwrap();
    assert_eq!(r.status(), 200, "pages that do not read the record still work");
}

#[tokio::test]
async fn the_privacy_officer_runs_an_access_report_by_mrn() {
    let app = spawn_app().await;
    let team = app.create_team("Oncology").await;
    let patient = app.enrolled_patient().await;
    let client = app.signed_in_patient(&patient).await;
    let thread = app.open_thread(&client, team, "Next cycle", "When is it?").await;
    let nurse = app.signed_in_staff(&app.create_staff(StaffRole::Nurse, vec![team]).await).await;
    assert_eq!(page(&app, &nurse, &format!("/staff/threads/{thread}")).await.0, 200);
    let system = portico_domain::audit::AuditRecord::new(
        &portico_domain::Actor::System,
        "patient.read",
        "patient",
        portico_domain::audit::Purpose::Operations,
        &portico_app::cli_context(),
    );
    let mrn = app.app.store().read_patient(patient.patient_id, app.clock_now(), &system).await.unwrap().mrn;
    let officer = app.signed_in_staff(&app.create_staff(StaffRole::PrivacyOfficer, vec![]).await).await;
    let (status, form) = page(&app, &officer, "/staff/privacy/report").await;
    assert_eq!(status, 200);
    assert!(form.contains(r#"name="from" type="date" value="2026-10-25""#), "the last 30 days by default: {form}");
    let report_of = |fields: Vec<(&'static str, String)>| {
        let (app, officer) = (&app, &officer);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, _, body) = post_form(app, officer, "/staff/privacy/report", &fields).await;
            (status, body)
        }
    };
    let (status, report) = report_of(vec![("mrn", mrn.expose().to_owned())]).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("Test nurse") && report.contains("thread.read") && report.contains("patient.read"));
    let (status, _) = report_of(vec![("mrn", "NOPE-404".to_owned())]).await;
    assert_eq!(status, 404);
    let (status, _) = report_of(vec![("mrn", mrn.expose().to_owned()), ("from", "last-week".to_owned())]).await;
    assert_eq!(status, 400);
    let by_nurse = post_form(&app, &nurse, "/staff/privacy/report", &[("mrn", mrn.expose())]).await;
    assert_eq!(by_nurse.0, 403);
    assert!(app.audit_actions().await.iter().any(|(a, _)| a == "audit.access_report"));
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_in_place_of_the_authenticator() {
    let app = spawn_app().await;
    let user = app.create_staff(StaffRole::Nurse, vec![]).await;
    let nurse = app.signed_in_staff(&user).await;
    let (_, security) = page(&app, &nurse, "/staff/security").await;
    assert!(security.contains("Unused codes left: 0"), "{security}");
    let (status, _, shown) = post_form(&app, &nurse, "/staff/security/recovery", &[]).await;
    assert_eq!(status, 200);
    let codes: Vec<String> =
        shown.split("<li><code>").skip(1).map(|c| c.split('<').next().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10, "{shown}");
    let (_, again) = page(&app, &nurse, "/staff/security").await;
    assert!(again.contains("Unused codes left: 10") && !again.contains(&codes[0]), "shown once");

    let sign_in = |code: String| {
        let app = &app;
        let email = user.email.clone();
        async move {
            let fields = [("email", email.as_str()), ("password", PASSWORD), ("code", code.as_str())];
            post_form(app, &app.client(), "/staff/sign-in", &fields).await.0
        }
    };
    // Typed in lower case without the dashes, it still works; once.
    let typed = codes[0].replace('-', "").to_lowercase();
    assert_eq!(sign_in(typed.clone()).await, 303);
    assert_eq!(sign_in(typed).await, 401, "a recovery code works once");
    assert_eq!(sign_in("AAAA-BBBB-CCCC".into()).await, 401);
    // New codes replace the old ones.
    post_form(&app, &nurse, "/staff/security/recovery", &[]).await;
    assert_eq!(sign_in(codes[1].clone()).await, 401);
    let raw = crate::at_rest::database_contents(&app).await;
    assert!(!raw.windows(codes[2].len()).any(|w| w == codes[2].as_bytes()), "only hashes are stored");
}

#[tokio::test]
async fn the_front_desk_gives_a_parent_access_to_a_childs_record_until_a_date() {
    let app = spawn_app().await;
    let child = app.invite_patient("Sky Brightwater", "2015-02-02", None).await;
    let parent = app.enrolled_patient().await;
    let desk = app.signed_in_staff(&app.create_staff(StaffRole::FrontDesk, vec![]).await).await;
    let path = format!("/staff/patients/{}/proxies", child.patient_id);
    let unknown = [("q", "brightwater"), ("email", "nobody@patients.test"), ("relationship", "parent")];
    let (status, _, body) = post_form(&app, &desk, &path, &unknown).await;
    assert_eq!(status, 400);
    assert!(body.contains("enrolls first") && body.contains("Sky Brightwater"), "the search is shown again");
    let cousin = [("q", "brightwater"), ("email", parent.email.as_str()), ("relationship", "cousin")];
    assert_eq!(post_form(&app, &desk, &path, &cousin).await.0, 400);
    let good =
        [("q", "brightwater"), ("email", parent.email.as_str()), ("relationship", "parent"), ("ends_on", "2033-02-02")];
    let (status, _, body) = post_form(&app, &desk, &path, &good).await;
    assert_eq!(status, 200);
    assert!(body.contains("can now act for this patient as parent"), "{body}");

    let browser = app.signed_in_patient(&parent).await;
    let (_, compose) = page(&app, &browser, "/portal/compose").await;
    assert!(compose.contains("Sky Brightwater (parent)"), "{compose}");
}

#[tokio::test]
async fn the_appointment_link_of_the_standard_messages_and_unknown_addresses_answer_browsers_with_pages() {
    let app = crate::helpers::spawn_app_with(|c| c.social.contact.phone = "+1 503 555 0100".into()).await;
    let browser = app.client();
    let html = |c: reqwest::RequestBuilder| c.header("accept", "text/html,application/xhtml+xml");
    let r = html(browser.get(app.url("/appointments/request"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("Request an appointment") && body.contains(r#"href="tel:+1 503 555 0100""#), "{body}");
    let r = html(browser.get(app.url("/appointments/request"))).header("accept-language", "es").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Pedir una cita"));

    let r = html(browser.get(app.url("/portal/no-such-page"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("There is no page at this address"));
    let r = html(browser.get(app.url("/api/v1/no-such-thing"))).send().await.unwrap();
    assert_eq!((r.status().as_u16(), error_code(r).await), (404, "not_found".to_owned()), "the API stays JSON");
}

//! The vendor registry over HTTP: business associate agreements, their standing as time
//! passes, and the check that refuses PHI to a vendor without a current BAA.

use std::time::Duration;

use portico_app::vendors::NoBaa;
use portico_domain::StaffRole;
use portico_domain::vendor::Standing;
use serde_json::{Value, json};

use crate::helpers::{error_code, spawn_app};

fn by_name<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["vendors"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap()
}

#[tokio::test]
async fn admins_record_agreements_and_see_which_need_attention_as_time_passes() {
    let app = spawn_app().await;
    let admin_user = app.create_staff(StaffRole::Admin, vec![]).await;
    let admin = app.signed_in_staff(&admin_user).await;
    let officer_user = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let officer = app.signed_in_staff(&officer_user).await;

    // The fake clock starts on 2026-11-24.
    for body in [
        json!({"name": "Example SMS Inc.", "service": "SMS delivery", "baa_signed_on": "2026-01-01",
               "baa_expires_on": "2026-12-20", "document_ref": "contracts/sms-2026.pdf", "status": "active"}),
        json!({"name": "Example Mail LLC", "service": "email delivery", "baa_signed_on": "2025-06-01",
               "baa_expires_on": "2027-06-30", "status": "active"}),
        json!({"name": "Pending Hosting", "service": "backups", "status": "pending"}),
    ] {
        let resp = app.post_json(&admin, "/api/v1/vendors", body).await;
        assert_eq!(resp.status(), 201);
    }
    let (status, list) = app.get_json(&officer, "/api/v1/vendors").await;
    assert_eq!(status, 200);
    let sms = by_name(&list, "Example SMS Inc.");
    assert_eq!((sms["standing"].as_str(), sms["days_left"].as_i64()), (Some("expiring_soon"), Some(26)));
    assert_eq!((sms["may_carry_phi"].as_bool(), sms["needs_attention"].as_bool()), (Some(true), Some(true)));
    let mail = by_name(&list, "Example Mail LLC");
    assert_eq!((mail["standing"].as_str(), mail["needs_attention"].as_bool()), (Some("current"), Some(false)));
    let pending = by_name(&list, "Pending Hosting");
    assert_eq!((pending["standing"].as_str(), pending["may_carry_phi"].as_bool()), (Some("no_baa"), Some(false)));
    assert_eq!(list["needs_attention"], 2);
    assert_eq!(app.app.vendor_may_carry_phi("example sms inc.").await, Ok(()));
    assert_eq!(
        app.app.vendor_may_carry_phi("Pending Hosting").await,
        Err(NoBaa::NotCurrent("Pending Hosting".into(), Standing::NoBaa))
    );
    assert_eq!(app.app.vendor_may_carry_phi("Nobody").await, Err(NoBaa::Unknown("Nobody".into())));

    // A month later the SMS agreement has ended: PHI may no longer go there.
    app.advance(Duration::from_secs(30 * 24 * 3600));
    let admin = app.signed_in_staff(&admin_user).await; // the old sessions have expired
    let officer = app.signed_in_staff(&officer_user).await;
    let desk = app.signed_in_staff(&app.create_staff(StaffRole::FrontDesk, vec![]).await).await;
    let (_, list) = app.get_json(&admin, "/api/v1/vendors").await;
    let sms = by_name(&list, "Example SMS Inc.");
    assert_eq!((sms["standing"].as_str(), sms["days_left"].as_i64()), (Some("expired"), Some(-4)));
    assert_eq!(
        app.app.vendor_may_carry_phi("Example SMS Inc.").await,
        Err(NoBaa::NotCurrent("Example SMS Inc.".into(), Standing::Expired))
    );

    // Renewed: current again. The change is audited.
    let id = sms["id"].as_str().unwrap();
    let resp = app
        .client_request(
            &admin,
            reqwest::Method::PATCH,
            &format!("/api/v1/vendors/{id}"),
            json!({"baa_expires_on": "2027-12-31"}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    let (_, list) = app.get_json(&admin, "/api/v1/vendors").await;
    assert_eq!(by_name(&list, "Example SMS Inc.")["standing"], "current");
    assert_eq!(app.app.vendor_may_carry_phi("Example SMS Inc.").await, Ok(()));
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|(a, o)| a == "vendor.update" && o == "success"), "{actions:?}");
    assert_eq!(actions.iter().filter(|(a, _)| a == "vendor.create").count(), 3);

    // Only admins change the registry; front desk does not see it.
    let resp =
        app.post_json(&officer, "/api/v1/vendors", json!({"name": "X", "service": "y", "status": "pending"})).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(app.get_json(&desk, "/api/v1/vendors").await.0, 403);
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.signed_in_staff(&app.create_staff(StaffRole::Admin, vec![]).await).await;
    let ok = json!({"name": "Example SMS Inc.", "service": "SMS", "baa_signed_on": "2026-01-01", "status": "active"});
    assert_eq!(app.post_json(&admin, "/api/v1/vendors", ok).await.status(), 201);

    let dup = app
        .post_json(
            &admin,
            "/api/v1/vendors",
            json!({"name": " example sms inc. ", "service": "s", "status": "pending"}),
        )
        .await;
    assert_eq!(dup.status(), 409);
    assert_eq!(error_code(dup).await, "conflict");
    for (body, field) in [
        (json!({"name": "A", "service": "s", "baa_signed_on": "2026-02-30", "status": "active"}), "baa_signed_on"),
        (json!({"name": "A", "service": "s", "status": "active"}), "baa_signed_on"),
        (
            json!({"name": "A", "service": "s", "baa_signed_on": "2026-02-01", "baa_expires_on": "2026-01-01", "status": "active"}),
            "baa_expires_on",
        ),
        (json!({"name": "", "service": "s", "status": "pending"}), "name"),
        (json!({"name": "A", "service": "s", "status": "signed"}), "status"),
    ] {
        let resp = app.post_json(&admin, "/api/v1/vendors", body).await;
        assert_eq!(resp.status(), 400);
        let v: Value = resp.json().await.unwrap();
        assert!(v["error"]["message"].as_str().unwrap().contains(field), "{v}");
    }
    let (_, list) = app.get_json(&admin, "/api/v1/vendors").await;
    assert_eq!(list["vendors"].as_array().unwrap().len(), 1);
    let id = list["vendors"][0]["id"].as_str().unwrap().to_owned();

    let resp = app
        .client_request(&admin, reqwest::Method::PATCH, &format!("/api/v1/vendors/{id}"), json!({"status": "gone"}))
        .await;
    assert_eq!(resp.status(), 400);
    let (_, after) = app.get_json(&admin, "/api/v1/vendors").await;
    assert_eq!(after, list, "a refused change leaves the record as it was");
    let missing = uuid::Uuid::new_v4();
    let resp = app
        .client_request(
            &admin,
            reqwest::Method::PATCH,
            &format!("/api/v1/vendors/{missing}"),
            json!({"status": "pending"}),
        )
        .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn each_configured_channel_shows_whether_its_vendor_has_a_current_baa() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.providers =
            vec![("email".into(), Some("Example Mail LLC".into())), ("sms".into(), Some("Cheap SMS Co".into()))];
    })
    .await;
    let admin = app.signed_in_staff(&app.create_staff(StaffRole::Admin, vec![]).await).await;
    let (_, list) = app.get_json(&admin, "/api/v1/vendors").await;
    assert_eq!(list["providers"][0]["standing"], "unknown");
    assert_eq!(list["needs_attention"], 2);

    let body =
        json!({"name": "Example Mail LLC", "service": "e-mail", "baa_signed_on": "2026-01-01", "status": "active"});
    assert_eq!(app.post_json(&admin, "/api/v1/vendors", body).await.status(), 201);
    let (_, list) = app.get_json(&admin, "/api/v1/vendors").await;
    assert_eq!(
        list["providers"],
        json!([
            {"channel": "email", "vendor": "Example Mail LLC", "standing": "current", "has_current_baa": true},
            {"channel": "sms", "vendor": "Cheap SMS Co", "standing": "unknown", "has_current_baa": false}
        ])
    );
    assert_eq!(list["needs_attention"], 1, "the SMS provider has no BAA on record");
}

#[tokio::test]
async fn admins_are_alerted_to_ending_agreements_and_dead_letters() {
    let sms = crate::sinks::sms_sink().await;
    sms.status.store(400, std::sync::atomic::Ordering::SeqCst);
    let settings = portico_app::notify::SmsSettings {
        base_url: format!("http://{}", sms.addr),
        account_sid: "AC1".into(),
        auth_token: "t".into(),
        from: "+15550009999".into(),
    };
    let app = spawn_app().await;
    let admin_user = app.create_staff(StaffRole::Admin, vec![]).await;
    let admin = app.signed_in_staff(&admin_user).await;
    let (status, none) = app.get_json(&admin, "/api/v1/admin/alerts").await;
    assert_eq!((status, none["alerts"].as_array().unwrap().len()), (200, 0));

    // The fake clock starts on 2026-11-24.
    let ending = json!({"name": "Example SMS Inc.", "service": "SMS delivery", "baa_signed_on": "2026-01-01",
                        "baa_expires_on": "2026-12-04", "status": "active"});
    assert_eq!(app.post_json(&admin, "/api/v1/vendors", ending).await.status(), 201);
    // The invitation text of a new patient (phone +15550001111) is refused by the provider:
    // dead-lettered at once. The fake clock reads 09:00 UTC, outside quiet hours.
    app.invite_patient("Dead Letter", "1950-02-02", None).await;
    let delivery = portico_app::notify::Delivery::new(None, Some(settings)).unwrap();
    app.app.deliver_due(&delivery, 10).await.unwrap();

    let (_, alerts) = app.get_json(&admin, "/api/v1/admin/alerts").await;
    let messages: Vec<&str> =
        alerts["alerts"].as_array().unwrap().iter().map(|a| a["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("Example SMS Inc. ends in 10 days (2026-12-04)")), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("1 sms notification failed for good")), "{messages:?}");
    assert!(!alerts.to_string().contains("5550001111"), "no address in an alert");
    let officer = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let (status, _) = app.get_json(&app.signed_in_staff(&officer).await, "/api/v1/admin/alerts").await;
    assert_eq!(status, 403);
}

//! Testimonials and the register of HIPAA authorizations over HTTP: de-identified with the PHI
//! scanner, publishable only under an authorization in force, withdrawn when it is revoked.

use portico_domain::StaffRole;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_testimonial_is_de_identified_and_publishable_only_under_an_authorization_in_force() {
    let app = spawn_app().await;
    let patient = app.invite_patient("Rosalind Quattlebaum", "1971-03-14", None).await.patient_id;
    let officer = app.create_staff(StaffRole::PrivacyOfficer, vec![]).await;
    let po = app.signed_in_staff(&officer).await;
    let text =
        "Dr. Emily Okafor helped me so much with my diabetes and the metformin side effects. Rosalind Quattlebaum";
    let r = app.post_json(&po, "/api/v1/testimonials", json!({"patient_id": patient.to_string(), "text": text})).await;
    assert_eq!(r.status().as_u16(), 201);
    let created: Value = r.json().await.unwrap();
    let deid = created["deidentified"].as_str().unwrap();
    for word in ["Okafor", "Emily", "diabetes", "metformin", "Quattlebaum", "Rosalind"] {
        assert!(!deid.contains(word), "{word} left in {deid}");
    }
    assert!(deid.contains("E. O.") && deid.contains("R. Q."), "names become initials: {deid}");
    let id = created["id"].as_str().unwrap();

    // No authorization on file: refused.
    let refused = app.post_json(&po, &format!("/api/v1/testimonials/{id}/publishable"), json!({})).await;
    assert_eq!(refused.status().as_u16(), 409);
    assert_eq!(crate::helpers::error_code(refused).await, "authorization_required");
    // An expired one does not count; a malformed one is refused by field.
    let path = format!("/api/v1/patients/{patient}/authorizations");
    let expired = json!({"scope": "testimonial on website", "signed_on": "2020-01-01", "expires_on": "2021-01-01"});
    assert_eq!(app.post_json(&po, &path, expired).await.status().as_u16(), 201);
    let bad = json!({"scope": "x", "signed_on": "2026-01-01", "expires_on": "2025-01-01"});
    assert_eq!(app.post_json(&po, &path, bad).await.status().as_u16(), 400);
    assert_eq!(
        app.post_json(&po, &format!("/api/v1/testimonials/{id}/publishable"), json!({})).await.status().as_u16(),
        409
    );

    let current = json!({"scope": "testimonial, initials only, website and page", "signed_on": "2026-01-01",
                         "expires_on": "2030-01-01", "document_ref": "cabinet 3, folder 12"});
    let aid =
        app.post_json(&po, &path, current).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let ok = app.post_json(&po, &format!("/api/v1/testimonials/{id}/publishable"), json!({})).await;
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap()["authorization_id"], aid.as_str());
    let (_, list) = app.get_json(&po, "/api/v1/testimonials").await;
    assert_eq!(list["testimonials"][0]["may_publish_today"], true);
    assert!(!list.to_string().contains("metformin"), "the original words never leave");

    // Revoking withdraws it.
    let revoked = app.post_json(&po, &format!("/api/v1/authorizations/{aid}/revoke"), json!({})).await;
    assert_eq!(revoked.json::<Value>().await.unwrap()["withdrawn"], 1);
    let (_, list) = app.get_json(&po, "/api/v1/testimonials").await;
    assert_eq!(
        (list["testimonials"][0]["status"].as_str(), list["testimonials"][0]["may_publish_today"].as_bool()),
        (Some("withdrawn"), Some(false))
    );
    let (_, auths) = app.get_json(&po, &path).await;
    assert_eq!(auths["authorizations"].as_array().unwrap().iter().filter(|a| a["in_force"] == true).count(), 0);
    let actions = app.audit_actions().await;
    for a in ["testimonial.create", "testimonial.publishable", "authorization.record", "authorization.revoke"] {
        assert!(actions.iter().any(|(x, _)| x == a), "{a} not audited");
    }
    let raw = crate::at_rest::database_contents(&app).await;
    assert!(!raw.windows(9).any(|w| w == b"metformin"), "the testimonial is sealed at rest");
}

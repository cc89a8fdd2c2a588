//! Webhooks of outside services. Each checks its sender's signature before reading anything.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::extract::Ctx;

/// Decodes an `application/x-www-form-urlencoded` body (`+` is a space, `%XX` a byte).
fn form_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    fn decode(part: &[u8]) -> Option<String> {
        let mut out = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = std::str::from_utf8(part.get(i + 1..i + 3)?).ok()?;
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    }
    body.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut kv = pair.splitn(2, |&b| b == b'=');
            Some((decode(kv.next()?)?, decode(kv.next().unwrap_or(b""))?))
        })
        .collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Inbound SMS in Twilio's webhook shape: STOP, START and HELP; any other text gets the
/// clinic's standard redirect (at most once a day per number). Answered with TwiML.
pub async fn twilio_sms(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some(token) = s.config.sms_auth_token.as_deref() else { return Err(ApiError::not_found()) };
    let forged = || ApiError::new(ErrorCode::Forbidden, "The request's signature does not match.");
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).ok_or_else(forged)?;
    let params = form_pairs(&body).ok_or_else(forged)?;
    let url = format!("{}/webhooks/twilio/sms", s.config.public_url.trim_end_matches('/'));
    if !portico_crypto::webhook::twilio_signature_ok(token, &url, &params, signature) {
        return Err(forged());
    }
    let field = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    let reply = s
        .app
        .sms_received(field("From"), field("Body"), field("MessageSid"), &ctx)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let twiml = match reply {
        Some(text) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            xml_escape(&text)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".to_owned(),
    };
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], twiml).into_response())
}

/// The query of Meta's verification request.
fn query_param(query: &str, name: &str) -> Option<String> {
    form_pairs(query.as_bytes())?.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// `GET /webhooks/meta`: Meta's subscription check. Echoes `hub.challenge` when the mode is
/// `subscribe` and the verify token matches; 403 otherwise.
pub async fn meta_verify(State(s): State<AppState>, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let social = s.app.social_settings();
    let Some(meta) = &social.meta else { return Err(ApiError::not_found()) };
    let q = query.unwrap_or_default();
    let refused = || ApiError::new(ErrorCode::Forbidden, "The verification request does not match.");
    let token = query_param(&q, "hub.verify_token").unwrap_or_default();
    let challenge = query_param(&q, "hub.challenge").filter(|c| !c.is_empty() && c.len() <= 256);
    let token_ok = portico_crypto::constant_time_eq(token.as_bytes(), meta.verify_token.as_bytes());
    match (query_param(&q, "hub.mode").as_deref(), token_ok, challenge) {
        (Some("subscribe"), true, Some(challenge)) => {
            Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], challenge).into_response())
        }
        _ => Err(refused()),
    }
}

/// `POST /webhooks/meta`: events of the page and the Instagram account. The signature is checked
/// over the raw body before anything is parsed; a missing one is 401, a wrong one 403, and
/// neither leaves any trace. Verified events are durably queued, then answered 200.
pub async fn meta_event(
    State(s): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let social = s.app.social_settings();
    let Some(meta) = &social.meta else { return Err(ApiError::not_found()) };
    let Some(signature) = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::new(ErrorCode::Unauthenticated, "The request is not signed."));
    };
    if !portico_crypto::webhook::meta_signature_ok(&meta.app_secret, &body, signature) {
        return Err(ApiError::new(ErrorCode::Forbidden, "The request's signature does not match."));
    }
    let events = portico_app::social::meta::parse_webhook(&body, &meta.page_id)
        .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.to_string()))?;
    s.app.accept_social(&events, &ctx).await.map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "EVENT_RECEIVED").into_response())
}

#[cfg(test)]
mod tests {
    use super::form_pairs;

    #[test]
    fn decodes_form_bodies_as_twilio_sends_them() {
        let pairs = form_pairs(b"From=%2B15035550123&Body=stop+please&Empty=").unwrap();
        assert_eq!(pairs[0], ("From".into(), "+15035550123".into()));
        assert_eq!(pairs[1], ("Body".into(), "stop please".into()));
        assert_eq!(pairs[2], ("Empty".into(), String::new()));
        assert!(form_pairs(b"Body=%ZZ").is_none());
        assert!(form_pairs(b"Body=%F0%28").is_none(), "not UTF-8");
    }
}

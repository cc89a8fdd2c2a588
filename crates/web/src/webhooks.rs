//! Webhooks of outside services. Each checks its sender's signature before reading anything.

use axum::body::Bytes;
use axum::extract::State;
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

/// Inbound SMS in Twilio's webhook shape: STOP, START and HELP. Answered with TwiML.
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
    let reply =
        s.app.sms_inbound(field("From"), field("Body"), &ctx).await.map_err(|e| ApiError::Internal(e.into()))?;
    let twiml = match reply {
        Some(text) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            xml_escape(&text)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".to_owned(),
    };
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], twiml).into_response())
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

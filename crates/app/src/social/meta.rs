//! Meta's side of the bridge: reading webhook payloads of the Messenger Platform (`object:
//! page`) and Instagram (`object: instagram`), and calling the Graph API (Send API, comment
//! hiding and replies).
//!
//! Parsing keeps only what the bridge acts on: messages, attachments and postbacks people send,
//! and new comments. Echoes of the page's own messages, reads, deliveries, reactions and the
//! page's own comments are dropped here and never stored.

use std::time::Duration;

use portico_domain::PhiText;
use portico_domain::social::{ActionKind, InboundEvent, InboundKind, SocialChannel, plausible_id};
use portico_store::social::ClaimedAction;
use serde_json::Value;

/// `[social.meta]`: the app and page Portico answers for.
#[derive(Clone)]
pub struct MetaSettings {
    /// The app secret: the key of `X-Hub-Signature-256`.
    pub app_secret: String,
    /// The token Meta echoes when it verifies the webhook.
    pub verify_token: String,
    /// The Facebook page's id.
    pub page_id: String,
    /// The page access token for the Graph API.
    pub page_access_token: String,
    /// `https://graph.facebook.com` (a local stand-in in tests).
    pub graph_base_url: String,
    /// `v21.0`.
    pub graph_version: String,
}

impl std::fmt::Debug for MetaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaSettings")
            .field("page_id", &self.page_id)
            .field("graph_base_url", &self.graph_base_url)
            .field("graph_version", &self.graph_version)
            .finish_non_exhaustive()
    }
}

/// The body is not JSON in Meta's webhook shape.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the payload is not a webhook notification: {0}")]
pub struct Malformed(&'static str);

/// The events of a (signature-checked) webhook body that the bridge acts on.
pub fn parse_webhook(body: &[u8], page_id: &str) -> Result<Vec<InboundEvent>, Malformed> {
    let v: Value = serde_json::from_slice(body).map_err(|_| Malformed("not JSON"))?;
    let object = v.get("object").and_then(Value::as_str).ok_or(Malformed("no object"))?;
    let entries = v.get("entry").and_then(Value::as_array).ok_or(Malformed("no entry list"))?;
    let instagram = match object {
        "page" => false,
        "instagram" => true,
        _ => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let own = entry.get("id").and_then(Value::as_str).unwrap_or(page_id);
        let is_own = |id: &str| id == own || id == page_id;
        for m in entry.get("messaging").and_then(Value::as_array).into_iter().flatten() {
            out.extend(direct_message(m, instagram).filter(|e| !is_own(&e.sender)));
        }
        for c in entry.get("changes").and_then(Value::as_array).into_iter().flatten() {
            out.extend(comment(c, instagram).filter(|e| !is_own(&e.sender)));
        }
    }
    Ok(out)
}

fn text_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(v, |v, k| v.get(*k))?.as_str()
}

/// A `messaging` item: a message (text or attachments) or a postback; anything else is `None`.
fn direct_message(m: &Value, instagram: bool) -> Option<InboundEvent> {
    let channel = if instagram { SocialChannel::Instagram } else { SocialChannel::Messenger };
    let sender = text_at(m, &["sender", "id"]).filter(|s| plausible_id(s))?.to_owned();
    let (external_id, kind, text) = if let Some(msg) = m.get("message") {
        let flag = |k: &str| msg.get(k).and_then(Value::as_bool).unwrap_or(false);
        if flag("is_echo") || flag("is_deleted") || flag("is_unsupported") {
            return None;
        }
        let mid = msg.get("mid").and_then(Value::as_str)?;
        match msg.get("text").and_then(Value::as_str) {
            Some(t) => (mid, InboundKind::Text, t),
            None if msg.get("attachments").is_some() || msg.get("sticker_id").is_some() => {
                (mid, InboundKind::Attachment, "")
            }
            None => return None,
        }
    } else if let Some(pb) = m.get("postback") {
        // Older postbacks carry no mid: the sender and the time make them unique.
        let id = match pb.get("mid").and_then(Value::as_str) {
            Some(mid) => mid.to_owned(),
            None => format!("pb.{sender}.{}", m.get("timestamp").and_then(Value::as_i64)?),
        };
        let title = pb.get("title").and_then(Value::as_str).unwrap_or("");
        return plausible_id(&id).then(|| InboundEvent {
            channel,
            external_id: id,
            sender,
            kind: InboundKind::Postback,
            text: PhiText::new(title),
        });
    } else {
        return None;
    };
    plausible_id(external_id).then(|| InboundEvent {
        channel,
        external_id: external_id.to_owned(),
        sender,
        kind,
        text: PhiText::new(text),
    })
}

/// A `changes` item: a new Facebook page comment (`feed`, `item: comment`, `verb: add`) or a new
/// Instagram comment (`comments`); anything else is `None`.
fn comment(c: &Value, instagram: bool) -> Option<InboundEvent> {
    let field = c.get("field").and_then(Value::as_str)?;
    let v = c.get("value")?;
    let (channel, id, text) = match (instagram, field) {
        (false, "feed") => {
            if text_at(v, &["item"]) != Some("comment") || text_at(v, &["verb"]) != Some("add") {
                return None;
            }
            (SocialChannel::FacebookComment, text_at(v, &["comment_id"])?, text_at(v, &["message"]).unwrap_or(""))
        }
        (true, "comments" | "live_comments") => {
            (SocialChannel::InstagramComment, text_at(v, &["id"])?, text_at(v, &["text"]).unwrap_or(""))
        }
        _ => return None,
    };
    let sender = text_at(v, &["from", "id"]).filter(|s| plausible_id(s))?;
    plausible_id(id).then(|| InboundEvent {
        channel,
        external_id: id.to_owned(),
        sender: sender.to_owned(),
        kind: if text.is_empty() { InboundKind::Attachment } else { InboundKind::Text },
        text: PhiText::new(text),
    })
}

/// Why a Graph API call failed.
pub(crate) enum CallError {
    /// Worth another attempt (network, 5xx, 429, Meta's transient codes).
    Transient(String),
    /// Will never work (a refused token, a deleted comment, a person who cannot be reached).
    Permanent(String),
}

/// The Graph API client.
#[derive(Clone)]
pub struct Graph {
    client: reqwest::Client,
    settings: MetaSettings,
}

impl Graph {
    /// A client for `settings`; a base URL that is not http(s) is an error naming the field.
    pub fn new(settings: MetaSettings) -> anyhow::Result<Self> {
        if !(settings.graph_base_url.starts_with("https://") || settings.graph_base_url.starts_with("http://")) {
            anyhow::bail!("social.meta.graph_base_url must start with https:// (or http:// for a local stand-in)");
        }
        let client = reqwest::Client::builder().timeout(Duration::from_secs(15)).build()?;
        Ok(Self { client, settings })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}/{path}", self.settings.graph_base_url.trim_end_matches('/'), self.settings.graph_version)
    }

    /// Makes the call `a` stands for; `text` is the standard message it carries.
    pub(crate) async fn call(&self, a: &ClaimedAction, text: &str) -> Result<(), CallError> {
        let token = self.settings.page_access_token.as_str();
        let target = a.target.expose();
        let ig = a.channel == SocialChannel::InstagramComment;
        let request = match a.kind {
            // The Send API, as documented: the token in the query, the message as JSON.
            ActionKind::SendMessage => {
                self.client.post(self.url("me/messages")).query(&[("access_token", token)]).json(&serde_json::json!({
                    "recipient": {"id": target},
                    "messaging_type": "RESPONSE",
                    "message": {"text": text},
                }))
            }
            ActionKind::HideComment | ActionKind::UnhideComment => {
                let hidden = if a.kind == ActionKind::HideComment { "true" } else { "false" };
                let field = if ig { "hide" } else { "is_hidden" };
                self.client
                    .post(self.url(target))
                    .query(&[(field, hidden)])
                    .form(&[(field, hidden), ("access_token", token)])
            }
            ActionKind::ReplyComment => {
                let edge = if ig { "replies" } else { "comments" };
                self.client
                    .post(self.url(&format!("{target}/{edge}")))
                    .form(&[("message", text), ("access_token", token)])
            }
        };
        let resp =
            request.send().await.map_err(|_| CallError::Transient("the Graph API could not be reached".into()))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        // Meta marks retryable errors with `is_transient`; 429 and 5xx are retried as well.
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let code = body.pointer("/error/code").and_then(Value::as_i64).unwrap_or(0);
        let transient = body.pointer("/error/is_transient").and_then(Value::as_bool).unwrap_or(false);
        let why = format!("the Graph API answered {status} (error code {code})");
        if transient || status.as_u16() == 429 || status.is_server_error() || matches!(code, 1 | 2 | 4 | 17 | 32 | 613)
        {
            Err(CallError::Transient(why))
        } else {
            Err(CallError::Permanent(why))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Vec<InboundEvent> {
        parse_webhook(v.to_string().as_bytes(), "PAGE1").unwrap()
    }

    #[test]
    fn reads_messages_attachments_and_postbacks_and_drops_echoes_reads_and_own_comments() {
        let events = parse(serde_json::json!({
            "object": "page",
            "entry": [{"id": "PAGE1", "time": 1458692752478u64, "messaging": [
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE1"}, "timestamp": 1, "message": {"mid": "m_1", "text": "hello"}},
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE1"}, "timestamp": 2, "message": {"mid": "m_2", "attachments": [{"type": "image", "payload": {"url": "https://x"}}]}},
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE1"}, "timestamp": 3, "postback": {"title": "Get Started", "payload": "START"}},
                {"sender": {"id": "PAGE1"}, "recipient": {"id": "PSID1"}, "timestamp": 4, "message": {"mid": "m_3", "is_echo": true, "text": "our reply"}},
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE1"}, "timestamp": 5, "read": {"watermark": 5}},
                {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE1"}, "timestamp": 6, "delivery": {"mids": ["m_3"], "watermark": 6}}
            ], "changes": [
                {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "10_20", "post_id": "10_1", "from": {"id": "U9", "name": "A Person"}, "message": "nice"}},
                {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "10_21", "from": {"id": "PAGE1"}, "message": "our own reply"}},
                {"field": "feed", "value": {"item": "reaction", "verb": "add", "from": {"id": "U9"}}},
                {"field": "feed", "value": {"item": "comment", "verb": "edited", "comment_id": "10_20", "from": {"id": "U9"}, "message": "nicer"}}
            ]}]
        }));
        let kinds: Vec<(SocialChannel, &str, InboundKind)> =
            events.iter().map(|e| (e.channel, e.external_id.as_str(), e.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (SocialChannel::Messenger, "m_1", InboundKind::Text),
                (SocialChannel::Messenger, "m_2", InboundKind::Attachment),
                (SocialChannel::Messenger, "pb.PSID1.3", InboundKind::Postback),
                (SocialChannel::FacebookComment, "10_20", InboundKind::Text),
            ]
        );
        assert_eq!(events[3].sender, "U9");
    }

    #[test]
    fn reads_instagram_messages_and_comments() {
        let events = parse(serde_json::json!({
            "object": "instagram",
            "entry": [{"id": "IG1", "time": 1, "messaging": [
                {"sender": {"id": "IGSID7"}, "recipient": {"id": "IG1"}, "timestamp": 1, "message": {"mid": "aWdf", "text": "hi"}}
            ], "changes": [
                {"field": "comments", "value": {"from": {"id": "IGU2", "username": "someone"}, "media": {"id": "M1"}, "id": "1790", "text": "love it"}},
                {"field": "comments", "value": {"from": {"id": "IG1"}, "id": "1791", "text": "thanks!"}}
            ]}]
        }));
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].channel, events[0].sender.as_str()), (SocialChannel::Instagram, "IGSID7"));
        assert_eq!((events[1].channel, events[1].external_id.as_str()), (SocialChannel::InstagramComment, "1790"));
    }

    #[test]
    fn malformed_bodies_are_refused_and_other_objects_ignored() {
        assert!(parse_webhook(b"not json", "P").is_err());
        assert!(parse_webhook(br#"{"object":"page"}"#, "P").is_err());
        assert_eq!(parse_webhook(br#"{"object":"user","entry":[]}"#, "P"), Ok(Vec::new()));
        // Ids that are not ids are dropped, never stored.
        let weird = br#"{"object":"page","entry":[{"id":"P","messaging":[{"sender":{"id":"a\u001fb"},"message":{"mid":"m","text":"x"}}]}]}"#;
        assert_eq!(parse_webhook(weird, "P"), Ok(Vec::new()));
    }
}

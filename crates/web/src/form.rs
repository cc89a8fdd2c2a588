//! Request bodies that may be JSON, a plain HTML form, or `multipart/form-data` (when files are
//! attached). All become the same [`Form`]: named text fields and uploaded files.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use portico_app::messaging::Upload;

use crate::error::{ApiError, ErrorCode};

/// Text fields and files of a request body.
#[derive(Default)]
pub struct Form {
    fields: HashMap<String, String>,
    /// Files from `file` parts, in order.
    pub files: Vec<Upload>,
}

fn invalid(message: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}

impl Form {
    /// A required text field.
    pub fn text(&self, name: &'static str) -> Result<String, ApiError> {
        self.fields.get(name).cloned().ok_or_else(|| invalid(&format!("The field '{name}' is required.")))
    }
    /// An optional text field.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned().filter(|s| !s.is_empty())
    }
    /// An optional boolean field (`true`/`false`).
    pub fn flag(&self, name: &'static str) -> Result<bool, ApiError> {
        match self.fields.get(name).map(String::as_str) {
            None | Some("false") | Some("") => Ok(false),
            Some("true") | Some("on") => Ok(true),
            Some(_) => Err(invalid(&format!("The field '{name}' must be true or false."))),
        }
    }
    /// Whether a checkbox named `name` was ticked (`true` or `on`).
    pub fn flag_named(&self, name: &str) -> bool {
        matches!(self.fields.get(name).map(String::as_str), Some("true" | "on"))
    }
    /// An optional field parsed as `T` (ids).
    pub fn parsed<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, ApiError> {
        self.opt(name).map(|s| s.parse().map_err(|_| invalid(&format!("The field '{name}' is not valid.")))).transpose()
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        if content_type.starts_with("multipart/form-data") {
            let multipart = Multipart::from_request(req, state)
                .await
                .map_err(|e| too_large_or(e.status(), "The upload could not be read."))?;
            return read_multipart(multipart).await;
        }
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let axum::extract::Form(pairs) = axum::extract::Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(|e| too_large_or(e.status(), "The form could not be read."))?;
            return Ok(Form { fields: pairs.into_iter().collect(), files: Vec::new() });
        }
        let crate::extract::Json(map) =
            crate::extract::Json::<serde_json::Map<String, serde_json::Value>>::from_request(req, state).await?;
        let mut form = Form::default();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Null => continue,
                _ => return Err(invalid(&format!("The field '{k}' has the wrong type."))),
            };
            form.fields.insert(k, text);
        }
        Ok(form)
    }
}

fn too_large_or(status: axum::http::StatusCode, message: &str) -> ApiError {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorCode::PayloadTooLarge, "The upload is larger than the limit.")
    } else {
        invalid(message)
    }
}

async fn read_multipart(mut multipart: Multipart) -> Result<Form, ApiError> {
    let mut form = Form::default();
    while let Some(field) =
        multipart.next_field().await.map_err(|e| too_large_or(e.status(), "The upload could not be read."))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| too_large_or(e.status(), "A file could not be read."))?;
            // A page's file input left empty still sends a part, with no name and no bytes.
            if filename.is_empty() && bytes.is_empty() {
                continue;
            }
            let filename = if filename.is_empty() { "attachment".to_owned() } else { filename };
            form.files.push(Upload { filename, bytes: bytes.to_vec() });
        } else {
            let text = field.text().await.map_err(|e| too_large_or(e.status(), "A field could not be read."))?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

//! HTML pages (askama, auto-escaping). For now the front door; the portal, inbox and admin
//! pages come with their own issue.

use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::error::ApiError;

#[derive(Template)]
#[template(path = "index.html")]
struct Index;

/// `/`: what this is, and where to go.
pub(crate) async fn index() -> Result<Html<String>, ApiError> {
    Ok(Html(Index.render()?))
}

/// The one stylesheet, served from the binary (no CDN, no build step).
pub(crate) async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/portico.css"),
    )
        .into_response()
}

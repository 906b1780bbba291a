//! Static files and the privacy policy page.
//!
//! `/kuki/*` is the bundle other sites embed with one script tag, so every response under it carries
//! `Access-Control-Allow-Origin: *` (the loader imports the module and fetches the wasm cross-origin).

use axum::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse};
use kuki_core::Lang;
use serde::Deserialize;
use std::path::Path;
use tower::Layer;
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// `/` and everything not routed elsewhere: `KUKI_SITE_DIR`, with `index.html` for directories.
pub fn site(dir: &Path) -> ServeDir {
    ServeDir::new(dir).append_index_html_on_directories(true)
}

/// `/kuki/*`: `KUKI_SITE_DIR/kuki`, readable from any origin.
pub fn bundle(dir: &Path) -> SetResponseHeader<ServeDir, HeaderValue> {
    SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"))
        .layer(ServeDir::new(dir.join("kuki")))
}

#[derive(Deserialize)]
pub struct PrivacyQuery {
    lang: Option<String>,
}

/// `GET /privacy[?lang=en]`: the whole policy as a standalone page; without `lang`, the browser's language.
pub async fn privacy(Query(q): Query<PrivacyQuery>, headers: HeaderMap) -> impl IntoResponse {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let preferred = accept.split(',').map(|part| part.split(';').next().unwrap_or("").trim());
    let lang = Lang::negotiate(q.lang.as_deref(), preferred, Lang::Ko);
    ([(header::CACHE_CONTROL, "public, max-age=300")], Html(kuki_core::policy::render_page(lang)))
}

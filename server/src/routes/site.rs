//! Static files and the privacy policy page.
//!
//! `/kuki/*` is the bundle other sites embed with one script tag, so every response under it carries
//! `Access-Control-Allow-Origin: *` (the loader imports the module and fetches the wasm cross-origin).

use axum::extract::RawQuery;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::{Html, IntoResponse};
use kuki_core::Lang;
use std::path::Path;
use tower::Layer;
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// `/` and everything not routed elsewhere: `KUKI_SITE_DIR`, with `index.html` for directories.
pub fn site(dir: &Path) -> ServeDir {
    ServeDir::new(dir).append_index_html_on_directories(true)
}

/// `/kuki/*`: `KUKI_SITE_DIR/kuki`, readable from any origin: CORS for the module import and the wasm fetch, and
/// `Cross-Origin-Resource-Policy` for host pages that isolate themselves (`Cross-Origin-Embedder-Policy`).
pub fn bundle(dir: &Path) -> SetResponseHeader<SetResponseHeader<ServeDir, HeaderValue>, HeaderValue> {
    let cors = SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    let corp = SetResponseHeaderLayer::overriding(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    cors.layer(corp.layer(ServeDir::new(dir.join("kuki"))))
}

/// `GET /privacy[?lang=en]`: the whole policy as a standalone page; without `lang`, the browser's language (so
/// caches keep one copy per `Accept-Language`).
/// A query it cannot read is ignored rather than refused: a link with odd parameters still shows the policy.
pub async fn privacy(RawQuery(query): RawQuery, headers: HeaderMap) -> impl IntoResponse {
    let explicit = query.as_deref().and_then(|q| {
        q.split('&').find_map(|pair| pair.strip_prefix("lang=")).map(|v| v.split('#').next().unwrap_or(""))
    });
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let preferred = accept.split(',').map(|part| part.split(';').next().unwrap_or("").trim());
    // The page is the built-in policy: Korean or English, Korean first.
    let (lang, _) = Lang::negotiate(explicit, preferred, &Lang::ALL, Some(Lang::Ko));
    ([(header::CACHE_CONTROL, "public, max-age=300"), (header::VARY, "Accept-Language")], Html(page(lang)))
}

/// The page never changes while the server runs: rendered once per language, then served as it is.
fn page(lang: Lang) -> &'static str {
    static KO: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static EN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let cell = match lang {
        Lang::Ko => &KO,
        _ => &EN,
    };
    cell.get_or_init(|| kuki_core::policy::render_page(lang))
}

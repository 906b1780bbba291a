//! Static files and the privacy policy page.
//!
//! `/kuki/*` is the bundle other sites embed with one script tag, so every response under it carries
//! `Access-Control-Allow-Origin: *` (the loader imports the module and fetches the wasm cross-origin).

use axum::body::Body;
use axum::extract::{RawQuery, Request};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use kuki_core::Lang;
use std::convert::Infallible;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::{Layer, Service};
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// The demo site's pages: everything from the server itself, plus the wasm module (`'wasm-unsafe-eval'`), the data:
/// favicon, and nothing inline. kuki's own styles are a constructed stylesheet, which `style-src` does not govern.
pub const SITE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'self'";
/// Powerful features no page here uses, turned off for the page and anything it embeds.
pub const PERMISSIONS_POLICY: &str =
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

/// Adds the HTML-page headers to an HTML response: its `Content-Security-Policy` unless the handler set one (the
/// privacy page has its own), `Permissions-Policy` and `Cross-Origin-Opener-Policy`.
pub fn html_headers(mut res: Response) -> Response {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().get(..9).is_some_and(|p| p.eq_ignore_ascii_case(b"text/html")));
    if is_html {
        let h = res.headers_mut();
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SITE_CSP));
        }
        h.insert(HeaderName::from_static("permissions-policy"), HeaderValue::from_static(PERMISSIONS_POLICY));
        h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    }
    res
}

/// A folder of static files: [`ServeDir`], with the HTML-page headers on pages, and 404 (not 500) for every name
/// the filesystem refuses: too long (`ENAMETOOLONG`), through a file (`ENOTDIR`), a symlink loop, a NUL byte.
#[derive(Clone)]
pub struct Files(ServeDir);

type FilesFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl Service<Request> for Files {
    type Response = Response;
    type Error = Infallible;
    type Future = FilesFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> FilesFuture {
        let answer = self.0.try_call(req);
        Box::pin(async move {
            Ok(match answer.await {
                Ok(res) => html_headers(res.map(Body::new)),
                Err(e) if is_refused_name(&e) => StatusCode::NOT_FOUND.into_response(),
                Err(e) => {
                    tracing::error!(error = %e, "a static file could not be read");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            })
        })
    }
}

/// Errors that mean "there is no file by that name".
fn is_refused_name(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    if matches!(e.kind(), NotFound | PermissionDenied | InvalidInput) {
        return true;
    }
    #[cfg(unix)]
    if let Some(code) = e.raw_os_error() {
        return [libc::ENAMETOOLONG, libc::ENOTDIR, libc::ELOOP].contains(&code);
    }
    false
}

/// A folder served as a CDN would: a `NAME.br` or `NAME.gz` beside a file (made by `scripts/assemble-dist.sh`) is
/// sent instead when the request's `Accept-Encoding` allows it, with `Content-Encoding` and `Vary`.
fn serve_dir(dir: &Path) -> ServeDir {
    ServeDir::new(dir).precompressed_br().precompressed_gzip()
}

/// `/` and everything not routed elsewhere: `KUKI_SITE_DIR`, with `index.html` for directories.
pub fn site(dir: &Path) -> Files {
    Files(serve_dir(dir).append_index_html_on_directories(true))
}

/// `/kuki/*`: `KUKI_SITE_DIR/kuki`, readable from any origin: CORS for the module import and the wasm fetch,
/// `Cross-Origin-Resource-Policy` for host pages that isolate themselves (`Cross-Origin-Embedder-Policy`),
/// `Timing-Allow-Origin` so a site can measure what kuki costs it, and the caching of [`Cached`].
pub fn bundle(
    dir: &Path,
) -> SetResponseHeader<SetResponseHeader<SetResponseHeader<Cached, HeaderValue>, HeaderValue>, HeaderValue> {
    let cors = SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    let corp = SetResponseHeaderLayer::overriding(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    let timing = SetResponseHeaderLayer::overriding(
        HeaderName::from_static("timing-allow-origin"),
        HeaderValue::from_static("*"),
    );
    cors.layer(corp.layer(timing.layer(Cached(Files(serve_dir(&dir.join("kuki")))))))
}

/// The bundle's caching, as a CDN serves it:
/// - a file in a content-hashed folder (`/kuki/b-<16 hex>/…`, made by `scripts/assemble-dist.sh`) never changes
///   under its name: `Cache-Control: public, max-age=31536000, immutable`;
/// - anything else (the loader `/kuki/kuki.js`, the unhashed `/kuki/pkg/`) may change with a deploy: five minutes,
///   then revalidated;
/// - every 200 carries an `ETag` (the served variant's length and modification time, and its encoding, as nginx
///   makes them), and a request whose `If-None-Match` names it gets `304 Not Modified` with no body.
#[derive(Clone)]
pub struct Cached(Files);

/// The first path segment of a content-hashed folder: `b-` and 16 lowercase hex digits.
pub fn is_hashed_folder(segment: &str) -> bool {
    segment.len() == 18
        && segment.starts_with("b-")
        && segment[2..].bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const SHORT: HeaderValue = HeaderValue::from_static("public, max-age=300");

impl Service<Request> for Cached {
    type Response = Response;
    type Error = Infallible;
    type Future = FilesFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> FilesFuture {
        let hashed = req.uri().path().trim_start_matches('/').split('/').next().is_some_and(is_hashed_folder);
        let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
        let answer = self.0.call(req);
        Box::pin(async move {
            let mut res = answer.await?;
            let status = res.status();
            if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
                return Ok(res);
            }
            res.headers_mut().insert(header::CACHE_CONTROL, if hashed { IMMUTABLE } else { SHORT });
            if status != StatusCode::OK {
                return Ok(res);
            }
            let Some(tag) = etag(res.headers()) else { return Ok(res) };
            if if_none_match.as_ref().is_some_and(|inm| matches_etag(inm, &tag)) {
                let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
                let h = not_modified.headers_mut();
                for name in [header::CACHE_CONTROL, header::VARY, header::LAST_MODIFIED, header::CONTENT_ENCODING] {
                    if let Some(v) = res.headers().get(&name) {
                        h.insert(name, v.clone());
                    }
                }
                h.insert(header::ETAG, tag);
                return Ok(not_modified);
            }
            res.headers_mut().insert(header::ETAG, tag);
            Ok(res)
        })
    }
}

/// A strong validator for the variant in `headers`: its length, its modification time and its encoding (the
/// brotli, gzip and plain copies of one file are different bytes, so they get different tags).
fn etag(headers: &HeaderMap) -> Option<HeaderValue> {
    use sha2::{Digest, Sha256};
    let len = headers.get(header::CONTENT_LENGTH)?.to_str().ok()?;
    let modified = headers.get(header::LAST_MODIFIED)?.as_bytes();
    let encoding = headers.get(header::CONTENT_ENCODING).map_or(&b"identity"[..], HeaderValue::as_bytes);
    let digest = Sha256::new().chain_update(modified).chain_update(b"/").chain_update(encoding).finalize();
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{len}-{short}\"")).ok()
}

/// Does an `If-None-Match` header name `tag` (or `*`)? Weak tags compare by their opaque part (RFC 9110 13.1.2:
/// `If-None-Match` uses the weak comparison).
fn matches_etag(if_none_match: &HeaderValue, tag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else { return false };
    let tag = tag.to_str().unwrap_or("");
    list.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == tag)
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
    let page = page(lang);
    let headers = [
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
        (header::VARY, HeaderValue::from_static("Accept-Language")),
        (header::CONTENT_SECURITY_POLICY, page.csp.clone()),
    ];
    html_headers((headers, Html(page.html.as_str())).into_response())
}

/// The privacy page in one language, with the policy that lets exactly its one inline `<style>` apply (by hash)
/// and nothing else: no script, no other style, no frame, no form.
struct Page {
    html: String,
    csp: HeaderValue,
}

/// The page never changes while the server runs: rendered once per language, then served as it is.
fn page(lang: Lang) -> &'static Page {
    static KO: std::sync::OnceLock<Page> = std::sync::OnceLock::new();
    static EN: std::sync::OnceLock<Page> = std::sync::OnceLock::new();
    let cell = match lang {
        Lang::Ko => &KO,
        _ => &EN,
    };
    cell.get_or_init(|| {
        let html = kuki_core::policy::render_page(lang);
        let csp = format!(
            "default-src 'none'; style-src {}; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'self'",
            style_hashes(&html)
        );
        Page { html, csp: HeaderValue::from_str(&csp).expect("a CSP is ASCII") }
    })
}

/// `'sha256-…'` for every inline `<style>` in `html` (`'none'` when there is none).
fn style_hashes(html: &str) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<style>") {
        let body = &rest[open + "<style>".len()..];
        let Some(close) = body.find("</style>") else { break };
        let digest = Sha256::digest(&body.as_bytes()[..close]);
        out.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        rest = &body[close..];
    }
    if out.is_empty() {
        "'none'".to_owned()
    } else {
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_folders_and_etags() {
        assert!(is_hashed_folder("b-0123456789abcdef"));
        assert!(!is_hashed_folder("pkg"));
        assert!(!is_hashed_folder("b-0123456789ABCDEF"));
        assert!(!is_hashed_folder("b-0123456789abcde"));
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("42"));
        h.insert(header::LAST_MODIFIED, HeaderValue::from_static("Mon, 30 Nov 2026 18:00:00 GMT"));
        let plain = etag(&h).unwrap();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        let br = etag(&h).unwrap();
        assert_ne!(plain, br, "each encoding is its own variant");
        assert!(plain.to_str().unwrap().starts_with("\"42-"));
        assert!(matches_etag(&br, &br));
        assert!(matches_etag(&HeaderValue::from_str(&format!("\"x\", W/{}", br.to_str().unwrap())).unwrap(), &br));
        assert!(matches_etag(&HeaderValue::from_static("*"), &br));
        assert!(!matches_etag(&plain, &br));
    }

    #[test]
    fn each_inline_style_is_allowed_by_its_hash() {
        // echo -n 'p{}' | openssl dgst -sha256 -binary | base64
        assert_eq!(style_hashes("<style>p{}</style>"), "'sha256-gG2yISYereRMiG2lMXrbiUgi0Ubw9p7QCeWcroOvy9Y='");
        assert_eq!(style_hashes("<p>no style</p>"), "'none'");
        assert_eq!(style_hashes("<style>a</style><style>b</style>").matches("sha256-").count(), 2);
    }

    #[test]
    fn the_privacy_page_runs_no_script_and_its_style_is_the_hashed_one() {
        let page = page(Lang::En);
        assert!(!page.html.contains("<script"));
        assert!(!page.html.contains(" style="), "a style attribute would need 'unsafe-inline'");
        assert!(page.csp.to_str().unwrap().contains("style-src 'sha256-"));
    }
}

//! Every route, declared in one place, and the layers around them.
//!
//! - [`site`]: the static site (`/`), the embeddable bundle (`/kuki/*`, open to every origin) and `/privacy`.
//! - [`health`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`consents`]: `/api/v1/consents` and `/api/v1/consents/{id}`.
//! - [`admin`]: `/api/v1/stats` (bearer token).
//! - [`meta`]: `/api/v1/receipt-key`, `/api/v1/checkpoint`, `/api/v1/openapi.json`.

pub mod admin;
pub mod consents;
pub mod health;
pub mod meta;
pub mod site;

use crate::error::AppError;
use crate::request::ClientIp;
use crate::startup::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/consents", post(consents::consents_create))
        .route("/consents/{id}", get(consents::consents_read).delete(consents::consents_erase))
        .route("/stats", get(admin::stats_read))
        .route("/receipt-key", get(meta::receipt_key_read))
        .route("/checkpoint", get(meta::checkpoint_read))
        .route("/openapi.json", get(meta::openapi_read))
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed });
    // With the limit off (load tests), the layer is left out rather than asked on every request.
    let api = if state.config.rate_limit > 0 {
        api.layer(middleware::from_fn_with_state(state.clone(), rate_limit))
    } else {
        api
    };
    // The API's own headers (no-store, its CSP) are set by `edge`, which sees every response anyway.
    let api = api.layer(cors(&state));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/privacy", get(site::privacy))
        .nest_service("/kuki", site::bundle(&state.config.site_dir))
        .fallback_service(site::site(&state.config.site_dir))
        .layer(middleware::from_fn_with_state(state.clone(), edge))
        .with_state(state)
}

/// What every response goes through, in one layer (each layer is a future and a clone per request):
/// - a request still running after `KUKI_REQUEST_TIMEOUT_SECS` is dropped and answered 408 in the API's error
///   shape (a slow database is a 503 from the store long before this);
/// - responses are counted by status class for `/metrics`;
/// - the security headers every response carries, unless the handler set its own; API answers are never cached
///   and, being data, may load nothing and be framed nowhere.
async fn edge(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut res = match tokio::time::timeout(state.config.request_timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => AppError::Timeout.into_response(),
    };
    state.metrics.count_response(res.status().as_u16());
    let h = res.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    ] {
        if let header::Entry::Vacant(v) = h.entry(name) {
            v.insert(HeaderValue::from_static(value));
        }
    }
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    res
}

/// Browsers on the allowed origins may call the API (the preflight of a JSON POST, and reading the answers).
/// This only lets them read responses: writes from other origins are refused by [`crate::request::WriteOrigin`],
/// since a `text/plain` POST needs no preflight.
fn cors(state: &AppState) -> CorsLayer {
    let origins: Vec<HeaderValue> =
        state.config.allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o.as_str()).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600))
}

/// 429 with `Retry-After` once a client has spent its tokens.
async fn rate_limit(State(state): State<AppState>, ClientIp(ip): ClientIp, req: Request, next: Next) -> Response {
    match state.limiter.check(ip, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(retry_after_secs) => {
            state.metrics.rate_limited.fetch_add(1, Relaxed);
            AppError::RateLimited { retry_after_secs }.into_response()
        }
    }
}

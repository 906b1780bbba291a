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
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
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
    let api = api
        .layer(cors(&state))
        .layer(api_header(header::CACHE_CONTROL, "no-store"))
        .layer(api_header(header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/privacy", get(site::privacy))
        .nest_service("/kuki", site::bundle(&state.config.site_dir))
        .fallback_service(site::site(&state.config.site_dir))
        .layer(middleware::from_fn_with_state(state.clone(), count_responses))
        .layer(middleware::from_fn_with_state(timeout, time_limit))
        .with_state(state)
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .layer(security_header(header::X_FRAME_OPTIONS, "SAMEORIGIN"))
}

/// A request still running after the limit is dropped and answered 408 in the API's error shape (a slow database
/// is a 503 from the store long before this).
async fn time_limit(State(limit): State<std::time::Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => AppError::Timeout.into_response(),
    }
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

fn api_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
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

async fn count_responses(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    state.metrics.count_response(res.status().as_u16());
    res
}

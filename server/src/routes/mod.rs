//! Every route, declared in one place.
//!
//! - [`site`]: the static site (`/`), the embeddable bundle (`/kuki/*`, open to every origin) and `/privacy`.
//! - [`health`]: `/healthz`.

pub mod health;
pub mod site;

use crate::startup::AppState;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/privacy", get(site::privacy))
        .nest_service("/kuki", site::bundle(&state.config.site_dir))
        .fallback_service(site::site(&state.config.site_dir))
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .layer(security_header(header::X_FRAME_OPTIONS, "SAMEORIGIN"))
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

//! Liveness, readiness and metrics.

use crate::error::AppError;
use crate::startup::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;

/// `GET /healthz`: the process answers. (Readiness, which needs the database, is `/readyz`.)
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 only while a write can commit (a real write through the writer, reused for a second); 503
/// when the database is unreachable, its file was deleted or replaced, the disk is full or read-only.
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.store.ready().await?;
    Ok("ready")
}

/// `GET /metrics`: Prometheus text format, for the operator only (`Authorization: Bearer KUKI_ADMIN_TOKEN`, like
/// `/api/v1/stats`): write rates and error counts are not for every visitor.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, AppError> {
    super::admin::authorize(&headers, state.config.admin_token.as_deref())?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(state.store.writer_stats()),
    ))
}

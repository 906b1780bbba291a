//! Liveness, readiness and metrics.

use crate::error::AppError;
use crate::startup::AppState;
use axum::extract::State;
use axum::http::header;
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

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(state.store.writer_stats()),
    )
}

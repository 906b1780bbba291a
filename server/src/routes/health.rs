//! Liveness.

/// `GET /healthz`: the process answers. (Readiness, which needs the database, is `/readyz`.)
pub async fn healthz() -> &'static str {
    "ok"
}

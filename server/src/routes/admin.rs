//! `/api/v1/stats`, for the site's operator.

use crate::error::AppError;
use crate::startup::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use kuki_core::wire::Stats;

/// Compares in time independent of where the strings differ, so the token cannot be guessed byte by byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// `Ok` when the request carries `Authorization: Bearer KUKI_ADMIN_TOKEN`; 401 otherwise, and always without a
/// configured token. Guards `/api/v1/stats` and `/metrics`.
pub(crate) fn authorize(headers: &HeaderMap, token: Option<&str>) -> Result<(), AppError> {
    let token = token.ok_or(AppError::Unauthorized)?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AppError::Unauthorized)?;
    if same(given.trim().as_bytes(), token.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

/// `GET /api/v1/stats`: counts and opt-in rates by day, action and category. Needs `Authorization: Bearer
/// KUKI_ADMIN_TOKEN`; without a configured token nobody gets in.
pub async fn stats_read(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Stats>, AppError> {
    authorize(&headers, state.config.admin_token.as_deref())?;
    Ok(Json(state.store.stats().await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn bearer(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn only_the_exact_bearer_token_is_let_in() {
        let token = Some("0123456789abcdef");
        assert!(authorize(&bearer("Bearer 0123456789abcdef"), token).is_ok());
        assert!(authorize(&bearer("Bearer 0123456789abcdeF"), token).is_err());
        assert!(authorize(&bearer("Basic 0123456789abcdef"), token).is_err());
        assert!(authorize(&HeaderMap::new(), token).is_err());
        assert!(authorize(&bearer("Bearer "), None).is_err(), "no configured token: nobody");
    }
}

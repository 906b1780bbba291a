//! The one error type of the HTTP boundary. Each variant knows its [`ErrorCode`] (and so its status); the body is
//! always `wire::ApiError {code, message}`. Internal causes are logged here and never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kuki_core::wire::{ApiError, ErrorCode};

#[derive(Debug)]
pub enum AppError {
    /// 400: not JSON, or not the shape of the request type.
    Malformed(String),
    /// 422: a field breaks a rule.
    Invalid(String),
    /// 422: categories outside the operator's allow-list (`KUKI_CATEGORIES`); the message names them.
    CategoryNotAllowed(String),
    TooLarge,
    UnsupportedMediaType,
    ForbiddenOrigin,
    Unauthorized,
    NotFound,
    /// A known API path with another method; sent as `not_found` (the contract has no code of its own for it)
    /// with status 405.
    MethodNotAllowed,
    /// The request ran past `KUKI_REQUEST_TIMEOUT_SECS`.
    Timeout,
    /// The same key was stored with a different body.
    Conflict,
    /// The consent id has as many events as the server keeps for one id.
    HistoryFull,
    RateLimited {
        retry_after_secs: u64,
    },
    /// The record could not be committed; the cause is logged, the client is told to retry.
    Unavailable(String),
    /// A bug; the cause is logged.
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Malformed(_) => ErrorCode::MalformedBody,
            AppError::Invalid(_) => ErrorCode::InvalidField,
            AppError::CategoryNotAllowed(_) => ErrorCode::CategoryNotAllowed,
            AppError::TooLarge => ErrorCode::PayloadTooLarge,
            AppError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            AppError::ForbiddenOrigin => ErrorCode::ForbiddenOrigin,
            AppError::Unauthorized => ErrorCode::Unauthorized,
            AppError::NotFound | AppError::MethodNotAllowed => ErrorCode::NotFound,
            AppError::Timeout => ErrorCode::Timeout,
            AppError::Conflict => ErrorCode::Conflict,
            AppError::HistoryFull => ErrorCode::HistoryFull,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What the client reads. Client mistakes are explained; server trouble is not.
    fn public_message(&self) -> String {
        match self {
            AppError::Malformed(m) | AppError::Invalid(m) | AppError::CategoryNotAllowed(m) => m.clone(),
            AppError::TooLarge => format!("the body is larger than {} bytes", kuki_core::wire::MAX_BODY_BYTES),
            AppError::UnsupportedMediaType => "send application/json or text/plain".into(),
            AppError::ForbiddenOrigin => "this origin may not write consent records".into(),
            AppError::Unauthorized => "a valid bearer token is required".into(),
            AppError::NotFound => "not found".into(),
            AppError::MethodNotAllowed => "this method is not allowed on this path".into(),
            AppError::Timeout => "the request took too long; retry".into(),
            AppError::Conflict => "this consentId and seq were already stored with a different body".into(),
            AppError::HistoryFull => "this consentId has as many events as the server keeps for one id".into(),
            AppError::RateLimited { .. } => "too many requests; retry later".into(),
            AppError::Unavailable(_) => "the record could not be stored; retry later".into(),
            AppError::Internal(_) => "internal error".into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Unavailable(cause) => tracing::error!(%cause, "storage unavailable"),
            AppError::Internal(cause) => tracing::error!(%cause, "internal error"),
            // The operator's to fix, and nobody else sees it: say so in the server's log too.
            AppError::CategoryNotAllowed(message) => tracing::warn!(%message, "consent event refused"),
            _ => {}
        }
        let code = self.code();
        let status = match self {
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            _ => StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        };
        let mut res = (status, Json(ApiError { code, message: self.public_message() })).into_response();
        let retry_after = match self {
            AppError::RateLimited { retry_after_secs } => Some(retry_after_secs.max(1)),
            AppError::Unavailable(_) => Some(1),
            _ => None,
        };
        if let Some(secs) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

//! Extractors for what a request says about its sender and its body, each parsed into a checked type.
//!
//! - [`ClientIp`]: the peer address, or the `X-Forwarded-For` client when the peer is a trusted proxy.
//! - [`WriteOrigin`], [`EraseOrigin`]: the `Origin` of a POST or DELETE, refused (403) unless it is the server's
//!   own (`KUKI_PUBLIC_URL`) or allowed; a DELETE must name one.
//! - [`ConsentBody`]: a JSON or `text/plain` (sendBeacon) body of at most 8 KiB holding a valid event.

use crate::config::{IpNet, Origin};
use crate::error::AppError;
use crate::event::{parse_event, EventError};
use crate::startup::AppState;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, ORIGIN};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use kuki_core::wire::{ConsentEvent, MAX_BODY_BYTES};
use std::net::{IpAddr, SocketAddr};

/// The client's address. Only peers in `KUKI_TRUSTED_PROXIES` may name another one through `X-Forwarded-For`.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// Walks `X-Forwarded-For` from the right (the entry the nearest proxy added) past trusted proxies: the first
/// untrusted address is the client. Entries further left were written by the client itself and prove nothing.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for value in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(value) = value.to_str() else { return client };
        for part in value.split(',').rev() {
            match part.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !is_trusted(ip) {
                        return ip;
                    }
                }
                Err(_) => return client,
            }
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| AppError::Internal("no peer address: serve with connect info".into()))?;
        Ok(ClientIp(client_ip(peer, &parts.headers, &state.config.trusted_proxies)))
    }
}

/// The origin of a POST, when the request named one.
///
/// Browsers send `Origin` on every POST, same-origin ones included, so a POST without it is not a browser acting
/// for another site (a server-side script, `curl`): it is let through. `Origin: null` (sandboxed frames, `file:`)
/// is refused like any other origin that is not allowed.
#[derive(Clone, Debug)]
pub struct WriteOrigin(pub Option<Origin>);

/// The origin of a DELETE, which must name one: erasing a history is rarer and graver than adding an event, and a
/// browser always sends `Origin` with it. A DELETE without `Origin` is 403 like a foreign one.
#[derive(Clone, Debug)]
pub struct EraseOrigin(pub Origin);

/// `Ok(None)` without an `Origin` header; the origin when it is the server's own (`KUKI_PUBLIC_URL`, never the
/// request's `Host`, which the client writes) or an allowed one; else 403.
fn write_origin(headers: &HeaderMap, config: &crate::Config) -> Result<Option<Origin>, AppError> {
    let Some(value) = headers.get(ORIGIN) else { return Ok(None) };
    let mut known = config.own_origins.iter().chain(&config.allowed_origins);
    // Browsers send origins already in their canonical form: an exact match needs no parsing.
    if let Some(o) = known.clone().find(|o| o.as_str().as_bytes() == value.as_bytes()) {
        return Ok(Some(o.clone()));
    }
    let origin = value.to_str().ok().and_then(|v| Origin::parse(v).ok()).ok_or(AppError::ForbiddenOrigin)?;
    known.find(|&o| *o == origin).cloned().map(Some).ok_or(AppError::ForbiddenOrigin)
}

impl FromRequestParts<AppState> for WriteOrigin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        write_origin(&parts.headers, &state.config).map(WriteOrigin)
    }
}

impl FromRequestParts<AppState> for EraseOrigin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        write_origin(&parts.headers, &state.config)?.map(EraseOrigin).ok_or(AppError::ForbiddenOrigin)
    }
}

/// A valid consent event from the body. `text/plain` is what `navigator.sendBeacon` sends for a string; no
/// `Content-Type` is read as JSON too.
pub struct ConsentBody(pub ConsentEvent);

impl FromRequest<AppState> for ConsentBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        if let Some(ct) = req.headers().get(CONTENT_TYPE) {
            let essence = ct.to_str().unwrap_or("").split(';').next().unwrap_or("").trim();
            if !essence.eq_ignore_ascii_case("application/json") && !essence.eq_ignore_ascii_case("text/plain") {
                return Err(AppError::UnsupportedMediaType);
            }
        }
        let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(AppError::TooLarge);
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES).await.map_err(|e| {
            let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            if too_large {
                AppError::TooLarge
            } else {
                AppError::Malformed(format!("the body could not be read: {e}"))
            }
        })?;
        match parse_event(&bytes, state.config.categories.as_deref()) {
            Ok(event) => Ok(ConsentBody(event)),
            Err(EventError::Malformed(m)) => Err(AppError::Malformed(m)),
            Err(EventError::Invalid(m)) => Err(AppError::Invalid(m)),
            Err(EventError::NotAllowed(m)) => Err(AppError::CategoryNotAllowed(m)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_ignored_from_an_untrusted_peer() {
        let peer: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(client_ip(peer, &xff("203.0.113.9"), &[]), peer);
    }

    #[test]
    fn the_first_untrusted_address_from_the_right_is_the_client() {
        let trusted = [IpNet::parse("10.0.0.0/8").unwrap()];
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let got = client_ip(peer, &xff("1.2.3.4, 203.0.113.9, 10.0.0.5"), &trusted);
        assert_eq!(got, "203.0.113.9".parse::<IpAddr>().unwrap(), "1.2.3.4 was written by the client");
        assert_eq!(client_ip(peer, &HeaderMap::new(), &trusted), peer);
        assert_eq!(client_ip(peer, &xff("garbage"), &trusted), peer);
    }

    #[test]
    fn the_own_origin_is_configured_and_the_host_header_proves_nothing() {
        let config =
            crate::Config::from_lookup(|k| (k == "KUKI_ALLOWED_ORIGINS").then(|| "https://shop.example".to_owned()))
                .unwrap();
        let with = |origin: &str, host: &str| {
            let mut h = HeaderMap::new();
            h.insert(ORIGIN, HeaderValue::from_str(origin).unwrap());
            h.insert(axum::http::header::HOST, HeaderValue::from_str(host).unwrap());
            write_origin(&h, &config)
        };
        assert!(with("http://127.0.0.1:8080", "127.0.0.1:8080").is_ok());
        assert!(with("HTTPS://Shop.Example:443", "x").unwrap().is_some(), "parsed when not canonical");
        assert!(with("https://evil.example", "evil.example").is_err(), "a forged Host is not the server");
        assert!(with("http://127.0.0.1:9090", "127.0.0.1:9090").is_err());
        assert_eq!(write_origin(&HeaderMap::new(), &config).unwrap(), None);
    }
}

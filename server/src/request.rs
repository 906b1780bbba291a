//! Extractors for what a request says about its sender and its body, each parsed into a checked type.
//!
//! - [`ClientIp`]: the peer address, or the `X-Forwarded-For` client when the peer is a trusted proxy.
//! - [`WriteOrigin`]: the `Origin` of a POST or DELETE, refused (403) unless it is the server's own or allowed.
//! - [`ConsentBody`]: a JSON or `text/plain` (sendBeacon) body of at most 8 KiB holding a valid event.

use crate::config::{IpNet, Origin};
use crate::error::AppError;
use crate::event::{parse_event, EventError};
use crate::startup::AppState;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, ORIGIN};
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

/// The origin of a write, when the request named one.
///
/// Browsers send `Origin` on every POST and DELETE, same-origin ones included, so a request without it is not a
/// browser acting for another site (a server-side script, `curl`): it is let through. `Origin: null` (sandboxed
/// frames, `file:`) is refused like any other origin that is not allowed.
#[derive(Clone, Debug)]
pub struct WriteOrigin(pub Option<Origin>);

/// Is `origin` the server itself? Its host and port must be the request's `Host`.
fn is_own(origin: &Origin, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else { return false };
    let authority = origin.as_str().split_once("://").map_or("", |(_, a)| a);
    let host = host.to_ascii_lowercase();
    authority == host || authority == host.strip_suffix(":80").unwrap_or(&host)
}

impl FromRequestParts<AppState> for WriteOrigin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(value) = parts.headers.get(ORIGIN) else { return Ok(WriteOrigin(None)) };
        let origin = value.to_str().ok().and_then(|v| Origin::parse(v).ok()).ok_or(AppError::ForbiddenOrigin)?;
        if state.config.allowed_origins.contains(&origin) || is_own(&origin, &parts.headers) {
            Ok(WriteOrigin(Some(origin)))
        } else {
            Err(AppError::ForbiddenOrigin)
        }
    }
}

/// A valid consent event from the body. `text/plain` is what `navigator.sendBeacon` sends for a string; no
/// `Content-Type` is read as JSON too.
pub struct ConsentBody(pub ConsentEvent);

impl FromRequest<AppState> for ConsentBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        if let Some(ct) = req.headers().get(CONTENT_TYPE) {
            let essence = ct.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if essence != "application/json" && essence != "text/plain" {
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
    fn the_own_origin_matches_the_host_header() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(is_own(&Origin::parse("http://127.0.0.1:8080").unwrap(), &h));
        assert!(!is_own(&Origin::parse("http://127.0.0.1:9090").unwrap(), &h));
        h.insert(HOST, HeaderValue::from_static("kuki.example"));
        assert!(is_own(&Origin::parse("https://kuki.example").unwrap(), &h));
    }
}

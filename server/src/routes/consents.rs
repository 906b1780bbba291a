//! `/api/v1/consents`: store an event, read a history, erase a history.

use crate::error::AppError;
use crate::event::canonical_json;
use crate::request::{ClientIp, ConsentBody, EraseOrigin, WriteOrigin};
use crate::startup::AppState;
use crate::store::{HistoryPage, InsertOutcome, NewRecord, StoreError, StoredMeta};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kuki_core::ConsentId;
use std::sync::atomic::Ordering::Relaxed;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Corrupt(m) => AppError::Internal(m),
        }
    }
}

/// The id in the path, parsed; a malformed id cannot name a stored history, so it is a 404 like an unknown one.
fn consent_id(raw: &str) -> Result<ConsentId, AppError> {
    ConsentId::parse(raw).map_err(|_| AppError::NotFound)
}

/// `POST /api/v1/consents`: 201 with a receipt once the event is committed; a replay of the same event gets its
/// original receipt with 200; the same (consentId, seq) with another event gets 409.
// A debug span: at the default `info` level, no span is built or formatted for each write.
#[tracing::instrument(name = "consents_create", level = "debug", skip_all, fields(ip = %crate::config::ip_prefix(ip)))]
pub async fn consents_create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    WriteOrigin(origin): WriteOrigin,
    ConsentBody(event): ConsentBody,
) -> Result<(StatusCode, ReceiptJson), AppError> {
    let record = NewRecord {
        event_json: canonical_json(&event),
        received_at: crate::time::now_ms(),
        origin: origin.map(|o| o.to_string()),
        ip_prefix: state.config.ip_retention.apply(ip),
        event,
    };
    let (id, seq) = (record.event.consent_id, record.event.seq);
    let receipt = |meta: StoredMeta| {
        // A record of this batch shares the batch's one signature; any other is signed here, by itself.
        match meta.batch.as_ref().and_then(|leaf| Some((leaf, leaf.batch.tree.path(leaf.index)?))) {
            Some((leaf, path)) => {
                let head = leaf.batch.head();
                let inclusion = InclusionParts {
                    leaf_index: leaf.index,
                    tree_size: head.tree_size,
                    root_hash: &head.root_hash,
                    timestamp: head.timestamp,
                    proof: &path,
                };
                ReceiptJson::new(id, seq, meta.received_at, &meta.hash, &head.signature, Some(inclusion))
            }
            None => ReceiptJson::new(id, seq, meta.received_at, &meta.hash, &state.signer.sign(&meta.hash), None),
        }
    };
    let outcome = state.store.insert(record).await.inspect_err(|_| {
        state.metrics.store_errors.fetch_add(1, Relaxed);
    })?;
    match outcome {
        InsertOutcome::Created(meta) => {
            state.metrics.events_stored.fetch_add(1, Relaxed);
            Ok((StatusCode::CREATED, receipt(meta)))
        }
        InsertOutcome::Replayed(meta) => {
            state.metrics.events_replayed.fetch_add(1, Relaxed);
            Ok((StatusCode::OK, receipt(meta)))
        }
        InsertOutcome::Conflict => {
            state.metrics.events_conflicting.fetch_add(1, Relaxed);
            Err(AppError::Conflict)
        }
        InsertOutcome::HistoryFull => Err(AppError::HistoryFull),
    }
}

/// A record's place under its batch's signed head: [`kuki_core::wire::Inclusion`]'s fields, borrowed, the audit
/// path as bytes.
struct InclusionParts<'a> {
    leaf_index: u64,
    tree_size: u64,
    root_hash: &'a str,
    timestamp: i64,
    proof: &'a [[u8; 32]],
}

/// The body of `POST /api/v1/consents`: a [`kuki_core::wire::Receipt`]'s JSON, byte for byte what serde_json writes
/// for it (a test holds the two equal), written straight from the stored hashes. Through serde, each node of the
/// audit path (about twenty) became a hex `String`, then every string was scanned for characters to escape: those
/// two were about a seventh of the request threads' instructions per write (callgrind).
pub struct ReceiptJson(Vec<u8>);

impl ReceiptJson {
    fn new(
        id: ConsentId,
        seq: u32,
        received_at: i64,
        hash: &str,
        signature: &str,
        inclusion: Option<InclusionParts<'_>>,
    ) -> ReceiptJson {
        let proof_len = inclusion.as_ref().map_or(0, |i| i.proof.len());
        let mut out = Vec::with_capacity(400 + 67 * proof_len);
        out.extend_from_slice(b"{\"consentId\":");
        json_own(&mut out, &crate::store::consent_id_text(&id));
        out.extend_from_slice(b",\"seq\":");
        json_int(&mut out, seq);
        out.extend_from_slice(b",\"receivedAt\":");
        json_int(&mut out, received_at);
        out.extend_from_slice(b",\"hash\":");
        json_str(&mut out, hash);
        out.extend_from_slice(b",\"signature\":");
        json_own(&mut out, signature);
        if let Some(i) = inclusion {
            out.extend_from_slice(b",\"inclusion\":{\"leafIndex\":");
            json_int(&mut out, i.leaf_index);
            out.extend_from_slice(b",\"treeSize\":");
            json_int(&mut out, i.tree_size);
            out.extend_from_slice(b",\"rootHash\":");
            json_own(&mut out, i.root_hash);
            out.extend_from_slice(b",\"timestamp\":");
            json_int(&mut out, i.timestamp);
            out.extend_from_slice(b",\"proof\":[");
            for (n, node) in i.proof.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                out.push(b'"');
                hex_into(&mut out, node);
                out.push(b'"');
            }
            out.extend_from_slice(b"]}");
        }
        out.push(b'}');
        ReceiptJson(out)
    }
}

impl IntoResponse for ReceiptJson {
    fn into_response(self) -> Response {
        let mut res = Response::new(axum::body::Body::from(self.0));
        // Room for the headers the layers add (CORS, `edge`'s security headers) and hyper's date: one allocation
        // rather than the map growing twice on the way out.
        res.headers_mut().reserve(12);
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        res
    }
}

/// A JSON string as serde_json writes it: ids and hex need no escaping and are copied; anything else (a stored
/// hash that is not what this server wrote) goes through serde_json itself.
fn json_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
    }
}

/// A JSON string of text this server wrote itself (a consent id's text, hex from [`crate::chain::hex`]): nothing
/// in it needs escaping, so it is copied unscanned. (The record's `hash` is read back from the database and goes
/// through [`json_str`].)
fn json_own(out: &mut Vec<u8>, s: &str) {
    debug_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "{s:?}");
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

fn json_int(out: &mut Vec<u8>, n: impl std::fmt::Display) {
    use std::io::Write;
    write!(out, "{n}").expect("writing to a Vec cannot fail");
}

/// Lowercase hex of `bytes`, appended: as [`crate::chain::hex`] writes it.
fn hex_into(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.extend_from_slice(&crate::chain::hex_pair(b));
    }
}

/// Events a history page holds unless `limit` says otherwise.
pub const DEFAULT_PAGE: u32 = 100;
/// The most `limit` may ask for.
pub const MAX_PAGE: u32 = 1000;

/// `?after=N&limit=N` of a history read: the page starts after chain position `after` (the `next` of the page
/// before; 0, the default, for the first page) and holds at most `limit` events.
fn page_query(query: Option<&str>) -> Result<(i64, u32), AppError> {
    let (mut after, mut limit) = (0i64, DEFAULT_PAGE);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "after" => {
                after = value
                    .parse()
                    .ok()
                    .filter(|&a: &i64| a >= 0)
                    .ok_or_else(|| AppError::Invalid("after: a chain position (0 or more)".into()))?;
            }
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_PAGE).contains(l))
                    .ok_or_else(|| AppError::Invalid(format!("limit: a whole number from 1 to {MAX_PAGE}")))?;
            }
            _ => {}
        }
    }
    Ok((after, limit))
}

/// `GET /api/v1/consents/{id}[?after=N&limit=N]`: a page of the id's events in stored order, with the `next`
/// cursor (`null` on the last page); 404 when there are none.
pub async fn consents_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<HistoryPage>, AppError> {
    let id = consent_id(&id)?;
    let (after, limit) = page_query(query.as_deref())?;
    state.store.history(id, after, limit).await?.map(Json).ok_or(AppError::NotFound)
}

/// `DELETE /api/v1/consents/{id}`: erases every record of the id (204), 404 when there were none; the request
/// must come from an allowed `Origin` (403 without one). The log line names no id and no address: an erasure must
/// not leave personal data behind.
pub async fn consents_erase(
    State(state): State<AppState>,
    EraseOrigin(_): EraseOrigin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = consent_id(&id)?;
    if state.store.erase(id).await? {
        state.metrics.erasures.fetch_add(1, Relaxed);
        tracing::info!("consent history erased on request");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuki_core::wire::{Inclusion, Receipt};

    /// What serde_json writes for a receipt, for the compatibility test.
    fn serde(id: ConsentId, hash: &str, signature: &str, inclusion: Option<Inclusion>) -> Vec<u8> {
        let r = Receipt {
            consent_id: id,
            seq: 7,
            received_at: 1_700_000_000_123,
            hash: hash.into(),
            signature: signature.into(),
            inclusion,
        };
        serde_json::to_vec(&r).unwrap()
    }

    #[test]
    fn a_receipts_json_is_byte_for_byte_serde_jsons() {
        let id = ConsentId::parse("02020202-0202-4202-8202-0a0b0c0d0e0f").unwrap();
        let hash = crate::chain::hex(&[0xab; 32]);
        let signature = crate::chain::hex(&[0x5c; 64]);
        let alone = ReceiptJson::new(id, 7, 1_700_000_000_123, &hash, &signature, None);
        assert_eq!(alone.0, serde(id, &hash, &signature, None));
        let proof: Vec<[u8; 32]> = (0..18u8).map(|i| [i.wrapping_mul(29); 32]).collect();
        let root = crate::chain::hex(&[0x01; 32]);
        for path in [&proof[..], &proof[..1], &[]] {
            let parts = InclusionParts {
                leaf_index: 123_456,
                tree_size: 200_001,
                root_hash: &root,
                timestamp: -5,
                proof: path,
            };
            let inclusion = Inclusion {
                leaf_index: 123_456,
                tree_size: 200_001,
                root_hash: root.clone(),
                timestamp: -5,
                proof: path.iter().map(|n| crate::chain::hex(n)).collect(),
            };
            let ours = ReceiptJson::new(id, 7, 1_700_000_000_123, &hash, &signature, Some(parts));
            assert_eq!(
                String::from_utf8(ours.0).unwrap(),
                String::from_utf8(serde(id, &hash, &signature, Some(inclusion))).unwrap()
            );
        }
        // A stored hash that is not hex (an edited row) is escaped as serde_json escapes it.
        let odd = "ab\"c\\d\u{1}é";
        let ours = ReceiptJson::new(id, 7, 1_700_000_000_123, odd, &signature, None);
        assert_eq!(ours.0, serde(id, odd, &signature, None));
    }

    #[test]
    fn a_page_query_has_bounded_defaults_and_refuses_nonsense() {
        assert_eq!(page_query(None).unwrap(), (0, DEFAULT_PAGE));
        assert_eq!(page_query(Some("after=5&limit=10")).unwrap(), (5, 10));
        assert_eq!(page_query(Some("limit=1000&other=x")).unwrap(), (0, 1000));
        for bad in ["limit=0", "limit=1001", "limit=x", "after=-1", "after="] {
            assert!(page_query(Some(bad)).is_err(), "{bad}");
        }
    }
}

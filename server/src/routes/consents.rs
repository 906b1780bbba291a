//! `/api/v1/consents`: store an event, read a history, erase a history.

use crate::error::AppError;
use crate::event::canonical_json;
use crate::request::{ClientIp, ConsentBody, EraseOrigin, WriteOrigin};
use crate::startup::AppState;
use crate::store::{BatchLeaf, HistoryPage, InsertOutcome, NewRecord, StoreError, StoredMeta};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use kuki_core::wire::{Inclusion, Receipt};
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
) -> Result<(StatusCode, Json<Receipt>), AppError> {
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
        let (signature, inclusion) = match meta.batch.as_ref().and_then(batched) {
            Some((signature, inclusion)) => (signature, Some(inclusion)),
            None => (state.signer.sign(&meta.hash), None),
        };
        Receipt { consent_id: id, seq, received_at: meta.received_at, hash: meta.hash, signature, inclusion }
    };
    let outcome = state.store.insert(record).await.inspect_err(|_| {
        state.metrics.store_errors.fetch_add(1, Relaxed);
    })?;
    match outcome {
        InsertOutcome::Created(meta) => {
            state.metrics.events_stored.fetch_add(1, Relaxed);
            Ok((StatusCode::CREATED, Json(receipt(meta))))
        }
        InsertOutcome::Replayed(meta) => {
            state.metrics.events_replayed.fetch_add(1, Relaxed);
            Ok((StatusCode::OK, Json(receipt(meta))))
        }
        InsertOutcome::Conflict => {
            state.metrics.events_conflicting.fetch_add(1, Relaxed);
            Err(AppError::Conflict)
        }
        InsertOutcome::HistoryFull => Err(AppError::HistoryFull),
    }
}

/// The head's signature and the record's place under it, for a record its batch signed.
fn batched(leaf: &BatchLeaf) -> Option<(String, Inclusion)> {
    let path = leaf.batch.tree.path(leaf.index)?;
    let head = leaf.batch.head();
    let inclusion = Inclusion {
        leaf_index: leaf.index,
        tree_size: head.tree_size,
        root_hash: head.root_hash.clone(),
        timestamp: head.timestamp,
        proof: path.iter().map(|node| crate::chain::hex(node)).collect(),
    };
    Some((head.signature.clone(), inclusion))
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

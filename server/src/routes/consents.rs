//! `/api/v1/consents`: store an event, read a history, erase a history.

use crate::error::AppError;
use crate::event::canonical_json;
use crate::request::{ClientIp, ConsentBody, EraseOrigin, WriteOrigin};
use crate::startup::AppState;
use crate::store::{InsertOutcome, NewRecord, StoreError, StoredMeta};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kuki_core::wire::{ConsentHistory, Receipt};
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
    let receipt = |meta: StoredMeta| Receipt {
        consent_id: id,
        seq,
        received_at: meta.received_at,
        signature: state.signer.sign(&meta.hash),
        hash: meta.hash,
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
    }
}

/// `GET /api/v1/consents/{id}`: the id's events in stored order; 404 when there are none.
pub async fn consents_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ConsentHistory>, AppError> {
    let id = consent_id(&id)?;
    state.store.history(id).await?.map(Json).ok_or(AppError::NotFound)
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

//! Documents about the API itself: the receipt key and the OpenAPI description.

use crate::error::AppError;
use crate::merkle::Checkpoint;
use crate::startup::AppState;
use axum::extract::State;
use axum::Json;
use kuki_core::wire::ReceiptKey;

/// `GET /api/v1/receipt-key`: the public key receipts are signed with.
pub async fn receipt_key_read(State(state): State<AppState>) -> Json<ReceiptKey> {
    Json(ReceiptKey {
        algorithm: "Ed25519".into(),
        public_key: state.signer.public_hex(),
        signed_message: "a receipt with `inclusion`: its tree head, as a checkpoint is signed (\"kuki-checkpoint-v1\\0\" || \
                         timestamp || treeSize, 8 bytes big-endian each || the 32 root bytes); a receipt without: the 32 \
                         bytes of its SHA-256 hash (hex-decoded)"
            .into(),
    })
}

/// `GET /api/v1/checkpoint`: the log's current tree head, signed (see [`crate::merkle`]). Auditors keep these;
/// `kuki-server verify --checkpoint FILE` holds the database to them.
pub async fn checkpoint_read(State(state): State<AppState>) -> Result<Json<Checkpoint>, AppError> {
    Ok(Json(state.store.checkpoint(&state.signer).await?))
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_read() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

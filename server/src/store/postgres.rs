//! PostgreSQL (arrives in a later commit).

use super::{Command, Row, StoreError};
use crate::chain::ReceiptSigner;
use kuki_core::wire::{ConsentHistory, Stats};
use kuki_core::ConsentId;
use tokio::sync::mpsc;

#[derive(Clone)]
pub struct Reader;

pub async fn open(_url: &str, _rx: mpsc::Receiver<Command>) -> Result<Reader, StoreError> {
    Err(StoreError::Unavailable("PostgreSQL support is not built yet".into()))
}

impl Reader {
    pub async fn history(&self, _id: ConsentId) -> Result<Option<ConsentHistory>, StoreError> {
        unreachable!()
    }
    pub async fn stats(&self) -> Result<Stats, StoreError> {
        unreachable!()
    }
    pub async fn ping(&self) -> Result<(), StoreError> {
        unreachable!()
    }
    pub async fn receipt_signer(&self) -> Result<ReceiptSigner, StoreError> {
        unreachable!()
    }
    pub async fn count(&self) -> Result<u64, StoreError> {
        unreachable!()
    }
    pub async fn scan(&self, _visit: impl FnMut(Row) + Send + 'static) -> Result<(), StoreError> {
        unreachable!()
    }
}

//! `kuki-server verify`: recomputes every record's hash and checks that each links to the one before it.

use crate::chain::GENESIS;
use crate::store::{Row, Store, StoreError};
use std::sync::{Arc, Mutex};

/// One place where a chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub consent_id: String,
    pub pos: i64,
    pub reason: String,
}

/// What a walk over every chain found.
#[derive(Debug, Default)]
pub struct Report {
    pub records: u64,
    pub chains: u64,
    pub breaks: Vec<Break>,
}

/// Checks one row against the row before it in the same chain (`None` for a chain's first row).
pub fn check(row: &Row, before: Option<&Row>) -> Option<String> {
    let (want_pos, want_prev) = match before {
        Some(b) => (b.pos + 1, b.hash.as_str()),
        None => (1, GENESIS),
    };
    if row.pos != want_pos {
        return Some(format!("position {} where {want_pos} was expected (a record is missing)", row.pos));
    }
    if row.prev_hash != want_prev {
        return Some("prev_hash is not the previous record's hash".into());
    }
    if row.link().hash() != row.hash {
        return Some("the stored hash does not match the record (it was altered)".into());
    }
    None
}

/// Walks every chain in the store.
pub async fn verify(store: &Store) -> Result<Report, StoreError> {
    let state = Arc::new(Mutex::new((Report::default(), None::<Row>)));
    let sink = state.clone();
    store
        .scan(move |row| {
            let mut guard = sink.lock().unwrap_or_else(|e| e.into_inner());
            let (report, last) = &mut *guard;
            let before = last.as_ref().filter(|l| l.consent_id == row.consent_id);
            if before.is_none() {
                report.chains += 1;
            }
            if let Some(reason) = check(&row, before) {
                report.breaks.push(Break { consent_id: row.consent_id.clone(), pos: row.pos, reason });
            }
            report.records += 1;
            *last = Some(row);
        })
        .await?;
    let (report, _) = Arc::try_unwrap(state)
        .map_err(|_| StoreError::Unavailable("scan still running".into()))?
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    Ok(report)
}

//! Durable storage of consent events, with group commit.
//!
//! - [`sqlite`]: the embedded default (WAL, `synchronous=FULL`); one writer thread.
//! - [`postgres`]: for several replicas behind a load balancer; one writer task per replica, chains serialized
//!   across replicas by advisory locks.
//!
//! Both backends batch writes the same way: handlers send [`Command`]s to one writer, which takes everything
//! waiting (up to [`MAX_BATCH`]), applies it in one transaction and answers each command only after the commit.
//! So an acknowledged record is on disk, and a failed commit fails every command in it (503, to be retried).

pub mod postgres;
pub mod sqlite;

use crate::chain::{Link, ReceiptSigner, GENESIS};
use crate::config::DbUrl;
use crate::time::utc_day;
use kuki_core::wire::{ConsentAction, ConsentEvent, ConsentHistory, Stats};
use kuki_core::ConsentId;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most commands one transaction takes.
pub const MAX_BATCH: usize = 4096;
/// Commands waiting for the writer; beyond this, handlers wait to enqueue (backpressure, not errors).
const QUEUE: usize = 16_384;

/// A new event with what the server adds to it.
#[derive(Clone, Debug)]
pub struct NewRecord {
    pub event: ConsentEvent,
    /// [`crate::event::canonical_json`] of `event`.
    pub event_json: String,
    pub received_at: i64,
    pub origin: Option<String>,
    pub ip_prefix: Option<String>,
}

/// What the store did with a [`NewRecord`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    Created(StoredMeta),
    /// The same (consentId, seq) with the same event was stored before: its original record.
    Replayed(StoredMeta),
    /// The same (consentId, seq) was stored with a different event.
    Conflict,
}

/// What a receipt needs from a stored record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMeta {
    pub received_at: i64,
    pub hash: String,
}

/// One stored row, as `verify` reads it.
#[derive(Clone, Debug)]
pub struct Row {
    pub consent_id: String,
    pub seq: i64,
    pub pos: i64,
    pub event: String,
    pub received_at: i64,
    pub origin: Option<String>,
    pub ip_prefix: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Row {
    pub fn link(&self) -> Link<'_> {
        Link {
            prev_hash: &self.prev_hash,
            consent_id: &self.consent_id,
            pos: self.pos,
            event: &self.event,
            received_at: self.received_at,
            origin: self.origin.as_deref(),
            ip_prefix: self.ip_prefix.as_deref(),
        }
    }
}

#[derive(Debug)]
pub enum StoreError {
    /// The database refused or is unreachable (disk full, connection lost, ...): retry later.
    Unavailable(String),
    /// The stored data is not what this server wrote (a row that does not decode).
    Corrupt(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(m) => write!(f, "database unavailable: {m}"),
            StoreError::Corrupt(m) => write!(f, "stored data does not decode: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// A request to the writer.
pub enum Command {
    Insert(NewRecord, oneshot::Sender<Result<InsertOutcome, StoreError>>),
    /// Erase every record of a consent id; answers whether there were any.
    Erase(ConsentId, oneshot::Sender<Result<bool, StoreError>>),
}

/// What applying one command did, in batch order.
pub(crate) enum Outcome {
    Insert(InsertOutcome),
    Erase(bool),
}

pub(crate) fn unavailable(e: impl fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Answers every command of a batch the writer applied: each its own outcome once committed, or all of them
/// `Unavailable` when the batch failed (nothing in it was committed). Both backends' writers end here.
pub(crate) fn answer_batch<E: fmt::Display>(batch: &mut Vec<Command>, result: Result<Vec<Outcome>, E>, backend: &str) {
    match result {
        Ok(outcomes) => {
            for (cmd, outcome) in batch.drain(..).zip(outcomes) {
                match (cmd, outcome) {
                    (Command::Insert(_, reply), Outcome::Insert(o)) => drop(reply.send(Ok(o))),
                    (Command::Erase(_, reply), Outcome::Erase(found)) => drop(reply.send(Ok(found))),
                    _ => unreachable!("apply answers each command with its own kind"),
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, commands = batch.len(), backend, "batch failed; every command in it gets 503");
            for cmd in batch.drain(..) {
                match cmd {
                    Command::Insert(_, reply) => drop(reply.send(Err(unavailable(&e)))),
                    Command::Erase(_, reply) => drop(reply.send(Err(unavailable(&e)))),
                }
            }
        }
    }
}

/// What the writer has done, for `/metrics`.
#[derive(Default)]
pub struct WriterStats {
    pub batches: AtomicU64,
    /// Commands over all batches: divided by `batches`, the mean group size.
    pub commands: AtomicU64,
    pub failed_batches: AtomicU64,
    /// Time spent applying and committing batches.
    pub busy_micros: AtomicU64,
}

impl WriterStats {
    pub(crate) fn record(&self, commands: usize, started: std::time::Instant, ok: bool) {
        self.batches.fetch_add(1, Relaxed);
        self.commands.fetch_add(commands as u64, Relaxed);
        self.busy_micros.fetch_add(started.elapsed().as_micros() as u64, Relaxed);
        if !ok {
            self.failed_batches.fetch_add(1, Relaxed);
        }
    }
}

/// The storage handle the app holds; cheap to clone.
#[derive(Clone)]
pub struct Store {
    writer: mpsc::Sender<Command>,
    stats: Arc<WriterStats>,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Reader),
    Postgres(postgres::Reader),
}

impl Store {
    /// Opens (creating and migrating as needed) the database and starts its writer.
    pub async fn open(url: &DbUrl) -> Result<Store, StoreError> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let stats = Arc::new(WriterStats::default());
        let backend = match url {
            DbUrl::Sqlite(path) => Backend::Sqlite(sqlite::open(path.clone(), rx, stats.clone()).await?),
            DbUrl::Postgres(url) => Backend::Postgres(postgres::open(url, rx, stats.clone()).await?),
        };
        Ok(Store { writer: tx, stats, backend })
    }

    pub fn writer_stats(&self) -> &WriterStats {
        &self.stats
    }

    pub async fn insert(&self, record: NewRecord) -> Result<InsertOutcome, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Insert(record, tx)).await?;
        rx.await.map_err(|_| StoreError::Unavailable("the writer stopped".into()))?
    }

    pub async fn erase(&self, id: ConsentId) -> Result<bool, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Erase(id, tx)).await?;
        rx.await.map_err(|_| StoreError::Unavailable("the writer stopped".into()))?
    }

    async fn send(&self, cmd: Command) -> Result<(), StoreError> {
        self.writer.send(cmd).await.map_err(|_| StoreError::Unavailable("the writer stopped".into()))
    }

    /// A consent id's events in the order they were stored; `None` when there are none.
    pub async fn history(&self, id: ConsentId) -> Result<Option<ConsentHistory>, StoreError> {
        match &self.backend {
            Backend::Sqlite(r) => r.history(id).await,
            Backend::Postgres(r) => r.history(id).await,
        }
    }

    pub async fn stats(&self) -> Result<Stats, StoreError> {
        match &self.backend {
            Backend::Sqlite(r) => r.stats().await,
            Backend::Postgres(r) => r.stats().await,
        }
    }

    /// Is the database answering?
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(r) => r.ping().await,
            Backend::Postgres(r) => r.ping().await,
        }
    }

    /// The receipt key shared by every replica: the stored one, or a new one stored first.
    pub async fn receipt_signer(&self) -> Result<ReceiptSigner, StoreError> {
        match &self.backend {
            Backend::Sqlite(r) => r.receipt_signer().await,
            Backend::Postgres(r) => r.receipt_signer().await,
        }
    }

    /// Every stored row, ordered by consent id then position, handed to `visit` one at a time.
    pub async fn scan(&self, visit: impl FnMut(Row) + Send + 'static) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(r) => r.scan(visit).await,
            Backend::Postgres(r) => r.scan(visit).await,
        }
    }

    /// How many records are stored (the load benchmark and crash test count them).
    pub async fn count(&self) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(r) => r.count().await,
            Backend::Postgres(r) => r.count().await,
        }
    }
}

/// The chain head of a consent id: its last position and hash.
pub(crate) struct Head {
    pub pos: i64,
    pub hash: String,
}

/// Builds the row for `record` after `head` (or as the first of its chain).
pub(crate) fn next_row(record: &NewRecord, consent_id: &str, head: Option<Head>) -> Row {
    let (prev_hash, pos) = match head {
        Some(h) => (h.hash, h.pos + 1),
        None => (GENESIS.to_owned(), 1),
    };
    let mut row = Row {
        consent_id: consent_id.to_owned(),
        seq: i64::from(record.event.seq),
        pos,
        event: record.event_json.clone(),
        received_at: record.received_at,
        origin: record.origin.clone(),
        ip_prefix: record.ip_prefix.clone(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.link().hash();
    row
}

/// The counters one batch adds to `daily_stats`. Keys borrow from the batch's records and days stay numbers
/// until the upsert, so counting allocates nothing per event in the (serial) writer.
#[derive(Default)]
pub(crate) struct StatsDelta<'a>(BTreeMap<(i64, &'static str, &'a str), (i64, i64)>);

/// The category of a `daily_stats` row that counts every event of its day and action.
pub(crate) const ALL_EVENTS: &str = "*";

impl<'a> StatsDelta<'a> {
    pub fn add(&mut self, record: &'a NewRecord) {
        let day = record.received_at.div_euclid(86_400_000);
        let action = record.event.action.as_str();
        self.0.entry((day, action, ALL_EVENTS)).or_default().0 += 1;
        for (category, granted) in &record.event.categories {
            let c = self.0.entry((day, action, category.as_str())).or_default();
            c.0 += 1;
            c.1 += i64::from(*granted);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `(day as YYYY-MM-DD, action, category, events, granted)` rows to add.
    pub fn rows(&self) -> impl Iterator<Item = (String, &'static str, &'a str, i64, i64)> + '_ {
        self.0.iter().map(|(&(day, action, category), &(events, granted))| {
            (utc_day(day * 86_400_000), action, category, events, granted)
        })
    }
}

/// Builds the stats response from `daily_stats` rows `(day, action, category, events, granted)`.
pub(crate) fn stats_from_rows(rows: Vec<(String, String, String, i64, i64)>) -> Result<Stats, StoreError> {
    use kuki_core::category::CategoryId;
    use kuki_core::wire::{CategoryStats, StatsRow};
    let mut out: BTreeMap<(String, String), StatsRow> = BTreeMap::new();
    let mut total_events = 0u64;
    for (day, action, category, events, granted) in rows {
        let parsed = ConsentAction::parse(&action).ok_or_else(|| StoreError::Corrupt(format!("action {action:?}")))?;
        let row = out.entry((day.clone(), action)).or_insert_with(|| StatsRow {
            day,
            action: parsed,
            events: 0,
            categories: BTreeMap::new(),
        });
        let (events, granted) = (events.max(0) as u64, granted.max(0) as u64);
        if category == ALL_EVENTS {
            row.events = events;
            total_events += events;
        } else {
            let id = CategoryId::parse(&category).map_err(StoreError::Corrupt)?;
            let refused = events.saturating_sub(granted);
            let opt_in_rate = if events == 0 { 0.0 } else { granted as f64 / events as f64 };
            row.categories.insert(id, CategoryStats { granted, refused, opt_in_rate });
        }
    }
    Ok(Stats { total_events, rows: out.into_values().collect() })
}

/// Builds a history from stored `(seq, event JSON, received_at, hash)` rows in chain order.
pub(crate) fn history_from_rows(
    id: ConsentId,
    rows: Vec<(i64, String, i64, String)>,
) -> Result<Option<ConsentHistory>, StoreError> {
    use kuki_core::wire::StoredEvent;
    if rows.is_empty() {
        return Ok(None);
    }
    let events = rows
        .into_iter()
        .map(|(_, json, received_at, hash)| {
            let e: ConsentEvent = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(StoredEvent {
                seq: e.seq,
                action: e.action,
                categories: e.categories,
                policy_version: e.policy_version,
                config_revision: e.config_revision,
                lang: e.lang,
                gpc: e.gpc,
                client_time: e.client_time,
                received_at,
                hash,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Some(ConsentHistory { consent_id: id, events }))
}

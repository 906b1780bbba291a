//! Durable storage of consent events, with group commit.
//!
//! - [`sqlite`]: the embedded default (WAL, `synchronous=FULL`); one writer thread.
//! - [`postgres`]: for several replicas behind a load balancer; one writer task per replica, chains serialized
//!   across replicas by advisory locks.
//!
//! Both backends batch writes the same way: handlers send [`Command`]s to one writer, which takes everything
//! waiting (up to [`MAX_BATCH`]), applies it in one transaction and answers each command only after the commit.
//! So an acknowledged record is on disk, and a failed commit fails every command in it (503, to be retried).
//! Once the server has given it the key ([`Store::sign_batches_with`]), the writer also fixes the tree head after
//! each batch and hands every record of the batch its leaf under it ([`StoredMeta::batch`]); the head is signed
//! once, by the first receipt that needs it, on that request's task rather than on the serial writer.

mod pcache;
pub mod postgres;
pub mod sqlite;

use crate::chain::{Link, ReceiptSigner, FORMAT_V2, GENESIS};
use crate::config::DbUrl;
use crate::merkle::{BatchTree, Checkpoint, Frontier, SignedBatch};
use crate::time::utc_day;
use kuki_core::wire::{ConsentAction, ConsentEvent, ConsentHistory, Stats};
use kuki_core::ConsentId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// The most commands one transaction takes.
pub const MAX_BATCH: usize = 4096;
/// Commands waiting for the writer; beyond this, handlers wait to enqueue (backpressure, not errors).
const QUEUE: usize = 16_384;
/// Events one consent id may have when `KUKI_MAX_EVENTS_PER_ID` is not set: a browser posts one per choice, so
/// a real visitor never comes near it, while one id can no longer grow without limit.
pub const DEFAULT_MAX_EVENTS_PER_ID: u32 = 1000;
/// How long a write probe's answer is reused by `/readyz` (a probe is a real commit).
const READY_TTL: Duration = Duration::from_secs(1);

/// Limits the writer enforces.
#[derive(Clone, Copy, Debug)]
pub struct StoreOptions {
    /// Records one consent id may have; past it an insert is [`InsertOutcome::HistoryFull`].
    pub max_events_per_id: u32,
    /// SQLite: how large the write-ahead log may grow under sustained writes before a checkpoint restarts it.
    pub wal_restart_bytes: u64,
}

/// `KUKI_SQLITE_WAL_MIB` when not set: fewer restarts, each holding the writer off, for that much disk (see
/// `sqlite::checkpoint_loop`). PostgreSQL's own default (`max_wal_size`) is 1 GiB.
pub const DEFAULT_SQLITE_WAL_MIB: u32 = 256;

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_events_per_id: DEFAULT_MAX_EVENTS_PER_ID,
            wal_restart_bytes: u64::from(DEFAULT_SQLITE_WAL_MIB) << 20,
        }
    }
}

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
    /// The consent id already has [`StoreOptions::max_events_per_id`] records.
    HistoryFull,
}

/// What a receipt needs from a stored record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMeta {
    pub received_at: i64,
    pub hash: String,
    /// For a record stored by this very batch: its leaf and the batch's signed tree head. `None` for a record
    /// stored earlier (a replay) or when the store signs no batches ([`Store::sign_batches_with`] not called).
    pub batch: Option<BatchLeaf>,
}

/// A record's leaf in a signed batch: what its batched receipt is made from.
#[derive(Clone)]
pub struct BatchLeaf {
    /// The leaf index (0-based: `events.id - 1`).
    pub index: u64,
    pub batch: Arc<SignedBatch>,
}

impl fmt::Debug for BatchLeaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BatchLeaf {{ index: {}, tree_size: {} }}", self.index, self.batch.tree_size())
    }
}

impl PartialEq for BatchLeaf {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && Arc::ptr_eq(&self.batch, &other.batch)
    }
}

impl Eq for BatchLeaf {}

/// The key batches are signed with, once the server has loaded it (the store opens before the key is checked
/// against it); shared with the writer.
pub(crate) type BatchSigner = Arc<OnceLock<ReceiptSigner>>;

/// What one batch appended to the log, and which outcomes are records of it (by outcome position, leaf index).
pub(crate) struct Growth {
    pub tree: BatchTree,
    pub leaves: Vec<(usize, u64)>,
}

impl Growth {
    pub fn new(before: &Frontier) -> Growth {
        Growth { tree: BatchTree::new(before.clone()), leaves: Vec::new() }
    }

    /// Appends a leaf to `frontier` and to the batch.
    pub fn push(&mut self, frontier: &mut Frontier, data: &[u8; 32]) {
        self.tree.push(frontier.append(data));
    }

    /// Outcome `at` is the record at leaf `index` (0-based) of this batch.
    pub fn receipted(&mut self, at: usize, index: u64) {
        self.leaves.push((at, index));
    }

    /// Fixes the head of the tree after the batch (`frontier`, its right edge), to be signed once when a receipt
    /// first asks ([`SignedBatch::head`]), and gives each of the batch's records its leaf in it. Without a key, or
    /// without new leaves, the outcomes stay as they are (receipts are then signed one by one). The root comes from
    /// the frontier: the batch's inner nodes wait for the first proof.
    pub fn sign(self, signer: &BatchSigner, outcomes: &mut [Outcome], frontier: &Frontier) {
        let Some(signer) = signer.get() else { return };
        if self.tree.is_empty() || self.leaves.is_empty() {
            return;
        }
        debug_assert_eq!(frontier.size(), self.tree.size());
        let batch = Arc::new(SignedBatch::new(
            self.tree,
            frontier.size(),
            frontier.root(),
            crate::time::now_ms(),
            signer.clone(),
        ));
        for (at, index) in self.leaves {
            if let Some(Outcome::Insert(InsertOutcome::Created(meta) | InsertOutcome::Replayed(meta))) =
                outcomes.get_mut(at)
            {
                meta.batch = Some(BatchLeaf { index, batch: batch.clone() });
            }
        }
    }
}

/// One stored row, as `verify` reads it.
#[derive(Clone, Debug)]
pub struct Row {
    /// The record's leaf index in the log ([`crate::merkle`]): 1, 2, ... in the order records were stored.
    pub id: i64,
    pub consent_id: String,
    pub seq: i64,
    pub pos: i64,
    /// [`crate::chain::FORMAT_V1`] or [`FORMAT_V2`].
    pub format: i64,
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
            format: self.format,
            prev_hash: &self.prev_hash,
            consent_id: &self.consent_id,
            pos: self.pos,
            seq: self.seq,
            event: &self.event,
            received_at: self.received_at,
            origin: self.origin.as_deref(),
            ip_prefix: self.ip_prefix.as_deref(),
        }
    }
}

/// One leaf of the log, as `verify` reads it (in index order).
#[derive(Clone, Debug)]
pub struct Leaf {
    pub idx: i64,
    /// The record's (or erasure's) hash, hex: the leaf's data.
    pub hash: String,
    pub kind: LeafKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafKind {
    /// A stored record (`events`).
    Record,
    /// A record erased by the erasure at this leaf index; only its hash is left.
    Erased { by: i64 },
    /// An erasure: its hash covers the indices of the records it erased.
    Erasure,
}

/// The log's current size and right edge, as the writer left them.
#[derive(Clone, Debug)]
pub struct LogHead {
    pub frontier: Frontier,
}

/// `GET /api/v1/consents/{id}`: a page of the history. The fields of [`ConsentHistory`], and the cursor of the
/// next page (`null` on the last).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    #[serde(flatten)]
    pub history: ConsentHistory,
    /// Pass as `after` to read on; `None` when this page ends the history.
    pub next: Option<i64>,
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
    /// A write that changes nothing of value, committed like any other: can a write commit now?
    Probe(oneshot::Sender<Result<(), StoreError>>),
}

/// What applying one command did, in batch order.
pub(crate) enum Outcome {
    Insert(InsertOutcome),
    Erase(bool),
    Probe,
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
                    (Command::Probe(reply), Outcome::Probe) => drop(reply.send(Ok(()))),
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
                    Command::Probe(reply) => drop(reply.send(Err(unavailable(&e)))),
                }
            }
        }
    }
}

/// The commands of a batch that read or write consent records (write probes left out of the writer's counts).
pub(crate) fn consent_commands(batch: &[Command]) -> usize {
    batch.iter().filter(|c| !matches!(c, Command::Probe(_))).count()
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
    signer: BatchSigner,
    stats: Arc<WriterStats>,
    backend: Backend,
    /// The last write probe: when, and whether it committed.
    ready: Arc<Mutex<Option<(Instant, bool)>>>,
    /// The last checkpoint signed; reused while the tree has not grown.
    checkpoint: Arc<Mutex<Option<Checkpoint>>>,
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Reader),
    Postgres(postgres::Reader),
}

/// Runs the same reader method on whichever backend is open.
macro_rules! on_backend {
    ($self:ident, $r:ident => $call:expr) => {
        match &$self.backend {
            Backend::Sqlite($r) => $call,
            Backend::Postgres($r) => $call,
        }
    };
}

impl Store {
    /// Opens (creating and migrating as needed) the database and starts its writer, with default limits.
    pub async fn open(url: &DbUrl) -> Result<Store, StoreError> {
        Store::open_with(url, StoreOptions::default()).await
    }

    pub async fn open_with(url: &DbUrl, options: StoreOptions) -> Result<Store, StoreError> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let stats = Arc::new(WriterStats::default());
        let signer = BatchSigner::default();
        let backend = match url {
            DbUrl::Sqlite(path) => {
                Backend::Sqlite(sqlite::open(path.clone(), rx, stats.clone(), options, signer.clone()).await?)
            }
            DbUrl::Postgres(url) => {
                Backend::Postgres(postgres::open(url, rx, stats.clone(), options, signer.clone()).await?)
            }
        };
        Ok(Store { writer: tx, signer, stats, backend, ready: Arc::default(), checkpoint: Arc::default() })
    }

    /// From now on the writer signs one checkpoint per batch with `signer`, and each record it stores comes back
    /// with its leaf in it ([`StoredMeta::batch`]). Only the first key given counts.
    pub fn sign_batches_with(&self, signer: ReceiptSigner) {
        let _ = self.signer.set(signer);
    }

    pub fn writer_stats(&self) -> &WriterStats {
        &self.stats
    }

    pub async fn insert(&self, record: NewRecord) -> Result<InsertOutcome, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Insert(record, tx)).await?;
        let result = rx.await.map_err(|_| StoreError::Unavailable("the writer stopped".into()))?;
        self.not_ready_if_failed(result)
    }

    pub async fn erase(&self, id: ConsentId) -> Result<bool, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Erase(id, tx)).await?;
        let result = rx.await.map_err(|_| StoreError::Unavailable("the writer stopped".into()))?;
        self.not_ready_if_failed(result)
    }

    /// A write that could not commit is as good as a failed probe: `/readyz` says so at once, not a second later.
    fn not_ready_if_failed<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(StoreError::Unavailable(_)) = &result {
            *self.ready.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), false));
        }
        result
    }

    async fn send(&self, cmd: Command) -> Result<(), StoreError> {
        self.writer.send(cmd).await.map_err(|_| StoreError::Unavailable("the writer stopped".into()))
    }

    /// Can a write commit? A real write through the writer (so through the same file, disk and checks as a
    /// consent record), its answer reused for [`READY_TTL`].
    pub async fn ready(&self) -> Result<(), StoreError> {
        let cached = *self.ready.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, ok)) = cached.filter(|(at, _)| at.elapsed() < READY_TTL) {
            return if ok { Ok(()) } else { Err(StoreError::Unavailable("the last write probe failed".into())) };
        }
        let (tx, rx) = oneshot::channel();
        let result = match self.send(Command::Probe(tx)).await {
            Ok(()) => rx.await.unwrap_or_else(|_| Err(StoreError::Unavailable("the writer stopped".into()))),
            Err(e) => Err(e),
        };
        *self.ready.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), result.is_ok()));
        result
    }

    /// A page of a consent id's events in the order they were stored: those after position `after` (0: from the
    /// start), at most `limit`. `None` when the id has no events.
    pub async fn history(&self, id: ConsentId, after: i64, limit: u32) -> Result<Option<HistoryPage>, StoreError> {
        on_backend!(self, r => r.history(id, after, limit).await)
    }

    pub async fn stats(&self) -> Result<Stats, StoreError> {
        on_backend!(self, r => r.stats().await)
    }

    /// Is the database answering a read? (Readiness is [`Store::ready`], a write.)
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_backend!(self, r => r.ping().await)
    }

    /// The log's size and right edge as last committed (by any replica).
    pub async fn log_head(&self) -> Result<LogHead, StoreError> {
        on_backend!(self, r => r.log_head().await)
    }

    /// A signed head of the log as it is now; the same one again while the log has not grown.
    pub async fn checkpoint(&self, signer: &ReceiptSigner) -> Result<Checkpoint, StoreError> {
        let head = self.log_head().await?;
        let root = crate::chain::hex(&head.frontier.root());
        let mut cached = self.checkpoint.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cp) = cached.as_ref().filter(|c| c.tree_size == head.frontier.size() && c.root_hash == root) {
            return Ok(cp.clone());
        }
        let cp = Checkpoint::sign(signer, head.frontier.size(), &head.frontier.root(), crate::time::now_ms());
        *cached = Some(cp.clone());
        Ok(cp)
    }

    /// Every stored row, ordered by consent id then position, handed to `visit` one at a time.
    pub async fn scan(&self, visit: impl FnMut(Row) + Send + 'static) -> Result<(), StoreError> {
        on_backend!(self, r => r.scan(visit).await)
    }

    /// Every leaf of the log (records, tombstones of erased records, erasures) in index order.
    pub async fn scan_leaves(&self, visit: impl FnMut(Leaf) + Send + 'static) -> Result<(), StoreError> {
        on_backend!(self, r => r.scan_leaves(visit).await)
    }

    /// How many records are stored (the load benchmark and crash test count them).
    pub async fn count(&self) -> Result<u64, StoreError> {
        on_backend!(self, r => r.count().await)
    }

    /// The receipt secret a database from before the key file kept (`server_keys`), if it still holds one.
    pub async fn legacy_secret(&self) -> Result<Option<String>, StoreError> {
        on_backend!(self, r => r.legacy_secret().await)
    }

    /// Removes that old secret from the database for good.
    pub async fn forget_legacy_secret(&self) -> Result<(), StoreError> {
        on_backend!(self, r => r.forget_legacy_secret().await)
    }

    /// Records `public_key` (hex) as the database's receipt key unless one is recorded; answers the recorded one.
    pub async fn register_public_key(&self, public_key: &str) -> Result<String, StoreError> {
        let key = public_key.to_owned();
        on_backend!(self, r => r.register_public_key(key).await)
    }

    /// The receipt public key the database recorded, if any.
    pub async fn public_key(&self) -> Result<Option<String>, StoreError> {
        on_backend!(self, r => r.public_key().await)
    }
}

/// The chain head of a consent id: its last position and hash.
pub(crate) struct Head {
    pub pos: i64,
    pub hash: String,
}

/// Builds the row for `record` as leaf `id` of the log, after `head` (or as the first of its chain), and its
/// hash as bytes (the leaf's data).
pub(crate) fn next_row(record: &NewRecord, consent_id: &str, head: Option<&Head>, id: i64) -> (Row, [u8; 32]) {
    let (prev_hash, pos) = match head {
        Some(h) => (h.hash.clone(), h.pos + 1),
        None => (GENESIS.to_owned(), 1),
    };
    let mut row = Row {
        id,
        consent_id: consent_id.to_owned(),
        seq: i64::from(record.event.seq),
        pos,
        format: FORMAT_V2,
        event: record.event_json.clone(),
        received_at: record.received_at,
        origin: record.origin.clone(),
        ip_prefix: record.ip_prefix.clone(),
        prev_hash,
        hash: String::new(),
    };
    let digest = row.link().digest();
    row.hash = crate::chain::hex(&digest);
    (row, digest)
}

/// The text of a consent id as stored and hashed (`ConsentId`'s `Display`: 8-4-4-4-12 lowercase hex digits),
/// written without the formatting machinery: the writers build one for every record, on their serial path.
pub(crate) fn consent_id_text(id: &ConsentId) -> String {
    let mut s = String::with_capacity(36);
    for (i, &b) in id.as_bytes().iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.extend(crate::chain::hex_pair(b).map(char::from));
    }
    s
}

/// The frontier of a log whose leaves (data hashes, hex) come in index order.
pub(crate) fn frontier_of(hashes: impl IntoIterator<Item = String>) -> Result<Frontier, StoreError> {
    let mut f = Frontier::default();
    for h in hashes {
        f.push(&crate::chain::unhex(&h).ok_or_else(|| StoreError::Corrupt(format!("hash {h:?}")))?);
    }
    Ok(f)
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

/// Builds a history page from stored `(pos, event JSON, received_at, hash)` rows in chain order, fetched with one
/// row more than `limit` to learn whether another page follows.
pub(crate) fn page_from_rows(
    id: ConsentId,
    mut rows: Vec<(i64, String, i64, String)>,
    limit: u32,
) -> Result<HistoryPage, StoreError> {
    use kuki_core::wire::StoredEvent;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.0)
    } else {
        None
    };
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
                services: e.services,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(HistoryPage { history: ConsentHistory { consent_id: id, events }, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_id_text_is_its_display() {
        for bytes in [[0u8; 16], [0xff; 16], core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(3))] {
            let id = ConsentId::from_random(bytes);
            assert_eq!(consent_id_text(&id), id.to_string());
        }
        let id = ConsentId::parse("02020202-0202-4202-8202-0A0b0c0d0e0f").unwrap();
        assert_eq!(consent_id_text(&id), "02020202-0202-4202-8202-0a0b0c0d0e0f");
    }
}

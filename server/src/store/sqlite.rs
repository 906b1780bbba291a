//! The embedded SQLite store: one writer thread doing group commit, a small pool of reader connections.
//!
//! WAL with `synchronous=FULL` fsyncs the log at every commit, so a record is acknowledged only once it survives
//! a crash or power cut. Readers never block the writer (WAL) and run on tokio's blocking pool.

use super::{
    answer_batch, history_from_rows, next_row, stats_from_rows, unavailable, Command, Head, InsertOutcome, Outcome,
    Row, StatsDelta, StoreError, StoredMeta, WriterStats, MAX_BATCH,
};
use crate::chain::ReceiptSigner;
use kuki_core::wire::{ConsentHistory, Stats};
use kuki_core::ConsentId;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Versioned schema changes; each runs once, in order, in one transaction with its bookkeeping.
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    // Rows are appended in insertion order (rowid), so a commit dirties the table's last pages only; the one
    // index, on the idempotency key, also finds a chain head (a consent id has a handful of rows). Positions stay
    // unique because one writer assigns them, and `verify` checks them.
    "CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        consent_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        pos INTEGER NOT NULL,
        event TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        origin TEXT,
        ip_prefix TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (consent_id, seq)
    );
    CREATE TABLE daily_stats (
        day TEXT NOT NULL,
        action TEXT NOT NULL,
        category TEXT NOT NULL,
        events INTEGER NOT NULL,
        granted INTEGER NOT NULL,
        PRIMARY KEY (day, action, category)
    ) WITHOUT ROWID;
    CREATE TABLE server_keys (
        name TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );",
)];

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // 64 MiB of page cache: index pages of random consent ids stay in memory instead of being read back.
    conn.pragma_update(None, "cache_size", -65536)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let done: Option<i64> = tx
            .query_row("SELECT version FROM schema_migrations WHERE version = ?1", [version], |r| r.get(0))
            .optional()?;
        if done.is_none() {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, crate::time::now_ms()],
            )?;
        }
    }
    tx.commit()
}

/// The stored receipt key, or a new one stored now.
fn load_or_create_key(conn: &Connection) -> Result<ReceiptSigner, StoreError> {
    let fresh = ReceiptSigner::generate();
    conn.execute(
        "INSERT INTO server_keys (name, secret, created_at) VALUES ('receipt', ?1, ?2) ON CONFLICT (name) DO NOTHING",
        params![fresh.secret_hex(), crate::time::now_ms()],
    )
    .map_err(unavailable)?;
    let secret: String = conn
        .query_row("SELECT secret FROM server_keys WHERE name = 'receipt'", [], |r| r.get(0))
        .map_err(unavailable)?;
    ReceiptSigner::from_secret_hex(&secret).ok_or_else(|| StoreError::Corrupt("the stored receipt key".into()))
}

/// Opens the database file (creating its folder), migrates it and starts the writer thread on `rx`.
pub async fn open(path: PathBuf, rx: mpsc::Receiver<Command>, stats: Arc<WriterStats>) -> Result<Reader, StoreError> {
    tokio::task::spawn_blocking(move || {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| unavailable(format!("creating {}: {e}", dir.display())))?;
        }
        let mut conn = connect(&path).map_err(unavailable)?;
        migrate(&mut conn).map_err(unavailable)?;
        let signer = load_or_create_key(&conn)?;
        // Checkpoints copy the log into the database file and fsync it: done on the writer's commit they stall
        // every request in that batch, so a separate connection does them in the background instead.
        conn.pragma_update(None, "wal_autocheckpoint", 0).map_err(unavailable)?;
        let checkpointer = connect(&path).map_err(unavailable)?;
        std::thread::Builder::new()
            .name("kuki-sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer))
            .map_err(unavailable)?;
        std::thread::Builder::new()
            .name("kuki-sqlite-writer".into())
            .spawn(move || writer(conn, rx, stats))
            .map_err(unavailable)?;
        Ok(Reader {
            path: Arc::new(path),
            pool: Arc::new(Mutex::new(Vec::new())),
            permits: Arc::new(tokio::sync::Semaphore::new(READERS)),
            signer,
        })
    })
    .await
    .map_err(unavailable)?
}

/// Every 250 ms, copies committed log pages into the database without blocking the writer (`PASSIVE`); the log
/// then starts over from its beginning once no reader needs its old pages. Ends with the process.
fn checkpoint_loop(conn: Connection) {
    loop {
        std::thread::sleep(std::time::Duration::from_millis(250));
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "sqlite checkpoint failed; retrying");
        }
    }
}

/// Runs until every sender is gone: takes all waiting commands, applies them in one transaction, answers them.
fn writer(mut conn: Connection, mut rx: mpsc::Receiver<Command>, stats: Arc<WriterStats>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let result = apply(&mut conn, &batch);
        stats.record(batch.len(), started, result.is_ok());
        answer_batch(&mut batch, result, "sqlite");
    }
}

fn apply(conn: &mut Connection, batch: &[Command]) -> rusqlite::Result<Vec<Outcome>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut stats = StatsDelta::default();
    {
        // One index probe per event: a consent id's rows (a handful) give both any earlier store of the same
        // seq and the chain head.
        let mut chain =
            tx.prepare_cached("SELECT seq, pos, event, received_at, hash FROM events WHERE consent_id = ?1")?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (consent_id, seq, pos, event, received_at, origin, ip_prefix, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut erase = tx.prepare_cached("DELETE FROM events WHERE consent_id = ?1")?;
        for cmd in batch {
            match cmd {
                Command::Insert(record, _) => {
                    let id = record.event.consent_id.to_string();
                    let seq = i64::from(record.event.seq);
                    let mut found = None;
                    let mut last: Option<Head> = None;
                    let mut rows = chain.query([&id])?;
                    while let Some(r) = rows.next()? {
                        let pos: i64 = r.get(1)?;
                        if r.get::<_, i64>(0)? == seq {
                            found = Some((r.get::<_, String>(2)?, r.get::<_, i64>(3)?, r.get::<_, String>(4)?));
                        }
                        if last.as_ref().is_none_or(|h| pos > h.pos) {
                            last = Some(Head { pos, hash: r.get(4)? });
                        }
                    }
                    drop(rows);
                    let outcome = match found {
                        Some((event, received_at, hash)) if event == record.event_json => {
                            InsertOutcome::Replayed(StoredMeta { received_at, hash })
                        }
                        Some(_) => InsertOutcome::Conflict,
                        None => {
                            let row = next_row(record, &id, last);
                            insert.execute(params![
                                row.consent_id,
                                row.seq,
                                row.pos,
                                row.event,
                                row.received_at,
                                row.origin,
                                row.ip_prefix,
                                row.prev_hash,
                                row.hash
                            ])?;
                            stats.add(record);
                            InsertOutcome::Created(StoredMeta { received_at: row.received_at, hash: row.hash })
                        }
                    };
                    outcomes.push(Outcome::Insert(outcome));
                }
                Command::Erase(id, _) => {
                    let n = erase.execute([id.to_string()])?;
                    outcomes.push(Outcome::Erase(n > 0));
                }
            }
        }
        let mut upsert = tx.prepare_cached(
            "INSERT INTO daily_stats (day, action, category, events, granted) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (day, action, category)
             DO UPDATE SET events = events + excluded.events, granted = granted + excluded.granted",
        )?;
        for (day, action, category, events, granted) in stats.rows() {
            upsert.execute(params![day, action, category, events, granted])?;
        }
    }
    let commit_started = std::time::Instant::now();
    tx.commit()?;
    tracing::trace!(commit_micros = commit_started.elapsed().as_micros() as u64, "sqlite commit");
    Ok(outcomes)
}

/// Concurrent reads; more wait their turn (reads are short: one consent id's rows, or the stats table).
const READERS: usize = 8;

/// Read access: connections are opened on demand and kept for reuse.
#[derive(Clone)]
pub struct Reader {
    path: Arc<PathBuf>,
    pool: Arc<Mutex<Vec<Connection>>>,
    /// At most [`READERS`] reads at once, so the pool (each connection with its page cache) stays small.
    permits: Arc<tokio::sync::Semaphore>,
    signer: ReceiptSigner,
}

impl Reader {
    /// Runs `f` with a pooled connection on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let this = self.clone();
        let permit = self.permits.clone().acquire_owned().await.map_err(unavailable)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let pooled = this.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let conn = match pooled {
                Some(c) => c,
                None => connect(&this.path).map_err(unavailable)?,
            };
            let out = f(&conn);
            if out.is_ok() {
                this.pool.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
            }
            out
        })
        .await
        .map_err(unavailable)?
    }

    pub async fn history(&self, id: ConsentId) -> Result<Option<ConsentHistory>, StoreError> {
        let rows = self
            .with(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT seq, event, received_at, hash FROM events WHERE consent_id = ?1 ORDER BY pos",
                    )
                    .map_err(unavailable)?;
                let rows = stmt
                    .query_map([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .map_err(unavailable)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
            })
            .await?;
        history_from_rows(id, rows)
    }

    pub async fn stats(&self) -> Result<Stats, StoreError> {
        let rows = self
            .with(|c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT day, action, category, events, granted FROM daily_stats ORDER BY day, action, category",
                    )
                    .map_err(unavailable)?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                    .map_err(unavailable)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
            })
            .await?;
        stats_from_rows(rows)
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(unavailable)).await
    }

    pub async fn receipt_signer(&self) -> Result<ReceiptSigner, StoreError> {
        Ok(self.signer.clone())
    }

    pub async fn count(&self) -> Result<u64, StoreError> {
        self.with(|c| c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0)).map_err(unavailable))
            .await
            .map(|n| n as u64)
    }

    pub async fn scan(&self, mut visit: impl FnMut(Row) + Send + 'static) -> Result<(), StoreError> {
        self.with(move |c| {
            let mut stmt = c
                .prepare(
                    "SELECT consent_id, seq, pos, event, received_at, origin, ip_prefix, prev_hash, hash
                     FROM events ORDER BY consent_id, pos",
                )
                .map_err(unavailable)?;
            let mut rows = stmt.query([]).map_err(unavailable)?;
            while let Some(r) = rows.next().map_err(unavailable)? {
                visit(row_from(r).map_err(unavailable)?);
            }
            Ok(())
        })
        .await
    }
}

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        consent_id: r.get(0)?,
        seq: r.get(1)?,
        pos: r.get(2)?,
        event: r.get(3)?,
        received_at: r.get(4)?,
        origin: r.get(5)?,
        ip_prefix: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

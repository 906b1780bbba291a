//! The embedded SQLite store: one writer thread doing group commit, a small pool of reader connections.
//!
//! WAL with `synchronous=FULL` fsyncs the log at every commit, so a record is acknowledged only once it survives
//! a crash or power cut. Readers never block the writer (WAL) and run on tokio's blocking pool.
//!
//! Before every batch the writer checks that the path still names the file it has open: a database file deleted
//! or replaced under the running server would otherwise take commits that vanish at the next start, so every
//! write (and `/readyz`) is 503 from then on.

use super::{
    answer_batch, frontier_of, next_row, page_from_rows, stats_from_rows, unavailable, BatchSigner, Command, Growth,
    Head, HistoryPage, InsertOutcome, Leaf, LeafKind, LogHead, Outcome, Row, StatsDelta, StoreError, StoreOptions,
    StoredMeta, WriterStats, MAX_BATCH,
};
use crate::merkle::{erasure_digest, Frontier};
use kuki_core::wire::Stats;
use kuki_core::ConsentId;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Versioned schema changes; each runs once, in order, in one transaction with its bookkeeping.
const MIGRATIONS: &[(i64, &str)] = &[
    (
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
    ),
    (
        2,
        // Issue 12. `id` becomes the record's leaf index in the log (dense, in store order: old rows are numbered
        // in their insertion order), `format` tells the old hash from the new one (which covers seq), and
        // (consent_id, pos) is unique: it finds a chain head by index and no two records can follow the same one.
        // Erased records leave their hash behind in `tombstones`; `log_state` keeps the tree's right edge;
        // `receipt_key` records the public key only (the secret moves to the key file).
        "CREATE TABLE events_v2 (
            id INTEGER PRIMARY KEY,
            consent_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            pos INTEGER NOT NULL,
            format INTEGER NOT NULL,
            event TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            origin TEXT,
            ip_prefix TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (consent_id, seq),
            UNIQUE (consent_id, pos)
        );
        INSERT INTO events_v2 (id, consent_id, seq, pos, format, event, received_at, origin, ip_prefix, prev_hash, hash)
            SELECT row_number() OVER (ORDER BY id), consent_id, seq, pos, 1, event, received_at, origin, ip_prefix,
                   prev_hash, hash
            FROM events ORDER BY id;
        DROP TABLE events;
        ALTER TABLE events_v2 RENAME TO events;
        CREATE TABLE tombstones (
            idx INTEGER PRIMARY KEY,
            hash TEXT NOT NULL,
            erased_by INTEGER
        );
        CREATE TABLE log_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            size INTEGER NOT NULL,
            frontier BLOB NOT NULL,
            probed_at INTEGER
        );
        CREATE TABLE receipt_key (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            public_key TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );",
    ),
    (
        3,
        // Cheaper writes. Both unique keys of a record, (consent_id, seq) and (consent_id, pos), were indexes of
        // their own over every event: a new record dirtied a random page of each, and a group commit wrote and
        // checksummed twice as many pages as it had records. Now both keys live in one WITHOUT ROWID table keyed by
        // the id's 16 bytes, where an id's seq and pos keys sit side by side: a new record dirties one random page,
        // and `events` is appended to by its rowid (the leaf index) only. The table still refuses a second record
        // at a stored (consent_id, seq) or (consent_id, pos) (no fork), and the trigger files both keys of every
        // row inserted into `events` (and refile or drop them as rows change or go), so the keys follow the rows
        // as an index would and no insert can go around them. `kind` 0 is a seq key, 1 a pos key (an id's
        // last pos key is its chain head); `leaf` is the record's `events.id`.
        "CREATE TABLE events_v3 (
            id INTEGER PRIMARY KEY,
            consent_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            pos INTEGER NOT NULL,
            format INTEGER NOT NULL,
            event TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            origin TEXT,
            ip_prefix TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        INSERT INTO events_v3 (id, consent_id, seq, pos, format, event, received_at, origin, ip_prefix, prev_hash, hash)
            SELECT id, consent_id, seq, pos, format, event, received_at, origin, ip_prefix, prev_hash, hash
            FROM events ORDER BY id;
        DROP TABLE events;
        ALTER TABLE events_v3 RENAME TO events;
        CREATE TABLE record_keys (
            consent_id BLOB NOT NULL,
            kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
            n INTEGER NOT NULL,
            leaf INTEGER NOT NULL,
            PRIMARY KEY (consent_id, kind, n)
        ) WITHOUT ROWID;
        INSERT INTO record_keys (consent_id, kind, n, leaf)
            SELECT unhex(replace(consent_id, '-', '')), 0, seq, id FROM events
            UNION ALL SELECT unhex(replace(consent_id, '-', '')), 1, pos, id FROM events;
        CREATE TRIGGER events_keys_filed AFTER INSERT ON events BEGIN
            INSERT INTO record_keys (consent_id, kind, n, leaf) VALUES
                (unhex(replace(NEW.consent_id, '-', '')), 0, NEW.seq, NEW.id),
                (unhex(replace(NEW.consent_id, '-', '')), 1, NEW.pos, NEW.id);
        END;
        CREATE TRIGGER events_keys_removed AFTER DELETE ON events BEGIN
            DELETE FROM record_keys WHERE consent_id = unhex(replace(OLD.consent_id, '-', '')) AND leaf = OLD.id;
        END;
        CREATE TRIGGER events_keys_refiled AFTER UPDATE OF id, consent_id, seq, pos ON events BEGIN
            DELETE FROM record_keys WHERE consent_id = unhex(replace(OLD.consent_id, '-', '')) AND leaf = OLD.id;
            INSERT INTO record_keys (consent_id, kind, n, leaf) VALUES
                (unhex(replace(NEW.consent_id, '-', '')), 0, NEW.seq, NEW.id),
                (unhex(replace(NEW.consent_id, '-', '')), 1, NEW.pos, NEW.id);
        END;",
    ),
];

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    connect_with(path, OpenFlags::default())
}

/// Opens an existing database only: a reader must never create an empty file where the database was deleted.
fn connect_existing(path: &Path) -> rusqlite::Result<Connection> {
    connect_with(path, OpenFlags::default() - OpenFlags::SQLITE_OPEN_CREATE)
}

fn connect_with(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    // Before the process's first connection: the page cache without its full walk at every commit.
    super::pcache::install();
    let conn = Connection::open_with_flags(path, flags)?;
    // Plans stay as first prepared. Without this, SQLite (3.54) marks a statement to be prepared again whenever a
    // parameter compared with `=` is rebound from 0 or 1 to another value: the writer's replay probe binds
    // `seq`, 1 for most events, so each replay compiled that statement anew (perf: `sqlite3Reprepare` 2 % of the
    // server's CPU under the load benchmark, whose bodies repeat a few ids). Every query here has one sensible
    // plan, on its table's key.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
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
    // The log's right edge, computed once from the records a migrated database already holds.
    let has_state: Option<i64> =
        tx.query_row("SELECT size FROM log_state WHERE id = 1", [], |r| r.get(0)).optional()?;
    if has_state.is_none() {
        let hashes = {
            let mut stmt = tx.prepare("SELECT hash FROM events ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let frontier = frontier_of(hashes).map_err(|e| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(e.to_string()),
            )
        })?;
        tx.execute(
            "INSERT INTO log_state (id, size, frontier) VALUES (1, ?1, ?2)",
            params![frontier.size() as i64, frontier.to_bytes()],
        )?;
    }
    tx.commit()
}

/// Opens the database file (creating its folder), migrates it and starts the writer thread on `rx`.
pub async fn open(
    path: PathBuf,
    rx: mpsc::Receiver<Command>,
    stats: Arc<WriterStats>,
    options: StoreOptions,
    signer: BatchSigner,
) -> Result<Reader, StoreError> {
    tokio::task::spawn_blocking(move || {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| unavailable(format!("creating {}: {e}", dir.display())))?;
        }
        let mut conn = connect(&path).map_err(unavailable)?;
        migrate(&mut conn).map_err(unavailable)?;
        let (size, bytes): (i64, Vec<u8>) = conn
            .query_row("SELECT size, frontier FROM log_state WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(unavailable)?;
        let frontier = Frontier::from_bytes(size as u64, &bytes)
            .ok_or_else(|| StoreError::Corrupt("log_state.frontier does not fit its size".into()))?;
        // The log file exists now (the reads above opened it): the one SQLite keeps writing to.
        let wal_path = wal_path_of(&path);
        let writer_state = Writer {
            identity: file_identity(&path),
            wal_identity: file_identity(&wal_path),
            wal_path,
            path: path.clone(),
            frontier,
            max_events: i64::from(options.max_events_per_id),
            signer,
        };
        // Checkpoints copy the log into the database file and fsync it: done on the writer's commit they stall
        // every request in that batch, so a separate connection does them in the background instead.
        conn.pragma_update(None, "wal_autocheckpoint", 0).map_err(unavailable)?;
        // The checkpointer's restart holds the writer off for a moment: it tries again soon, not 1 to 10 ms later.
        conn.busy_handler(Some(short_naps())).map_err(unavailable)?;
        let checkpointer = connect_existing(&path).map_err(unavailable)?;
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).map_err(unavailable)?;
        let restart_frames = (options.wal_restart_bytes / page_size.max(512) as u64).max(1) as i64;
        std::thread::Builder::new()
            .name("kuki-sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, restart_frames))
            .map_err(unavailable)?;
        std::thread::Builder::new()
            .name("kuki-sqlite-writer".into())
            .spawn(move || writer(conn, writer_state, rx, stats))
            .map_err(unavailable)?;
        Ok(Reader {
            path: Arc::new(path),
            pool: Arc::new(Mutex::new(Vec::new())),
            permits: Arc::new(tokio::sync::Semaphore::new(READERS)),
        })
    })
    .await
    .map_err(unavailable)?
}

/// Every 250 ms, copies committed log pages into the database without blocking the writer (`PASSIVE`). Under
/// steady load that alone never lets the log start over: the writer commits again before a checkpoint has caught
/// up, so the log grew without bound (400 MB in 6 s of writes), every commit appended fresh file pages (zeroed and
/// allocated by the kernel) and page lookups walked an ever larger log index. So once the log is long, a `RESTART`
/// checkpoint follows: it holds writers off only while it copies the few frames the passive pass left (then the
/// writer's next commit starts the log from its beginning, overwriting pages already in memory). Ends with the
/// process.
///
/// How long the log may grow first (`restart_frames`, from `KUKI_SQLITE_WAL_MIB`) trades disk for latency: a restart
/// holds the writer 20 to 100 ms (the frames the passive pass left, the log's fsync, the database file's fsync),
/// and under the load benchmark the log grows about 60 MB/s (each batch dirties an index page per random consent
/// id). At 16 MiB that was a restart every quarter second, and the write p99 (63 ms) was the restarts; at 256 MiB
/// one every few seconds (p99 40 ms). The file keeps its largest size for reuse; under light load the passive pass
/// catches up and the log starts over long before the cap.
fn checkpoint_loop(mut conn: Connection, restart_frames: i64) {
    // Waiting for the writer between two of its batches: short naps, so the restart slips into the first gap.
    let _ = conn.busy_handler(Some(short_naps()));
    loop {
        std::thread::sleep(std::time::Duration::from_millis(250));
        let frames = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1));
        let result = match frames {
            Ok(frames) if frames >= restart_frames => conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())),
            other => other.map(drop),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "sqlite checkpoint failed; retrying");
        }
    }
}

/// A busy handler that retries every 100 µs for up to 5 s, as long as the busy timeout it replaces (SQLite's own
/// handler waits 1, 2, 5, 10 ms ... between tries, far longer than what it waits out here: a checkpoint restart
/// or one writer batch).
fn short_naps() -> impl FnMut(i32) -> bool + Send + 'static {
    const NAP: std::time::Duration = std::time::Duration::from_micros(100);
    const GIVE_UP: std::time::Duration = std::time::Duration::from_secs(5);
    let mut since = std::time::Instant::now();
    move |tries| {
        if tries == 0 {
            since = std::time::Instant::now();
        }
        if since.elapsed() >= GIVE_UP {
            return false;
        }
        std::thread::sleep(NAP);
        true
    }
}

/// The write-ahead log beside the database file at `path`: SQLite names it `<path>-wal`.
fn wal_path_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// (device, inode) of the file at `path`, if there is one.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).ok().map(|_| (0, 0))
    }
}

/// What the writer thread keeps between batches.
struct Writer {
    path: PathBuf,
    /// The file the writer opened; the path must still name it.
    identity: Option<(u64, u64)>,
    /// The write-ahead log SQLite has open (`<path>-wal`), which the path must also still name: SQLite goes on
    /// committing into a deleted or replaced log's open file, and those commits are gone at the next start.
    wal_path: PathBuf,
    wal_identity: Option<(u64, u64)>,
    /// The log's right edge after the last commit.
    frontier: Frontier,
    max_events: i64,
    /// Signs each batch's tree head.
    signer: BatchSigner,
}

/// Runs until every sender is gone: takes all waiting commands, applies them in one transaction, answers them.
fn writer(mut conn: Connection, mut state: Writer, mut rx: mpsc::Receiver<Command>, stats: Arc<WriterStats>) {
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
        let result = state.apply(&mut conn, &batch);
        stats.record(super::consent_commands(&batch), started, result.is_ok());
        answer_batch(&mut batch, result, "sqlite");
    }
}

impl Writer {
    /// One batch in one transaction; on failure the in-memory frontier is put back as it was.
    fn apply(&mut self, conn: &mut Connection, batch: &[Command]) -> Result<Vec<Outcome>, StoreError> {
        self.files_in_place()?;
        let before = self.frontier.clone();
        // Checked again after the commit: a log deleted while the batch ran took that commit with it.
        let result = self.apply_tx(conn, batch).map_err(unavailable).and_then(|outcomes| {
            self.files_in_place()?;
            Ok(outcomes)
        });
        if result.is_err() {
            self.frontier = before;
        }
        result
    }

    /// Two stat() calls, before and after each batch's commit (four a batch, against its 20 to 80 records): the
    /// paths must still name the database file and the log SQLite has open (not deleted, not replaced), else
    /// nothing is acknowledged from then on.
    fn files_in_place(&mut self) -> Result<(), StoreError> {
        if file_identity(&self.path) != self.identity {
            return Err(StoreError::Unavailable(format!(
                "the database file {} was deleted or replaced under the running server; restart it on the right file",
                self.path.display()
            )));
        }
        let wal = file_identity(&self.wal_path);
        match self.wal_identity {
            // Not there at the start (it always is once the database was read): the first one seen is SQLite's.
            None => self.wal_identity = wal,
            Some(open) if wal != Some(open) => {
                return Err(StoreError::Unavailable(format!(
                    "the write-ahead log {} was deleted or replaced under the running server; its commits are lost \
                     at the next start: restart the server",
                    self.wal_path.display()
                )))
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn apply_tx(&mut self, conn: &mut Connection, batch: &[Command]) -> rusqlite::Result<Vec<Outcome>> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut stats = StatsDelta::default();
        let size_before = self.frontier.size();
        let mut growth = Growth::new(&self.frontier);
        let mut probed = false;
        {
            // A new id (most events: a visitor's first choice) costs no probe at all: its record is inserted as the
            // first of its chain, and `record_keys` refuses that insert exactly when the id already has a record
            // (every chain has a position 1, and the trigger files its key). Only then do the probes run, at most
            // two, both on the id's page of `record_keys`: its last pos key for the chain head, then the seq key
            // for a replay; each then reads its record by rowid.
            let mut existing = tx.prepare_cached(
                "SELECT e.event, e.received_at, e.hash, e.id FROM record_keys AS k JOIN events AS e ON e.id = k.leaf
                 WHERE k.consent_id = ?1 AND k.kind = 0 AND k.n = ?2",
            )?;
            let mut head = tx.prepare_cached(
                "SELECT k.n, e.hash FROM record_keys AS k JOIN events AS e ON e.id = k.leaf
                 WHERE k.consent_id = ?1 AND k.kind = 1 ORDER BY k.n DESC LIMIT 1",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (id, consent_id, seq, pos, format, event, received_at, origin, ip_prefix,
                                     prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            let mut insert_row = |row: &Row| {
                insert.execute(params![
                    row.id,
                    row.consent_id,
                    row.seq,
                    row.pos,
                    row.format,
                    row.event,
                    row.received_at,
                    row.origin,
                    row.ip_prefix,
                    row.prev_hash,
                    row.hash
                ])
            };
            for cmd in batch {
                match cmd {
                    Command::Insert(record, _) => {
                        let leaf = self.frontier.size() as i64 + 1;
                        let id = super::consent_id_text(&record.event.consent_id);
                        let (row, digest) = next_row(record, &id, None, leaf);
                        let outcome = match insert_row(&row) {
                            Ok(_) => InsertOutcome::Created(self.created(row, &digest, &mut growth, outcomes.len())),
                            Err(e) if is_constraint(&e) => {
                                // Refused: the id has a chain, or the row broke another rule; without a chain
                                // head it was the other rule, and the batch fails with it.
                                let key = &record.event.consent_id.as_bytes()[..];
                                let last = head
                                    .query_row([key], |r| Ok(Head { pos: r.get(0)?, hash: r.get(1)? }))
                                    .optional()?
                                    .ok_or(e)?;
                                let found = existing
                                    .query_row(params![key, i64::from(record.event.seq)], |r| {
                                        Ok((
                                            r.get::<_, String>(0)?,
                                            r.get::<_, i64>(1)?,
                                            r.get::<_, String>(2)?,
                                            r.get::<_, i64>(3)?,
                                        ))
                                    })
                                    .optional()?;
                                match found {
                                    Some((event, received_at, hash, leaf)) if event == record.event_json => {
                                        // Stored earlier in this batch: its receipt comes from this batch's head too.
                                        if leaf > size_before as i64 {
                                            growth.receipted(outcomes.len(), leaf as u64 - 1);
                                        }
                                        InsertOutcome::Replayed(StoredMeta { received_at, hash, batch: None })
                                    }
                                    Some(_) => InsertOutcome::Conflict,
                                    None if last.pos >= self.max_events => InsertOutcome::HistoryFull,
                                    None => {
                                        let (row, digest) = next_row(record, &id, Some(&last), leaf);
                                        insert_row(&row)?;
                                        InsertOutcome::Created(self.created(row, &digest, &mut growth, outcomes.len()))
                                    }
                                }
                            }
                            Err(e) => return Err(e),
                        };
                        if matches!(outcome, InsertOutcome::Created(_)) {
                            stats.add(record);
                        }
                        outcomes.push(Outcome::Insert(outcome));
                    }
                    Command::Erase(id, _) => outcomes.push(Outcome::Erase(self.erase(&tx, id, &mut growth)?)),
                    Command::Probe(_) => {
                        probed = true;
                        outcomes.push(Outcome::Probe);
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
        if self.frontier.size() != size_before || probed {
            tx.prepare_cached("UPDATE log_state SET size = ?1, frontier = ?2, probed_at = ?3 WHERE id = 1")?
                .execute(params![self.frontier.size() as i64, self.frontier.to_bytes(), crate::time::now_ms()])?;
        }
        // One signed head for the whole batch, fixed before the commit and handed out only after it.
        growth.sign(&self.signer, &mut outcomes, &self.frontier);
        let commit_started = std::time::Instant::now();
        tx.commit()?;
        tracing::trace!(commit_micros = commit_started.elapsed().as_micros() as u64, "sqlite commit");
        Ok(outcomes)
    }

    /// A record just inserted as leaf `row.id`: appended to the log and to the batch, whose head will cover it
    /// (outcome `at`).
    fn created(&mut self, row: Row, digest: &[u8; 32], growth: &mut Growth, at: usize) -> StoredMeta {
        growth.push(&mut self.frontier, digest);
        growth.receipted(at, row.id as u64 - 1);
        StoredMeta { received_at: row.received_at, hash: row.hash, batch: None }
    }

    /// Erases a consent id's records: their leaves stay as tombstones, and the erasure becomes a leaf of its own.
    fn erase(&mut self, tx: &rusqlite::Transaction<'_>, id: &ConsentId, growth: &mut Growth) -> rusqlite::Result<bool> {
        let key = &id.as_bytes()[..];
        let rows: Vec<(i64, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT e.id, e.hash FROM record_keys AS k JOIN events AS e ON e.id = k.leaf
                 WHERE k.consent_id = ?1 AND k.kind = 1 ORDER BY e.id",
            )?;
            let rows = stmt.query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if rows.is_empty() {
            return Ok(false);
        }
        let erasure = self.frontier.size() as i64 + 1;
        let indices: Vec<i64> = rows.iter().map(|(idx, _)| *idx).collect();
        let digest = erasure_digest(&indices);
        let mut tomb = tx.prepare_cached("INSERT INTO tombstones (idx, hash, erased_by) VALUES (?1, ?2, ?3)")?;
        for (idx, hash) in &rows {
            tomb.execute(params![idx, hash, erasure])?;
        }
        tomb.execute(params![erasure, crate::chain::hex(&digest), Option::<i64>::None])?;
        // Row by row: the trigger drops each record's keys with it.
        let mut delete = tx.prepare_cached("DELETE FROM events WHERE id = ?1")?;
        for idx in &indices {
            delete.execute([idx])?;
        }
        growth.push(&mut self.frontier, &digest);
        Ok(true)
    }
}

/// A statement refused by a constraint (a key already taken, a CHECK, a NOT NULL).
fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
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
                None => connect_existing(&this.path).map_err(unavailable)?,
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

    pub async fn history(&self, id: ConsentId, after: i64, limit: u32) -> Result<Option<HistoryPage>, StoreError> {
        let rows = self
            .with(move |c| {
                let key = &id.as_bytes()[..];
                let mut stmt = c
                    .prepare_cached(
                        "SELECT k.n, e.event, e.received_at, e.hash FROM record_keys AS k JOIN events AS e ON e.id = k.leaf
                         WHERE k.consent_id = ?1 AND k.kind = 1 AND k.n > ?2 ORDER BY k.n LIMIT ?3",
                    )
                    .map_err(unavailable)?;
                let rows = stmt
                    .query_map(params![key, after, i64::from(limit) + 1], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .map_err(unavailable)?;
                let rows = rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)?;
                // An empty page past the end of a history that exists is still that history's.
                let exists = !rows.is_empty()
                    || (after > 0
                        && c.query_row("SELECT 1 FROM record_keys WHERE consent_id = ?1 LIMIT 1", [key], |_| Ok(()))
                            .optional()
                            .map_err(unavailable)?
                            .is_some());
                Ok(exists.then_some(rows))
            })
            .await?;
        rows.map(|rows| page_from_rows(id, rows, limit)).transpose()
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

    pub async fn log_head(&self) -> Result<LogHead, StoreError> {
        let (size, bytes): (i64, Vec<u8>) = self
            .with(|c| {
                c.query_row("SELECT size, frontier FROM log_state WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(unavailable)
            })
            .await?;
        let frontier = Frontier::from_bytes(size as u64, &bytes)
            .ok_or_else(|| StoreError::Corrupt("log_state.frontier does not fit its size".into()))?;
        Ok(LogHead { frontier })
    }

    pub async fn legacy_secret(&self) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            let table: Option<String> = c
                .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'server_keys'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(unavailable)?;
            if table.is_none() {
                return Ok(None);
            }
            c.query_row("SELECT secret FROM server_keys WHERE name = 'receipt'", [], |r| r.get(0))
                .optional()
                .map_err(unavailable)
        })
        .await
    }

    pub async fn forget_legacy_secret(&self) -> Result<(), StoreError> {
        self.with(|c| {
            // secure_delete overwrites the freed pages with zeros: the secret does not linger in the file.
            c.execute_batch("PRAGMA secure_delete = ON; DROP TABLE IF EXISTS server_keys; PRAGMA secure_delete = OFF;")
                .map_err(unavailable)
        })
        .await
    }

    pub async fn register_public_key(&self, key: String) -> Result<String, StoreError> {
        self.with(move |c| {
            c.execute(
                "INSERT INTO receipt_key (id, public_key, created_at) VALUES (1, ?1, ?2) ON CONFLICT (id) DO NOTHING",
                params![key, crate::time::now_ms()],
            )
            .map_err(unavailable)?;
            c.query_row("SELECT public_key FROM receipt_key WHERE id = 1", [], |r| r.get(0)).map_err(unavailable)
        })
        .await
    }

    pub async fn public_key(&self) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            c.query_row("SELECT public_key FROM receipt_key WHERE id = 1", [], |r| r.get(0))
                .optional()
                .map_err(unavailable)
        })
        .await
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
                    "SELECT id, consent_id, seq, pos, format, event, received_at, origin, ip_prefix, prev_hash, hash
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

    pub async fn scan_leaves(&self, mut visit: impl FnMut(Leaf) + Send + 'static) -> Result<(), StoreError> {
        self.with(move |c| {
            let mut stmt = c
                .prepare(
                    "SELECT id, hash, 0, NULL FROM events
                     UNION ALL SELECT idx, hash, 1, erased_by FROM tombstones
                     ORDER BY 1",
                )
                .map_err(unavailable)?;
            let mut rows = stmt.query([]).map_err(unavailable)?;
            while let Some(r) = rows.next().map_err(unavailable)? {
                let idx: i64 = r.get(0).map_err(unavailable)?;
                let hash: String = r.get(1).map_err(unavailable)?;
                let tomb: i64 = r.get(2).map_err(unavailable)?;
                let by: Option<i64> = r.get(3).map_err(unavailable)?;
                let kind = match (tomb, by) {
                    (0, _) => LeafKind::Record,
                    (_, Some(by)) => LeafKind::Erased { by },
                    (_, None) => LeafKind::Erasure,
                };
                visit(Leaf { idx, hash, kind });
            }
            Ok(())
        })
        .await
    }
}

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        consent_id: r.get(1)?,
        seq: r.get(2)?,
        pos: r.get(3)?,
        format: r.get(4)?,
        event: r.get(5)?,
        received_at: r.get(6)?,
        origin: r.get(7)?,
        ip_prefix: r.get(8)?,
        prev_hash: r.get(9)?,
        hash: r.get(10)?,
    })
}

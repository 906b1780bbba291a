//! PostgreSQL, for several server replicas behind a load balancer.
//!
//! Each replica runs one writer task doing group commit like the SQLite writer, but set-wise: a batch costs a
//! fixed handful of round trips whatever its size (lock, read existing keys and chain heads, delete, insert,
//! update). Every batch first locks the one `log_state` row (`FOR UPDATE`): replicas' batches take turns, so leaf
//! indices stay dense and every chain head read is the latest. The schema holds the chains whatever a writer does:
//! (consent_id, seq), (consent_id, pos) and (consent_id, prev_hash) are unique, so no two records can claim the
//! same position or the same predecessor (a fork fails its commit and the batch is answered 503, to be retried).

use super::{
    answer_batch, frontier_of, next_row, page_from_rows, stats_from_rows, unavailable, BatchSigner, Command, Growth,
    Head, HistoryPage, InsertOutcome, Leaf, LeafKind, LogHead, Outcome, Row, StatsDelta, StoreError, StoreOptions,
    StoredMeta, WriterStats, MAX_BATCH,
};
use crate::merkle::{erasure_digest, Frontier};
use futures_util::{pin_mut, TryStreamExt};
use kuki_core::wire::Stats;
use kuki_core::ConsentId;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};
use tokio_postgres::{Client, NoTls};

/// Versioned schema changes, as for SQLite; applied under an advisory lock so replicas starting together agree.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        consent_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        pos BIGINT NOT NULL,
        event TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        origin TEXT,
        ip_prefix TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (consent_id, seq),
        UNIQUE (consent_id, pos)
    );
    CREATE TABLE daily_stats (
        day TEXT NOT NULL,
        action TEXT NOT NULL,
        category TEXT NOT NULL,
        events BIGINT NOT NULL,
        granted BIGINT NOT NULL,
        PRIMARY KEY (day, action, category)
    );
    CREATE TABLE server_keys (
        name TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );",
    ),
    (
        2,
        // Issue 12, as for SQLite: `id` becomes the leaf index (old rows renumbered densely in their order, through
        // negative numbers so no two rows ever share an id), no sequence any more (the writer assigns ids under the
        // log_state lock), the hash format, one successor per record, tombstones, the log's edge, the public key.
        "ALTER TABLE events ADD COLUMN format SMALLINT NOT NULL DEFAULT 1;
        ALTER TABLE events ALTER COLUMN format DROP DEFAULT;
        UPDATE events SET id = -id;
        UPDATE events AS e SET id = r.n
            FROM (SELECT id, row_number() OVER (ORDER BY id DESC) AS n FROM events) AS r WHERE e.id = r.id;
        ALTER TABLE events ALTER COLUMN id DROP DEFAULT;
        DROP SEQUENCE IF EXISTS events_id_seq;
        ALTER TABLE events ADD CONSTRAINT events_one_successor UNIQUE (consent_id, prev_hash);
        CREATE TABLE tombstones (
            idx BIGINT PRIMARY KEY,
            hash TEXT NOT NULL,
            erased_by BIGINT
        );
        CREATE TABLE log_state (
            id INT PRIMARY KEY CHECK (id = 1),
            size BIGINT NOT NULL,
            frontier BYTEA NOT NULL,
            probed_at BIGINT
        );
        CREATE TABLE receipt_key (
            id INT PRIMARY KEY CHECK (id = 1),
            public_key TEXT NOT NULL,
            created_at BIGINT NOT NULL
        );",
    ),
];

/// The advisory lock key that serializes migrations (any fixed number no other lock uses).
const MIGRATION_LOCK: i64 = 0x6b75_6b69_0000_0001;

async fn connect(url: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(unavailable)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "postgres connection closed");
        }
    });
    Ok(client)
}

async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(unavailable)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(unavailable)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .await
    .map_err(unavailable)?;
    for (version, sql) in MIGRATIONS {
        let done = tx
            .query_opt("SELECT version FROM schema_migrations WHERE version = $1", &[version])
            .await
            .map_err(unavailable)?;
        if done.is_none() {
            tx.batch_execute(sql).await.map_err(unavailable)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[version, &crate::time::now_ms()],
            )
            .await
            .map_err(unavailable)?;
        }
    }
    if tx.query_opt("SELECT size FROM log_state WHERE id = 1", &[]).await.map_err(unavailable)?.is_none() {
        let rows = tx.query("SELECT hash FROM events ORDER BY id", &[]).await.map_err(unavailable)?;
        let frontier = frontier_of(rows.iter().map(|r| r.get::<_, String>(0)))?;
        tx.execute(
            "INSERT INTO log_state (id, size, frontier) VALUES (1, $1, $2)",
            &[&(frontier.size() as i64), &frontier.to_bytes()],
        )
        .await
        .map_err(unavailable)?;
    }
    tx.commit().await.map_err(unavailable)
}

/// Connects, migrates and starts the writer task on `rx`.
pub async fn open(
    url: &str,
    rx: mpsc::Receiver<Command>,
    stats: Arc<WriterStats>,
    options: StoreOptions,
    signer: BatchSigner,
) -> Result<Reader, StoreError> {
    let mut writer_client = connect(url).await?;
    migrate(&mut writer_client).await?;
    let max_events = i64::from(options.max_events_per_id);
    tokio::spawn(writer(url.to_owned(), Some(writer_client), rx, stats, max_events, signer));
    let reader_client = connect(url).await?;
    Ok(Reader { url: Arc::new(url.to_owned()), client: Arc::new(Mutex::new(Arc::new(reader_client))) })
}

async fn writer(
    url: String,
    mut client: Option<Client>,
    mut rx: mpsc::Receiver<Command>,
    stats: Arc<WriterStats>,
    max_events: i64,
    signer: BatchSigner,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        if client.as_ref().is_none_or(|c| c.is_closed()) {
            client = connect(&url).await.ok();
        }
        let started = std::time::Instant::now();
        let result = match client.as_mut() {
            Some(c) => apply(c, &batch, max_events, &signer).await,
            None => Err(StoreError::Unavailable("cannot reach postgres".into())),
        };
        stats.record(super::consent_commands(&batch), started, result.is_ok());
        answer_batch(&mut batch, result, "postgres");
    }
}

async fn apply(
    client: &mut Client,
    batch: &[Command],
    max_events: i64,
    signer: &BatchSigner,
) -> Result<Vec<Outcome>, StoreError> {
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut erase_ids: Vec<String> = Vec::new();
    for c in batch {
        match c {
            Command::Insert(r, _) => {
                ids.insert(r.event.consent_id.to_string());
            }
            Command::Erase(id, _) => erase_ids.push(id.to_string()),
            Command::Probe(_) => {}
        }
    }
    let ids: Vec<String> = ids.into_iter().collect();

    let tx = client.transaction().await.map_err(unavailable)?;
    // Replicas take turns here, for the whole transaction.
    let state =
        tx.query_one("SELECT size, frontier FROM log_state WHERE id = 1 FOR UPDATE", &[]).await.map_err(unavailable)?;
    let mut frontier = Frontier::from_bytes(state.get::<_, i64>(0) as u64, state.get(1))
        .ok_or_else(|| StoreError::Corrupt("log_state.frontier does not fit its size".into()))?;
    let size_before = frontier.size();
    let mut growth = Growth::new(&frontier);

    // What the database holds for the batch's ids: stored keys and chain heads (each head by index).
    let mut stored: HashMap<(String, i64), StoredKey> = HashMap::new();
    let (key_ids, key_seqs) = batch_keys(batch);
    if !key_ids.is_empty() {
        for r in tx
            .query(
                "SELECT e.consent_id, e.seq, e.event, e.received_at, e.hash
                 FROM events AS e JOIN unnest($1::text[], $2::bigint[]) AS k (consent_id, seq)
                 ON e.consent_id = k.consent_id AND e.seq = k.seq",
                &[&key_ids, &key_seqs],
            )
            .await
            .map_err(unavailable)?
        {
            stored.insert((r.get(0), r.get(1)), (r.get(2), r.get(3), r.get(4), None));
        }
    }
    let mut heads: HashMap<String, Head> = HashMap::new();
    if !ids.is_empty() {
        for r in tx
            .query(
                "SELECT k.id, h.pos, h.hash FROM unnest($1::text[]) AS k (id)
                 CROSS JOIN LATERAL (SELECT pos, hash FROM events WHERE consent_id = k.id
                                     ORDER BY pos DESC LIMIT 1) AS h",
                &[&ids],
            )
            .await
            .map_err(unavailable)?
        {
            heads.insert(r.get(0), Head { pos: r.get(1), hash: r.get(2) });
        }
    }
    // The stored leaves of ids to erase (erasures are rare: this round trip only when there are some).
    let mut chains: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    if !erase_ids.is_empty() {
        for r in tx
            .query("SELECT consent_id, id, hash FROM events WHERE consent_id = ANY($1) ORDER BY id", &[&erase_ids])
            .await
            .map_err(unavailable)?
        {
            chains.entry(r.get(0)).or_default().push((r.get(1), r.get(2)));
        }
    }

    // Resolve the batch in order against that picture, keeping what to delete and insert.
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut pending: Vec<Row> = Vec::new();
    let mut tombstones: Vec<(i64, String, Option<i64>)> = Vec::new();
    let mut erased: Vec<String> = Vec::new();
    let mut probed = false;
    let mut stats = StatsDelta::default();
    for cmd in batch {
        match cmd {
            Command::Insert(record, _) => {
                let id = super::consent_id_text(&record.event.consent_id);
                let key = (id.clone(), i64::from(record.event.seq));
                let outcome = match stored.get(&key) {
                    Some((event, received_at, hash, leaf)) if *event == record.event_json => {
                        if let Some(leaf) = leaf {
                            growth.receipted(outcomes.len(), *leaf);
                        }
                        InsertOutcome::Replayed(StoredMeta {
                            received_at: *received_at,
                            hash: hash.clone(),
                            batch: None,
                        })
                    }
                    Some(_) => InsertOutcome::Conflict,
                    None if heads.get(&id).is_some_and(|h| h.pos >= max_events) => InsertOutcome::HistoryFull,
                    None => {
                        let leaf = frontier.size() as i64 + 1;
                        let (row, digest) = next_row(record, &id, heads.get(&id), leaf);
                        growth.push(&mut frontier, &digest);
                        growth.receipted(outcomes.len(), leaf as u64 - 1);
                        heads.insert(id, Head { pos: row.pos, hash: row.hash.clone() });
                        stored
                            .insert(key, (row.event.clone(), row.received_at, row.hash.clone(), Some(leaf as u64 - 1)));
                        stats.add(record);
                        let meta = StoredMeta { received_at: row.received_at, hash: row.hash.clone(), batch: None };
                        pending.push(row);
                        InsertOutcome::Created(meta)
                    }
                };
                outcomes.push(Outcome::Insert(outcome));
            }
            Command::Erase(id, _) => {
                let id = id.to_string();
                // Its stored records, and those this batch added before the erasure (never inserted now).
                let mut leaves = chains.remove(&id).unwrap_or_default();
                leaves.extend(pending.iter().filter(|r| r.consent_id == id).map(|r| (r.id, r.hash.clone())));
                pending.retain(|r| r.consent_id != id);
                heads.remove(&id);
                stored.retain(|(i, _), _| *i != id);
                let found = !leaves.is_empty();
                if found {
                    let erasure = frontier.size() as i64 + 1;
                    let indices: Vec<i64> = leaves.iter().map(|(idx, _)| *idx).collect();
                    let digest = erasure_digest(&indices);
                    tombstones.extend(leaves.into_iter().map(|(idx, hash)| (idx, hash, Some(erasure))));
                    tombstones.push((erasure, crate::chain::hex(&digest), None));
                    growth.push(&mut frontier, &digest);
                }
                erased.push(id);
                outcomes.push(Outcome::Erase(found));
            }
            Command::Probe(_) => {
                probed = true;
                outcomes.push(Outcome::Probe);
            }
        }
    }

    if !erased.is_empty() {
        tx.execute("DELETE FROM events WHERE consent_id = ANY($1)", &[&erased]).await.map_err(unavailable)?;
    }
    if !pending.is_empty() {
        let col = |f: fn(&Row) -> String| pending.iter().map(f).collect::<Vec<String>>();
        let num = |f: fn(&Row) -> i64| pending.iter().map(f).collect::<Vec<i64>>();
        let opt = |f: fn(&Row) -> Option<String>| pending.iter().map(f).collect::<Vec<Option<String>>>();
        let formats: Vec<i16> = pending.iter().map(|r| r.format as i16).collect();
        tx.execute(
            "INSERT INTO events (id, consent_id, seq, pos, format, event, received_at, origin, ip_prefix, prev_hash,
                                 hash)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::smallint[], $6::text[],
                                  $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[])",
            &[
                &num(|r| r.id),
                &col(|r| r.consent_id.clone()),
                &num(|r| r.seq),
                &num(|r| r.pos),
                &formats,
                &col(|r| r.event.clone()),
                &num(|r| r.received_at),
                &opt(|r| r.origin.clone()),
                &opt(|r| r.ip_prefix.clone()),
                &col(|r| r.prev_hash.clone()),
                &col(|r| r.hash.clone()),
            ],
        )
        .await
        .map_err(unavailable)?;
    }
    if !tombstones.is_empty() {
        let (idx, hash, by): (Vec<i64>, Vec<String>, Vec<Option<i64>>) =
            tombstones.into_iter().fold((vec![], vec![], vec![]), |(mut a, mut b, mut c), (x, y, z)| {
                a.push(x);
                b.push(y);
                c.push(z);
                (a, b, c)
            });
        tx.execute(
            "INSERT INTO tombstones (idx, hash, erased_by) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])",
            &[&idx, &hash, &by],
        )
        .await
        .map_err(unavailable)?;
    }
    if frontier.size() != size_before || probed {
        tx.execute(
            "UPDATE log_state SET size = $1, frontier = $2, probed_at = $3 WHERE id = 1",
            &[&(frontier.size() as i64), &frontier.to_bytes(), &crate::time::now_ms()],
        )
        .await
        .map_err(unavailable)?;
    }
    if !stats.is_empty() {
        let (mut days, mut actions, mut categories, mut events, mut granted) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (day, action, category, e, g) in stats.rows() {
            days.push(day);
            actions.push(action.to_owned());
            categories.push(category.to_owned());
            events.push(e);
            granted.push(g);
        }
        tx.execute(
            "INSERT INTO daily_stats (day, action, category, events, granted)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
             ON CONFLICT (day, action, category)
             DO UPDATE SET events = daily_stats.events + excluded.events,
                           granted = daily_stats.granted + excluded.granted",
            &[&days, &actions, &categories, &events, &granted],
        )
        .await
        .map_err(unavailable)?;
    }
    // One signature for the whole batch, made before the commit and handed out only after it.
    growth.sign(signer, &mut outcomes, &frontier);
    tx.commit().await.map_err(unavailable)?;
    Ok(outcomes)
}

/// What a batch knows of a stored (consent id, seq): event, received_at, hash, and the leaf index (from 0) when
/// this batch stored it.
type StoredKey = (String, i64, String, Option<u64>);

/// The (consent id, seq) pairs of the batch's inserts, as two parallel arrays.
fn batch_keys(batch: &[Command]) -> (Vec<String>, Vec<i64>) {
    batch
        .iter()
        .filter_map(|c| match c {
            Command::Insert(r, _) => Some((r.event.consent_id.to_string(), i64::from(r.event.seq))),
            Command::Erase(..) | Command::Probe(_) => None,
        })
        .unzip()
}

/// Read access over one pipelined connection, reconnected when it drops.
#[derive(Clone)]
pub struct Reader {
    url: Arc<String>,
    client: Arc<Mutex<Arc<Client>>>,
}

impl Reader {
    async fn client(&self) -> Result<Arc<Client>, StoreError> {
        let mut guard = self.client.lock().await;
        if guard.is_closed() {
            *guard = Arc::new(connect(&self.url).await?);
        }
        Ok(guard.clone())
    }

    pub async fn history(&self, id: ConsentId, after: i64, limit: u32) -> Result<Option<HistoryPage>, StoreError> {
        let client = self.client().await?;
        let key = id.to_string();
        let rows = client
            .query(
                "SELECT pos, event, received_at, hash FROM events WHERE consent_id = $1 AND pos > $2
                 ORDER BY pos LIMIT $3",
                &[&key, &after, &(i64::from(limit) + 1)],
            )
            .await
            .map_err(unavailable)?;
        let exists = !rows.is_empty()
            || (after > 0
                && client
                    .query_opt("SELECT 1 FROM events WHERE consent_id = $1 LIMIT 1", &[&key])
                    .await
                    .map_err(unavailable)?
                    .is_some());
        if !exists {
            return Ok(None);
        }
        let rows = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
        page_from_rows(id, rows, limit).map(Some)
    }

    pub async fn stats(&self) -> Result<Stats, StoreError> {
        let rows = self
            .client()
            .await?
            .query("SELECT day, action, category, events, granted FROM daily_stats ORDER BY day, action, category", &[])
            .await
            .map_err(unavailable)?;
        stats_from_rows(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))).collect())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.client().await?.simple_query("SELECT 1").await.map(|_| ()).map_err(unavailable)
    }

    pub async fn log_head(&self) -> Result<LogHead, StoreError> {
        let row = self
            .client()
            .await?
            .query_one("SELECT size, frontier FROM log_state WHERE id = 1", &[])
            .await
            .map_err(unavailable)?;
        let frontier = Frontier::from_bytes(row.get::<_, i64>(0) as u64, row.get(1))
            .ok_or_else(|| StoreError::Corrupt("log_state.frontier does not fit its size".into()))?;
        Ok(LogHead { frontier })
    }

    pub async fn legacy_secret(&self) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let table =
            client.query_one("SELECT to_regclass('server_keys') IS NOT NULL", &[]).await.map_err(unavailable)?;
        if !table.get::<_, bool>(0) {
            return Ok(None);
        }
        let row = client
            .query_opt("SELECT secret FROM server_keys WHERE name = 'receipt'", &[])
            .await
            .map_err(unavailable)?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn forget_legacy_secret(&self) -> Result<(), StoreError> {
        // DROP removes the table's file, dead row versions included (a DELETE would leave them until VACUUM).
        self.client().await?.batch_execute("DROP TABLE IF EXISTS server_keys").await.map_err(unavailable)
    }

    pub async fn register_public_key(&self, key: String) -> Result<String, StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO receipt_key (id, public_key, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
                &[&key, &crate::time::now_ms()],
            )
            .await
            .map_err(unavailable)?;
        let row =
            client.query_one("SELECT public_key FROM receipt_key WHERE id = 1", &[]).await.map_err(unavailable)?;
        Ok(row.get(0))
    }

    pub async fn public_key(&self) -> Result<Option<String>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT public_key FROM receipt_key WHERE id = 1", &[])
            .await
            .map_err(unavailable)?;
        Ok(row.map(|r| r.get(0)))
    }

    pub async fn count(&self) -> Result<u64, StoreError> {
        let row = self.client().await?.query_one("SELECT COUNT(*) FROM events", &[]).await.map_err(unavailable)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    pub async fn scan(&self, mut visit: impl FnMut(Row) + Send + 'static) -> Result<(), StoreError> {
        let client = self.client().await?;
        let stream = client
            .query_raw(
                "SELECT id, consent_id, seq, pos, format, event, received_at, origin, ip_prefix, prev_hash, hash
                 FROM events ORDER BY consent_id, pos",
                std::iter::empty::<i64>(),
            )
            .await
            .map_err(unavailable)?;
        pin_mut!(stream);
        while let Some(r) = stream.try_next().await.map_err(unavailable)? {
            visit(Row {
                id: r.get(0),
                consent_id: r.get(1),
                seq: r.get(2),
                pos: r.get(3),
                format: i64::from(r.get::<_, i16>(4)),
                event: r.get(5),
                received_at: r.get(6),
                origin: r.get(7),
                ip_prefix: r.get(8),
                prev_hash: r.get(9),
                hash: r.get(10),
            });
        }
        Ok(())
    }

    pub async fn scan_leaves(&self, mut visit: impl FnMut(Leaf) + Send + 'static) -> Result<(), StoreError> {
        let client = self.client().await?;
        let stream = client
            .query_raw(
                "SELECT id, hash, false, NULL::bigint FROM events
                 UNION ALL SELECT idx, hash, true, erased_by FROM tombstones
                 ORDER BY 1",
                std::iter::empty::<i64>(),
            )
            .await
            .map_err(unavailable)?;
        pin_mut!(stream);
        while let Some(r) = stream.try_next().await.map_err(unavailable)? {
            let kind = match (r.get::<_, bool>(2), r.get::<_, Option<i64>>(3)) {
                (false, _) => LeafKind::Record,
                (true, Some(by)) => LeafKind::Erased { by },
                (true, None) => LeafKind::Erasure,
            };
            visit(Leaf { idx: r.get(0), hash: r.get(1), kind });
        }
        Ok(())
    }
}

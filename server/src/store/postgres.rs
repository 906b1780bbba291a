//! PostgreSQL, for several server replicas behind a load balancer.
//!
//! Each replica runs one writer task doing group commit like the SQLite writer, but set-wise: a batch costs a
//! fixed handful of round trips whatever its size (lock, read existing keys and chain heads, delete, insert,
//! count). Before reading chain heads the batch takes a transaction-scoped advisory lock per consent id, in
//! sorted order, so two replicas never fork a chain and never deadlock on each other.

use super::{
    answer_batch, history_from_rows, next_row, stats_from_rows, unavailable, Command, Head, InsertOutcome, Outcome,
    Row, StatsDelta, StoreError, StoredMeta, WriterStats, MAX_BATCH,
};
use crate::chain::ReceiptSigner;
use futures_util::{pin_mut, TryStreamExt};
use kuki_core::wire::{ConsentHistory, Stats};
use kuki_core::ConsentId;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};
use tokio_postgres::{Client, NoTls};

/// Versioned schema changes, as for SQLite; applied under an advisory lock so replicas starting together agree.
const MIGRATIONS: &[(i64, &str)] = &[(
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
)];

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
    tx.commit().await.map_err(unavailable)
}

async fn load_or_create_key(client: &Client) -> Result<ReceiptSigner, StoreError> {
    let fresh = ReceiptSigner::generate();
    client
        .execute(
            "INSERT INTO server_keys (name, secret, created_at) VALUES ('receipt', $1, $2) ON CONFLICT (name) DO NOTHING",
            &[&fresh.secret_hex(), &crate::time::now_ms()],
        )
        .await
        .map_err(unavailable)?;
    let row =
        client.query_one("SELECT secret FROM server_keys WHERE name = 'receipt'", &[]).await.map_err(unavailable)?;
    ReceiptSigner::from_secret_hex(row.get(0)).ok_or_else(|| StoreError::Corrupt("the stored receipt key".into()))
}

/// Connects, migrates, loads the receipt key and starts the writer task on `rx`.
pub async fn open(url: &str, rx: mpsc::Receiver<Command>, stats: Arc<WriterStats>) -> Result<Reader, StoreError> {
    let mut writer_client = connect(url).await?;
    migrate(&mut writer_client).await?;
    let signer = load_or_create_key(&writer_client).await?;
    tokio::spawn(writer(url.to_owned(), Some(writer_client), rx, stats));
    let reader_client = connect(url).await?;
    Ok(Reader { url: Arc::new(url.to_owned()), client: Arc::new(Mutex::new(Arc::new(reader_client))), signer })
}

async fn writer(url: String, mut client: Option<Client>, mut rx: mpsc::Receiver<Command>, stats: Arc<WriterStats>) {
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
            Some(c) => apply(c, &batch).await,
            None => Err(StoreError::Unavailable("cannot reach postgres".into())),
        };
        stats.record(batch.len(), started, result.is_ok());
        answer_batch(&mut batch, result, "postgres");
    }
}

/// The advisory lock key of a consent id: its first 8 bytes (random in a v4 UUID).
fn lock_key(id: &ConsentId) -> i64 {
    let b = id.as_bytes();
    i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

async fn apply(client: &mut Client, batch: &[Command]) -> Result<Vec<Outcome>, StoreError> {
    let ids: BTreeSet<ConsentId> = batch
        .iter()
        .map(|c| match c {
            Command::Insert(r, _) => r.event.consent_id,
            Command::Erase(id, _) => *id,
        })
        .collect();
    let mut keys: Vec<i64> = ids.iter().map(lock_key).collect();
    keys.sort_unstable();
    keys.dedup();
    let id_strings: Vec<String> = ids.iter().map(|i| i.to_string()).collect();

    let tx = client.transaction().await.map_err(unavailable)?;
    tx.query(
        "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT k FROM unnest($1::bigint[]) AS k ORDER BY k) AS sorted",
        &[&keys],
    )
    .await
    .map_err(unavailable)?;

    // What the database holds for the batch's ids: stored keys and chain heads.
    let mut stored: HashMap<(String, i64), (String, i64, String)> = HashMap::new();
    let (key_ids, key_seqs) = batch_keys(batch);
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
        stored.insert((r.get(0), r.get(1)), (r.get(2), r.get(3), r.get(4)));
    }
    let mut heads: HashMap<String, Head> = HashMap::new();
    for r in tx
        .query(
            "SELECT DISTINCT ON (consent_id) consent_id, pos, hash FROM events WHERE consent_id = ANY($1)
             ORDER BY consent_id, pos DESC",
            &[&id_strings],
        )
        .await
        .map_err(unavailable)?
    {
        heads.insert(r.get(0), Head { pos: r.get(1), hash: r.get(2) });
    }

    // Resolve the batch in order against that picture, keeping what to delete and insert.
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut pending: Vec<Row> = Vec::new();
    let mut erased: Vec<String> = Vec::new();
    let mut stats = StatsDelta::default();
    for cmd in batch {
        match cmd {
            Command::Insert(record, _) => {
                let id = record.event.consent_id.to_string();
                let key = (id.clone(), i64::from(record.event.seq));
                let outcome = match stored.get(&key) {
                    Some((event, received_at, hash)) if *event == record.event_json => {
                        InsertOutcome::Replayed(StoredMeta { received_at: *received_at, hash: hash.clone() })
                    }
                    Some(_) => InsertOutcome::Conflict,
                    None => {
                        let row = next_row(record, &id, heads.remove(&id));
                        heads.insert(id, Head { pos: row.pos, hash: row.hash.clone() });
                        stored.insert(key, (row.event.clone(), row.received_at, row.hash.clone()));
                        stats.add(record);
                        let meta = StoredMeta { received_at: row.received_at, hash: row.hash.clone() };
                        pending.push(row);
                        InsertOutcome::Created(meta)
                    }
                };
                outcomes.push(Outcome::Insert(outcome));
            }
            Command::Erase(id, _) => {
                let id = id.to_string();
                let found = heads.remove(&id).is_some();
                stored.retain(|(i, _), _| *i != id);
                pending.retain(|r| r.consent_id != id);
                erased.push(id);
                outcomes.push(Outcome::Erase(found));
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
        tx.execute(
            "INSERT INTO events (consent_id, seq, pos, event, received_at, origin, ip_prefix, prev_hash, hash)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[],
                                  $7::text[], $8::text[], $9::text[])",
            &[
                &col(|r| r.consent_id.clone()),
                &num(|r| r.seq),
                &num(|r| r.pos),
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
    tx.commit().await.map_err(unavailable)?;
    Ok(outcomes)
}

/// The (consent id, seq) pairs of the batch's inserts, as two parallel arrays.
fn batch_keys(batch: &[Command]) -> (Vec<String>, Vec<i64>) {
    batch
        .iter()
        .filter_map(|c| match c {
            Command::Insert(r, _) => Some((r.event.consent_id.to_string(), i64::from(r.event.seq))),
            Command::Erase(..) => None,
        })
        .unzip()
}

/// Read access over one pipelined connection, reconnected when it drops.
#[derive(Clone)]
pub struct Reader {
    url: Arc<String>,
    client: Arc<Mutex<Arc<Client>>>,
    signer: ReceiptSigner,
}

impl Reader {
    async fn client(&self) -> Result<Arc<Client>, StoreError> {
        let mut guard = self.client.lock().await;
        if guard.is_closed() {
            *guard = Arc::new(connect(&self.url).await?);
        }
        Ok(guard.clone())
    }

    pub async fn history(&self, id: ConsentId) -> Result<Option<ConsentHistory>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT seq, event, received_at, hash FROM events WHERE consent_id = $1 ORDER BY pos",
                &[&id.to_string()],
            )
            .await
            .map_err(unavailable)?;
        history_from_rows(id, rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
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

    pub async fn receipt_signer(&self) -> Result<ReceiptSigner, StoreError> {
        Ok(self.signer.clone())
    }

    pub async fn count(&self) -> Result<u64, StoreError> {
        let row = self.client().await?.query_one("SELECT COUNT(*) FROM events", &[]).await.map_err(unavailable)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    pub async fn scan(&self, mut visit: impl FnMut(Row) + Send + 'static) -> Result<(), StoreError> {
        let client = self.client().await?;
        let stream = client
            .query_raw(
                "SELECT consent_id, seq, pos, event, received_at, origin, ip_prefix, prev_hash, hash
                 FROM events ORDER BY consent_id, pos",
                std::iter::empty::<i64>(),
            )
            .await
            .map_err(unavailable)?;
        pin_mut!(stream);
        while let Some(r) = stream.try_next().await.map_err(unavailable)? {
            visit(Row {
                consent_id: r.get(0),
                seq: r.get(1),
                pos: r.get(2),
                event: r.get(3),
                received_at: r.get(4),
                origin: r.get(5),
                ip_prefix: r.get(6),
                prev_hash: r.get(7),
                hash: r.get(8),
            });
        }
        Ok(())
    }
}

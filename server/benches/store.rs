//! The store alone, without HTTP: many concurrent writers through group commit into a fresh durable SQLite file
//! (and PostgreSQL when `KUKI_TEST_POSTGRES_URL` is set). Prints acknowledged writes/s and p50/p99 of
//! `Store::insert`; asserts nothing timed. Then the cost of appending to a history of 10 events against one of
//! 10,000: the writer reads the chain head by index, so both should cost the same.
//! Run: `cargo bench --profile server -p kuki-server --bench store`.

use kuki_server::config::DbUrl;
use kuki_server::store::{InsertOutcome, NewRecord, Store, StoreOptions};
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

const WRITERS: usize = 512;
const RUN: Duration = Duration::from_secs(5);

mod common;
use common::record_of;

fn record(n: u64) -> NewRecord {
    record_of(n, 1)
}

async fn run(name: &str, url: DbUrl) {
    let store = Store::open(&url).await.expect("store opens");
    let start = Instant::now();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let (store, counter) = (store.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while start.elapsed() < RUN {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let t = Instant::now();
                let outcome = store.insert(record(n)).await.expect("insert commits");
                assert!(matches!(outcome, InsertOutcome::Created(_)));
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    let stored = store.count().await.unwrap();
    println!(
        "store bench ({name}, {WRITERS} concurrent writers): {} acknowledged in {secs:.1}s = {:.0} writes/s; \
         p50 {:.2} ms, p99 {:.2} ms; rows stored {stored}",
        all.len(),
        all.len() as f64 / secs,
        pct(0.50),
        pct(0.99)
    );
    assert_eq!(stored, all.len() as u64, "every acknowledged write is stored");
}

/// Appends to a history of 10 events and to one of 10,000, alternating (so a background checkpoint or another
/// process's load hits both alike), one append at a time (each its own durable commit); prints their latency and
/// the writer's time per append.
async fn history_length(name: &str, url: DbUrl) {
    const APPENDS: u32 = 300;
    let store = Store::open_with(&url, StoreOptions { max_events_per_id: 20_000, ..StoreOptions::default() })
        .await
        .expect("store opens");
    let histories = [(u64::MAX - 1, 10u32), (u64::MAX - 2, 10_000)];
    for (n, len) in histories {
        // Filled through group commit: many appends in flight at once, in any order.
        let mut fill = Vec::new();
        for seq in 1..=len {
            let store = store.clone();
            fill.push(tokio::spawn(async move { store.insert(record_of(n, seq)).await.expect("fill commits") }));
            if fill.len() == 1024 {
                for f in fill.drain(..) {
                    f.await.unwrap();
                }
            }
        }
        for f in fill {
            f.await.unwrap();
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // let the fill's log be checkpointed
    let stats = store.writer_stats();
    let mut latencies = [Vec::new(), Vec::new()];
    let mut writer_us = [0u64, 0u64];
    for i in 1..=APPENDS {
        for (k, (n, len)) in histories.iter().enumerate() {
            let busy = stats.busy_micros.load(Relaxed);
            let t = Instant::now();
            let outcome = store.insert(record_of(*n, len + i)).await.expect("append commits");
            assert!(matches!(outcome, InsertOutcome::Created(_)));
            latencies[k].push(t.elapsed());
            writer_us[k] += stats.busy_micros.load(Relaxed) - busy;
        }
    }
    for (k, (_, len)) in histories.iter().enumerate() {
        let l = &mut latencies[k];
        l.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mean = l.iter().map(|d| ms(*d)).sum::<f64>() / l.len() as f64;
        println!(
            "history bench ({name}): {APPENDS} appends to a history of {len:>6}: mean {mean:.2} ms, p50 {:.2} ms, \
             p99 {:.2} ms; writer {:.0} us per append (commit included)",
            ms(l[l.len() / 2]),
            ms(l[l.len() * 99 / 100]),
            writer_us[k] as f64 / f64::from(APPENDS),
        );
    }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    run("sqlite, synchronous=FULL", DbUrl::Sqlite(dir.path().join("bench.db"))).await;
    history_length("sqlite", DbUrl::Sqlite(dir.path().join("history.db"))).await;
    if let Ok(url) = std::env::var("KUKI_TEST_POSTGRES_URL") {
        run("postgres", DbUrl::parse(&url).unwrap()).await;
        history_length("postgres", DbUrl::parse(&url).unwrap()).await;
    } else {
        println!("store bench: KUKI_TEST_POSTGRES_URL not set, PostgreSQL skipped");
    }
}

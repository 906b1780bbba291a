//! The store alone, without HTTP: many concurrent writers through group commit into a fresh durable SQLite file
//! (and PostgreSQL when `KUKI_TEST_POSTGRES_URL` is set). Prints acknowledged writes/s and p50/p99 of
//! `Store::insert`; asserts nothing timed. Run: `cargo bench --profile server -p kuki-server --bench store`.

use kuki_core::wire::{ConsentAction, ConsentEvent};
use kuki_core::ConsentId;
use kuki_server::config::DbUrl;
use kuki_server::store::{InsertOutcome, NewRecord, Store};
use std::time::{Duration, Instant};

const WRITERS: usize = 512;
const RUN: Duration = Duration::from_secs(5);

fn record(n: u64) -> NewRecord {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    let categories = kuki_core::category::defaults().into_iter().map(|c| (c.id, n % 3 == 0)).collect();
    let event = ConsentEvent {
        consent_id: ConsentId::from_random(bytes),
        seq: 1,
        action: ConsentAction::Custom,
        categories,
        policy_version: kuki_core::token::PolicyVersion::parse("2024-01-01").unwrap(),
        config_revision: 0,
        lang: kuki_core::Lang::Ko,
        gpc: false,
        client_time: 1_700_000_000_000,
    };
    NewRecord {
        event_json: kuki_server::event::canonical_json(&event),
        event,
        received_at: kuki_server::time::now_ms(),
        origin: Some("https://shop.example".into()),
        ip_prefix: Some("203.0.113.0/24".into()),
    }
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

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    run("sqlite, synchronous=FULL", DbUrl::Sqlite(dir.path().join("bench.db"))).await;
    if let Ok(url) = std::env::var("KUKI_TEST_POSTGRES_URL") {
        run("postgres", DbUrl::parse(&url).unwrap()).await;
    } else {
        println!("store bench: KUKI_TEST_POSTGRES_URL not set, PostgreSQL skipped");
    }
}

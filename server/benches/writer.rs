//! The SQLite writer's own CPU per record, by group-commit size: waves of exactly N concurrent inserts (so each
//! batch holds about N), each size on a fresh durable file of the same number of records. Thread CPU time, not wall
//! time: the figure holds on a machine busy with other work, where the HTTP load benchmark's batch sizes (and so
//! its cost per write) swing with the scheduler. Asserts nothing timed.
//! Run: `cargo bench --profile server -p kuki-server --bench writer`.

use kuki_server::config::DbUrl;
use kuki_server::store::{InsertOutcome, NewRecord, Store};
use std::sync::atomic::Ordering::Relaxed;

/// Records per batch size: enough for indexes of a realistic depth, few enough for a quick run.
const RECORDS: u64 = 120_000;

mod common;

fn record(n: u64) -> NewRecord {
    common::record_of(n, 1)
}

/// CPU seconds (user + system) of each of this process's threads named `name`, by thread id.
fn thread_cpu(name: &str) -> std::collections::HashMap<String, f64> {
    let ticks = 100.0; // USER_HZ on Linux
    let mut out = std::collections::HashMap::new();
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        if &stat[open + 1..close] != name {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        // utime and stime are fields 14 and 15 of stat; 12 and 13 after the name.
        let cpu = (fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0)) / ticks;
        out.insert(task.file_name().to_string_lossy().into_owned(), cpu);
    }
    out
}

/// CPU the threads named `name` used since `before` (an earlier store's writer, exited since, counts nothing).
fn cpu_since(name: &str, before: &std::collections::HashMap<String, f64>) -> f64 {
    thread_cpu(name).iter().map(|(tid, cpu)| cpu - before.get(tid).copied().unwrap_or(0.0)).sum()
}

async fn waves(size: u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&DbUrl::Sqlite(dir.path().join("bench.db"))).await.expect("store opens");
    let cpu0 = thread_cpu("kuki-sqlite-wri");
    let batches0 = store.writer_stats().batches.load(Relaxed);
    let start = std::time::Instant::now();
    let mut n = 0;
    while n < RECORDS {
        let wave: Vec<_> = (n..(n + size).min(RECORDS))
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { store.insert(record(i)).await.expect("insert commits") })
            })
            .collect();
        for w in wave {
            assert!(matches!(w.await.unwrap(), InsertOutcome::Created(_)));
        }
        n += size;
    }
    let cpu = cpu_since("kuki-sqlite-wri", &cpu0);
    let batches = store.writer_stats().batches.load(Relaxed) - batches0;
    println!(
        "writer bench: waves of {size:>4}: {RECORDS} records in {batches} batches ({:.0} per batch), \
         writer CPU {:.1} us per record, {:.0} records/s",
        RECORDS as f64 / batches as f64,
        cpu * 1e6 / RECORDS as f64,
        RECORDS as f64 / start.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    for size in [64, 256, 1024] {
        waves(size).await;
    }
}

//! Two built `kuki-server` processes on one PostgreSQL, as replicas behind a load balancer: concurrent writes to
//! the same consent ids through both, one of them SIGKILLed mid-run. Every acknowledged record is there, no chain
//! forks, `verify` passes; a replica given another key refuses to start. Runs only with `KUKI_TEST_POSTGRES_URL`.

use crate::helpers::{event, new_id};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn binary() -> String {
    std::env::var("KUKI_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kuki-server").to_owned())
}

fn spawn(db: &str, key: &Path, site: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(binary())
        .env("KUKI_ADDR", &addr)
        .env("KUKI_DB", db)
        .env("KUKI_KEY_FILE", key)
        .env("KUKI_SITE_DIR", site)
        .env("KUKI_RATE_LIMIT", "0")
        .env("KUKI_MAX_EVENTS_PER_ID", "100000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    (child, addr)
}

/// Waits (10 s at most) until the replica answers `/readyz` 200; `Err` with its exit status if it stopped.
fn ready(child: &mut Child, addr: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited: {status}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err("not ready after 10 s".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_ids_under_a_sigkill_without_losing_or_forking_anything() {
    if std::env::var("KUKI_TEST_POSTGRES_URL").is_err() {
        eprintln!("NOTICE: KUKI_TEST_POSTGRES_URL is not set: the replica test is skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::databases(dir.path()).await.pop().unwrap();
    let key = dir.path().join("shared.key");
    let (mut a, addr_a) = spawn(&db, &key, dir.path());
    ready(&mut a, &addr_a).expect("replica A starts and creates the key file");
    let (mut b, addr_b) = spawn(&db, &key, dir.path());
    ready(&mut b, &addr_b).expect("replica B starts with the same key file");

    // A third replica with a key of its own is refused: it would sign receipts nobody can check.
    let (mut stranger, addr_c) = spawn(&db, &dir.path().join("other.key"), dir.path());
    assert!(ready(&mut stranger, &addr_c).is_err(), "a replica with another key must not start");
    let _ = stranger.kill();
    let _ = stranger.wait();

    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let acked: Arc<Mutex<HashSet<(String, u32)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(20);
    let ids: Vec<String> = (0..16).map(|_| new_id()).collect();
    let mut writers = Vec::new();
    // Per id, one writer through each replica: A posts the odd seqs, B the even ones, at the same time.
    for id in &ids {
        for (replica, addr) in [(0u32, addr_a.clone()), (1, addr_b.clone())] {
            let (client, acked, stop, id) = (client.clone(), acked.clone(), stop.clone(), id.clone());
            let url = format!("http://{addr}/api/v1/consents");
            writers.push(tokio::spawn(async move {
                let mut seq = replica + 1;
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    match client.post(&url).json(&event(&id, seq, seq % 3 == 0)).send().await {
                        Ok(res) if res.status() == 201 => {
                            acked.lock().unwrap().insert((id.clone(), seq));
                        }
                        Ok(res) => return Err(format!("replica {replica} answered {} to seq {seq}", res.status())),
                        Err(_) if replica == 1 => return Ok(()), // B was killed
                        Err(e) => return Err(format!("replica A failed: {e}")),
                    }
                    seq += 2;
                }
                Ok(())
            }));
        }
    }
    // Kill B once both have acknowledged a good number of writes, with many more in flight.
    while Instant::now() < deadline - Duration::from_secs(10) {
        if acked.lock().unwrap().len() >= 1500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.kill().expect("SIGKILL");
    b.wait().unwrap();
    let killed_at = acked.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(1500)).await; // A goes on alone for a while
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(killed_at > 100, "only {killed_at} writes were acknowledged before the kill");
    assert!(acked.len() > killed_at, "replica A kept taking writes after B died");

    for id in &ids {
        let mut stored = HashSet::new();
        let mut after = 0i64;
        for _ in 0..1000 {
            let url = format!("http://{addr_a}/api/v1/consents/{id}?after={after}&limit=1000");
            let page: serde_json::Value = client.get(url).send().await.unwrap().json().await.unwrap();
            stored.extend(page["events"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap() as u32));
            match page["next"].as_i64() {
                Some(n) => after = n,
                None => break,
            }
        }
        for (_, seq) in acked.iter().filter(|(i, _)| i == id) {
            assert!(stored.contains(seq), "acknowledged seq {seq} of {id} was lost");
        }
    }
    a.kill().unwrap();
    a.wait().unwrap();

    let store = kuki_server::store::Store::open(&kuki_server::config::DbUrl::parse(&db).unwrap()).await.unwrap();
    let report = kuki_server::verify::verify(&store).await.unwrap();
    assert!(report.breaks.is_empty(), "{:?}", &report.breaks[..report.breaks.len().min(5)]);
    assert_eq!(report.chains, ids.len() as u64);
    assert!(report.records >= acked.len() as u64);
    assert_eq!(report.leaves, report.records, "one leaf per record, none lost, none doubled");
    eprintln!(
        "replica test: {} acknowledged ({killed_at} before SIGKILL of B); {} records in {} chains verify",
        acked.len(),
        report.records,
        report.chains
    );
}

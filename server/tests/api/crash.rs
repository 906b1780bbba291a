//! The built binary killed with SIGKILL in the middle of concurrent writes: after a restart every acknowledged
//! record is there and `kuki-server verify` passes.
//!
//! The binary is the one cargo built for these tests, or `KUKI_SERVER_BIN` (e.g. `target/server/kuki-server`).

use crate::helpers::{event, new_id};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn binary() -> String {
    std::env::var("KUKI_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kuki-server").to_owned())
}

/// Starts the binary on a free port with its database in `dir`; returns it and its address once it answers.
/// (Readiness is asked over HTTP rather than read from the log: a build may have logging compiled out.)
fn start(dir: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(binary())
        .env("KUKI_ADDR", &addr)
        .env("KUKI_DB", format!("sqlite://{}", dir.join("crash.db").display()))
        .env("KUKI_SITE_DIR", dir)
        .env("KUKI_RATE_LIMIT", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    for _ in 0..500 {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return (child, addr);
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited at startup: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("the server did not become ready on {addr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_record_survives_a_sigkill_and_the_chains_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = start(dir.path());
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let acked: Arc<Mutex<HashSet<(String, u32)>>> = Arc::default();

    let mut writers = Vec::new();
    for _ in 0..48 {
        let (client, acked, url) = (client.clone(), acked.clone(), format!("http://{addr}/api/v1/consents"));
        writers.push(tokio::spawn(async move {
            let id = new_id();
            for seq in 1.. {
                match client.post(&url).json(&event(&id, seq, seq % 2 == 0)).send().await {
                    Ok(res) if res.status() == 201 => {
                        acked.lock().unwrap().insert((id.clone(), seq));
                    }
                    Ok(res) => panic!("unexpected status {} before the kill", res.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Kill once a good number of writes are acknowledged, while many more are in flight.
    for _ in 0..200 {
        if acked.lock().unwrap().len() >= 3000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 100, "only {} writes were acknowledged before the kill", acked.len());

    let (mut child, addr) = start(dir.path());
    let ids: HashSet<&String> = acked.iter().map(|(id, _)| id).collect();
    for id in ids {
        let res = client.get(format!("http://{addr}/api/v1/consents/{id}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "an acknowledged consent id is missing after the crash");
        let history: kuki_core::wire::ConsentHistory = res.json().await.unwrap();
        let stored: HashSet<u32> = history.events.iter().map(|e| e.seq).collect();
        for (_, seq) in acked.iter().filter(|(i, _)| i == id) {
            assert!(stored.contains(seq), "acknowledged seq {seq} of {id} was lost");
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let verify = Command::new(binary())
        .arg("verify")
        .env("KUKI_DB", format!("sqlite://{}", dir.path().join("crash.db").display()))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "verify found breaks:\n{out}");
    eprintln!("crash test: {} acknowledged before SIGKILL; {}", acked.len(), out.trim());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_drains_requests_in_flight_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = start(dir.path());
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for _ in 0..32 {
        let (client, acked, url) = (client.clone(), acked.clone(), format!("http://{addr}/api/v1/consents"));
        writers.push(tokio::spawn(async move {
            loop {
                let id = new_id();
                match client.post(&url).json(&event(&id, 1, true)).send().await {
                    Ok(res) if res.status() == 201 => acked.lock().unwrap().push(id),
                    Ok(res) => return Some(res.status().as_u16()),
                    Err(_) => return None, // the server closed the connection or stopped listening
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let term = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(term.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert!(exit.success(), "the server exits 0 after draining: {exit:?}");
    for w in writers {
        assert_eq!(w.await.unwrap(), None, "a request in flight got an error status instead of being served");
    }

    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty());
    let (mut child, addr) = start(dir.path());
    for id in &acked {
        let res = client.get(format!("http://{addr}/api/v1/consents/{id}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "an acknowledged record is missing after a graceful stop");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

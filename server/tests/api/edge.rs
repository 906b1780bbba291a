//! The connection edge, over raw TCP: slow request heads and idle kept-alive connections are closed after their
//! timeouts (1 s here) while `/healthz` and writes go on; past `KUKI_MAX_CONNECTIONS` new connections wait.

use crate::helpers::{event, new_id, spawn_app_with, TestApp};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (end of stream or reset); `None` if it is still open at `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Checks that the server still answers: `/healthz` and a fresh write.
async fn still_serves(app: &TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(app.post_event(&event(&new_id(), 1, true)).await.status(), 201);
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off_at_the_header_timeout_while_others_are_served() {
    let app = spawn_app_with(&[("KUKI_HEADER_TIMEOUT_SECS", "1"), ("KUKI_IDLE_TIMEOUT_SECS", "30")]).await;
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Slow: {}\r\n\r\n", app.addr, "z".repeat(64));
    let mut loris = Vec::new();
    for _ in 0..40 {
        let (addr, head) = (app.addr, head.clone());
        loris.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let started = Instant::now();
            // One byte every 300 ms: bytes keep arriving, and the head is still never complete in time.
            for byte in head.as_bytes() {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
                if let Some(answer) = closed_within(&mut stream, Duration::from_millis(300)).await {
                    return (started.elapsed(), answer);
                }
            }
            panic!("the slow head was sent in full without being cut off");
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    still_serves(&app).await;
    for l in loris {
        let (after, answer) = l.await.unwrap();
        assert!(after < Duration::from_secs(4), "closed after {after:?}");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    still_serves(&app).await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_at_the_idle_timeout() {
    let app = spawn_app_with(&[("KUKI_HEADER_TIMEOUT_SECS", "30"), ("KUKI_IDLE_TIMEOUT_SECS", "1")]).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", app.addr);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    // Kept alive: a second request on it is answered.
    stream.write_all(request.as_bytes()).await.unwrap();
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    let idle_from = Instant::now();
    still_serves(&app).await;
    let rest = closed_within(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(rest.as_deref(), Some(&b""[..]), "closed, without another answer");
    let after = idle_from.elapsed();
    assert!(after >= Duration::from_millis(800) && after < Duration::from_secs(4), "closed after {after:?}");
    still_serves(&app).await;
}

#[tokio::test]
async fn the_header_timeout_starts_at_once_for_a_connection_that_sends_nothing() {
    let app = spawn_app_with(&[("KUKI_HEADER_TIMEOUT_SECS", "1"), ("KUKI_IDLE_TIMEOUT_SECS", "30")]).await;
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(4)).await.is_some(), "still open after 4 s");
}

#[tokio::test]
async fn past_the_connection_bound_a_new_connection_waits_until_one_closes() {
    let app = spawn_app_with(&[
        ("KUKI_MAX_CONNECTIONS", "2"),
        ("KUKI_HEADER_TIMEOUT_SECS", "30"),
        ("KUKI_IDLE_TIMEOUT_SECS", "1"),
    ])
    .await;
    // spawn_app's readiness probe left a kept-alive connection in the client's pool: the idle timeout closes it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Two silent connections (a connection that never sent a request is bounded by the header timeout, 30 s here).
    let first = TcpStream::connect(app.addr).await.unwrap();
    let _second = TcpStream::connect(app.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut third = TcpStream::connect(app.addr).await.expect("the kernel's backlog takes it");
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", app.addr);
    third.write_all(request.as_bytes()).await.unwrap();
    let mut buf = [0u8; 256];
    let waited = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf)).await;
    assert!(waited.is_err(), "answered beyond the bound of 2 connections");

    drop(first);
    let answer = closed_within(&mut third, Duration::from_secs(5)).await.expect("answered once a place was free");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
}

#[tokio::test]
async fn a_shutdown_lets_the_request_in_flight_finish_then_stops() {
    let app = spawn_app_with(&[("KUKI_IDLE_TIMEOUT_SECS", "30")]).await;
    let body = event(&new_id(), 1, true).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "POST /api/v1/consents HTTP/1.1\r\nHost: {}\r\nOrigin: http://{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        app.addr,
        app.addr,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let addr = app.addr;
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "stopped with a request in flight");
    assert!(TcpStream::connect(addr).await.is_err(), "the listener is closed at once");
    stream.write_all(tail.as_bytes()).await.unwrap();
    let answer = closed_within(&mut stream, Duration::from_secs(5)).await.expect("answered, then closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    tokio::time::timeout(Duration::from_secs(5), stopping).await.expect("stopped once drained").unwrap();
}

#[tokio::test]
async fn past_its_bound_per_address_a_clients_new_connection_is_closed_and_others_are_served() {
    let app = spawn_app_with(&[
        ("KUKI_MAX_CONNECTIONS_PER_IP", "2"),
        ("KUKI_HEADER_TIMEOUT_SECS", "30"),
        ("KUKI_IDLE_TIMEOUT_SECS", "1"),
    ])
    .await;
    // spawn_app's readiness probe left a kept-alive connection in the client's pool: the idle timeout closes it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let first = TcpStream::connect(app.addr).await.unwrap();
    let _second = TcpStream::connect(app.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(app.addr).await.unwrap();
    assert!(closed_within(&mut third, Duration::from_secs(2)).await.is_some(), "the third is closed at once");

    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = TcpStream::connect(app.addr).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", app.addr);
    again.write_all(request.as_bytes()).await.unwrap();
    let answer = closed_within(&mut again, Duration::from_secs(5)).await.expect("answered");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));

    // A trusted proxy carries many clients: its connections are not bound per address.
    let proxied = spawn_app_with(&[
        ("KUKI_MAX_CONNECTIONS_PER_IP", "1"),
        ("KUKI_TRUSTED_PROXIES", "127.0.0.1"),
        ("KUKI_IDLE_TIMEOUT_SECS", "30"),
    ])
    .await;
    let _held = TcpStream::connect(proxied.addr).await.unwrap();
    still_serves(&proxied).await;
}

//! The connection edge: accepting TCP connections and serving HTTP/1.1 on each with hyper's own server.
//!
//! `axum::serve` gives hyper no timer, so hyper's header-read timeout never starts and a client that sends one
//! header byte every few seconds holds its connection (and a task) for ever. Here each connection gets:
//! - hyper's header-read timeout, through [`TokioTimer`]: a request head must be complete within
//!   `KUKI_HEADER_TIMEOUT_SECS` of the moment the connection starts waiting for it (on a kept-alive connection,
//!   from the end of the previous response);
//! - an idle timeout: a kept-alive connection with no request in flight for `KUKI_IDLE_TIMEOUT_SECS` is shut
//!   down (hyper closes it at once when it is between requests, or after the response it is writing);
//! - a place among at most `KUKI_MAX_CONNECTIONS`: past it the loop stops accepting, and new connections wait in
//!   the kernel's listen backlog until one closes;
//! - a place among at most `KUKI_MAX_CONNECTIONS_PER_IP` of its client address (IPv6: its /64; peers in
//!   `KUKI_TRUSTED_PROXIES` are not counted): past it the new connection is closed at once, so one address cannot
//!   take every place with slow request heads.
//!
//! Shutdown: once the shutdown future resolves, the listener closes, every connection is asked to finish its
//! current request and close, and [`serve`] returns when the last one has.

use crate::config::IpNet;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::hash_map::{Entry, HashMap};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

/// What bounds each connection and their number (from [`crate::Config`]).
#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// Peers that carry many clients (`KUKI_TRUSTED_PROXIES`): not bound per address.
    pub trusted_proxies: Vec<IpNet>,
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains: see the module doc.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_ip = Arc::new(PerIp {
        max: limits.max_connections_per_ip.max(1),
        trusted: limits.trusted_proxies.clone(),
        open: Mutex::new(HashMap::new()),
    });
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    // `stop` tells the connections to finish; each holds a clone of `open`, so `open_tx.closed()` is the drain.
    let (stop_tx, stop) = watch::channel(false);
    let (open_tx, open) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors or memory: wait a little rather than spin. A connection reset before it
                // was accepted is the client's business.
                if !is_connection_error(&e) {
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        let Some(slot) = per_ip.admit(peer.ip()) else {
            tracing::debug!("a client address is at its connection bound: connection closed");
            continue; // drops the stream (closed) and the permit
        };
        let conn = Connection {
            http: http.clone(),
            app: app.clone(),
            idle: limits.idle_timeout,
            peer,
            _places: (permit, slot),
            _open: open.clone(),
        };
        tokio::spawn(conn.run(stream, stop.clone()));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open);
    open_tx.closed().await;
    Ok(())
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

/// Open connections per client address (the rate limiter's key: IPv4 address, IPv6 /64).
struct PerIp {
    max: usize,
    trusted: Vec<IpNet>,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// A connection's place among its address's; given back when dropped.
struct IpSlot(Option<(Arc<PerIp>, IpAddr)>);

impl PerIp {
    /// A place for a connection from `ip`, or `None` when the address holds `max` already.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<IpSlot> {
        if self.trusted.iter().any(|net| net.contains(ip)) {
            return Some(IpSlot(None));
        }
        let key = crate::ratelimit::client_key(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(IpSlot(Some((self.clone(), key))))
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        if let Some((per_ip, key)) = self.0.take() {
            let mut open = per_ip.open.lock().unwrap_or_else(|e| e.into_inner());
            if let Entry::Occupied(mut n) = open.entry(key) {
                *n.get_mut() -= 1;
                if *n.get() == 0 {
                    n.remove();
                }
            }
        }
    }
}

/// One accepted connection, and what it holds until it closes: its places among `max_connections` and among its
/// address's, and its part of the drain.
struct Connection {
    http: http1::Builder,
    app: Router,
    idle: Duration,
    peer: SocketAddr,
    _places: (OwnedSemaphorePermit, IpSlot),
    _open: watch::Receiver<()>,
}

/// When the connection last started or finished a request, and how many it is running.
struct Activity {
    start: Instant,
    in_flight: AtomicUsize,
    last_ms: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        self.last_ms.store(self.start.elapsed().as_millis() as u64, Relaxed);
    }

    /// When the connection becomes idle for `idle`, as far as it is known now.
    fn idle_deadline(&self, idle: Duration) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Relaxed)) + idle
    }
}

/// Counts a request as in flight until it is dropped (answered or abandoned).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: &Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Relaxed);
        activity.touch();
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

impl Connection {
    async fn run(self, stream: TcpStream, mut stop: watch::Receiver<bool>) {
        // Answers are small and written whole: Nagle would only hold back the last segment.
        let _ = stream.set_nodelay(true);
        let activity =
            Arc::new(Activity { start: Instant::now(), in_flight: AtomicUsize::new(0), last_ms: AtomicU64::new(0) });
        let (app, peer, seen) = (self.app.clone(), self.peer, activity.clone());
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let in_flight = InFlight::begin(&seen);
            let answer = app.clone().oneshot(req);
            async move {
                let res = answer.await;
                drop(in_flight);
                res
            }
        });
        let conn = self.http.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(conn);
        let idle = self.idle;
        let mut closing = false;
        let mut deadline = activity.idle_deadline(idle);
        loop {
            tokio::select! {
                res = conn.as_mut() => {
                    if let Err(e) = res {
                        // Header timeouts, resets, malformed requests: the client's trouble, not the server's.
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                _ = stop.wait_for(|&s| s), if !closing => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
                () = tokio::time::sleep_until(deadline), if !closing => {
                    let due = activity.idle_deadline(idle);
                    if activity.in_flight.load(Relaxed) > 0 {
                        deadline = Instant::now() + idle;
                    } else if due > Instant::now() {
                        deadline = due;
                    } else {
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                }
            }
        }
    }
}

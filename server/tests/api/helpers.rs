//! Starting an app for one test.

use kuki_server::Config;
use std::collections::HashMap;
use std::net::SocketAddr;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub dir: TempDir,
    /// The `KUKI_DB` it runs on.
    pub db: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Asks for a graceful shutdown and waits until the server has drained.
    #[allow(dead_code)]
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("server task panicked");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// A server with a site folder holding `index.html` and `kuki/kuki.js`, `kuki/pkg/kuki_bg.wasm`.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Like [`spawn_app`], with extra `KUKI_*` variables (they override the test defaults).
pub async fn spawn_app_with(vars: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("kuki/pkg")).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html><title>demo host</title>").unwrap();
    std::fs::write(site.join("kuki/kuki.js"), "window.kuki = window.kuki || [];").unwrap();
    std::fs::write(site.join("kuki/pkg/kuki_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut env: HashMap<String, String> = HashMap::new();
    // The server's own origin is configured, never read from `Host`: here it is the bound address.
    env.insert("KUKI_PUBLIC_URL".into(), format!("http://{addr}"));
    env.insert("KUKI_SITE_DIR".into(), site.display().to_string());
    env.insert("KUKI_DB".into(), format!("sqlite://{}", dir.path().join("kuki.db").display()));
    env.insert("KUKI_RATE_LIMIT".into(), "0".into());
    env.insert("KUKI_ADMIN_TOKEN".into(), ADMIN_TOKEN.into());
    env.insert("KUKI_ALLOWED_ORIGINS".into(), ALLOWED_ORIGIN.into());
    env.insert("KUKI_KEY_FILE".into(), dir.path().join("kuki.key").display().to_string());
    for (k, v) in vars {
        env.insert(k.to_string(), v.to_string());
    }
    let db = env["KUKI_DB"].clone();
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config is valid");

    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        kuki_server::run(listener, config, async {
            let _ = stopped.await;
        })
        .await
        .expect("server ran");
    });
    // A pooled connection is not reused after 500 ms idle: the edge tests run the server with a 1 s idle timeout,
    // and a connection the server is closing just then would fail a request that has nothing to do with it.
    let client =
        reqwest::Client::builder().no_proxy().pool_idle_timeout(std::time::Duration::from_millis(500)).build().unwrap();
    // The store opens (and migrates) inside `run`: wait until the app says it is ready.
    for _ in 0..200 {
        match client.get(format!("http://{addr}/readyz")).send().await {
            Ok(res) if res.status() == 200 => break,
            _ => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
    TestApp { addr, client, dir, db, stop: Some(stop), task: Some(task) }
}

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
pub const ALLOWED_ORIGIN: &str = "https://shop.example";

/// A valid event body for `id` and `seq`, deciding analytics as `analytics`.
pub fn event(id: &str, seq: u32, analytics: bool) -> serde_json::Value {
    serde_json::json!({
        "consentId": id,
        "seq": seq,
        "action": "custom",
        "categories": {"necessary": true, "functional": false, "analytics": analytics, "marketing": false},
        "policyVersion": "2024-01-01",
        "configRevision": 0,
        "lang": "ko",
        "gpc": false,
        "clientTime": 1_700_000_000_000i64
    })
}

/// A fresh random consent id.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    for b in bytes.iter_mut() {
        *b = rand_byte();
    }
    kuki_core::ConsentId::from_random(bytes).to_string()
}

fn rand_byte() -> u8 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ seed;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x as u8
}

impl TestApp {
    /// POSTs `body` as JSON from the allowed origin.
    pub async fn post_event(&self, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/consents"))
            .header("origin", ALLOWED_ORIGIN)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_history(&self, id: &str) -> reqwest::Response {
        self.client.get(self.url(&format!("/api/v1/consents/{id}"))).send().await.expect("request sent")
    }
}

/// Reads an error body and returns its code.
pub async fn error_code(res: reqwest::Response) -> String {
    let body: serde_json::Value = res.json().await.expect("error bodies are JSON");
    assert!(body["message"].is_string(), "{body}");
    body["code"].as_str().expect("a code").to_owned()
}

/// The databases a store test runs against: SQLite always, PostgreSQL when `KUKI_TEST_POSTGRES_URL` names a
/// server (`server/scripts/with-postgres.sh` starts one). Each call makes a fresh PostgreSQL database.
pub async fn databases(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![format!("sqlite://{}", dir.join("store-test.db").display())];
    match std::env::var("KUKI_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => out.push(fresh_postgres_db(&admin).await),
        _ => {
            static NOTICE: std::sync::Once = std::sync::Once::new();
            NOTICE.call_once(|| {
                eprintln!(
                    "NOTICE: KUKI_TEST_POSTGRES_URL is not set: store tests run on SQLite only (PostgreSQL skipped)"
                )
            });
        }
    }
    out
}

async fn fresh_postgres_db(admin: &str) -> String {
    let (client, conn) =
        tokio_postgres::connect(admin, tokio_postgres::NoTls).await.expect("the test PostgreSQL answers");
    tokio::spawn(conn);
    let name = format!("kuki_test_{}", new_id().replace('-', ""));
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create the test database");
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    format!("{base}/{name}")
}

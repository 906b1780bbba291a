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

    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("KUKI_SITE_DIR".into(), site.display().to_string());
    env.insert("KUKI_DB".into(), format!("sqlite://{}", dir.path().join("kuki.db").display()));
    env.insert("KUKI_RATE_LIMIT".into(), "0".into());
    env.insert("KUKI_ADMIN_TOKEN".into(), ADMIN_TOKEN.into());
    env.insert("KUKI_ALLOWED_ORIGINS".into(), ALLOWED_ORIGIN.into());
    for (k, v) in vars {
        env.insert(k.to_string(), v.to_string());
    }
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config is valid");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        kuki_server::run(listener, config, async {
            let _ = stopped.await;
        })
        .await
        .expect("server ran");
    });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    TestApp { addr, client, dir, stop: Some(stop), task: Some(task) }
}

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
pub const ALLOWED_ORIGIN: &str = "https://shop.example";

//! Building the application state and serving it until the shutdown future resolves.

use crate::chain::ReceiptSigner;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::routes;
use crate::store::{Store, StoreError};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What every handler can reach. Extractors and middleware clone it for every request, so it is one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
    pub store: Store,
    pub signer: ReceiptSigner,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Opens the store (migrating it) and loads the receipt key.
    pub async fn new(config: Config) -> Result<AppState, StartError> {
        let store = Store::open_with(&config.db, config.store_options()).await.map_err(StartError::Store)?;
        let signer = crate::keyfile::load_for_serving(&config.key_file, &store).await.map_err(StartError::Key)?;
        store.sign_batches_with(signer.clone());
        Ok(AppState(Arc::new(Shared {
            limiter: RateLimiter::new(config.rate_limit),
            config,
            store,
            signer,
            metrics: Metrics::default(),
        })))
    }
}

/// Serves on `listener` until `shutdown` resolves, then stops accepting and waits for the requests in flight.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let local = listener.local_addr().map_err(StartError::Io)?;
    let backend = match &config.db {
        crate::config::DbUrl::Sqlite(path) => format!("sqlite {}", path.display()),
        crate::config::DbUrl::Postgres(_) => "postgres".to_owned(),
    };
    tracing::info!(
        db = %backend,
        site = %config.site_dir.display(),
        rate_limit = config.rate_limit,
        allowed_origins = config.allowed_origins.len(),
        stats = config.admin_token.is_some(),
        "starting"
    );
    let limits = crate::serve::Limits {
        header_timeout: config.header_timeout,
        idle_timeout: config.idle_timeout,
        max_connections: config.max_connections,
        max_connections_per_ip: config.max_connections_per_ip,
        trusted_proxies: config.trusted_proxies.clone(),
    };
    let own = config.own_origins.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(",");
    let state = AppState::new(config).await?;
    let app = routes::router(state);
    tracing::info!(%local, own_origins = %own, ?limits, "kuki-server listening");
    crate::serve::serve(listener, app, limits, shutdown).await.map_err(StartError::Io)?;
    tracing::info!("kuki-server stopped");
    Ok(())
}

#[derive(Debug)]
pub enum StartError {
    Io(std::io::Error),
    Store(StoreError),
    Key(crate::keyfile::KeyError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Io(e) => write!(f, "i/o: {e}"),
            StartError::Store(e) => write!(f, "{e}"),
            StartError::Key(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StartError {}

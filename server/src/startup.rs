//! Building the application state and serving it until the shutdown future resolves.

use crate::config::Config;
use crate::routes;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
}

/// Serves on `listener` until `shutdown` resolves, then stops accepting and waits for the requests in flight.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let local = listener.local_addr().map_err(StartError::Io)?;
    let state = AppState { config: Arc::new(config) };
    let app = routes::router(state);
    tracing::info!(%local, "kuki-server listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartError::Io)?;
    tracing::info!("kuki-server stopped");
    Ok(())
}

#[derive(Debug)]
pub enum StartError {
    Io(std::io::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Io(e) => write!(f, "i/o: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

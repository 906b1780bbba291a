//! The `kuki-server` binary: configuration from the environment, logs, signals. Everything else is the library.
//!
//! `kuki-server` serves; `kuki-server verify [--checkpoint FILE] [--receipts FILE] [--public-key HEX]` walks every
//! hash chain and the log's tree in `KUKI_DB`, prints each break and exits non-zero if there is one.

use kuki_server::Config;

// glibc's allocator spent a tenth of the server's CPU under load (many small, short-lived allocations per request).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr, coloured only on a terminal.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kuki-server: bad configuration: {e}");
            return ExitCode::from(2);
        }
    };
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => {}
        Some("verify") => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            return kuki_server::verify::cli(&config, &args).await;
        }
        Some(other) => {
            eprintln!("kuki-server: unknown command {other:?} (expected `serve` or `verify`)");
            return ExitCode::from(2);
        }
    }
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("kuki-server: cannot listen on {}: {e}", config.addr);
            return ExitCode::from(1);
        }
    };
    match kuki_server::run(listener, config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kuki-server: {e}");
            ExitCode::from(1)
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM; the server then stops accepting and drains the requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutdown requested: draining requests in flight");
}

//! kuki-server: the self-hosted side of kuki. It serves the built site and the embeddable bundle, and keeps every
//! consent event as tamper-evident proof.
//!
//! # Layout
//! - [`config`]: the `KUKI_*` environment, parsed once into valid types.
//! - [`startup`]: [`run`] binds nothing itself: it takes a listener and a shutdown future (tests bind port 0).
//! - [`routes`]: every route declared in one place, one file per resource.
//! - [`error`]: the one error type of the HTTP boundary; it knows its status and never sends internal causes.

pub mod config;
pub mod error;
pub mod routes;
pub mod startup;

pub use config::Config;
pub use startup::{run, AppState};

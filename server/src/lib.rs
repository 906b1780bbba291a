//! kuki-server: the self-hosted side of kuki. It serves the built site and the embeddable bundle, and keeps every
//! consent event as tamper-evident proof.
//!
//! # Layout
//! - [`config`]: the `KUKI_*` environment, parsed once into valid types.
//! - [`startup`]: [`run`] takes a listener and a shutdown future (tests bind port 0); [`AppState`].
//! - [`serve`]: the connection edge: hyper with a timer (header-read and idle timeouts), a bound on connections,
//!   graceful drain.
//! - [`routes`]: every route declared in one place, one file per resource, and the layers around them.
//! - [`request`]: extractors for the client address, the write `Origin` and the consent body.
//! - [`event`]: raw JSON to a valid event (400 for shape, 422 for rules).
//! - [`store`]: SQLite and PostgreSQL behind one handle, with group commit.
//! - [`chain`]: the per-consent-id SHA-256 chain and the Ed25519 key.
//! - [`merkle`]: the whole log as an RFC 6962 Merkle tree, its signed checkpoints, and the batch trees that give
//!   each receipt its inclusion proof under one signed head per group commit.
//! - [`keyfile`]: the signing key, in a 0600 file outside the database.
//! - [`verify`]: `kuki-server verify`, which walks every chain and the tree, against saved checkpoints.
//! - [`ratelimit`], [`metrics`], [`openapi`], [`time`]: the small pieces.
//! - [`error`]: the one error type of the HTTP boundary; it knows its status and never sends internal causes.

pub mod chain;
pub mod config;
pub mod error;
pub mod event;
pub mod keyfile;
pub mod merkle;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod request;
pub mod routes;
pub mod serve;
pub mod startup;
pub mod store;
pub mod time;
pub mod verify;

pub use config::Config;
pub use startup::{run, AppState};

//! Black-box tests: the real server on 127.0.0.1:0 with a fresh site folder and database in a temp dir, driven
//! over HTTP.
//!
//! - [`helpers`]: `spawn_app` and the test client.
//! - [`crash`]: the built binary killed mid-write; every acknowledged record survives, `verify` passes.
//! - [`categories`]: any category recorded and counted without `KUKI_CATEGORIES`, refused by name outside it, too
//!   many and malformed ids, on every database available.
//! - [`edge`]: the connection edge over raw TCP: header-read and idle timeouts, the bound on connections.
//! - [`consents`]: POST, GET and DELETE of consent events, receipts, replay and conflict, bad input.
//! - [`evidence`]: the cap per id, history pages, readiness when the database file goes, tampering caught against
//!   a checkpoint, the key file.
//! - [`replicas`]: two built binaries on one PostgreSQL, concurrent writes to shared ids, one SIGKILLed.
//! - [`guards`]: Origin refusal, CORS preflight, rate limit and X-Forwarded-For, the stats token, readyz, metrics.
//! - [`site`]: static files, `/kuki/*` CORS, `/privacy`, `/healthz`.
//! - [`store`]: the same store tests on SQLite and, when `KUKI_TEST_POSTGRES_URL` is set, PostgreSQL (plus a
//!   PostgreSQL outage: 503).

mod categories;
mod consents;
mod crash;
mod edge;
mod evidence;
mod guards;
mod helpers;
mod replicas;
mod site;
mod store;

//! Black-box tests: the real server on 127.0.0.1:0 with a fresh site folder and database in a temp dir, driven
//! over HTTP.
//!
//! - [`helpers`]: `spawn_app` and the test client.
//! - [`crash`]: the built binary killed mid-write; every acknowledged record survives, `verify` passes.
//! - [`edge`]: the connection edge over raw TCP: header-read and idle timeouts, the bound on connections.
//! - [`consents`]: POST, GET and DELETE of consent events, receipts, replay and conflict, bad input.
//! - [`guards`]: Origin refusal, CORS preflight, rate limit and X-Forwarded-For, the stats token, readyz, metrics.
//! - [`site`]: static files, `/kuki/*` CORS, `/privacy`, `/healthz`.
//! - [`store`]: the same store tests on SQLite and, when `KUKI_TEST_POSTGRES_URL` is set, PostgreSQL (plus a
//!   PostgreSQL outage: 503).

mod consents;
mod crash;
mod edge;
mod guards;
mod helpers;
mod site;
mod store;

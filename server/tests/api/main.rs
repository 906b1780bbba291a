//! Black-box tests: the real server on 127.0.0.1:0 with a fresh site folder and database in a temp dir, driven
//! over HTTP.
//!
//! - [`helpers`]: `spawn_app` and the test client.
//! - [`site`]: static files, `/kuki/*` CORS, `/privacy`, `/healthz`.

mod helpers;
mod site;

//! kuki-core: the consent model as plain data and rules.
//!
//! Both the browser app (`kuki`, compiled to WebAssembly) and the server (`kuki-server`) depend on this crate,
//! so it has no web or server dependencies: only `serde`. Time and ids come in as arguments, and everything
//! serialized uses fixed-width integers, so the same tests run natively and on wasm32.
//!
//! # Layout
//! - [`lang`]: languages: Korean and English built in, any other a site brings texts for.
//! - [`texts`]: the keys of kuki's own texts a site may replace per language.
//! - [`token`]: small validated strings (category ids, policy versions) shared by the modules below.
//! - [`category`]: cookie categories and the four defaults taken from the privacy policy.
//! - [`config`]: the configuration a site passes, parsed and validated with errors that name the field.
//! - [`consent`]: the consent record and its rules: decide, status, what changed.
//! - [`cookie`]: the compact, versioned, checksummed format the record is stored in.
//! - [`gui`]: how kuki looks (`guiOptions`): theme, layouts and positions, the floating settings button.
//! - [`error`]: the one error shape of the edges (config, policy, JSON reader): the field and what is wrong.
//! - [`uuid`]: consent ids (UUID v4) made from caller-supplied random bytes.
//! - [`value`]: a JSON value and a path-keeping reader, for parsing browser input without serde.
//! - [`wire`]: the HTTP contract with the server: request, receipt, history, error codes.
//! - [`policy`]: the privacy policy document model and the default policy.

pub mod category;
pub mod config;
pub mod consent;
pub mod cookie;
pub mod error;
pub mod gui;
pub mod lang;
pub mod policy;
pub mod texts;
pub mod token;
pub mod uuid;
pub mod value;
pub mod wire;

pub use category::{Category, CategoryId};
pub use config::{Config, ConfigError};
pub use consent::{Choice, Consent, Status};
pub use lang::Lang;
pub use uuid::ConsentId;

// On wasm32 the unit tests run in a browser (wasm-pack test --headless --chrome core), like the app's.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

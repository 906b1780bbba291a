//! kuki: cookie consent and the privacy policy, as a yew app compiled to WebAssembly.
//!
//! # Layout
//! - [`api`]: the page-facing verbs (`run`, `show`, `acceptCategory`, ...) exported to JavaScript.
//! - [`state`]: the app state, every consent change as an `Action`, and the one reducer.
//! - [`app`]: the store that runs the reducer and the one effect that carries out each consent change.
//! - [`mount`]: the DOM island: a shadow root with kuki's own constructed stylesheet.
//! - [`components`]: one yew component per file; they render and call back, nothing else.
//! - Side effects, one home each: [`storage`] (cookie, localStorage, memory), [`scripts`] (blocked scripts),
//!   [`events`] (window events and the consent object), [`consent_mode`] (Google Consent Mode v2),
//!   [`sync`] (the outbox to the server), [`controls`] (host-page `data-kuki` controls).
//! - [`browser`]: fallible reads of the environment (clock, randomness, languages, GPC).
//! - [`js`]: JS values to and from `kuki_core::value::Value` (no serde in the bundle).
//! - [`i18n`]: kuki's own words in Korean and English.
//!
//! The consent model itself (categories, config, rules, cookie format, wire types) is `kuki-core`.

pub mod api;
pub mod app;
pub mod browser;
pub mod components;
pub mod consent_mode;
pub mod controls;
pub mod events;
pub mod i18n;
pub mod js;
pub mod mount;
pub mod scripts;
pub mod state;
pub mod storage;
pub mod sync;

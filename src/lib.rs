//! kuki: cookie consent and the privacy policy, as a yew app compiled to WebAssembly.
//!
//! # Layout
//! - [`api`]: the page-facing verbs (`run`, `show`, `acceptCategory`, ...) exported to JavaScript; it parses
//!   their arguments and holds the one running instance.
//! - [`state`]: plain data and rules, no yew and no browser: `update(&State, Action, &Ctx) -> (State,
//!   Vec<Effect>)`, every consent change an `Action`, everything it causes an `Effect`; tested natively.
//! - [`runtime`]: the one mutable home: it runs `update` and carries out every effect, one file per kind:
//!   `storage` (cookie, localStorage, memory), `outbox` (posts and erasures to the server, in order),
//!   `scripts` (blocked scripts, against the consent of the moment), `embeds` (blocked iframes and their
//!   placeholders), `observer` (later-inserted blocked elements), `controls` (host-page `data-kuki` controls),
//!   `events` (window events), `consent_mode` (Google Consent Mode v2).
//! - [`mount`]: the DOM islands (the banner's, and one per blocked iframe's placeholder): shadow roots sharing
//!   kuki's one constructed stylesheet; the banner's takes over the loader's first frame.
//! - `frame` (feature `ssr`, native): the banner's first frame rendered ahead of time by the `kuki-frames` tool.
//! - [`components`]: one yew component per file; they render the state and dispatch actions, nothing else.
//! - [`browser`]: fallible reads of the environment (clock, randomness, languages, GPC).
//! - [`js`]: JS values to and from `kuki_core::value::Value` (no serde in the bundle).
//! - [`i18n`]: kuki's own words in Korean and English.
//! - [`style`]: kuki's stylesheet, minified while compiling.
//!
//! The consent model itself (categories, config, rules, cookie format, wire types) is `kuki-core`.

pub mod api;
pub mod browser;
pub mod components;
#[cfg(feature = "ssr")]
pub mod frame;
pub mod i18n;
pub mod js;
pub mod mount;
pub mod runtime;
pub mod state;
pub mod style;

/// The wasm's allocator: talc instead of std's dlmalloc, ~1.4 KiB brotli smaller (issue 8) and, by talc's own
/// WebAssembly benchmarks, faster. It grows the wasm memory as dlmalloc does.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

//! Google Consent Mode v2. When the page has `gtag` or `dataLayer` (or the config asks), kuki sends
//! `consent default` before anything else (everything denied but `security_storage`, with `wait_for_update`) and
//! `consent update` on every choice, mapping its categories to all seven consent types.

use js_sys::{Object, Reflect};
use kuki_core::category::{consent_mode_values, CONSENT_MODE_WAIT_MS};
use kuki_core::{Config, Consent};
use wasm_bindgen::prelude::*;

use crate::browser;

// gtag needs the `arguments` object itself on the dataLayer (an array is ignored), which only a JS function can
// give; this snippet ships as a file beside the glue, so a strict CSP allows it.
#[wasm_bindgen(inline_js = "export function kukiGtag(a, b, c) { \
    var w = window; w.dataLayer = w.dataLayer || []; \
    if (typeof w.gtag !== 'function') { w.gtag = function () { w.dataLayer.push(arguments); }; } \
    w.gtag(a, b, c); }")]
extern "C" {
    #[wasm_bindgen(js_name = kukiGtag, catch)]
    fn gtag(command: &str, action: &str, params: &JsValue) -> Result<(), JsValue>;
}

/// Is Consent Mode on for this page? The config says so, or the loader already sent the default (the tag asked for
/// it, or the page had gtag then), or the page has gtag or a dataLayer now.
pub fn enabled(config: &Config, default_sent: bool) -> bool {
    config.consent_mode.unwrap_or_else(|| {
        if default_sent {
            return true;
        }
        let Some(w) = browser::window() else { return false };
        ["gtag", "dataLayer"].iter().any(|k| Reflect::get(&w, &JsValue::from_str(k)).is_ok_and(|v| !v.is_undefined()))
    })
}

fn params(values: [(&str, &str); 7]) -> Object {
    let o = Object::new();
    for (ty, v) in values {
        let _ = Reflect::set(&o, &JsValue::from_str(ty), &JsValue::from_str(v));
    }
    o
}

/// `gtag('consent', 'default', ...)`: denied until the visitor chooses.
pub fn send_default() {
    let p = params(consent_mode_values(|_| false));
    let _ = Reflect::set(&p, &JsValue::from_str("wait_for_update"), &JsValue::from_f64(CONSENT_MODE_WAIT_MS.into()));
    let _ = gtag("consent", "default", &p);
}

/// `gtag('consent', 'update', ...)` for a choice (or `None`: withdrawn, everything denied again).
pub fn send_update(consent: Option<&Consent>) {
    let p = params(consent_mode_values(|id| consent.is_some_and(|k| k.granted(id))));
    let _ = gtag("consent", "update", &p);
}

//! What the page sees of a consent: the plain object `getConsent()` returns and the window events
//! `kuki:ready`, `kuki:consent` (the first choice) and `kuki:change` (later changes) carry as `detail`.

use kuki_core::wire::Receipt;
use kuki_core::Consent;
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;

use crate::browser;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConsentView<'a> {
    consent_id: String,
    seq: u32,
    categories: BTreeMap<&'a str, bool>,
    accepted_categories: Vec<&'a str>,
    policy_version: &'a str,
    revision: u32,
    /// Unix milliseconds, ready for `new Date(...)`.
    given_at: f64,
    updated_at: f64,
    lang: &'static str,
    gpc: bool,
    receipt: Option<&'a Receipt>,
}

/// The consent as a plain JS object (`null` for none).
pub fn consent_object(consent: Option<&Consent>, receipt: Option<&Receipt>) -> JsValue {
    let Some(c) = consent else { return JsValue::NULL };
    let view = ConsentView {
        consent_id: c.id.to_string(),
        seq: c.seq,
        categories: c.decisions.iter().map(|d| (d.category.as_str(), d.granted)).collect(),
        accepted_categories: c.accepted().map(|id| id.as_str()).collect(),
        policy_version: c.policy_version.as_str(),
        revision: c.revision,
        given_at: c.given_at as f64 * 1000.0,
        updated_at: c.updated_at as f64 * 1000.0,
        lang: c.lang.as_str(),
        gpc: c.gpc,
        receipt: receipt.filter(|r| r.consent_id == c.id),
    };
    to_js(&view)
}

/// Plain objects for maps (not `Map`s), so pages can read `detail.categories.analytics`.
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true)).unwrap_or(JsValue::NULL)
}

/// Dispatches `name` on `window` with `detail`. A listener that throws cannot break kuki.
pub fn dispatch(name: &str, detail: &JsValue) {
    let Some(w) = browser::window() else { return };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = w.dispatch_event(&event);
    }
}

//! What the page sees of a consent: the plain object `getConsent()` returns and the window events
//! `kuki:ready`, `kuki:consent` (the first choice) and `kuki:change` (later changes) carry as `detail`.

use kuki_core::value::Value;
use kuki_core::wire::{browser::receipt_value, Receipt};
use kuki_core::Consent;

use crate::state::Changes;
use wasm_bindgen::JsValue;

use crate::{browser, js};

/// The consent as a plain JS object (`null` for none). Times are unix milliseconds, ready for `new Date(...)`.
pub fn consent_object(consent: Option<&Consent>, receipt: Option<&Receipt>) -> JsValue {
    let Some(c) = consent else { return JsValue::NULL };
    let s = |x: &str| Value::Str(x.to_owned());
    let view = Value::Obj(vec![
        ("consentId".into(), Value::Str(c.id.to_string())),
        ("seq".into(), Value::Num(f64::from(c.seq))),
        (
            "categories".into(),
            Value::Obj(c.decisions.iter().map(|d| (d.category.to_string(), Value::Bool(d.granted))).collect()),
        ),
        ("acceptedCategories".into(), Value::Arr(c.accepted().map(|id| s(id.as_str())).collect())),
        (
            "services".into(),
            Value::Obj(
                c.decisions
                    .iter()
                    .filter(|d| !d.services.is_empty())
                    .map(|d| {
                        let list = d.services.iter().map(|x| (x.service.to_string(), Value::Bool(x.granted))).collect();
                        (d.category.to_string(), Value::Obj(list))
                    })
                    .collect(),
            ),
        ),
        ("policyVersion".into(), s(c.policy_version.as_str())),
        ("revision".into(), Value::Num(f64::from(c.revision))),
        ("givenAt".into(), Value::Num(c.given_at as f64 * 1000.0)),
        ("updatedAt".into(), Value::Num(c.updated_at as f64 * 1000.0)),
        ("lang".into(), s(c.lang.as_str())),
        ("gpc".into(), Value::Bool(c.gpc)),
        ("receipt".into(), receipt.filter(|r| r.consent_id == c.id).map(receipt_value).unwrap_or(Value::Null)),
    ]);
    js::to_js(&view)
}

/// The detail of `kuki:consent` and `kuki:change`: the consent object with vanilla-cookieconsent v3's
/// `changedCategories` and `changedServices` (`{category: [service]}`). A withdrawal's detail stays `null`.
pub fn with_changes(detail: JsValue, changes: &Changes) -> JsValue {
    if !detail.is_object() {
        return detail;
    }
    let target = detail;
    let ids = |list: &[kuki_core::CategoryId]| Value::Arr(list.iter().map(|id| Value::Str(id.to_string())).collect());
    let services = Value::Obj(
        changes
            .services
            .iter()
            .map(|(c, list)| (c.to_string(), Value::Arr(list.iter().map(|s| Value::Str(s.to_string())).collect())))
            .collect(),
    );
    let _ = js_sys::Reflect::set(&target, &"changedCategories".into(), &js::to_js(&ids(&changes.categories)));
    let _ = js_sys::Reflect::set(&target, &"changedServices".into(), &js::to_js(&services));
    target
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

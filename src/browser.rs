//! Small, fallible reads of the browser's environment: clock, randomness, languages, privacy signals.
//! Every function here tolerates a missing or hostile environment (no window, throwing getters).

use js_sys::Reflect;
use kuki_core::consent::Context;
use kuki_core::{ConsentId, Lang};
use wasm_bindgen::{JsCast, JsValue};

// Where kuki's own policy document lies: `policy.json` in the bundle's folder (kuki-frames writes it there), found
// from this snippet's own place (`snippets/kuki-HASH/`), as the glue finds its wasm. Written as
// `new URL('literal', import.meta.url)` so bundlers (Vite, webpack 5) emit the file with the npm package.
#[wasm_bindgen::prelude::wasm_bindgen(
    inline_js = "export function kukiPolicyUrl() { return new URL('../../policy.json', import.meta.url).href; }"
)]
extern "C" {
    /// The URL of kuki's own policy document (`policy.json` beside the wasm).
    #[wasm_bindgen(js_name = kukiPolicyUrl)]
    pub fn builtin_policy_url() -> String;
}

pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

pub fn document() -> Option<web_sys::Document> {
    window()?.document()
}

/// Unix milliseconds.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Unix seconds.
pub fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// A moment (unix milliseconds) in the visitor's own time zone, as their language writes it, with the zone named:
/// `2026. 11. 24. 23:36 GMT+9`, `11/24/2026, 23:36 GMT+9`. The browser's Intl does the work (no date tables in
/// the bundle).
pub fn local_time(ms: f64, lang: &str) -> String {
    format_date(
        ms,
        lang,
        &[
            ("month", "2-digit"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("hourCycle", "h23"),
            ("timeZoneName", "short"),
        ],
    )
}

/// A calendar date given as a UTC midnight (a policy's effective date), as the language writes it:
/// `2026년 10월 1일`, `October 1, 2026`.
pub fn calendar_date(ms: f64, lang: &str) -> String {
    format_date(ms, lang, &[("month", "long"), ("timeZone", "UTC")])
}

fn format_date(ms: f64, lang: &str, fields: &[(&str, &str)]) -> String {
    let options = js_sys::Object::new();
    for (k, v) in [("year", "numeric"), ("day", "numeric")].iter().chain(fields) {
        let _ = Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    js_sys::Date::new(&JsValue::from_f64(ms)).to_locale_string(lang, &options).into()
}

/// 16 bytes from `crypto.getRandomValues`, falling back to `Math.random` where there is no Web Crypto.
pub fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let filled =
        window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

/// The browser's preferred languages, most preferred first.
pub fn preferred_languages() -> Vec<String> {
    let Some(nav) = window().map(|w| w.navigator()) else { return vec![] };
    let list: Vec<String> = nav.languages().iter().filter_map(|v| v.as_string()).collect();
    if list.is_empty() {
        nav.language().into_iter().collect()
    } else {
        list
    }
}

/// Global Privacy Control: `navigator.globalPrivacyControl === true`.
pub fn gpc() -> bool {
    window()
        .and_then(|w| Reflect::get(&w.navigator(), &JsValue::from_str("globalPrivacyControl")).ok())
        .is_some_and(|v| v.as_bool() == Some(true))
}

/// `navigator.cookieEnabled`, true when unknown.
pub fn cookie_enabled() -> bool {
    window()
        .and_then(|w| Reflect::get(&w.navigator(), &JsValue::from_str("cookieEnabled")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// The facts a decision records: now, language, GPC and a fresh id in case this is the first choice.
pub fn context(lang: Lang, gpc: bool) -> Context {
    Context { now: now_secs(), lang, gpc, new_id: ConsentId::from_random(random_bytes()) }
}

pub fn is_https() -> bool {
    window().and_then(|w| w.location().protocol().ok()).is_some_and(|p| p == "https:")
}

pub fn console_error(msg: &str) {
    web_sys::console::error_1(&JsValue::from_str(msg));
}

pub fn console_warn(msg: &str) {
    web_sys::console::warn_1(&JsValue::from_str(msg));
}

/// `obj[key]` as a string, if it is one.
pub fn get_string(obj: &JsValue, key: &str) -> Option<String> {
    Reflect::get(obj, &JsValue::from_str(key)).ok()?.as_string()
}

/// The element an event started on, even from inside another shadow root.
pub fn event_element(event: &web_sys::Event) -> Option<web_sys::Element> {
    event.composed_path().get(0).dyn_into::<web_sys::Element>().ok()
}

/// Resolves in a later task of the event loop, so that the browser can paint and handle input between two pieces
/// of kuki's start-up (each then stays under the 50 ms of a long task on a slow phone).
///
/// `urgent` (the banner is waiting): `scheduler.yield()` where the browser has it, whose continuation runs ahead
/// of other queued tasks, so the page's own work does not hold the banner up. Otherwise (a visitor who chose: only
/// the settings button to draw) `scheduler.postTask` at `background` priority, so the scripts the stored choice
/// has just started load and run first. Elsewhere `setTimeout(0)`.
pub async fn next_task(urgent: bool) {
    let scheduler = Reflect::get(&js_sys::global(), &JsValue::from_str("scheduler")).ok().filter(JsValue::is_object);
    let yield_now = scheduler.as_ref().and_then(|s| {
        let method = if urgent { "yield" } else { "postTask" };
        let f = Reflect::get(s, &JsValue::from_str(method)).ok()?.dyn_into::<js_sys::Function>().ok()?;
        let promise = if urgent {
            f.call0(s)
        } else {
            let options = js_sys::Object::new();
            Reflect::set(&options, &JsValue::from_str("priority"), &JsValue::from_str("background")).ok()?;
            // A function of ours, not `new Function("")`: a strict CSP has no 'unsafe-eval'.
            let task = wasm_bindgen::closure::Closure::once_into_js(|| ());
            f.call2(s, &task, &options)
        };
        promise.ok()?.dyn_into::<js_sys::Promise>().ok()
    });
    let promise = yield_now.unwrap_or_else(|| {
        js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            } else {
                let _ = resolve.call0(&JsValue::NULL);
            }
        })
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

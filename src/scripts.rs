//! Blocked scripts: `<script type="text/plain" data-category="analytics">`, inline or with `src`. When their
//! category is accepted they run once, in document order, keeping `nonce` and their other attributes.
//!
//! A script may name several categories (`data-category="analytics marketing"`); it runs when all are accepted.
//! Each is replaced by a live copy one at a time: an external script's copy is awaited (load or error) before
//! the next one is inserted, because an inline script inserted meanwhile would otherwise run first.

use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlScriptElement};

use crate::browser;

const PENDING: &str = "script[type=\"text/plain\"][data-category]:not([data-kuki-run])";

thread_local! {
    /// An activation pass is under way; a second request waits for it to finish and then runs again.
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
}

/// Runs every pending blocked script whose categories are all accepted.
pub fn activate(accepted: impl Fn(&str) -> bool + 'static) {
    if RUNNING.with(|r| r.replace(true)) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            AGAIN.with(|a| a.set(false));
            while let Some(script) = next_runnable(&accepted) {
                run_one(&script).await;
            }
            if !AGAIN.with(|a| a.get()) {
                break;
            }
        }
        RUNNING.with(|r| r.set(false));
    });
}

fn next_runnable(accepted: &impl Fn(&str) -> bool) -> Option<HtmlScriptElement> {
    let list = browser::document()?.query_selector_all(PENDING).ok()?;
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<HtmlScriptElement>().ok()).find(|s| {
        let cats = s.get_attribute("data-category").unwrap_or_default();
        let mut ids = cats.split_whitespace().peekable();
        ids.peek().is_some() && ids.all(accepted)
    })
}

async fn run_one(original: &HtmlScriptElement) {
    // Marked first, so a failure below can never make it run twice.
    let _ = original.set_attribute("data-kuki-run", "");
    let Some(live) = copy(original) else { return };
    let external = original.has_attribute("src");
    let done = external.then(|| load_promise(&live));
    let inserted =
        original.parent_node().is_some_and(|p| p.insert_before(&live, original.next_sibling().as_ref()).is_ok());
    if let (true, Some(done)) = (inserted, done) {
        let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    }
}

fn copy(original: &HtmlScriptElement) -> Option<HtmlScriptElement> {
    let live: HtmlScriptElement = browser::document()?.create_element("script").ok()?.dyn_into().ok()?;
    let attrs = original.attributes();
    for i in 0..attrs.length() {
        let Some(attr) = attrs.item(i) else { continue };
        let name = attr.name();
        match name.as_str() {
            "type" | "data-category" | "data-kuki-run" | "data-type" => {}
            _ => {
                let _ = live.set_attribute(&name, &attr.value());
            }
        }
    }
    if let Some(t) = original.get_attribute("data-type") {
        let _ = live.set_attribute("type", &t);
    }
    // The nonce attribute reads back empty once parsed; the property keeps it.
    live.set_nonce(&original.nonce());
    if original.has_attribute("src") {
        live.set_async(false);
    } else {
        live.set_text(&original.text().unwrap_or_default()).ok()?;
    }
    Some(live)
}

/// A promise settled when the external script loads or fails.
fn load_promise(script: &Element) -> js_sys::Promise {
    let script = script.clone();
    js_sys::Promise::new(&mut |resolve, _reject| {
        let settle = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let f: &js_sys::Function = settle.unchecked_ref();
        let _ = script.add_event_listener_with_callback("load", f);
        let _ = script.add_event_listener_with_callback("error", f);
    })
}

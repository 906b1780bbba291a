//! Blocked scripts: `<script type="text/plain" data-category="analytics">`, inline or with `src`. When their
//! categories are accepted they run once, in document order, keeping `nonce` and their other attributes.
//!
//! A script may name several categories (`data-category="analytics marketing"`); it runs when all are accepted.
//! `!analytics` asks for the opposite: the script runs once a choice refused analytics. `data-service="ga"` (with
//! one category) runs it only when that service of the category is accepted, `data-service="!ga"` once a choice
//! refused it. [`Runtime::allows`] is the check. An external script may
//! keep its address in `data-src` (so nothing is fetched while it waits) or in `src`.
//! Each is replaced by a live copy one at a time: an external script's copy is awaited (load, error, or the
//! time limit) before the next one is inserted, because an inline script inserted meanwhile would otherwise run
//! first.
//!
//! The consent is read again at every step, never from a snapshot: a script whose category is refused at the
//! moment it would be inserted is never inserted. Each choice starts a *pass* over the scripts it allows; a pass
//! leaves alone the scripts an earlier, still running pass covers (their order is that pass's to keep), so a
//! category accepted while a slow script loads runs its scripts at once.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlScriptElement};

use super::{element_allowed_by, Runtime};
use crate::browser;
use kuki_core::Consent;

/// Blocked scripts still waiting.
pub const PENDING: &str = "script[type=\"text/plain\"][data-category]:not([data-kuki-run])";

/// One activation: the consent it started with.
struct Pass {
    id: u32,
    consent: Rc<Consent>,
}

pub struct Scripts {
    rt: Weak<Runtime>,
    timeout_ms: u32,
    passes: RefCell<Vec<Pass>>,
    next_pass: Cell<u32>,
}

impl Scripts {
    pub fn new(rt: Weak<Runtime>, timeout_ms: u32) -> Scripts {
        Scripts { rt, timeout_ms, passes: RefCell::new(Vec::new()), next_pass: Cell::new(0) }
    }

    /// Passes under way end at their next step.
    pub fn stop(&self) {
        self.passes.borrow_mut().clear();
    }

    /// Starts a pass over the pending scripts that `consent` (the choice now) allows.
    pub fn activate(&self, consent: Consent) {
        let id = self.next_pass.get();
        self.next_pass.set(id.wrapping_add(1));
        self.passes.borrow_mut().push(Pass { id, consent: Rc::new(consent) });
        let rt = self.rt.clone();
        let timeout_ms = self.timeout_ms;
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(script) = next_runnable(&rt, id) {
                run_one(&script, timeout_ms).await;
            }
            if let Some(rt) = rt.upgrade() {
                rt.scripts.passes.borrow_mut().retain(|p| p.id != id);
            }
        });
    }
}

/// The first pending script in document order that pass `id` may run now: allowed by the consent of this moment
/// and by the one the pass started with, and left to no earlier pass still running. One check decides all three
/// ([`element_allowed_by`], the same as for iframes).
fn next_runnable(rt: &Weak<Runtime>, id: u32) -> Option<HtmlScriptElement> {
    let rt = rt.upgrade()?;
    let passes = rt.scripts.passes.borrow();
    let at = passes.iter().position(|p| p.id == id)?;
    let mine = passes[at].consent.clone();
    let earlier: Vec<Rc<Consent>> = passes[..at].iter().map(|p| p.consent.clone()).collect();
    drop(passes);
    let config = rt.state().config.clone();
    let list = browser::document()?.query_selector_all(PENDING).ok()?;
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<HtmlScriptElement>().ok()).find(|s| {
        let by = |c: &Consent| element_allowed_by(&config, c, s);
        by(&mine) && !earlier.iter().any(|e| by(e)) && rt.allows_element(s)
    })
}

async fn run_one(original: &HtmlScriptElement, timeout_ms: u32) {
    // Marked first, so a failure below can never make it run twice.
    let _ = original.set_attribute("data-kuki-run", "");
    let Some(live) = copy(original) else { return };
    let src = original.get_attribute("data-src").or_else(|| original.get_attribute("src"));
    let done = src.is_some().then(|| settled(&live, timeout_ms));
    let inserted =
        original.parent_node().is_some_and(|p| p.insert_before(&live, original.next_sibling().as_ref()).is_ok());
    if let (true, Some(done)) = (inserted, done) {
        let loaded = wasm_bindgen_futures::JsFuture::from(done).await;
        if loaded.ok().and_then(|v| v.as_bool()) == Some(false) {
            browser::console_warn(
                &[
                    "kuki: the blocked script ",
                    &src.unwrap_or_default(),
                    " did not load within ",
                    &timeout_ms.to_string(),
                    " ms; the next ones run without it",
                ]
                .concat(),
            );
        }
    }
}

fn copy(original: &HtmlScriptElement) -> Option<HtmlScriptElement> {
    let live: HtmlScriptElement = browser::document()?.create_element("script").ok()?.dyn_into().ok()?;
    let attrs = original.attributes();
    for i in 0..attrs.length() {
        let Some(attr) = attrs.item(i) else { continue };
        let name = attr.name();
        match name.as_str() {
            "type" | "data-category" | "data-service" | "data-kuki-run" | "data-type" | "data-src" => {}
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
    if let Some(src) = original.get_attribute("data-src") {
        live.set_src(&src);
        live.set_async(false);
    } else if original.has_attribute("src") {
        live.set_async(false);
    } else {
        live.set_text(&original.text().unwrap_or_default()).ok()?;
    }
    Some(live)
}

/// A promise that resolves `true` when the external script loads or fails, `false` after `timeout_ms`.
fn settled(script: &Element, timeout_ms: u32) -> js_sys::Promise {
    let script = script.clone();
    js_sys::Promise::new(&mut |resolve, _reject| {
        let on_load = {
            let resolve = resolve.clone();
            Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::TRUE);
            })
        };
        let f: &js_sys::Function = on_load.unchecked_ref();
        let _ = script.add_event_listener_with_callback("load", f);
        let _ = script.add_event_listener_with_callback("error", f);
        let on_timeout = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
        });
        if let Some(w) = browser::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                on_timeout.unchecked_ref(),
                i32::try_from(timeout_ms).unwrap_or(i32::MAX),
            );
        }
    })
}

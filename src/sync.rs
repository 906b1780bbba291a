//! The outbox: every consent event reaches the server, and the page never waits for it.
//!
//! Events are queued (bounded) in `localStorage`, sent one at a time in order with `fetch` (keepalive, a
//! `text/plain` body so no preflight is needed), retried with exponential backoff and jitter, and again on the
//! next page load; on page hide, whatever is still queued goes by `navigator.sendBeacon`. A 4xx other than 408
//! and 429 drops the entry with a console warning. The server is idempotent on (consent id, seq), so sending an
//! entry twice is harmless. The receipt of the latest stored event is kept beside the local consent.

use kuki_core::wire::{ConsentEvent, ErrorCode, Receipt};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::{browser, events, storage};

const OUTBOX_KEY: &str = "kuki_outbox";
const RECEIPT_KEY: &str = "kuki_receipt";
/// The outbox keeps at most this many events; the oldest go first (the latest state matters most).
const MAX_QUEUED: usize = 32;
const MAX_DELAY_MS: f64 = 300_000.0;

#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    event: ConsentEvent,
    attempts: u32,
}

thread_local! {
    static ENDPOINT: RefCell<Option<String>> = const { RefCell::new(None) };
    static MEMORY: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    static SENDING: Cell<bool> = const { Cell::new(false) };
    static RETRY_ARMED: Cell<bool> = const { Cell::new(false) };
    static HIDE_HOOKED: Cell<bool> = const { Cell::new(false) };
}

/// Sets the endpoint and sends whatever an earlier page left queued.
pub fn start(endpoint: Option<String>) {
    ENDPOINT.with(|e| *e.borrow_mut() = endpoint);
    hook_page_hide();
    flush();
}

fn endpoint() -> Option<String> {
    ENDPOINT.with(|e| e.borrow().clone())
}

fn load() -> Vec<Entry> {
    let from_storage = storage::local_get(OUTBOX_KEY)
        .and_then(|s| js_sys::JSON::parse(&s).ok())
        .and_then(|v| serde_wasm_bindgen::from_value::<Vec<Entry>>(v).ok());
    from_storage.unwrap_or_else(|| MEMORY.with(|m| m.borrow().clone()))
}

fn store(entries: &[Entry]) {
    let json = js_sys::JSON::stringify(&events::to_js(&entries)).ok().and_then(|s| s.as_string());
    let saved = match json {
        Some(s) if entries.is_empty() => {
            storage::local_remove(OUTBOX_KEY);
            drop(s);
            true
        }
        Some(s) => storage::local_set(OUTBOX_KEY, &s),
        None => false,
    };
    MEMORY.with(|m| *m.borrow_mut() = if saved { Vec::new() } else { entries.to_vec() });
}

/// Queues an event and starts sending. Never blocks and never fails the caller.
pub fn send(event: ConsentEvent) {
    if endpoint().is_none() {
        return;
    }
    let mut entries = load();
    entries.retain(|e| !(e.event.consent_id == event.consent_id && e.event.seq == event.seq));
    entries.push(Entry { event, attempts: 0 });
    if entries.len() > MAX_QUEUED {
        let extra = entries.len() - MAX_QUEUED;
        browser::console_warn("kuki: the consent outbox is full; the oldest queued events were dropped");
        entries.drain(..extra);
    }
    store(&entries);
    flush();
}

/// The receipt of the latest stored event.
pub fn receipt() -> Option<Receipt> {
    let v = js_sys::JSON::parse(&storage::local_get(RECEIPT_KEY)?).ok()?;
    serde_wasm_bindgen::from_value(v).ok()
}

pub fn forget_receipt() {
    storage::local_remove(RECEIPT_KEY);
}

enum Outcome {
    Stored(Option<Receipt>),
    Drop(u16),
    Retry,
}

/// Sends queued events one by one, in order, until the outbox is empty or the server stops answering.
pub fn flush() {
    if SENDING.with(|s| s.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        while let (Some(url), Some(entry)) = (endpoint(), load().into_iter().next()) {
            match post(&url, &entry.event).await {
                Outcome::Stored(receipt) => {
                    if let Some(r) = receipt {
                        if let Some(s) = js_sys::JSON::stringify(&events::to_js(&r)).ok().and_then(|s| s.as_string()) {
                            storage::local_set(RECEIPT_KEY, &s);
                        }
                    }
                    remove(&entry);
                }
                Outcome::Drop(status) => {
                    browser::console_warn(
                        &["kuki: the consent server refused an event (HTTP ", &status.to_string(), "); dropped"]
                            .concat(),
                    );
                    remove(&entry);
                }
                Outcome::Retry => {
                    let mut entries = load();
                    if let Some(first) = entries.first_mut() {
                        first.attempts = first.attempts.saturating_add(1);
                        let attempts = first.attempts;
                        store(&entries);
                        arm_retry(attempts);
                    }
                    break;
                }
            }
        }
        SENDING.with(|s| s.set(false));
    });
}

fn remove(done: &Entry) {
    let mut entries = load();
    entries.retain(|e| !(e.event.consent_id == done.event.consent_id && e.event.seq == done.event.seq));
    store(&entries);
}

/// 1 s, 2 s, 4 s ... up to 5 minutes, each scaled by a random factor between 0.5 and 1.5.
fn arm_retry(attempts: u32) {
    if RETRY_ARMED.with(|r| r.replace(true)) {
        return;
    }
    let base = (1000.0 * 2f64.powi(attempts.min(20) as i32 - 1)).min(MAX_DELAY_MS);
    let delay = base * (0.5 + js_sys::Math::random());
    let retry = Closure::once_into_js(|| {
        RETRY_ARMED.with(|r| r.set(false));
        flush();
    });
    if let Some(w) = browser::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), delay as i32);
    }
}

fn body(event: &ConsentEvent) -> Option<String> {
    js_sys::JSON::stringify(&events::to_js(event)).ok()?.as_string()
}

async fn post(url: &str, event: &ConsentEvent) -> Outcome {
    let (Some(w), Some(body)) = (browser::window(), body(event)) else { return Outcome::Retry };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body));
    // keepalive lets the request outlive the page; web-sys keeps the setter behind an unstable flag.
    let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let Ok(response) = JsFuture::from(w.fetch_with_str_and_init(url, &init)).await else { return Outcome::Retry };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else { return Outcome::Retry };
    let status = response.status();
    if response.ok() {
        let receipt = match response.json() {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|v| serde_wasm_bindgen::from_value::<Receipt>(v).ok()),
            Err(_) => None,
        };
        Outcome::Stored(receipt)
    } else if ErrorCode::retryable(status) {
        Outcome::Retry
    } else {
        Outcome::Drop(status)
    }
}

/// On page hide, hands what is still queued to `sendBeacon`, which outlives the page. The entries stay queued:
/// the next page load sends them again and the server answers a replay with the original receipt.
fn hook_page_hide() {
    if HIDE_HOOKED.with(|h| h.replace(true)) {
        return;
    }
    let Some(w) = browser::window() else { return };
    let on_hide = Closure::<dyn Fn()>::new(|| {
        let (Some(url), Some(w)) = (endpoint(), browser::window()) else { return };
        for entry in load() {
            if let Some(b) = body(&entry.event) {
                let _ = w.navigator().send_beacon_with_opt_str(&url, Some(&b));
            }
        }
    });
    let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    on_hide.forget();
}

fn record_url(id: &kuki_core::ConsentId) -> Option<String> {
    endpoint().map(|e| [e.trim_end_matches('/'), "/", &id.to_string()].concat())
}

async fn request(method: &str, url: &str) -> Option<web_sys::Response> {
    let w = browser::window()?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    JsFuture::from(w.fetch_with_str_and_init(url, &init)).await.ok()?.dyn_into().ok()
}

/// The server's history of this consent id (`None` when there is no endpoint or it cannot be reached).
pub async fn history(id: kuki_core::ConsentId) -> Option<kuki_core::wire::ConsentHistory> {
    let response = request("GET", &record_url(&id)?).await?;
    if response.status() == 404 {
        return Some(kuki_core::wire::ConsentHistory { consent_id: id, events: vec![] });
    }
    if !response.ok() {
        return None;
    }
    let v = JsFuture::from(response.json().ok()?).await.ok()?;
    serde_wasm_bindgen::from_value(v).ok()
}

/// Asks the server to erase every record of this id. `true` once the server confirms (or has none); queued
/// events for the id are dropped first, so none arrives after the erasure.
pub async fn erase(id: kuki_core::ConsentId) -> bool {
    let mut entries = load();
    entries.retain(|e| e.event.consent_id != id);
    store(&entries);
    let Some(url) = record_url(&id) else { return true };
    match request("DELETE", &url).await {
        Some(r) if r.ok() || r.status() == 404 => {
            forget_receipt();
            true
        }
        _ => false,
    }
}

/// Is there a server to ask?
pub fn has_endpoint() -> bool {
    endpoint().is_some()
}

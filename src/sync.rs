//! The outbox: every consent event reaches the server, and the page never waits for it.
//!
//! Events are queued (bounded) in `localStorage`, sent one at a time in order with `fetch` (keepalive, a
//! `text/plain` body so no preflight is needed), retried with exponential backoff and jitter, and again on the
//! next page load; on page hide, whatever is still queued goes by `navigator.sendBeacon`. A 4xx other than 408
//! and 429 drops the entry with a console warning. The server is idempotent on (consent id, seq), so sending an
//! entry twice is harmless. The receipt of the latest stored event is kept beside the local consent.

use kuki_core::value::{Obj, Value};
use kuki_core::wire::{browser as wire, ConsentAction, ErrorCode, Receipt};
use kuki_core::{Consent, ConsentId};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::{browser, js, storage};

const OUTBOX_KEY: &str = "kuki_outbox";
const RECEIPT_KEY: &str = "kuki_receipt";
/// The outbox keeps at most this many events; the oldest go first (the latest state matters most).
const MAX_QUEUED: usize = 32;
const MAX_DELAY_MS: f64 = 300_000.0;

/// A queued event: its key, and the body exactly as it will be sent (so a retry sends the same bytes).
#[derive(Clone, PartialEq)]
struct Entry {
    consent_id: String,
    seq: u32,
    body: String,
    attempts: u32,
}

impl Entry {
    fn same_key(&self, other: &Entry) -> bool {
        self.consent_id == other.consent_id && self.seq == other.seq
    }

    fn to_value(&self) -> Value {
        Value::Obj(vec![
            ("id".into(), Value::Str(self.consent_id.clone())),
            ("seq".into(), Value::Num(f64::from(self.seq))),
            ("body".into(), Value::Str(self.body.clone())),
            ("attempts".into(), Value::Num(f64::from(self.attempts))),
        ])
    }

    /// An entry as stored; anything else (an edited or older outbox) is skipped.
    fn from_value(v: &Value) -> Option<Entry> {
        let o = Obj::new(v, "", &["id", "seq", "body", "attempts"]).ok()?;
        Some(Entry {
            consent_id: o.req("id", Value::as_str).ok()?.to_owned(),
            seq: o.req("seq", Value::as_u32).ok()?,
            body: o.req("body", Value::as_str).ok()?.to_owned(),
            attempts: o.req("attempts", Value::as_u32).ok()?,
        })
    }
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
    let from_storage = storage::local_get(OUTBOX_KEY).and_then(|s| js::parse(&s)).map(|v| match v {
        Value::Arr(items) => items.iter().filter_map(Entry::from_value).collect(),
        _ => Vec::new(),
    });
    from_storage.unwrap_or_else(|| MEMORY.with(|m| m.borrow().clone()))
}

fn store(entries: &[Entry]) {
    let saved = if entries.is_empty() {
        storage::local_remove(OUTBOX_KEY);
        true
    } else {
        storage::local_set(OUTBOX_KEY, &js::stringify(&Value::Arr(entries.iter().map(Entry::to_value).collect())))
    };
    MEMORY.with(|m| *m.borrow_mut() = if saved { Vec::new() } else { entries.to_vec() });
}

/// Queues the event for this consent change and starts sending. Never blocks and never fails the caller.
pub fn send(consent: &Consent, action: ConsentAction) {
    if endpoint().is_none() {
        return;
    }
    let entry = Entry {
        consent_id: consent.id.to_string(),
        seq: consent.seq,
        body: js::stringify(&wire::event(consent, action, browser::now_ms())),
        attempts: 0,
    };
    let mut entries = load();
    entries.retain(|e| !e.same_key(&entry));
    entries.push(entry);
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
    wire::receipt(&js::parse(&storage::local_get(RECEIPT_KEY)?)?)
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
            match post(&url, &entry.body).await {
                Outcome::Stored(receipt) => {
                    if let Some(r) = receipt {
                        storage::local_set(RECEIPT_KEY, &js::stringify(&wire::receipt_value(&r)));
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
    entries.retain(|e| !e.same_key(done));
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

async fn post(url: &str, body: &str) -> Outcome {
    let Some(w) = browser::window() else { return Outcome::Retry };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    // keepalive lets the request outlive the page; web-sys keeps the setter behind an unstable flag.
    let _ = js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let Ok(response) = JsFuture::from(w.fetch_with_str_and_init(url, &init)).await else { return Outcome::Retry };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else { return Outcome::Retry };
    let status = response.status();
    if response.ok() {
        let receipt = match response.json() {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|v| wire::receipt(&js::from_js(&v))),
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
            let _ = w.navigator().send_beacon_with_opt_str(&url, Some(&entry.body));
        }
    });
    let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    on_hide.forget();
}

fn record_url(id: &ConsentId) -> Option<String> {
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

/// The server's history of this consent id, oldest first (`None` when it cannot be asked).
pub async fn history(id: ConsentId) -> Option<Vec<wire::HistoryEntry>> {
    let response = request("GET", &record_url(&id)?).await?;
    if response.status() == 404 {
        return Some(vec![]);
    }
    if !response.ok() {
        return None;
    }
    let v = JsFuture::from(response.json().ok()?).await.ok()?;
    wire::history(&js::from_js(&v))
}

/// Asks the server to erase every record of this id. `true` once the server confirms (or has none); queued
/// events for the id are dropped first, so none arrives after the erasure.
pub async fn erase(id: ConsentId) -> bool {
    let key = id.to_string();
    let mut entries = load();
    entries.retain(|e| e.consent_id != key);
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

//! The outbox: every consent event reaches the server, in order, and the page never waits for it.
//!
//! Events are queued (bounded) in `localStorage` (in memory where it fails), sent one at a time in order with
//! `fetch` (keepalive, a `text/plain` body so no preflight is needed), retried with exponential backoff and
//! jitter, and again on the next page load; on page hide, whatever is still queued goes by
//! `navigator.sendBeacon`. A 4xx other than 408 and 429 drops the entry with a console warning. The server is
//! idempotent on (consent id, seq), so sending an entry twice is harmless. The receipt of the latest stored event
//! is kept beside the local consent.
//!
//! Erasures ("delete my records") go through the same line: queued events for the id are dropped, a post
//! already in flight is awaited, then the DELETE leaves, and nothing for that id is queued while it is pending.
//! So no post can reach the server after the erasure and bring a record back.

use kuki_core::policy::{RawSitePolicy, SitePolicy};
use kuki_core::value::{Obj, Value};
use kuki_core::wire::{browser as wire, ConsentAction, ErrorCode, Receipt};
use kuki_core::{Consent, ConsentId};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{storage, Runtime};
use crate::state::Action;
use crate::{browser, js};

const OUTBOX_KEY: &str = "kuki_outbox";
const RECEIPT_KEY: &str = "kuki_receipt";
/// The outbox keeps at most this many events; the oldest go first (the latest state matters most).
const MAX_QUEUED: usize = 32;
const MAX_DELAY_MS: f64 = 300_000.0;

/// A queued event: its key, and the body exactly as it will be sent (so a retry sends the same bytes).
#[derive(Clone, PartialEq)]
pub struct Entry {
    consent_id: String,
    seq: u32,
    body: String,
    attempts: u32,
}

impl Entry {
    fn same_key(&self, other: &Entry) -> bool {
        self.consent_id == other.consent_id && self.seq == other.seq
    }

    fn is_for(&self, id: &ConsentId) -> bool {
        self.consent_id == id.to_string()
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

pub struct Outbox {
    rt: Weak<Runtime>,
    endpoint: Option<String>,
    /// The queue where localStorage cannot keep it.
    memory: RefCell<Vec<Entry>>,
    /// Erasures waiting for the post in flight; they leave before any other queued post.
    erasures: RefCell<VecDeque<ConsentId>>,
    sending: Cell<bool>,
    retry_armed: Cell<bool>,
    stopped: Cell<bool>,
    on_hide: RefCell<Option<Closure<dyn Fn()>>>,
}

impl Outbox {
    /// `carry`: what an earlier runtime on this page held in memory.
    pub fn new(rt: Weak<Runtime>, endpoint: Option<String>, carry: Vec<Entry>) -> Outbox {
        Outbox {
            rt,
            endpoint,
            memory: RefCell::new(carry),
            erasures: RefCell::new(VecDeque::new()),
            sending: Cell::new(false),
            retry_armed: Cell::new(false),
            stopped: Cell::new(false),
            on_hide: RefCell::new(None),
        }
    }

    pub fn endpoint(&self) -> Option<String> {
        self.endpoint.clone()
    }

    /// Hooks page hide and sends whatever an earlier page left queued.
    pub fn start(&self) {
        self.hook_page_hide();
        self.flush();
    }

    /// Sends nothing more; returns what only memory held.
    pub fn stop(&self) -> Vec<Entry> {
        self.stopped.set(true);
        if let (Some(hook), Some(w)) = (self.on_hide.borrow_mut().take(), browser::window()) {
            let _ = w.remove_event_listener_with_callback("pagehide", hook.as_ref().unchecked_ref());
        }
        self.memory.borrow_mut().drain(..).collect()
    }

    fn load(&self) -> Vec<Entry> {
        let from_storage = storage::local_get(OUTBOX_KEY).and_then(|s| js::parse(&s)).map(|v| match v {
            Value::Arr(items) => items.iter().filter_map(Entry::from_value).collect(),
            _ => Vec::new(),
        });
        from_storage.unwrap_or_else(|| self.memory.borrow().clone())
    }

    fn store(&self, entries: &[Entry]) {
        let saved = if entries.is_empty() {
            storage::local_remove(OUTBOX_KEY);
            true
        } else {
            storage::local_set(OUTBOX_KEY, &js::stringify(&Value::Arr(entries.iter().map(Entry::to_value).collect())))
        };
        *self.memory.borrow_mut() = if saved { Vec::new() } else { entries.to_vec() };
    }

    /// Queues the event for this record and starts sending. Never blocks and never fails the caller. An event
    /// for an id whose erasure is pending is not queued: nothing is sent after an erasure.
    pub fn post(&self, record: &Consent, action: ConsentAction, client_ms: i64) {
        if self.endpoint.is_none() || self.erasures.borrow().contains(&record.id) {
            return;
        }
        let entry = Entry {
            consent_id: record.id.to_string(),
            seq: record.seq,
            body: js::stringify(&wire::event(record, action, client_ms)),
            attempts: 0,
        };
        let mut entries = self.load();
        entries.retain(|e| !e.same_key(&entry));
        entries.push(entry);
        if entries.len() > MAX_QUEUED {
            let extra = entries.len() - MAX_QUEUED;
            browser::console_warn("kuki: the consent outbox is full; the oldest queued events were dropped");
            entries.drain(..extra);
        }
        self.store(&entries);
        self.flush();
    }

    /// Erases the server's history of `id`: queued events for it are dropped, a post in flight is awaited, then
    /// the DELETE is sent once. The runtime hears `Erased` or `EraseFailed`.
    pub fn erase(&self, id: ConsentId) {
        let mut entries = self.load();
        entries.retain(|e| !e.is_for(&id));
        self.store(&entries);
        if !self.erasures.borrow().contains(&id) {
            self.erasures.borrow_mut().push_back(id);
        }
        self.flush();
    }

    /// Sends erasures and queued events one by one, in order, until nothing is left or the server stops
    /// answering. One loop at a time: a request made while it runs is picked up by it.
    fn flush(&self) {
        if self.endpoint.is_none() || self.stopped.get() || self.sending.replace(true) {
            return;
        }
        let rt = self.rt.clone();
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(step) = next_step(&rt) {
                match step {
                    Step::Erase(url, id) => {
                        let done = matches!(request("DELETE", &url).await, Some(r) if r.ok() || r.status() == 404);
                        let Some(rt) = rt.upgrade() else { return };
                        rt.outbox.erasures.borrow_mut().retain(|e| *e != id);
                        rt.dispatch(if done { Action::Erased(id) } else { Action::EraseFailed(id) });
                    }
                    Step::Post(url, entry) => {
                        let outcome = post(&url, &entry.body).await;
                        let Some(rt) = rt.upgrade() else { return };
                        if !rt.outbox.settle(&entry, outcome) {
                            break;
                        }
                    }
                }
            }
            if let Some(rt) = rt.upgrade() {
                rt.outbox.sending.set(false);
            }
        });
    }

    /// Takes a post's outcome; `false` when sending is to pause (the server did not answer).
    fn settle(&self, entry: &Entry, outcome: Outcome) -> bool {
        match outcome {
            Outcome::Stored(receipt) => {
                if let Some(r) = receipt {
                    storage::local_set(RECEIPT_KEY, &js::stringify(&wire::receipt_value(&r)));
                }
            }
            Outcome::Drop(status, reason) => {
                browser::console_warn(
                    &["kuki: the consent server refused an event (HTTP ", &status.to_string(), "); dropped"].concat(),
                );
                // The page hears of it: consent used without proof is something its operator must fix.
                let str_field = |k: &str| reason.get(k).and_then(|v| v.as_str(k).ok()).unwrap_or("").to_owned();
                let detail = Value::Obj(vec![
                    ("status".into(), Value::Num(f64::from(status))),
                    ("code".into(), Value::Str(str_field("code"))),
                    ("message".into(), Value::Str(str_field("message"))),
                    ("consentId".into(), Value::Str(entry.consent_id.clone())),
                    ("seq".into(), Value::Num(f64::from(entry.seq))),
                ]);
                super::events::dispatch("kuki:error", &js::to_js(&detail));
            }
            Outcome::Retry => {
                let mut entries = self.load();
                if let Some(first) = entries.iter_mut().find(|e| e.same_key(entry)) {
                    first.attempts = first.attempts.saturating_add(1);
                    let attempts = first.attempts;
                    self.store(&entries);
                    self.arm_retry(attempts);
                    return false;
                }
                // Dropped meanwhile (an erasure of its id): nothing to retry.
                return true;
            }
        }
        let mut entries = self.load();
        entries.retain(|e| !e.same_key(entry));
        self.store(&entries);
        true
    }

    /// 1 s, 2 s, 4 s ... up to 5 minutes, each scaled by a random factor between 0.5 and 1.5.
    fn arm_retry(&self, attempts: u32) {
        if self.retry_armed.replace(true) {
            return;
        }
        let base = (1000.0 * 2f64.powi(attempts.min(20) as i32 - 1)).min(MAX_DELAY_MS);
        let delay = base * (0.5 + js_sys::Math::random());
        let rt = self.rt.clone();
        let retry = Closure::once_into_js(move || {
            if let Some(rt) = rt.upgrade() {
                rt.outbox.retry_armed.set(false);
                rt.outbox.flush();
            }
        });
        if let Some(w) = browser::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), delay as i32);
        }
    }

    /// On page hide, hands what is still queued to `sendBeacon`, which outlives the page. The entries stay
    /// queued: the next page load sends them again and the server answers a replay with the original receipt.
    fn hook_page_hide(&self) {
        let Some(w) = browser::window() else { return };
        let rt = self.rt.clone();
        let on_hide = Closure::<dyn Fn()>::new(move || {
            let Some(rt) = rt.upgrade() else { return };
            let (Some(url), Some(w)) = (rt.outbox.endpoint.as_deref(), browser::window()) else { return };
            for entry in rt.outbox.load() {
                let _ = w.navigator().send_beacon_with_opt_str(url, Some(&entry.body));
            }
        });
        let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        *self.on_hide.borrow_mut() = Some(on_hide);
    }
}

enum Step {
    Erase(String, ConsentId),
    Post(String, Entry),
}

/// What the send loop does next: a pending erasure first, then the oldest queued event unless a retry is armed.
fn next_step(rt: &Weak<Runtime>) -> Option<Step> {
    let rt = rt.upgrade()?;
    let outbox = &rt.outbox;
    let url = outbox.endpoint.clone().filter(|_| !outbox.stopped.get())?;
    if let Some(id) = outbox.erasures.borrow().front().copied() {
        return Some(Step::Erase(record_url(&url, &id), id));
    }
    if outbox.retry_armed.get() {
        return None;
    }
    outbox.load().into_iter().next().map(|e| Step::Post(url, e))
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
    /// Refused for good: the status and the server's JSON error (`{code, message}`), if it sent one.
    Drop(u16, Value),
    Retry,
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
            Ok(p) => JsFuture::from(p).await.ok().and_then(|v| js::from_json_data(&v).and_then(|v| wire::receipt(&v))),
            Err(_) => None,
        };
        Outcome::Stored(receipt)
    } else if ErrorCode::retryable(status) {
        Outcome::Retry
    } else {
        let reason = match response.json() {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|v| js::from_json_data(&v)),
            Err(_) => None,
        };
        Outcome::Drop(status, reason.unwrap_or(Value::Null))
    }
}

fn record_url(endpoint: &str, id: &ConsentId) -> String {
    [endpoint.trim_end_matches('/'), "/", &id.to_string()].concat()
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
pub async fn history(endpoint: Option<&str>, id: ConsentId) -> Option<Vec<wire::HistoryEntry>> {
    let response = request("GET", &record_url(endpoint?, &id)).await?;
    if response.status() == 404 {
        return Some(vec![]);
    }
    if !response.ok() {
        return None;
    }
    let v = JsFuture::from(response.json().ok()?).await.ok()?;
    wire::history(&js::from_json_data(&v)?)
}

/// The site's policy document from `policyUrl` (the config's `policy` format), or `None` when it cannot be
/// fetched or is not a valid policy (logged with the field at fault).
pub async fn fetch_policy(url: &str) -> Option<SitePolicy> {
    let w = browser::window()?;
    let init = web_sys::RequestInit::new();
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let response: web_sys::Response =
        JsFuture::from(w.fetch_with_str_and_init(url, &init)).await.ok()?.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    let v = js::from_json_data(&JsFuture::from(response.json().ok()?).await.ok()?)?;
    let parsed = RawSitePolicy::from_value(&v, "")
        .map_err(|e| (e.field, e.message))
        .and_then(|raw| SitePolicy::parse(raw).map_err(|e| (e.field, e.message)));
    match parsed {
        Ok(p) => Some(p),
        Err((field, message)) => {
            browser::console_error(&["kuki: the policy at ", url, ": ", &field, ": ", &message].concat());
            None
        }
    }
}

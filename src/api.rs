//! The page-facing API: the functions `pkg/kuki.js` exports and the loader puts on `window.kuki`.
//! Each verb parses its arguments at this edge and then dispatches an [`Action`] to the running store.

use kuki_core::consent::Choice;
use kuki_core::wire::ConsentAction;
use kuki_core::{CategoryId, Config, Lang};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

use crate::app::{Store, Waiter};
use crate::controls::{self, Control};
use crate::mount::Island;
use crate::state::{Action, Boot};
use crate::{browser, events, js, storage, sync};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A text in both languages, or one string for both. */
export type KukiText = string | { ko?: string; en?: string };
export interface KukiCategory {
  id: string; necessary?: boolean; cookies?: string[]; name?: KukiText; description?: KukiText;
}
export interface KukiConfig {
  revision?: number; lang?: "ko" | "en"; categories?: KukiCategory[];
  cookie?: { name?: string; domain?: string; acceptDays?: number; rejectDays?: number };
  endpoint?: string; policyVersion?: string;
  nextPolicy?: { version: string; effectiveDate: string; material?: boolean; summary?: KukiText; url?: string };
  consentMode?: boolean; loginCategories?: string[];
}
export interface KukiOptions { lang?: string; endpoint?: string }
export interface KukiReceipt { consentId: string; seq: number; receivedAt: number; hash: string; signature: string }
export interface KukiConsent {
  consentId: string; seq: number; categories: Record<string, boolean>; acceptedCategories: string[];
  policyVersion: string; revision: number; givenAt: number; updatedAt: number; lang: "ko" | "en"; gpc: boolean;
  receipt: KukiReceipt | null;
}
"#;

struct Running {
    store: Rc<Store>,
    island: Option<Island>,
}

thread_local! {
    static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
}

fn store() -> Option<Rc<Store>> {
    let store = RUNNING.with(|r| r.borrow().as_ref().map(|r| r.store.clone()));
    if store.is_none() {
        browser::console_warn("kuki: call run() first");
    }
    store
}

/// Parses a site's config; on any error logs it (naming the field) and falls back to the defaults.
fn parse_config(value: JsValue) -> Config {
    if value.is_undefined() || value.is_null() {
        return Config::default();
    }
    Config::from_value(&js::from_js(&value)).unwrap_or_else(|e| {
        browser::console_error(
            &["kuki config: ", &e.field, ": ", &e.message, " (using the default configuration)"].concat(),
        );
        Config::default()
    })
}

/// Starts kuki (again, if it was running: the old island goes). `options`: `{ lang, endpoint }`.
#[wasm_bindgen]
pub fn run(
    #[wasm_bindgen(unchecked_param_type = "KukiConfig")] config: JsValue,
    #[wasm_bindgen(unchecked_param_type = "KukiOptions")] options: JsValue,
) {
    let config = Rc::new(parse_config(config));
    let explicit = browser::get_string(&options, "lang");
    let preferred = browser::preferred_languages();
    let lang = Lang::negotiate(explicit.as_deref(), preferred.iter().map(String::as_str), config.lang);
    let endpoint = config.endpoint.clone().or_else(|| browser::get_string(&options, "endpoint"));
    let loaded = storage::load(&config);
    let boot = Boot {
        config,
        lang,
        gpc: browser::gpc(),
        stored: loaded.consent,
        now: browser::now_secs(),
        cookies_blocked: loaded.cookies_blocked,
        synced: endpoint.is_some(),
    };
    if let Some(old) = RUNNING.with(|r| r.borrow_mut().take()) {
        if let Some(island) = old.island {
            island.unmount();
        }
    }
    let store = Store::new(&boot);
    store.start();
    sync::start(endpoint);
    let island = Island::mount(store.clone(), lang.as_str());
    RUNNING.with(|r| *r.borrow_mut() = Some(Running { store: store.clone(), island }));
    controls::install(on_control);
    events::dispatch("kuki:ready", &consent_detail(&store));
}

fn on_control(control: Control) -> bool {
    let Some(store) = store() else { return true };
    match control {
        Control::ShowPreferences => store.dispatch(Action::OpenPreferences),
        Control::AcceptAll => store.accept_all(),
        Control::RejectAll => store.reject_all(),
        Control::ShowPolicy(section) => store.dispatch(Action::OpenPolicy(section)),
        Control::Requires(category, el) => {
            let state = store.state();
            if state.granted(&category) || state.config.category(&category).is_none() {
                return true;
            }
            store.require(&category, Waiter::Click(el));
            return false;
        }
    }
    true
}

fn consent_detail(store: &Store) -> JsValue {
    events::consent_object(store.state().consent.as_ref(), sync::receipt().as_ref())
}

/// Shows the banner.
#[wasm_bindgen]
pub fn show() {
    if let Some(s) = store() {
        s.dispatch(Action::ShowBanner);
    }
}

/// Hides the banner and any dialog.
#[wasm_bindgen]
pub fn hide() {
    if let Some(s) = store() {
        s.dispatch(Action::Hide);
    }
}

#[wasm_bindgen(js_name = showPreferences)]
pub fn show_preferences() {
    if let Some(s) = store() {
        s.dispatch(Action::OpenPreferences);
    }
}

/// Opens the privacy policy, optionally at a section id.
#[wasm_bindgen(js_name = showPolicy)]
pub fn show_policy(section: Option<String>) {
    if let Some(s) = store() {
        s.dispatch(Action::OpenPolicy(section));
    }
}

/// Accepts `'all'`, one category id, or exactly the listed ids (the others are refused).
#[wasm_bindgen(js_name = acceptCategory)]
pub fn accept_category(#[wasm_bindgen(unchecked_param_type = "'all' | string | string[]")] which: JsValue) {
    let Some(s) = store() else { return };
    if which.as_string().as_deref() == Some("all") {
        return s.accept_all();
    }
    let raw: Vec<String> = match which.as_string() {
        Some(one) => vec![one],
        None if js_sys::Array::is_array(&which) => {
            js_sys::Array::from(&which).iter().filter_map(|v| v.as_string()).collect()
        }
        None => {
            browser::console_error("kuki: acceptCategory takes 'all', a category id or a list of ids");
            return;
        }
    };
    let state = s.state();
    let mut ids = Vec::new();
    for id in raw {
        match CategoryId::parse(&id).ok().filter(|i| state.config.category(i.as_str()).is_some()) {
            Some(i) => ids.push(i),
            None => browser::console_error(&["kuki: acceptCategory: no category \"", &id, "\" is configured"].concat()),
        }
    }
    s.decide(Choice::Only(ids), ConsentAction::Custom);
}

/// Is this category accepted now?
#[wasm_bindgen(js_name = acceptedCategory)]
pub fn accepted_category(id: &str) -> bool {
    RUNNING.with(|r| r.borrow().as_ref().is_some_and(|r| r.store.state().granted(id)))
}

/// The consent in force, or `null`.
#[wasm_bindgen(js_name = getConsent, unchecked_return_type = "KukiConsent | null")]
pub fn get_consent() -> JsValue {
    RUNNING.with(|r| r.borrow().as_ref().map(|r| consent_detail(&r.store))).unwrap_or(JsValue::NULL)
}

/// Withdraws consent: optional categories refused, their cookies deleted, the banner shown again.
#[wasm_bindgen]
pub fn reset() {
    if let Some(s) = store() {
        s.dispatch(Action::Withdraw);
    }
}

/// Resolves `true` once `id` is accepted (asking with the login warning if needed), `false` if the visitor
/// declines.
#[wasm_bindgen(js_name = requireCategory, unchecked_return_type = "Promise<boolean>")]
pub fn require_category(id: String) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _reject| match store() {
        Some(s) => s.require(&id, Waiter::Promise(resolve)),
        None => {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
        }
    })
}

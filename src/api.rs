//! The page-facing API: the functions `pkg/kuki.js` exports and the loader puts on `window.kuki`.
//! Each verb parses its arguments at this edge and then dispatches an [`Action`] to the runtime. The one
//! running instance is this module's only global.

use kuki_core::consent::Choice;
use kuki_core::wire::ConsentAction;
use kuki_core::{CategoryId, Config, Lang};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

use crate::mount::Island;
use crate::runtime::storage::Storage;
use crate::runtime::{consent_mode, events, Runtime, Waiter};
use crate::state::{Action, Boot};
use crate::{browser, js};
use kuki_core::value::Value;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A text: one string for every language, or one per language tag (`ko`, `en`, or any the site brings). */
export type KukiText = string | { [lang: string]: string };
/**
 * A cookie: a name, `prefix*`, a RegExp (or its string form `"/^_ga/"` in JSON), or an object with its name and
 * what the preferences show about it.
 */
export type KukiCookie =
  | string | RegExp
  | { name: string | RegExp; purpose?: KukiText; lifetime?: KukiText; party?: "first" | "third" };
export interface KukiService {
  id: string; name?: KukiText; description?: KukiText; cookies?: KukiCookie[];
  /** Who receives the data, e.g. "Google LLC (USA)". */
  recipients?: KukiText;
}
export interface KukiCategory {
  id: string; necessary?: boolean; cookies?: KukiCookie[]; name?: KukiText; description?: KukiText;
  recipients?: KukiText; services?: KukiService[];
}
export interface KukiConfig {
  /** The site's name, as kuki's texts use it; without `site`, kuki is 나와의 대화's banner (its demo). */
  site?: { name?: KukiText };
  /** kuki's texts replaced per language (keys in docs/reference.md); another language becomes one kuki speaks. */
  texts?: { [lang: string]: { [key: string]: string } };
  /** The site's own policy: a document, a URL of one, or a link to its page. */
  policy?: object; policyUrl?: string; policyPage?: string;
  revision?: number; lang?: string; categories?: KukiCategory[];
  cookie?: { name?: string; domain?: string; acceptDays?: number; rejectDays?: number };
  endpoint?: string; policyVersion?: string;
  nextPolicy?: { version: string; effectiveDate: string; material?: boolean; summary?: KukiText; url?: string };
  consentMode?: boolean; loginCategories?: string[];
  /** Milliseconds a blocked external script may take to load before the next ones run (default 10000). */
  scriptTimeout?: number;
}
export interface KukiOptions { lang?: string; endpoint?: string }
export interface KukiUserPreferences {
  acceptType: "all" | "necessary" | "custom"; acceptedCategories: string[]; rejectedCategories: string[];
  acceptedServices: Record<string, string[]>; rejectedServices: Record<string, string[]>;
}
export interface KukiReceipt { consentId: string; seq: number; receivedAt: number; hash: string; signature: string }
export interface KukiConsent {
  consentId: string; seq: number; categories: Record<string, boolean>; acceptedCategories: string[];
  policyVersion: string; revision: number; givenAt: number; updatedAt: number; lang: "ko" | "en"; gpc: boolean;
  /** The decision per service, for the categories that have services. */
  services: Record<string, Record<string, boolean>>;
  receipt: KukiReceipt | null;
  /** On `kuki:consent` and `kuki:change`: what this choice changed. */
  changedCategories?: string[]; changedServices?: Record<string, string[]>;
}
"#;

/// The one running instance: its runtime and the island showing it.
struct Running {
    rt: Rc<Runtime>,
    island: Option<Island>,
}

thread_local! {
    static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
}

/// The running runtime, if `run()` was called.
fn running() -> Option<Rc<Runtime>> {
    RUNNING.with(|r| r.borrow().as_ref().map(|r| r.rt.clone()))
}

/// The running runtime, with a console warning when there is none (for verbs that do something).
fn runtime() -> Option<Rc<Runtime>> {
    let rt = running();
    if rt.is_none() {
        browser::console_warn("kuki: call run() first");
    }
    rt
}

fn dispatch(action: Action) {
    if let Some(rt) = runtime() {
        rt.dispatch(action);
    }
}

/// Reads a site's config forgivingly: an unknown field is a console warning and ignored, an invalid one a
/// console error naming it and at its default; the rest stands. A config that cannot be read at all (a cycle,
/// too big) is one error, and kuki runs with the defaults.
fn parse_config(value: JsValue) -> Config {
    if value.is_undefined() || value.is_null() {
        return Config::default();
    }
    let value = match js::from_js(&value) {
        Ok(v) => v,
        Err(e) => {
            let field = if e.field.is_empty() { "(the config)" } else { e.field.as_str() };
            browser::console_error(
                &["kuki config: ", field, ": ", &e.message, " (using the default configuration)"].concat(),
            );
            return Config::default();
        }
    };
    let (config, diagnostics) = Config::read(&value);
    check_patterns(&config);
    for d in diagnostics {
        let line = ["kuki config: ", &d.field, ": ", &d.message].concat();
        if d.warning {
            browser::console_warn(&line);
        } else {
            browser::console_error(&line);
        }
    }
    config
}

/// Logs each cookie RegExp of the config that this browser's engine cannot compile (it then matches nothing):
/// core checks a pattern's characters, only the engine knows its syntax.
fn check_patterns(config: &Config) {
    use kuki_core::category::CookieName;
    for c in &config.categories {
        for cookie in c.cookies.iter().chain(c.services.iter().flat_map(|s| &s.cookies)) {
            if let CookieName::Pattern { source, flags } = &cookie.name {
                if crate::runtime::storage::compile(source, flags).is_none() {
                    browser::console_error(
                        &[
                            "kuki config: categories (",
                            c.id.as_str(),
                            "): ",
                            &cookie.name.display(),
                            " is not a valid RegExp (it matches nothing)",
                        ]
                        .concat(),
                    );
                }
            }
        }
    }
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
    let languages = config.languages();
    let (lang, unknown) =
        Lang::negotiate(explicit.as_deref(), preferred.iter().map(String::as_str), &languages, config.lang);
    if let Some(tag) = unknown {
        browser::console_warn(&["kuki: no texts in the language \"", tag, "\" (ignored)"].concat());
    }
    let endpoint = config.endpoint.clone().or_else(|| browser::get_string(&options, "endpoint"));
    let carry = RUNNING.with(|r| r.borrow_mut().take()).map(|old| {
        if let Some(island) = old.island {
            island.unmount();
        }
        old.rt.stop()
    });
    let carry = carry.unwrap_or_default();
    let storage = Storage::new(carry.record);
    let loaded = storage.load(&config);
    let boot = Boot {
        consent_mode: consent_mode::enabled(&config),
        config,
        lang,
        gpc: browser::gpc(),
        stored: loaded.consent,
        now: browser::now_secs(),
        cookies_blocked: loaded.cookies_blocked,
        synced: endpoint.is_some(),
    };
    let rt = Runtime::start(&boot, storage, endpoint, carry.outbox);
    let island = Island::mount(rt.clone(), lang.as_str());
    let ready = rt.consent_object();
    RUNNING.with(|r| *r.borrow_mut() = Some(Running { rt, island }));
    events::dispatch("kuki:ready", &ready);
}

/// Switches the language kuki speaks, at once, to one it has texts in (built in, or the site's own).
#[wasm_bindgen(js_name = setLanguage)]
pub fn set_language(lang: &str) -> bool {
    let Some(rt) = runtime() else { return false };
    let available = rt.state().config.languages();
    match Lang::from_tag(lang).filter(|l| available.contains(l)) {
        Some(l) => {
            rt.dispatch(Action::SetLanguage(l));
            true
        }
        None => {
            browser::console_warn(&["kuki: setLanguage: no texts in \"", lang, "\" (ignored)"].concat());
            false
        }
    }
}

/// Shows the banner.
#[wasm_bindgen]
pub fn show() {
    dispatch(Action::ShowBanner);
}

/// Hides the banner and any dialog.
#[wasm_bindgen]
pub fn hide() {
    dispatch(Action::Hide);
}

#[wasm_bindgen(js_name = showPreferences)]
pub fn show_preferences() {
    dispatch(Action::OpenPreferences);
}

/// Opens the privacy policy, optionally at a section id.
#[wasm_bindgen(js_name = showPolicy)]
pub fn show_policy(section: Option<String>) {
    dispatch(Action::OpenPolicy(section));
}

#[wasm_bindgen(typescript_custom_section)]
const TS_ACCEPT: &'static str = r#"
/**
 * Records a choice, as vanilla-cookieconsent's `acceptCategory` does: `'all'`, one category id, or exactly the
 * listed ids (the others refused; `[]` is necessary only); `exclude` takes ids out (`('all', ['analytics'])` is
 * all but analytics). With no argument: the preferences' current switches if the dialog is open, else necessary
 * only. A choice equal to the one in force changes nothing.
 */
export function acceptCategory(categories?: 'all' | string | string[], exclude?: string[]): void;
"#;

#[wasm_bindgen(js_name = acceptCategory, skip_typescript)]
pub fn accept_category(which: JsValue, exclude: JsValue) {
    let Some(rt) = runtime() else { return };
    let state = rt.state();
    let config = &state.config;
    if which.is_undefined() || which.is_null() {
        return rt.dispatch(Action::SaveSelection);
    }
    let excluded = match ids_argument(&exclude, config, "exclude") {
        Some(ids) => ids,
        None if exclude.is_undefined() || exclude.is_null() => Vec::new(),
        None => return browser::console_error("kuki: acceptCategory: exclude must be a list of category ids"),
    };
    let all = which.as_string().as_deref() == Some("all");
    if all && excluded.is_empty() {
        return rt.dispatch(Action::Decide { choice: Choice::AcceptAll, action: ConsentAction::AcceptAll });
    }
    let ids = if all {
        config.optional().map(|c| c.id.clone()).collect()
    } else {
        match ids_argument(&which, config, "categories") {
            Some(ids) => ids,
            None => return browser::console_error("kuki: acceptCategory takes 'all', a category id or a list of ids"),
        }
    };
    let ids = ids.into_iter().filter(|id| !excluded.contains(id)).collect();
    rt.dispatch(Action::Decide { choice: Choice::Only(ids), action: ConsentAction::Custom });
}

/// One id or a list of ids, each a configured category (others are logged and left out); `None` if the value is
/// neither a string nor an array.
fn ids_argument(v: &JsValue, config: &Config, what: &str) -> Option<Vec<CategoryId>> {
    let raw: Vec<String> = match v.as_string() {
        Some(one) => vec![one],
        None if js_sys::Array::is_array(v) => js_sys::Array::from(v).iter().filter_map(|x| x.as_string()).collect(),
        None => return None,
    };
    let mut ids = Vec::new();
    for id in raw {
        match CategoryId::parse(&id).ok().filter(|i| config.category(i.as_str()).is_some()) {
            Some(i) => ids.push(i),
            None => browser::console_error(
                &["kuki: acceptCategory: ", what, ": no category \"", &id, "\" is configured"].concat(),
            ),
        }
    }
    Some(ids)
}

/// vanilla-cookieconsent's `getUserPreferences()`: how the choice was made (`all`, `necessary` or `custom`), which
/// categories it accepted and rejected, and which services by category (`{analytics: ['ga']}`, every category
/// listed). Before any choice, only the necessary ones count as accepted. `all` means nothing was refused, no
/// service either.
#[wasm_bindgen(js_name = getUserPreferences, unchecked_return_type = "KukiUserPreferences")]
pub fn get_user_preferences() -> JsValue {
    let Some(rt) = running() else { return JsValue::NULL };
    let state = rt.state();
    let (accepted, rejected): (Vec<&kuki_core::Category>, Vec<&kuki_core::Category>) =
        state.config.categories.iter().partition(|c| c.necessary || state.granted(c.id.as_str()));
    let services = |granted: bool| {
        Value::Obj(
            state
                .config
                .categories
                .iter()
                .map(|c| {
                    let list = c
                        .services
                        .iter()
                        .filter(|s| (c.necessary || state.service_granted(c.id.as_str(), s.id.as_str())) == granted)
                        .map(|s| Value::Str(s.id.to_string()))
                        .collect();
                    (c.id.to_string(), Value::Arr(list))
                })
                .collect(),
        )
    };
    let rejected_services = services(false);
    let none_rejected = matches!(&rejected_services, Value::Obj(f) if f.iter().all(|(_, l)| *l == Value::Arr(vec![])));
    let accept_type = if rejected.is_empty() && none_rejected {
        "all"
    } else if accepted.iter().all(|c| c.necessary) {
        "necessary"
    } else {
        "custom"
    };
    let ids = |list: &[&kuki_core::Category]| Value::Arr(list.iter().map(|c| Value::Str(c.id.to_string())).collect());
    js::to_js(&Value::Obj(vec![
        ("acceptType".into(), Value::Str(accept_type.into())),
        ("acceptedCategories".into(), ids(&accepted)),
        ("rejectedCategories".into(), ids(&rejected)),
        ("acceptedServices".into(), services(true)),
        ("rejectedServices".into(), rejected_services),
    ]))
}

#[wasm_bindgen(typescript_custom_section)]
const TS_SERVICE: &'static str = r#"
/**
 * vanilla-cookieconsent v3's `acceptService`: in `category`, accepts exactly `service` (one id), the listed ids,
 * `'all'` of them, or none (`[]`); the category's other services are refused, the other categories keep the
 * choice in force. The category counts as accepted while one of its services is.
 */
export function acceptService(service: 'all' | string | string[], category: string): void;
"#;

#[wasm_bindgen(js_name = acceptService, skip_typescript)]
pub fn accept_service(service: JsValue, category: &str) {
    let Some(rt) = runtime() else { return };
    let state = rt.state();
    let Some(cat) = state.config.category(category).filter(|c| !c.services.is_empty()) else {
        return browser::console_error(
            &["kuki: acceptService: no category \"", category, "\" with services is configured"].concat(),
        );
    };
    let wanted: Vec<String> = match service.as_string() {
        Some(all) if all == "all" => cat.services.iter().map(|s| s.id.to_string()).collect(),
        Some(one) => vec![one],
        None if js_sys::Array::is_array(&service) => {
            js_sys::Array::from(&service).iter().filter_map(|x| x.as_string()).collect()
        }
        None => return browser::console_error("kuki: acceptService takes 'all', a service id or a list of ids"),
    };
    let mut services = Vec::new();
    for name in wanted {
        match cat.service(&name) {
            Some(s) => services.push(s.id.clone()),
            None => browser::console_error(
                &["kuki: acceptService: no service \"", &name, "\" in \"", category, "\""].concat(),
            ),
        }
    }
    let category = cat.id.clone();
    rt.dispatch(Action::AcceptServices { category, services });
}

/// vanilla-cookieconsent v3's `acceptedService(service, category)`: is this service of the category accepted now?
#[wasm_bindgen(js_name = acceptedService)]
pub fn accepted_service(service: &str, category: &str) -> bool {
    running()
        .is_some_and(|rt| rt.allows(category, Some(service)) && !service.starts_with('!') && !category.starts_with('!'))
}

/// vanilla-cookieconsent's `validConsent()`: is there a choice that still stands?
#[wasm_bindgen(js_name = validConsent)]
pub fn valid_consent() -> bool {
    running().is_some_and(|rt| rt.state().consent.is_some())
}

/// Closes the preferences dialog (the banner comes back while there is no choice).
#[wasm_bindgen(js_name = hidePreferences)]
pub fn hide_preferences() {
    dispatch(Action::ClosePreferences);
}

/// vanilla-cookieconsent's `eraseCookies`: deletes this page's cookies named by a string, a RegExp or a list of
/// them, at `path` (default `/`) on `domain` (default: this host and its parent domains).
#[wasm_bindgen(js_name = eraseCookies)]
pub fn erase_cookies(
    #[wasm_bindgen(unchecked_param_type = "string | RegExp | (string | RegExp)[]")] cookies: JsValue,
    path: Option<String>,
    domain: Option<String>,
) {
    let items: Vec<JsValue> =
        if js_sys::Array::is_array(&cookies) { js_sys::Array::from(&cookies).iter().collect() } else { vec![cookies] };
    let mut names = Vec::new();
    let mut patterns = Vec::new();
    for item in items {
        if let Some(name) = item.as_string() {
            names.push(name);
        } else if let Some(re) = item.dyn_ref::<js_sys::RegExp>() {
            // A fresh copy without `g`/`y`: the page's own object keeps its `lastIndex`, and every name is tested
            // from the start.
            let (source, flags) = (String::from(re.source()), String::from(re.flags()));
            patterns.extend(crate::runtime::storage::compile(&source, &flags));
        } else {
            browser::console_error("kuki: eraseCookies takes a cookie name, a RegExp or a list of them");
        }
    }
    crate::runtime::storage::erase_cookies(
        |name| patterns.iter().any(|re| re.test(name)),
        &names,
        path.as_deref().unwrap_or("/"),
        domain.as_deref(),
    );
}

/// vanilla-cookieconsent's `loadScript`: inserts `<script src>` with the given attributes; resolves `true` once
/// it loaded, `false` if it failed.
#[wasm_bindgen(js_name = loadScript, unchecked_return_type = "Promise<boolean>")]
pub fn load_script(
    src: String,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string> | undefined")] attrs: JsValue,
) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _reject| {
        let fail = |resolve: &js_sys::Function| {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
        };
        let Some(doc) = browser::document() else { return fail(&resolve) };
        let Ok(script) = doc.create_element("script") else { return fail(&resolve) };
        if attrs.is_object() {
            for pair in js_sys::Object::entries(attrs.unchecked_ref()).iter() {
                let pair = js_sys::Array::from(&pair);
                if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    let _ = script.set_attribute(&k, &v);
                }
            }
        }
        let _ = script.set_attribute("src", &src);
        for (event, ok) in [("load", true), ("error", false)] {
            let resolve = resolve.clone();
            let cb = Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from_bool(ok));
            });
            let _ = script.add_event_listener_with_callback(event, cb.unchecked_ref());
        }
        let parent = doc.query_selector("head").ok().flatten().or_else(|| doc.document_element());
        if parent.and_then(|p| p.append_child(&script).ok()).is_none() {
            fail(&resolve);
        }
    })
}

/// Is this category accepted now?
#[wasm_bindgen(js_name = acceptedCategory)]
pub fn accepted_category(id: &str) -> bool {
    running().is_some_and(|rt| rt.granted(id))
}

/// The consent in force, or `null`.
#[wasm_bindgen(js_name = getConsent, unchecked_return_type = "KukiConsent | null")]
pub fn get_consent() -> JsValue {
    running().map_or(JsValue::NULL, |rt| rt.consent_object())
}

/// Withdraws consent: optional categories refused, their cookies deleted, the banner shown again.
#[wasm_bindgen]
pub fn reset() {
    dispatch(Action::Withdraw);
}

/// Resolves `true` once `id` is accepted (asking with the login warning if needed), `false` if the visitor
/// declines.
#[wasm_bindgen(js_name = requireCategory, unchecked_return_type = "Promise<boolean>")]
pub fn require_category(id: String) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _reject| match runtime() {
        Some(rt) => rt.require(&id, Waiter::Promise(resolve)),
        None => {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
        }
    })
}

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

// The package's types beyond what wasm-bindgen derives from the signatures below (docs/reference.md, "Types"):
// the config, the page API on `window.kuki` and the `kuki:*` events. tests/npm/ type-checks them with
// `tsc --strict` (a typical usage, and deliberate errors each of which must be refused) and checks them against
// the lists they mirror (config fields, text keys, events, exports).
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/**
 * The languages kuki speaks wherever it cannot see the site's config (`setLanguage`, `window.kuki`): Korean and
 * English, built in. A site that brings texts in another language declares it once, by declaration merging:
 * `declare module 'kuki-consent' { interface KukiLanguages { fr: true } }`. (`run(config)` needs no such
 * declaration: it takes the site's languages from the config's own `texts`.)
 */
export interface KukiLanguages { ko: true; en: true }
/** A language kuki speaks: its primary subtag, two or three lowercase letters. */
export type KukiLang = keyof KukiLanguages & string;
/** A language as a page may ask for it: `en`, or with a region, `en-US` (kuki takes the primary subtag). */
export type KukiLangTag<L extends string = KukiLang> = L | `${L}-${string}`;
/** A text: one string for every language, or one per language (a missing `ko` or `en` falls back to the other). */
export type KukiText<L extends string = KukiLang> = string | { [K in L]?: string };
/** The keys of kuki's own texts, each replaceable per language under `texts.<lang>`. */
export type KukiTextKey =
  | 'bannerTitle' | 'bannerBody' | 'acceptAll' | 'rejectAll' | 'customise' | 'policyLink' | 'prefsTitle'
  | 'prefsIntro' | 'save' | 'close' | 'alwaysOn' | 'gpcNote' | 'loginInline' | 'loginAfterReject' | 'dismiss'
  | 'cookiesBlocked' | 'loginTitle' | 'loginBody' | 'allowAndContinue' | 'cancel' | 'requireTitle'
  | 'requireBody' | 'allow' | 'refuse' | 'withdraw' | 'yourRecord' | 'consentId' | 'givenAt' | 'policyTitle'
  | 'contents' | 'noticeSoon' | 'noticeMaterial' | 'readNewPolicy' | 'daysLeft' | 'history'
  | 'historyUnavailable' | 'deleteRecords' | 'eraseFailed' | 'officer' | 'noPolicy' | 'policyElsewhere'
  | 'policyLoading' | 'policyUnavailable' | 'retry' | 'thisSite' | 'effective' | 'actionAcceptAll' | 'actionRejectAll'
  | 'actionCustom' | 'actionCategory' | 'actionWithdraw' | 'embedUntitled' | 'embedBlocked' | 'embedService'
  | 'embedRecipient' | 'allowAndLoad' | 'alwaysAllow' | 'settingsButton' | 'policyChanged' | 'cookieDetails'
  | 'cookieName' | 'cookiePurpose' | 'cookieLifetime' | 'cookieParty' | 'firstParty' | 'thirdParty'
  | 'recipients';
/** kuki's texts replaced in one language (a language other than `ko` and `en` needs no key: missing ones are English). */
export type KukiTexts = { [K in KukiTextKey]?: string };
/**
 * A cookie: a name, `prefix*`, a RegExp (or its string form `"/^_ga/"` in JSON), or an object with its name and
 * what the preferences show about it.
 */
export type KukiCookie<L extends string = KukiLang> =
  | string | RegExp
  | { name: string | RegExp; purpose?: KukiText<L>; lifetime?: KukiText<L>; party?: 'first' | 'third' };
/** A service inside a category (vanilla-cookieconsent v3's services), with its own switch. */
export interface KukiService<L extends string = KukiLang> {
  /** A lowercase ASCII letter, then lowercase letters, digits or `_`. */
  id: string; name?: KukiText<L>; description?: KukiText<L>; cookies?: KukiCookie<L>[];
  /** Who receives the data, e.g. "Google LLC (USA)". */
  recipients?: KukiText<L>;
}
/** The categories kuki has names and descriptions for. */
export type KukiBuiltInCategoryId = 'necessary' | 'functional' | 'analytics' | 'marketing';
interface KukiCategoryFields<L extends string> {
  /** Always on, shown locked (default: `true` for `necessary`). */
  necessary?: boolean;
  /** Cookie names, `prefix*` or RegExps (`"/^_ga/"` in JSON), deleted when the category is revoked, with what the
   * preferences show about each. */
  cookies?: KukiCookie<L>[];
  /** Who receives the data, e.g. "Google LLC (USA)". */
  recipients?: KukiText<L>;
  /** Services inside the category, each with its own switch. */
  services?: KukiService<L>[];
  description?: KukiText<L>;
}
/** A category: one of the four built-in ids (name optional), or the site's own id with its name. */
export type KukiCategory<L extends string = KukiLang> =
  | (KukiCategoryFields<L> & { id: KukiBuiltInCategoryId; name?: KukiText<L> })
  | (KukiCategoryFields<L> & { id: string; name: KukiText<L> });
/** A list item of a policy document, with its own blocks below it. */
export interface KukiPolicyItem { text: string; children?: KukiPolicyBlock[] }
export type KukiPolicyBlock = { paragraph: string } | { bullets: KukiPolicyItem[] } | { numbered: KukiPolicyItem[] };
export interface KukiPolicySection { id?: string; heading: string; blocks: KukiPolicyBlock[] }
/** A site's privacy policy in one language (format: core/src/policy/mod.rs). */
export interface KukiPolicyDocument {
  title: string;
  /** Letters, digits, `-` and `_`: the version consents are recorded under. */
  version: string;
  /** `YYYY-MM-DD`. */
  effectiveDate: string;
  intro?: KukiPolicyBlock[];
  sections: KukiPolicySection[];
  /** The privacy officer. */
  contact?: { name: string; email: string };
}
/**
 * The config (docs/reference.md, "The config"). `L`: the languages the site brings texts in besides those kuki
 * speaks (`run` infers them from `texts`; an annotated config names them: `KukiConfig<'fr'>`).
 */
export interface KukiConfig<L extends string = never> {
  /** The site's name; without `site`, kuki is 나와의 대화's banner (its demo) and shows that policy. */
  site?: { name?: KukiText<KukiLang | NoInfer<L>> };
  /** The site's default language, used when the visitor's languages have none kuki speaks (else English). */
  lang?: KukiLangTag<KukiLang | NoInfer<L>>;
  /** kuki's texts replaced per language; a language other than `ko` and `en` becomes one kuki speaks. */
  texts?: { [K in KukiLang | L]?: KukiTexts };
  /** Bump it to ask every visitor again (default 0). */
  revision?: number;
  /** In banner order, at most 16 (default: necessary, functional, analytics, marketing). */
  categories?: KukiCategory<KukiLang | NoInfer<L>>[];
  /** Categories login needs: refusing one gets the login warning (default `["functional"]` if declared). */
  loginCategories?: string[];
  cookie?: {
    /** Default `kuki_consent`. */
    name?: string;
    /** e.g. `example.com`, to share the choice across subdomains (default: the page's host). */
    domain?: string;
    /** Days an acceptance is kept (default 365, at most 395). */
    acceptDays?: number;
    /** Days a refusal is kept (default 182, at most `acceptDays`). */
    rejectDays?: number;
  };
  /** Where choices are posted: an http(s) URL or `/path`. */
  endpoint?: string;
  /** The version consents are recorded under (default: the policy's own). */
  policyVersion?: string;
  /** The site's policy document per language (at least one). */
  policy?: { [K in KukiLang | NoInfer<L>]?: KukiPolicyDocument };
  /** A URL of such a document (the `policy` value as JSON), fetched when the viewer first opens. */
  policyUrl?: string;
  /** A link to the site's own policy page, shown in the viewer. */
  policyPage?: string;
  nextPolicy?: {
    version: string;
    /** `YYYY-MM-DD` (UTC). */
    effectiveDate: string;
    /** Announced 30 days ahead (else 7) and asks again once in force. */
    material?: boolean;
    summary?: KukiText<KukiLang | NoInfer<L>>;
    /** Where the new text can be read (default: the viewer). */
    url?: string;
    /** The new text itself (the `policy` format), shown by "read the new policy". */
    policy?: { [K in KukiLang | NoInfer<L>]?: KukiPolicyDocument };
  };
  /** As vanilla-cookieconsent v3's, plus kuki's `theme` and floating `settingsButton` (docs/theming.md). */
  guiOptions?: {
    theme?: 'auto' | 'light' | 'dark';
    consentModal?: {
      layout?: 'box' | 'bar' | 'modal';
      position?: 'bottom left' | 'bottom center' | 'bottom right' | 'middle left' | 'middle center' | 'middle right'
        | 'top left' | 'top center' | 'top right' | 'bottom' | 'middle' | 'top';
    };
    preferencesModal?: { layout?: 'box' | 'bar'; position?: 'left' | 'right' };
    settingsButton?: boolean | 'bottom left' | 'bottom right';
  };
  /** As v3: the first layer sits over a backdrop that blocks the page until a choice. */
  disablePageInteraction?: boolean;
  /** Google Consent Mode v2 on or off (default: on when the page has `gtag` or `dataLayer`). */
  consentMode?: boolean;
  /** Milliseconds a blocked external script may take to load before the next ones run (100 to 120000, default 10000). */
  scriptTimeout?: number;
}
/** `run`'s options: what the loader's script tag gives (`data-lang`, `data-endpoint`). */
export interface KukiOptions<L extends string = never> {
  lang?: KukiLangTag<KukiLang | NoInfer<L>>;
  /** Used when the config has no `endpoint`. */
  endpoint?: string;
  /** Set by the loader when it sent Google Consent Mode's `consent default` itself (`data-consent-mode`). */
  consentDefaultSent?: boolean;
  /** Set by the loader when it read the stored choice itself and sent its `consent update` (a returning visitor). */
  consentUpdateSent?: boolean;
}
/** vanilla-cookieconsent's `getUserPreferences()`. */
export interface KukiUserPreferences {
  /** `''` before any choice (everything then empty). */
  acceptType: 'all' | 'necessary' | 'custom' | ''; acceptedCategories: string[]; rejectedCategories: string[];
  /** By category, the services accepted and refused (every category listed once there is a choice). */
  acceptedServices: Record<string, string[]>; rejectedServices: Record<string, string[]>;
}
/** The server's signed receipt of a recorded choice. */
export interface KukiReceipt {
  consentId: string; seq: number; receivedAt: number; hash: string; signature: string;
  /** The batch's signed tree head this record is in, and its RFC 9162 inclusion proof (`signature` is then over
   * the head). */
  inclusion?: { leafIndex: number; treeSize: number; rootHash: string; timestamp: number; proof: string[] };
}
/** The consent in force (`getConsent()`, the `detail` of `kuki:ready`, `kuki:consent`, `kuki:change`). */
export interface KukiConsent {
  consentId: string; seq: number; categories: Record<string, boolean>; acceptedCategories: string[];
  policyVersion: string; revision: number;
  /** Unix milliseconds, ready for `new Date(...)`. */
  givenAt: number; updatedAt: number;
  /** The language the choice was made in (any the site brought texts in, hence a string). */
  lang: string; gpc: boolean;
  /** The decision per service, for the categories that have services. */
  services: Record<string, Record<string, boolean>>;
  receipt: KukiReceipt | null;
  /** On `kuki:consent` and `kuki:change`: what this choice changed. */
  changedCategories?: string[]; changedServices?: Record<string, string[]>;
}
/** The `detail` of `kuki:error`: the server refused an event for good. */
export interface KukiServerError { status: number; code: string; message: string; consentId: string; seq: number }
/** kuki's window events and their `detail`. */
export interface KukiEventMap {
  /** kuki has read the stored choice and rendered: the consent, or `null` before any. */
  'kuki:ready': CustomEvent<KukiConsent | null>;
  /** The first choice on this record. */
  'kuki:consent': CustomEvent<KukiConsent>;
  /** Every later change; `null` after a withdrawal or erasure. */
  'kuki:change': CustomEvent<KukiConsent | null>;
  /** The server refused an event for good (the choice stands in the browser). */
  'kuki:error': CustomEvent<KukiServerError>;
}
/** A page API call as `window.kuki` takes it: until the wasm is ready the loader queues it and returns a promise
 * of its result. */
type KukiQueued<F extends (...args: any[]) => any> = (...args: Parameters<F>) => ReturnType<F> | Promise<Awaited<ReturnType<F>>>;
/**
 * `window.kuki`, which the loader (`kuki.js`) sets: this module's functions once the wasm is ready; before that,
 * calls are queued (and return promises), `acceptedCategory` and `validConsent` answer `false`, `getConsent`
 * and `getUserPreferences` `null`. Importing this module does not set it.
 */
export interface KukiApi {
  run<L extends string = never>(config?: KukiConfig<L>, options?: KukiOptions<L>): Promise<void>;
  show: KukiQueued<typeof show>;
  hide: KukiQueued<typeof hide>;
  showPreferences: KukiQueued<typeof showPreferences>;
  hidePreferences: KukiQueued<typeof hidePreferences>;
  showPolicy: KukiQueued<typeof showPolicy>;
  acceptCategory: KukiQueued<typeof acceptCategory>;
  acceptedCategory: typeof acceptedCategory;
  getConsent: typeof getConsent;
  getUserPreferences: typeof getUserPreferences;
  validConsent: typeof validConsent;
  reset: KukiQueued<typeof reset>;
  requireCategory: typeof requireCategory;
  setLanguage: KukiQueued<typeof setLanguage>;
  eraseCookies: KukiQueued<typeof eraseCookies>;
  loadScript: typeof loadScript;
  acceptService: KukiQueued<typeof acceptService>;
  acceptedService: typeof acceptedService;
}
declare global {
  interface Window { kuki: KukiApi }
  interface WindowEventMap extends KukiEventMap {}
}
/**
 * Starts kuki (again, if it was running: the old island goes). No config is the defaults; `options` are what
 * the loader's tag gives. The site's languages are those of `config.texts`, so `lang` can only name one kuki
 * will speak. The other functions work as soon as it returns (the stored choice read, its scripts started); the
 * promise resolves once kuki has rendered (`kuki:ready` sent) and taken the page's blocked iframes.
 */
export function run<L extends string = never>(config?: KukiConfig<L>, options?: KukiOptions<L>): Promise<void>;
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

/// Starts kuki (again, if it was running: the old island goes). `options`: `{ lang, endpoint,
/// consentDefaultSent, consentUpdateSent }` (the loader sets the last two when it sent Consent Mode's default, and
/// a returning visitor's update, itself). Either may be
/// `undefined`: no config is the defaults, as the loader's autorun with no `data-config`. Its TypeScript
/// signature is generic over the site's languages, hence written in `TS_TYPES`.
///
/// Three tasks, none of them long on a slow phone: this call reads the config and the stored choice, starts the
/// runtime (a returning visitor's accepted scripts start here, before anything renders) and returns, the page API
/// working; a later task mounts the island (the banner, taking the first frame's place) and sends `kuki:ready`;
/// the last takes the page's blocked iframes and sends an earlier page's outbox. The promise resolves after it.
#[wasm_bindgen(skip_typescript)]
pub fn run(config: JsValue, options: JsValue) -> js_sys::Promise {
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
    // A choice made on the first frame was made in the frame's language: the app goes on in it.
    let lang = loaded.frame_choice.map(|c| c.lang).filter(|l| languages.contains(l)).unwrap_or(lang);
    let sent =
        |key: &str| js_sys::Reflect::get(&options, &JsValue::from_str(key)).is_ok_and(|v| v.as_bool() == Some(true));
    let consent_default_sent = sent("consentDefaultSent");
    // Only a coming policy change has a notice to have seen; without one, localStorage is not opened here (the
    // first read of a page loads the whole store, on the path to a returning visitor's scripts).
    let notice_seen = config.next_policy.as_ref().and_then(|_| storage.notice_seen(&config));
    let boot = Boot {
        consent_mode: consent_mode::enabled(&config, consent_default_sent),
        consent_default_sent,
        consent_update_sent: sent("consentUpdateSent"),
        config,
        lang,
        gpc: browser::gpc(),
        stored: loaded.consent,
        now: browser::now_secs(),
        cookies_blocked: loaded.cookies_blocked,
        synced: endpoint.is_some(),
        notice_seen,
    };
    let rt = Runtime::start(&boot, storage, endpoint, carry.outbox);
    if let Some(choice) = loaded.frame_choice {
        rt.carry_out_frame_choice(choice);
    }
    RUNNING.with(|r| *r.borrow_mut() = Some(Running { rt: rt.clone(), island: None }));
    // Only the banner is urgent: a visitor who chose gets the scripts of their choice first, the rest after.
    let urgent = rt.state().open != crate::state::Open::Nothing;
    wasm_bindgen_futures::future_to_promise(async move {
        browser::next_task(urgent).await;
        // A later run() replaced this one meanwhile: it mounts its own island.
        if !is_running(&rt) {
            return Ok(JsValue::UNDEFINED);
        }
        let island = Island::mount(rt.clone(), lang.as_str());
        let mounted = island.is_some();
        RUNNING.with(|r| r.borrow_mut().as_mut().map(|running| running.island = island));
        if mounted {
            browser::next_task(urgent).await;
            let shown = RUNNING.with(|r| {
                let mut r = r.borrow_mut();
                let island = r.as_mut().filter(|running| Rc::ptr_eq(&running.rt, &rt))?.island.as_mut()?;
                island.show(rt.clone());
                Some(())
            });
            if shown.is_none() {
                return Ok(JsValue::UNDEFINED);
            }
            // yew renders in tasks of its own; the banner is up (in the first frame's place) once it has.
            let rendered = js_sys::Promise::new(&mut |resolve, _| {
                rt.when_rendered(move |_| drop(resolve.call0(&JsValue::NULL)));
            });
            let _ = wasm_bindgen_futures::JsFuture::from(rendered).await;
        }
        if !is_running(&rt) {
            return Ok(JsValue::UNDEFINED);
        }
        events::dispatch("kuki:ready", &rt.consent_object());
        browser::next_task(urgent).await;
        if is_running(&rt) {
            rt.start_later();
        }
        Ok(JsValue::UNDEFINED)
    })
}

/// Is `rt` the running instance (no later `run()` replaced it)?
fn is_running(rt: &Rc<Runtime>) -> bool {
    RUNNING.with(|r| r.borrow().as_ref().is_some_and(|running| Rc::ptr_eq(&running.rt, rt)))
}

/// Switches the language kuki speaks, at once, to one it has texts in (built in, or the site's own).
#[wasm_bindgen(js_name = setLanguage)]
pub fn set_language(#[wasm_bindgen(unchecked_param_type = "KukiLangTag")] lang: &str) -> bool {
    let Some(rt) = runtime() else { return false };
    let state = rt.state();
    let available = state.config.languages();
    match Lang::from_tag(lang).filter(|l| available.contains(l)) {
        // As vanilla-cookieconsent's: `false` when nothing changes, the language being the one in use.
        Some(l) if l == state.lang => false,
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
        return rt.dispatch(Action::all(true));
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
/// listed). `all` means nothing was refused, no service either. Before any choice (or after a withdrawal), as
/// v3's: `acceptType` `''` and everything empty. `null` before `run()`.
#[wasm_bindgen(js_name = getUserPreferences, unchecked_return_type = "KukiUserPreferences | null")]
pub fn get_user_preferences() -> JsValue {
    let Some(rt) = running() else { return JsValue::NULL };
    let state = rt.state();
    if state.consent.is_none() {
        return js::to_js(&Value::Obj(vec![
            ("acceptType".into(), Value::Str(String::new())),
            ("acceptedCategories".into(), Value::Arr(Vec::new())),
            ("rejectedCategories".into(), Value::Arr(Vec::new())),
            ("acceptedServices".into(), Value::Obj(Vec::new())),
            ("rejectedServices".into(), Value::Obj(Vec::new())),
        ]));
    }
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
 * choice in force. The category counts as accepted while one of its services is. `false` (as v3) when it does
 * nothing: no such category with services, or an argument of the wrong kind.
 */
export function acceptService(service: 'all' | string | string[], category: string): boolean;
"#;

#[wasm_bindgen(js_name = acceptService, skip_typescript)]
pub fn accept_service(service: JsValue, category: &str) -> bool {
    let Some(rt) = runtime() else { return false };
    let state = rt.state();
    let Some(cat) = state.config.category(category).filter(|c| !c.services.is_empty()) else {
        browser::console_error(
            &["kuki: acceptService: no category \"", category, "\" with services is configured"].concat(),
        );
        return false;
    };
    let wanted: Vec<String> = match service.as_string() {
        Some(all) if all == "all" => cat.services.iter().map(|s| s.id.to_string()).collect(),
        Some(one) => vec![one],
        None if js_sys::Array::is_array(&service) => {
            js_sys::Array::from(&service).iter().filter_map(|x| x.as_string()).collect()
        }
        None => {
            browser::console_error("kuki: acceptService takes 'all', a service id or a list of ids");
            return false;
        }
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
    true
}

/// vanilla-cookieconsent v3's `acceptedService(service, category)`: is this service of the category accepted now?
#[wasm_bindgen(js_name = acceptedService)]
pub fn accepted_service(service: &str, category: &str) -> bool {
    running().is_some_and(|rt| {
        !service.starts_with('!')
            && !category.starts_with('!')
            && rt.declares(category, service)
            && rt.allows(category, Some(service))
    })
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
/// it loaded, `false` if it failed (and the script is removed, so a later call tries again). A script with that
/// `src` already in the page resolves `true` at once: a script is loaded once.
#[wasm_bindgen(js_name = loadScript, unchecked_return_type = "Promise<boolean>")]
pub fn load_script(
    src: String,
    #[wasm_bindgen(unchecked_optional_param_type = "Record<string, string>")] attrs: JsValue,
) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _reject| {
        let fail = |resolve: &js_sys::Function| {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
        };
        let Some(doc) = browser::document() else { return fail(&resolve) };
        let loaded = doc.query_selector_all(r#"script[src]:not([type="text/plain"])"#).ok().is_some_and(|list| {
            (0..list.length())
                .filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok())
                .any(|s| s.get_attribute("src").as_deref() == Some(src.as_str()))
        });
        if loaded {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::TRUE);
            return;
        }
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
            let this = script.clone();
            let cb = Closure::once_into_js(move || {
                if !ok {
                    this.remove();
                }
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

//! Where the consent record lives in the browser: a first-party cookie; where cookies cannot be written or
//! throw, `localStorage`; where that fails too, memory for the life of the page. Also deletes the cookies of
//! revoked categories; and which coming policy version's notice the visitor has seen (localStorage, else memory).
//! Nothing here throws: every browser call is caught.

use kuki_core::category::Category;
use kuki_core::config::CookieOptions;
use kuki_core::cookie::{self, FrameChoice, Stored};
use kuki_core::{Config, Consent};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use web_sys::HtmlDocument;

use crate::browser;

/// Where the record is kept. Cookie and localStorage belong to the browser; the last resort, memory for the
/// page's life, is held here.
pub struct Storage {
    memory: RefCell<Option<String>>,
    /// The seen notice's version, where localStorage keeps nothing.
    notice: RefCell<Option<String>>,
}

/// What was found at start.
pub struct Loaded {
    pub consent: Option<Consent>,
    /// A choice made on the first frame before the app was there (the loader stored it), to carry out.
    pub frame_choice: Option<FrameChoice>,
    /// The browser refuses cookies: the login warning says so at start.
    pub cookies_blocked: bool,
}

fn html_document() -> Option<HtmlDocument> {
    browser::document()?.dyn_into::<HtmlDocument>().ok()
}

fn read_cookie_jar() -> Option<String> {
    html_document()?.cookie().ok()
}

/// The value of one cookie, if present.
pub fn read_cookie(name: &str) -> Option<String> {
    let jar = read_cookie_jar()?;
    jar.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

fn write_cookie(line: &str) -> bool {
    html_document().is_some_and(|d| d.set_cookie(line).is_ok())
}

fn local_storage() -> Option<web_sys::Storage> {
    browser::window()?.local_storage().ok().flatten()
}

pub fn local_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

pub fn local_set(key: &str, value: &str) -> bool {
    local_storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

pub fn local_remove(key: &str) {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(key);
    }
}

fn cookie_line(opts: &CookieOptions, value: &str, max_age_secs: u64) -> String {
    let mut line = [opts.name.as_str(), "=", value, &cookie::attributes(opts, max_age_secs)].concat();
    if browser::is_https() {
        line.push_str("; Secure");
    }
    line
}

impl Storage {
    /// `memory`: what an earlier runtime on this page held in memory.
    pub fn new(memory: Option<String>) -> Storage {
        Storage { memory: RefCell::new(memory), notice: RefCell::new(None) }
    }

    pub fn take_memory(&self) -> Option<String> {
        self.memory.borrow_mut().take()
    }

    /// Reads the stored record. A garbled or tampered value counts as no choice (and is logged once).
    pub fn load(&self, config: &Config) -> Loaded {
        let name = &config.cookie.name;
        let from_cookie = read_cookie(name);
        let cookie_found = from_cookie.is_some();
        let raw = from_cookie.or_else(|| local_get(name)).or_else(|| self.memory.borrow().clone());
        let stored = raw.and_then(|value| match cookie::decode_stored(&value) {
            Ok(stored) => Some(stored),
            Err(e) => {
                browser::console_warn(
                    &["kuki: the stored consent could not be read (", &format_error(e), "); asking again"].concat(),
                );
                None
            }
        });
        let (consent, frame_choice) = match stored {
            Some(Stored::Consent(c)) => (Some(cookie::in_config_order(c, config)), None),
            Some(Stored::Frame(choice)) => (None, Some(choice)),
            None => (None, None),
        };
        let cookies_blocked = !cookie_found && !cookies_work();
        Loaded { consent, frame_choice, cookies_blocked }
    }

    /// Stores the record: cookie first, verified by reading it back; else localStorage; else memory.
    pub fn save(&self, config: &Config, consent: &Consent) {
        let value = cookie::encode(consent);
        let opts = &config.cookie;
        let max_age = consent.expires_at(config).saturating_sub(consent.updated_at);
        let name = &opts.name;
        let kept = if write_cookie(&cookie_line(opts, &value, max_age))
            && read_cookie(name).as_deref() == Some(value.as_str())
        {
            local_remove(name);
            None
        } else if local_set(name, &value) {
            None
        } else {
            Some(value)
        };
        *self.memory.borrow_mut() = kept;
    }

    /// The coming policy version whose notice this browser has seen, if any.
    pub fn notice_seen(&self, config: &Config) -> Option<String> {
        local_get(&notice_key(config)).or_else(|| self.notice.borrow().clone())
    }

    /// Remembers that the notice of `version` was seen. Not in the consent cookie: it outlives a withdrawal
    /// (the visitor saw the notice whatever they chose) and is never sent anywhere.
    pub fn remember_notice(&self, config: &Config, version: &str) {
        if !local_set(&notice_key(config), version) {
            *self.notice.borrow_mut() = Some(version.to_owned());
        }
    }

    /// Forgets the record everywhere it may be.
    pub fn clear(&self, config: &Config) {
        write_cookie(&cookie_line(&config.cookie, "", 0));
        local_remove(&config.cookie.name);
        *self.memory.borrow_mut() = None;
    }
}

/// `kuki_consent_notice` for the default cookie name: beside the record, per site config.
fn notice_key(config: &Config) -> String {
    [config.cookie.name.as_str(), "_notice"].concat()
}

fn format_error(e: cookie::DecodeError) -> String {
    match e {
        cookie::DecodeError::TooLong => "too long".into(),
        cookie::DecodeError::UnknownVersion => "unknown format version".into(),
        cookie::DecodeError::Malformed(what) => ["malformed ", what].concat(),
        cookie::DecodeError::Checksum => "checksum mismatch".into(),
    }
}

/// Can this page set a cookie? `navigator.cookieEnabled`, then a test write read back.
fn cookies_work() -> bool {
    if !browser::cookie_enabled() {
        return false;
    }
    let probe = "kuki_probe";
    let written = write_cookie(&[probe, "=1; Path=/; SameSite=Lax"].concat()) && read_cookie(probe).is_some();
    write_cookie(&[probe, "=; Path=/; Max-Age=0"].concat());
    written
}

/// Does `name` match the JavaScript RegExp `source`/`flags`? The page's own engine answers (core carries none);
/// `g` and `y` are dropped, since they make `test` depend on the previous call. A pattern the engine cannot
/// compile matches nothing (the config reader logged it).
pub fn regex_matches(source: &str, flags: &str, name: &str) -> bool {
    compile(source, flags).is_some_and(|re| re.test(name))
}

/// `new RegExp(source, flags)` without `g`/`y`, or `None` if the engine refuses it (caught, never thrown).
pub fn compile(source: &str, flags: &str) -> Option<js_sys::RegExp> {
    let flags: String = flags.chars().filter(|f| !matches!(f, 'g' | 'y')).collect();
    let ctor: js_sys::Function = js_sys::RegExp::new("", "").constructor();
    let args = js_sys::Array::of2(&source.into(), &flags.into());
    js_sys::Reflect::construct(&ctor, &args).ok()?.dyn_into().ok()
}

/// Deletes the cookies a revoked category lists (its services' too), on this host and each parent domain
/// (where trackers put them).
pub fn delete_category_cookies(category: &Category) {
    erase_cookies(|name| category.owns_cookie(name, &regex_matches), &[], "/", None);
}

/// Deletes the cookies one revoked service lists.
pub fn delete_service_cookies(category: &Category, service: &str) {
    erase_cookies(|name| category.service_owns_cookie(service, name, &regex_matches), &[], "/", None);
}

/// Deletes the cookies named in `names` (whether this page sees them or not: a cookie of another path is not in
/// `document.cookie`) and every cookie this page sees whose name `matches`, at `path`: on this host without a
/// `Domain`, then on `domain` when given, else on each parent domain of this host (where trackers put them).
pub fn erase_cookies(matches: impl Fn(&str) -> bool, names: &[String], path: &str, domain: Option<&str>) {
    let jar = read_cookie_jar().unwrap_or_default();
    let host = browser::window().and_then(|w| w.location().hostname().ok()).unwrap_or_default();
    let seen =
        jar.split(';').filter_map(|p| p.trim().split_once('=').map(|(k, _)| k.to_string())).filter(|n| matches(n));
    let mut all: Vec<String> = names.to_vec();
    for name in seen {
        if !all.contains(&name) {
            all.push(name);
        }
    }
    for name in all {
        let expire = [name.as_str(), "=; Path=", path, "; Max-Age=0"].concat();
        if let Some(d) = domain {
            // Only on that domain, as v3: another domain's cookie of the same name stays. A host-only cookie is
            // on this host, so it goes when the domain is the host itself (on an IP host Chromium keeps a
            // `Domain=<ip>` cookie host-only).
            if d.trim_start_matches('.').eq_ignore_ascii_case(&host) {
                write_cookie(&expire);
            }
            write_cookie(&[expire.as_str(), "; Domain=", d].concat());
            continue;
        }
        write_cookie(&expire);
        let mut domain = host.as_str();
        loop {
            write_cookie(&[expire.as_str(), "; Domain=", domain].concat());
            match domain.split_once('.') {
                Some((_, parent)) if parent.contains('.') => domain = parent,
                _ => break,
            }
        }
    }
}

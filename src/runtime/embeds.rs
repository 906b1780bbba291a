//! Blocked iframes: `<iframe data-category="functional" data-src="https://..." title="...">`. The page writes the
//! address in `data-src` and no `src`, so nothing is requested before consent; kuki sets `src` when the consent of
//! the moment allows every listed category, and until then shows a placeholder in the iframe's place
//! ([`PlaceholderIsland`]) that says what is blocked and who would receive the data, with "allow and load" (this
//! iframe only, nothing recorded) and "always allow" (its categories accepted and recorded, so every iframe and
//! script of them runs).
//!
//! While it waits, the iframe carries `data-kuki-waiting` and one rule of a sheet kuki adds to the document's
//! adopted sheets hides it (a constructed sheet: no `style` attribute, nothing a strict CSP refuses). Loaded, it
//! carries `data-kuki-loaded="consent"` or `"once"` (so a second `run()` knows).
//!
//! When the consent changes: an iframe it now allows loads; one it no longer allows and that it had loaded goes
//! back behind a placeholder (navigated to `about:blank` first, so the third party stops hearing from it); one
//! loaded by "allow and load" stays until the choice is withdrawn or erased, so a visitor's unrelated change in the
//! preferences does not stop the video they started.

use kuki_core::{CategoryId, Config, Lang};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::{AttrValue, Callback};

use super::Runtime;
use crate::browser;
use crate::components::placeholder::PlaceholderProps;
use crate::components::Shared;
use crate::i18n::Texts;
use crate::mount::PlaceholderIsland;
use crate::state::{Action, State};

/// The blocked iframes kuki handles.
pub const FRAMES: &str = "iframe[data-category][data-src]";
/// Set on every iframe this runtime handles, so the observer and a scan never take one twice.
const MARK: &str = "data-kuki-embed";
const WAITING: &str = "data-kuki-waiting";
const LOADED: &str = "data-kuki-loaded";
const HIDE: &str = "iframe[data-kuki-waiting]{display:none!important}";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Loaded {
    No,
    /// "Allow and load": this iframe only, nothing recorded.
    Once,
    /// The consent allowed it.
    Consent,
}

struct Embed {
    frame: Element,
    loaded: Loaded,
    placeholder: Option<PlaceholderIsland>,
}

/// Texts built for one language and config.
type Cached = (Lang, Rc<Config>, Shared<Texts>);

pub struct Embeds {
    rt: Weak<Runtime>,
    list: RefCell<Vec<Embed>>,
    /// The placeholders' texts, built once per language and config.
    texts: RefCell<Option<Cached>>,
}

thread_local! {
    /// The document has kuki's sheet that hides waiting iframes (added once, kept across `run()` calls).
    static HIDING: Cell<bool> = const { Cell::new(false) };
}

impl Embeds {
    pub fn new(rt: Weak<Runtime>) -> Embeds {
        Embeds { rt, list: RefCell::new(Vec::new()), texts: RefCell::new(None) }
    }

    /// Takes every blocked iframe in the document (at start).
    pub fn scan(&self) {
        let Some(list) = browser::document().and_then(|d| d.query_selector_all(FRAMES).ok()) else { return };
        self.add((0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()).collect());
    }

    /// Takes these blocked iframes (those not taken yet) and settles them against the consent of now.
    pub fn add(&self, frames: Vec<Element>) {
        let from = self.list.borrow().len();
        for frame in frames {
            if frame.has_attribute(MARK) {
                continue;
            }
            let _ = frame.set_attribute(MARK, "");
            let loaded = match frame.get_attribute(LOADED).as_deref() {
                Some("consent") => Loaded::Consent,
                Some("once") => Loaded::Once,
                _ => Loaded::No,
            };
            self.list.borrow_mut().push(Embed { frame, loaded, placeholder: None });
        }
        self.settle(from);
    }

    /// The consent changed: every iframe settles again.
    pub fn apply(&self) {
        self.settle(0);
    }

    /// Drops the iframes the page removed (and their placeholders), and puts back a placeholder the page moved
    /// away from its iframe. Linear in the blocked iframes, never in the document.
    pub fn prune(&self) {
        let mut gone = Vec::new();
        self.list.borrow_mut().retain_mut(|e| {
            if e.frame.is_connected() {
                if let Some(p) = &e.placeholder {
                    p.keep_before(&e.frame);
                }
                return true;
            }
            let _ = e.frame.remove_attribute(MARK);
            gone.extend(e.placeholder.take());
            false
        });
        gone.into_iter().for_each(PlaceholderIsland::unmount);
    }

    /// The language changed: the placeholders speak the new one.
    pub fn relabel(&self) {
        let Some(rt) = self.rt.upgrade() else { return };
        let state = rt.state();
        for e in self.list.borrow_mut().iter_mut() {
            let props = self.props(&e.frame, &state);
            if let Some(p) = e.placeholder.as_mut() {
                p.update(props);
            }
        }
    }

    /// Lets go of every iframe (kuki is started again): placeholders go; the next runtime takes the iframes anew.
    pub fn stop(&self) {
        for e in self.list.borrow_mut().drain(..) {
            let _ = e.frame.remove_attribute(MARK);
            let _ = e.frame.remove_attribute(WAITING);
            if let Some(p) = e.placeholder {
                p.unmount();
            }
        }
    }

    /// "Allow and load": this iframe only; nothing is recorded.
    pub fn load_once(&self, frame: &Element) {
        let placeholder = {
            let mut list = self.list.borrow_mut();
            let Some(e) = list.iter_mut().find(|e| e.frame == *frame) else { return };
            load(e, Loaded::Once)
        };
        if let Some(p) = placeholder {
            p.unmount();
        }
        focus(frame);
    }

    /// "Always allow": the iframe's categories accepted through the runtime, as `acceptCategory` would record
    /// them, so every blocked iframe and script of them loads.
    pub fn allow(&self, frame: &Element) {
        let Some(rt) = self.rt.upgrade() else { return };
        let state = rt.state();
        let ids = categories(frame)
            .iter()
            .filter_map(|c| CategoryId::parse(c).ok())
            .filter(|id| state.config.category(id.as_str()).is_some())
            .collect();
        rt.dispatch(Action::Allow(ids));
        if frame.has_attribute(LOADED) {
            focus(frame);
        }
    }

    /// Settles the iframes from `from` on: loads what the consent allows, reverts what it no longer allows, and
    /// gives every waiting one a placeholder. Every size is read before any placeholder is written, so the page
    /// is laid out once per batch, not once per iframe.
    fn settle(&self, from: usize) {
        let Some(rt) = self.rt.upgrade() else { return };
        let state = rt.state();
        let chosen = state.consent.is_some();
        let mut allowed = Vec::new();
        let mut waiting = Vec::new();
        {
            let mut list = self.list.borrow_mut();
            for (i, e) in list.iter().enumerate().skip(from) {
                match (rt.allows_element(&e.frame), e.loaded) {
                    (true, Loaded::Consent) => {}
                    (true, _) => allowed.push(i),
                    (false, Loaded::Consent) => waiting.push((i, size(&e.frame))),
                    (false, Loaded::Once) if !chosen => waiting.push((i, size(&e.frame))),
                    (false, Loaded::Once) => {}
                    (false, Loaded::No) if e.placeholder.is_none() => waiting.push((i, size(&e.frame))),
                    (false, Loaded::No) => {}
                }
            }
            let done: Vec<_> = allowed.into_iter().filter_map(|i| load(&mut list[i], Loaded::Consent)).collect();
            drop(list);
            done.into_iter().for_each(PlaceholderIsland::unmount);
        }
        if !waiting.is_empty() {
            hide_waiting();
        }
        for (i, size) in waiting {
            let (frame, old) = {
                let mut list = self.list.borrow_mut();
                let e = &mut list[i];
                unload(e);
                (e.frame.clone(), e.placeholder.take())
            };
            if let Some(p) = old {
                p.unmount();
            }
            let theme = frame.get_attribute("data-kuki-theme");
            let placeholder = PlaceholderIsland::mount(&frame, &size, theme.as_deref(), self.props(&frame, &state));
            let _ = frame.set_attribute(WAITING, "");
            self.list.borrow_mut()[i].placeholder = placeholder;
        }
    }

    fn texts(&self, state: &State) -> Shared<Texts> {
        let mut cache = self.texts.borrow_mut();
        match cache.as_ref() {
            Some((lang, config, texts)) if *lang == state.lang && Rc::ptr_eq(config, &state.config) => texts.clone(),
            _ => {
                let texts = Shared(Rc::new(Texts::new(state.lang, &state.config)));
                *cache = Some((state.lang, state.config.clone(), texts.clone()));
                texts
            }
        }
    }

    fn props(&self, frame: &Element, state: &State) -> PlaceholderProps {
        let config = &state.config;
        let ids = categories(frame);
        let names: Vec<&str> =
            ids.iter().map(|c| config.category(c).map_or(c.as_str(), |cat| cat.name.get(state.lang))).collect();
        let allowable = !ids.is_empty() && ids.iter().all(|c| config.category(c).is_some());
        let on = |act: fn(&Embeds, &Element)| {
            let (rt, frame) = (self.rt.clone(), frame.clone());
            Callback::from(move |_: ()| {
                if let Some(rt) = rt.upgrade() {
                    act(&rt.embeds, &frame);
                }
            })
        };
        PlaceholderProps {
            lang: state.lang,
            texts: self.texts(state),
            title: frame.get_attribute("title").filter(|t| !t.trim().is_empty()).map(AttrValue::from),
            category: AttrValue::from(names.join(", ")),
            service: frame.get_attribute("data-service").filter(|s| !s.trim().is_empty()).map(AttrValue::from),
            recipient: AttrValue::from(recipient(frame)),
            allowable,
            onload: on(Embeds::load_once),
            onallow: on(Embeds::allow),
        }
    }
}

/// Adds the rule that hides waiting iframes to the document's adopted sheets, once.
fn hide_waiting() {
    if HIDING.with(|h| h.replace(true)) {
        return;
    }
    let (Some(doc), Ok(sheet)) = (browser::document(), web_sys::CssStyleSheet::new()) else { return };
    let _ = sheet.replace_sync(HIDE);
    let sheets = doc.adopted_style_sheets();
    sheets.push(&sheet);
    doc.set_adopted_style_sheets(&sheets);
}

/// The category ids an element lists in `data-category`.
fn categories(frame: &Element) -> Vec<String> {
    frame.get_attribute("data-category").unwrap_or_default().split_whitespace().map(str::to_owned).collect()
}

/// Who receives the data once the iframe loads: the host name of its address. (A service's configured recipients
/// will be named here too, once services exist.)
fn recipient(frame: &Element) -> String {
    let src = frame.get_attribute("data-src").unwrap_or_default();
    let base = browser::document().and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    web_sys::Url::new_with_base(&src, &base).map(|u| u.hostname()).ok().filter(|h| !h.is_empty()).unwrap_or(src)
}

/// Loads the iframe (its address from `data-src`); the placeholder it leaves, for the caller to unmount outside
/// any borrow.
fn load(e: &mut Embed, how: Loaded) -> Option<PlaceholderIsland> {
    let frame = &e.frame;
    let _ = frame.remove_attribute(WAITING);
    let _ = frame.set_attribute(LOADED, if how == Loaded::Once { "once" } else { "consent" });
    if e.loaded == Loaded::No {
        if let Some(src) = frame.get_attribute("data-src") {
            let _ = frame.set_attribute("src", &src);
        }
    }
    e.loaded = how;
    e.placeholder.take()
}

/// Stops a loaded iframe: `about:blank` (removing `src` alone would leave the page running), then no `src`.
fn unload(e: &mut Embed) {
    if e.loaded != Loaded::No {
        let _ = e.frame.set_attribute("src", "about:blank");
        let _ = e.frame.remove_attribute("src");
        let _ = e.frame.remove_attribute(LOADED);
        e.loaded = Loaded::No;
    }
}

/// The placeholder's own rule: the iframe's laid-out box (its `width`/`height` attributes when it has none, then
/// the browser's 300x150), as a block when the iframe is one. The shared sheet adds a minimum and `max-width:
/// 100%`.
fn size(frame: &Element) -> String {
    let rect = frame.get_bounding_client_rect();
    let side = |measured: f64, attr: &str, default: &str| {
        if measured >= 1.0 {
            return [(measured.round() as u32).to_string().as_str(), "px"].concat();
        }
        let value = frame.get_attribute(attr).unwrap_or_default();
        let value = value.trim();
        let (number, unit) = match value.strip_suffix('%') {
            Some(n) => (n, "%"),
            None => (value.strip_suffix("px").unwrap_or(value), "px"),
        };
        match number.parse::<u32>() {
            Ok(n) if n > 0 => [n.to_string().as_str(), unit].concat(),
            _ => default.to_owned(),
        }
    };
    let block = browser::window()
        .and_then(|w| w.get_computed_style(frame).ok().flatten())
        .and_then(|s| s.get_property_value("display").ok())
        .is_some_and(|d| d == "block");
    [
        "display:",
        if block { "block" } else { "inline-block" },
        "!important;width:",
        &side(rect.width(), "width", "300px"),
        "!important;height:",
        &side(rect.height(), "height", "150px"),
        "!important",
    ]
    .concat()
}

fn focus(frame: &Element) {
    if let Some(el) = frame.dyn_ref::<HtmlElement>() {
        let _ = el.focus();
    }
}

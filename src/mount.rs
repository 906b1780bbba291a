//! kuki's DOM islands, each a host element with an open shadow root: the one [`Island`] (a `<div
//! data-kuki-host>` at the end of `<body>`, for the banner and the dialogs) and a [`PlaceholderIsland`] in the
//! place of each blocked iframe. Their styles arrive as one constructed stylesheet that every shadow root adopts
//! (parsed once), so a strict `style-src` without `'unsafe-inline'` raises no violation, and host-page CSS neither
//! reaches in nor is reached.
//!
//! When the loader has painted the banner's first frame (`crate::frame`, docs/contract.md) the banner's island is
//! that host: the app renders beside the frame, hidden, and takes its place in the same task once yew has
//! rendered, so nothing flashes. A click the visitor made on the frame is carried out then, once, on the same
//! control of the app; focus moves to the control that had it. ("Accept all" and "reject all" never wait for
//! that: the loader stores them at once and removes the frame, `kuki_core::cookie::FrameChoice`.)
//!
//! The banner's app mounts empty and renders what the state shows in a later task ([`Island::show`]): on a slow
//! phone, yew's start-up and the banner's render are each a short task rather than one long one.

use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Element, ShadowRoot, ShadowRootInit, ShadowRootMode};
use yew::AppHandle;

use crate::browser;
use crate::components::placeholder::{Placeholder, PlaceholderProps};
use crate::components::root::{Root, RootProps};
use crate::components::Shared;
use crate::runtime::Runtime;
use kuki_core::gui::Theme;

use crate::style::CSS;

thread_local! {
    /// kuki's stylesheet, constructed once and adopted by every shadow root (`None`: no constructable sheets).
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new().ok().inspect(|sheet| {
        let _ = sheet.replace_sync(CSS);
    });
}

/// A shadow root on `host`, styled by kuki's sheet and then `extra` (rules of this island alone).
fn shadow(host: &Element, extra: Option<&str>) -> Option<ShadowRoot> {
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).ok()?;
    let sheets = js_sys::Array::new();
    SHEET.with(|s| s.as_ref().map(|sheet| sheets.push(sheet)));
    if let Some(css) = extra {
        if let Ok(sheet) = CssStyleSheet::new() {
            let _ = sheet.replace_sync(css);
            sheets.push(&sheet);
        }
    }
    if sheets.length() > 0 {
        shadow.set_adopted_style_sheets(&sheets);
    } else {
        // Browsers without constructable stylesheets (before 2023) get a <style>; only they could see a CSP
        // report for it.
        let style = browser::document()?.create_element("style").ok()?;
        style.set_text_content(Some(&[CSS, extra.unwrap_or_default()].concat()));
        shadow.append_child(&style).ok()?;
    }
    Some(shadow)
}

/// A mounted island; dropping it does not unmount (call [`Island::unmount`]).
pub struct Island {
    host: Element,
    app: AppHandle<Root>,
}

impl Island {
    pub fn mount(rt: Rc<Runtime>, lang: &str) -> Option<Island> {
        let doc = browser::document()?;
        if let Some(island) = Self::take_over_frame(&doc, &rt, lang) {
            return Some(island);
        }
        let host = doc.create_element("div").ok()?;
        host.set_attribute("data-kuki-host", "").ok()?;
        // `guiOptions.theme`: the stylesheet's forced themes; "auto" leaves the system's (or the page's own
        // data-kuki-theme) in charge.
        let theme = match rt.state().config.gui.theme {
            Theme::Auto => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        };
        if let Some(theme) = theme {
            host.set_attribute("data-kuki-theme", theme).ok()?;
        }
        let shadow = shadow(&host, None)?;
        let root = doc.create_element("div").ok()?;
        root.set_class_name("kuki-root");
        root.set_attribute("lang", lang).ok()?;
        rt.set_island_root(root.clone());
        shadow.append_child(&root).ok()?;
        let parent: Element = match doc.body() {
            Some(b) => b.unchecked_into(),
            None => doc.document_element()?,
        };
        parent.append_child(&host).ok()?;
        let app =
            yew::Renderer::<Root>::with_root_and_props(root, RootProps { runtime: Shared(rt), shown: false }).render();
        Some(Island { host, app })
    }

    /// The loader's first frame, if it painted one: its host, with the app rendered beside the frame (hidden)
    /// until [`Runtime::when_rendered`] swaps them.
    fn take_over_frame(doc: &web_sys::Document, rt: &Rc<Runtime>, lang: &str) -> Option<Island> {
        let host = doc.query_selector("[data-kuki-host]").ok()??;
        let shadow = host.shadow_root()?;
        let frame = shadow.query_selector("[data-kuki-frame]").ok()??;
        let root = doc.create_element("div").ok()?;
        root.set_class_name("kuki-root");
        root.set_attribute("lang", lang).ok()?;
        root.set_attribute("hidden", "").ok()?;
        rt.set_island_root(root.clone());
        shadow.append_child(&root).ok()?;
        let app_root = root.clone();
        rt.when_rendered(move |rendered| {
            if rendered {
                swap(&shadow, &frame, &app_root);
            }
        });
        let app =
            yew::Renderer::<Root>::with_root_and_props(root, RootProps { runtime: Shared(rt.clone()), shown: false })
                .render();
        Some(Island { host, app })
    }

    /// Renders what the state shows: the app was mounted empty (its first render yew's own start-up and the
    /// texts), so this render, in a later task, is the banner's alone.
    pub fn show(&mut self, rt: Rc<Runtime>) {
        self.app.update(RootProps { runtime: Shared(rt), shown: true });
    }

    pub fn unmount(self) {
        self.app.destroy();
        self.host.remove();
    }
}

/// The controls a click or focus on the frame is carried over by: the same index in the same order.
const CONTROLS: &str = "button, a[href]";

/// The app takes the first frame's place: both changes in one task, so no frame is painted in between.
fn swap(shadow: &web_sys::ShadowRoot, frame: &Element, root: &Element) {
    let index_in_frame = |el: Option<Element>| -> Option<u32> {
        let el = el?;
        let all = frame.query_selector_all(CONTROLS).ok()?;
        (0..all.length()).find(|&i| all.get(i).is_some_and(|n| n.is_same_node(Some(&el))))
    };
    let focused = index_in_frame(shadow.active_element());
    // The loader notes the control a visitor clicked before the app was there (`data-kuki-clicked`, its index).
    let clicked = frame.get_attribute("data-kuki-clicked").and_then(|i| i.parse::<u32>().ok());
    // The frame has played the entry animation already: the app's same layer must not play it again.
    if let Ok(layers) = root.query_selector_all(":scope > *") {
        for i in 0..layers.length() {
            if let Some(el) = layers.get(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                let _ = el.set_attribute("data-still", "");
            }
        }
    }
    frame.remove();
    let _ = root.remove_attribute("hidden");
    let control = |i: u32| -> Option<web_sys::HtmlElement> {
        root.query_selector_all(CONTROLS).ok()?.get(i)?.dyn_into::<web_sys::HtmlElement>().ok()
    };
    if let Some(el) = focused.and_then(control) {
        let _ = el.focus();
    }
    if let Some(el) = clicked.and_then(control) {
        el.click();
    }
}

/// A blocked iframe's placeholder: a `<div data-kuki-placeholder>` just before the iframe, rendered by its own
/// small yew app. Dropping it does not unmount (call [`PlaceholderIsland::unmount`]).
pub struct PlaceholderIsland {
    host: Element,
    app: AppHandle<Placeholder>,
}

impl PlaceholderIsland {
    /// Mounts before `frame`; `size` is the host's own rule (the iframe's display, width and height).
    pub fn mount(frame: &Element, size: &str, theme: Option<&str>, props: PlaceholderProps) -> Option<Self> {
        let doc = browser::document()?;
        let host = doc.create_element("div").ok()?;
        host.set_attribute("data-kuki-placeholder", "").ok()?;
        if let Some(theme) = theme {
            host.set_attribute("data-kuki-theme", theme).ok()?;
        }
        let shadow = shadow(&host, Some(&[":host([data-kuki-placeholder]){", size, "}"].concat()))?;
        let root = doc.create_element("div").ok()?;
        root.set_class_name("kuki-root");
        shadow.append_child(&root).ok()?;
        frame.before_with_node_1(&host).ok()?;
        let app = yew::Renderer::<Placeholder>::with_root_and_props(root, props).render();
        Some(PlaceholderIsland { host, app })
    }

    /// New texts (another language): the same placeholder re-rendered.
    pub fn update(&mut self, props: PlaceholderProps) {
        self.app.update(props);
    }

    /// Puts the host back just before `frame` if the page moved or dropped it (a framework re-rendering).
    pub fn keep_before(&self, frame: &Element) {
        if frame.previous_element_sibling().as_ref() != Some(&self.host) {
            let _ = frame.before_with_node_1(&self.host);
        }
    }

    pub fn unmount(self) {
        self.app.destroy();
        self.host.remove();
    }
}

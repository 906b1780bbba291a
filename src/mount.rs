//! kuki's one DOM island: a `<div data-kuki-host>` at the end of `<body>` with an open shadow root. Its styles
//! arrive as a constructed stylesheet adopted by the shadow root, so a strict `style-src` without
//! `'unsafe-inline'` raises no violation, and host-page CSS neither reaches in nor is reached.
//!
//! When the loader has painted the banner's first frame (`crate::frame`, docs/contract.md) the island is that
//! host: the app renders beside the frame, hidden, and takes its place in the same task once yew has rendered,
//! so nothing flashes. A click the visitor made on the frame is carried out then, once, on the same control of
//! the app; focus moves to the control that had it.

use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Element, ShadowRootInit, ShadowRootMode};
use yew::AppHandle;

use crate::browser;
use crate::components::root::{Root, RootProps, RuntimeRef};
use crate::runtime::Runtime;

/// kuki's stylesheet (also sent with the first frame, `crate::frame`).
pub const CSS: &str = include_str!("kuki.css");

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
        let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).ok()?;
        match CssStyleSheet::new() {
            Ok(sheet) => {
                let _ = sheet.replace_sync(CSS);
                shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
            }
            // Browsers without constructable stylesheets (before 2023) get a <style>; only they could see a CSP
            // report for it.
            Err(_) => {
                let style = doc.create_element("style").ok()?;
                style.set_text_content(Some(CSS));
                shadow.append_child(&style).ok()?;
            }
        }
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
        let app = yew::Renderer::<Root>::with_root_and_props(root, RootProps { runtime: RuntimeRef(rt) }).render();
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
        rt.when_rendered(move || swap(&shadow, &frame, &app_root));
        let app =
            yew::Renderer::<Root>::with_root_and_props(root, RootProps { runtime: RuntimeRef(rt.clone()) }).render();
        Some(Island { host, app })
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

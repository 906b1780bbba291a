//! kuki's one DOM island: a `<div data-kuki-host>` at the end of `<body>` with an open shadow root. Its styles
//! arrive as a constructed stylesheet adopted by the shadow root, so a strict `style-src` without
//! `'unsafe-inline'` raises no violation, and host-page CSS neither reaches in nor is reached.

use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Element, ShadowRootInit, ShadowRootMode};
use yew::AppHandle;

use crate::browser;
use crate::components::root::{Root, RootProps, RuntimeRef};
use crate::runtime::Runtime;
use kuki_core::gui::Theme;

const CSS: &str = include_str!("kuki.css");

/// A mounted island; dropping it does not unmount (call [`Island::unmount`]).
pub struct Island {
    host: Element,
    app: AppHandle<Root>,
}

impl Island {
    pub fn mount(rt: Rc<Runtime>, lang: &str) -> Option<Island> {
        let doc = browser::document()?;
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

    pub fn unmount(self) {
        self.app.destroy();
        self.host.remove();
    }
}

//! Host-page controls. One capturing click listener on the document handles `data-kuki="show-preferences" |
//! "show-banner" | "accept-all" | "reject-all" | "accept-custom" | "show-policy"` and guards elements marked
//! `data-kuki-requires="functional"` (a login button or link): while that category is refused, the click is held
//! and the login warning asks; "allow and continue" replays the original click.

use std::cell::RefCell;
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::{Runtime, Waiter};
use crate::browser;
use crate::state::Action;

type Listener = Closure<dyn Fn(web_sys::Event)>;

pub struct Controls {
    rt: Weak<Runtime>,
    listener: RefCell<Option<Listener>>,
    /// The element whose next click is let through: the replay after "allow and continue".
    let_through: RefCell<Option<Element>>,
}

impl Controls {
    pub fn new(rt: Weak<Runtime>) -> Controls {
        Controls { rt, listener: RefCell::new(None), let_through: RefCell::new(None) }
    }

    pub fn install(&self) {
        let Some(doc) = browser::document() else { return };
        let rt = self.rt.clone();
        let listener = Listener::new(move |event: web_sys::Event| {
            if let Some(rt) = rt.upgrade() {
                on_click(&rt, &event);
            }
        });
        let opts = web_sys::AddEventListenerOptions::new();
        opts.set_capture(true);
        let _ = doc.add_event_listener_with_callback_and_add_event_listener_options(
            "click",
            listener.as_ref().unchecked_ref(),
            &opts,
        );
        *self.listener.borrow_mut() = Some(listener);
    }

    pub fn uninstall(&self) {
        if let (Some(listener), Some(doc)) = (self.listener.borrow_mut().take(), browser::document()) {
            let _ = doc.remove_event_listener_with_callback_and_bool("click", listener.as_ref().unchecked_ref(), true);
        }
    }

    /// Replays a held click: the element's own handlers run and a link navigates, as if kuki had not been there.
    pub fn replay(&self, el: &Element) {
        *self.let_through.borrow_mut() = Some(el.clone());
        if let Some(html) = el.dyn_ref::<web_sys::HtmlElement>() {
            html.click();
        }
        *self.let_through.borrow_mut() = None;
    }
}

fn on_click(rt: &Runtime, event: &web_sys::Event) {
    let Some(target) = browser::event_element(event) else { return };
    if let Some(el) = target.closest("[data-kuki]").ok().flatten() {
        let action = match el.get_attribute("data-kuki").unwrap_or_default().as_str() {
            "show-preferences" => Action::OpenPreferences,
            // vanilla-cookieconsent's `show-consentModal`.
            "show-banner" => Action::ShowBanner,
            "accept-all" => Action::all(true),
            "reject-all" => Action::all(false),
            // vanilla-cookieconsent's `accept-custom`: the preferences' switches as they stand.
            "accept-custom" => Action::SaveSelection,
            "show-policy" => Action::OpenPolicy(el.get_attribute("data-kuki-section")),
            _ => return,
        };
        event.prevent_default();
        rt.dispatch(action);
        return;
    }
    let Some(el) = target.closest("[data-kuki-requires]").ok().flatten() else { return };
    if rt.controls.let_through.borrow_mut().take_if(|e| *e == el).is_some() {
        return;
    }
    let category = el.get_attribute("data-kuki-requires").unwrap_or_default();
    let state = rt.state();
    if state.granted(&category) || state.config.category(&category).is_none() {
        return;
    }
    event.prevent_default();
    event.stop_immediate_propagation();
    rt.require(&category, Waiter::Click(el));
}

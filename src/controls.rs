//! Host-page controls. One capturing click listener on the document handles
//! `data-kuki="show-preferences" | "accept-all" | "reject-all" | "show-policy"` and guards elements marked
//! `data-kuki-requires="functional"` (a login button or link): while that category is refused, the click is held
//! and the login warning asks; "allow and continue" replays the original click.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::browser;

/// What a host-page control asks for.
pub enum Control {
    ShowPreferences,
    AcceptAll,
    RejectAll,
    ShowPolicy(Option<String>),
    /// A click on an element that needs this category. Return `true` to let it through now.
    Requires(String, Element),
}

thread_local! {
    /// The element whose next click is let through: the replay after "allow and continue".
    static LET_THROUGH: RefCell<Option<Element>> = const { RefCell::new(None) };
    static INSTALLED: RefCell<bool> = const { RefCell::new(false) };
}

/// Installs the listener once; `handle` returns whether a guarded click may proceed.
pub fn install(handle: impl Fn(Control) -> bool + 'static) {
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let Some(doc) = browser::document() else { return };
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(target) = browser::event_element(&event) else { return };
        if let Some(el) = target.closest("[data-kuki]").ok().flatten() {
            let control = match el.get_attribute("data-kuki").unwrap_or_default().as_str() {
                "show-preferences" => Control::ShowPreferences,
                "accept-all" => Control::AcceptAll,
                "reject-all" => Control::RejectAll,
                "show-policy" => Control::ShowPolicy(el.get_attribute("data-kuki-section")),
                _ => return,
            };
            event.prevent_default();
            handle(control);
            return;
        }
        if let Some(el) = target.closest("[data-kuki-requires]").ok().flatten() {
            if LET_THROUGH.with(|l| l.borrow_mut().take_if(|e| *e == el).is_some()) {
                return;
            }
            let category = el.get_attribute("data-kuki-requires").unwrap_or_default();
            if !handle(Control::Requires(category, el)) {
                event.prevent_default();
                event.stop_immediate_propagation();
            }
        }
    });
    let opts = web_sys::AddEventListenerOptions::new();
    opts.set_capture(true);
    let _ = doc.add_event_listener_with_callback_and_add_event_listener_options(
        "click",
        listener.as_ref().unchecked_ref(),
        &opts,
    );
    listener.forget();
}

/// Replays a held click: the element's own handlers run and a link navigates, as if kuki had not been there.
pub fn replay(el: &Element) {
    LET_THROUGH.with(|l| *l.borrow_mut() = Some(el.clone()));
    if let Some(html) = el.dyn_ref::<web_sys::HtmlElement>() {
        html.click();
    }
    LET_THROUGH.with(|l| *l.borrow_mut() = None);
}

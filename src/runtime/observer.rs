//! Pages that change: one `MutationObserver` on the document (child lists, whole subtree) hands the blocked
//! scripts and iframes a single-page app inserts after load to [`super::scripts`] and [`super::embeds`], which
//! treat them exactly like those present at load.
//!
//! Bounded work: a callback looks only at the nodes its records add (a whole inserted subtree is queried once,
//! from its root) and, when nodes were removed, at the blocked iframes kuki holds; never at the whole document.
//! Nodes kuki inserts itself (live script copies, placeholder hosts) match neither selector and cost one check.

use std::cell::RefCell;
use std::rc::Weak;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, MutationObserver, MutationObserverInit, MutationRecord};

use super::{embeds, scripts, Runtime};
use crate::browser;

type Callback = Closure<dyn Fn(js_sys::Array)>;

pub struct Observer {
    rt: Weak<Runtime>,
    installed: RefCell<Option<(MutationObserver, Callback)>>,
}

impl Observer {
    pub fn new(rt: Weak<Runtime>) -> Observer {
        Observer { rt, installed: RefCell::new(None) }
    }

    pub fn install(&self) {
        let Some(doc) = browser::document() else { return };
        let rt = self.rt.clone();
        let callback = Callback::new(move |records: js_sys::Array| {
            if let Some(rt) = rt.upgrade() {
                on_mutations(&rt, &records);
            }
        });
        let Ok(observer) = MutationObserver::new(callback.as_ref().unchecked_ref()) else { return };
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        if observer.observe_with_options(&doc, &init).is_ok() {
            *self.installed.borrow_mut() = Some((observer, callback));
        }
    }

    pub fn uninstall(&self) {
        if let Some((observer, _callback)) = self.installed.borrow_mut().take() {
            observer.disconnect();
        }
    }
}

fn on_mutations(rt: &Runtime, records: &js_sys::Array) {
    let mut frames = Vec::new();
    let mut scripts = false;
    let mut removed = false;
    for record in records.iter() {
        let record: MutationRecord = record.unchecked_into();
        removed |= record.removed_nodes().length() > 0;
        let added = record.added_nodes();
        for i in 0..added.length() {
            let Some(el) = added.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
            if el.matches(scripts::PENDING).unwrap_or(false) {
                scripts = true;
            } else if el.matches(embeds::FRAMES).unwrap_or(false) {
                frames.push(el);
            } else if el.first_element_child().is_some() {
                scripts |= el.query_selector(scripts::PENDING).ok().flatten().is_some();
                if let Ok(list) = el.query_selector_all(embeds::FRAMES) {
                    frames.extend((0..list.length()).filter_map(|j| list.item(j)?.dyn_into::<Element>().ok()));
                }
            }
        }
    }
    if removed {
        rt.embeds.prune();
    }
    if !frames.is_empty() {
        rt.embeds.add(frames);
    }
    if scripts {
        rt.activate_scripts();
    }
}

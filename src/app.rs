//! The store: the one place that runs the reducer (`state.rs`) and the one effect that carries out each consent
//! change. The page API (`api.rs`), host-page controls and the components all dispatch [`Action`]s here.
//!
//! Why a store outside yew's `use_reducer`: the page API is synchronous (`kuki.acceptCategory('analytics');
//! kuki.acceptedCategory('analytics')` must be `true` on the next line) and may be called before yew has
//! rendered, while yew schedules renders on a microtask. The state is still one `Reducible` value; yew renders
//! it and re-renders when the store says it changed.

use kuki_core::consent::Choice;
use kuki_core::wire::ConsentAction;
use kuki_core::CategoryId;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::Element;
use yew::{Callback, Reducible};

use crate::state::{Action, Boot, Commit, LoginRequest, State};
use crate::{browser, consent_mode, controls, events, scripts, storage, sync};

/// Who waits for a login warning's answer.
pub enum Waiter {
    /// `kuki.requireCategory(id)`: a promise's `resolve`.
    Promise(js_sys::Function),
    /// A `data-kuki-requires` click to replay when allowed.
    Click(Element),
}

pub struct Store {
    state: RefCell<Rc<State>>,
    render: RefCell<Option<Callback<()>>>,
    waiters: RefCell<Vec<(u32, Waiter)>>,
    next_request: Cell<u32>,
    consent_mode: bool,
}

impl Store {
    pub fn new(boot: &Boot) -> Rc<Store> {
        Rc::new(Store {
            state: RefCell::new(Rc::new(State::new(boot))),
            render: RefCell::new(None),
            waiters: RefCell::new(Vec::new()),
            next_request: Cell::new(1),
            consent_mode: consent_mode::enabled(&boot.config),
        })
    }

    /// Side effects of a start with a valid stored choice: Consent Mode first, then the accepted scripts.
    pub fn start(&self) {
        let state = self.state();
        if self.consent_mode {
            consent_mode::send_default();
            if state.consent.is_some() {
                consent_mode::send_update(state.consent.as_ref());
            }
        }
        if state.consent.is_some() {
            self.activate_scripts();
        }
    }

    pub fn state(&self) -> Rc<State> {
        self.state.borrow().clone()
    }

    /// Called by the root component once mounted: how to ask yew for a new frame.
    pub fn subscribe(&self, render: Callback<()>) {
        *self.render.borrow_mut() = Some(render);
    }

    pub fn dispatch(&self, action: Action) {
        let old = self.state();
        let new = old.clone().reduce(action);
        if Rc::ptr_eq(&old, &new) {
            return;
        }
        *self.state.borrow_mut() = new.clone();
        if new.commit_no != old.commit_no {
            if let Some(commit) = &new.commit {
                self.carry_out(commit, &new);
            }
        }
        if new.login_answer != old.login_answer {
            if let Some((id, allowed)) = new.login_answer {
                self.answer_waiter(id, allowed);
            }
        }
        let render = self.render.borrow().clone();
        if let Some(render) = render {
            render.emit(());
        }
    }

    /// A choice made now, by this visitor.
    pub fn decide(&self, choice: Choice, action: ConsentAction) {
        let s = self.state();
        self.dispatch(Action::Decide { choice, action, ctx: browser::context(s.lang, s.gpc) });
    }

    pub fn accept_all(&self) {
        self.decide(Choice::AcceptAll, ConsentAction::AcceptAll);
    }

    pub fn reject_all(&self) {
        self.decide(Choice::RejectAll, ConsentAction::RejectAll);
    }

    pub fn save_draft(&self) {
        let s = self.state();
        self.dispatch(Action::SaveDraft(browser::context(s.lang, s.gpc)));
    }

    pub fn answer_login(&self, allow: bool) {
        let s = self.state();
        self.dispatch(Action::AnswerLogin { allow, ctx: browser::context(s.lang, s.gpc) });
    }

    /// Asks the login warning for `category`; the waiter hears the answer (at once if already granted).
    pub fn require(&self, category: &str, waiter: Waiter) {
        let state = self.state();
        let known = state.config.category(category).is_some();
        let Some(category) = CategoryId::parse(category).ok().filter(|_| known) else {
            browser::console_error(&["kuki: requireCategory: no category \"", category, "\" is configured"].concat());
            return self.settle(waiter, false);
        };
        let id = self.next_request.get();
        self.next_request.set(id.wrapping_add(1));
        self.waiters.borrow_mut().push((id, waiter));
        self.dispatch(Action::AskLogin(LoginRequest { id, category }));
    }

    fn answer_waiter(&self, id: u32, allowed: bool) {
        let waiter = {
            let mut waiters = self.waiters.borrow_mut();
            waiters.iter().position(|(i, _)| *i == id).map(|at| waiters.remove(at).1)
        };
        if let Some(w) = waiter {
            self.settle(w, allowed);
        }
    }

    fn settle(&self, waiter: Waiter, allowed: bool) {
        match waiter {
            Waiter::Promise(resolve) => {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from_bool(allowed));
            }
            Waiter::Click(el) if allowed => controls::replay(&el),
            Waiter::Click(_) => {}
        }
    }

    fn activate_scripts(&self) {
        let state = self.state();
        let accepted: Vec<String> = state.consent.iter().flat_map(|c| c.accepted().map(|id| id.to_string())).collect();
        scripts::activate(move |id| accepted.iter().any(|a| a == id));
    }

    /// The one effect: a consent change reaches storage, cookies, scripts, Consent Mode, the server and the page,
    /// in that order (the record is safe before anything else reacts to it).
    fn carry_out(&self, commit: &Commit, state: &State) {
        let config = &state.config;
        match &commit.consent {
            Some(c) => storage::save(config, c),
            None => storage::clear(config),
        }
        // For everything but storage, a withdrawal is "reject all" on the previous record: its next seq, the
        // optional categories refused (their cookies go, necessary ones stay), sent as a `withdraw` event.
        let withdrawn = match (&commit.consent, &commit.previous) {
            (None, Some(p)) => Some(kuki_core::Consent::decide(
                config,
                &Choice::RejectAll,
                Some(p),
                browser::context(state.lang, state.gpc),
            )),
            _ => None,
        };
        let effective = commit.consent.as_ref().or(withdrawn.as_ref());
        for id in effective.iter().flat_map(|c| c.revoked_since(commit.previous.as_ref())) {
            if let Some(category) = config.category(id.as_str()) {
                storage::delete_category_cookies(category);
            }
        }
        if commit.consent.is_some() {
            self.activate_scripts();
        }
        if self.consent_mode {
            consent_mode::send_update(commit.consent.as_ref());
        }
        if let (Some(c), false) = (effective, commit.erased) {
            sync::send(c, commit.action);
            if withdrawn.is_some() {
                sync::forget_receipt();
            }
        }
        let detail = events::consent_object(commit.consent.as_ref(), None);
        events::dispatch(if commit.first { "kuki:consent" } else { "kuki:change" }, &detail);
    }

    /// "Delete my records": the server erases the history, then the choice is forgotten here. The page does not
    /// wait; a failure leaves everything as it was and says so.
    pub fn erase(self: &Rc<Self>) {
        let Some(id) = self.state().consent.as_ref().map(|c| c.id) else { return };
        let store = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let done = sync::erase(id).await;
            store.dispatch(if done { Action::Erased } else { Action::EraseFailed });
        });
    }
}

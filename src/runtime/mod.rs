//! The runtime: the one mutable home of kuki in a page. It holds the state, runs [`update`] for every action and
//! carries out the effects it returns, in order, one file per kind of effect:
//!
//! - [`storage`]: the record in a cookie, else localStorage, else memory; revoked categories' cookies.
//! - [`outbox`]: the ordered queue of posts and erasures to the server, the receipt, the history.
//! - [`scripts`]: blocked `<script type="text/plain" data-category>` tags, run as consent allows.
//! - [`embeds`]: blocked `<iframe data-category data-src>`, loaded as consent allows, placeholders meanwhile.
//! - [`observer`]: the one `MutationObserver` that hands later-inserted blocked scripts and iframes to those two.
//! - [`controls`]: the host page's `data-kuki` controls and `data-kuki-requires` guards.
//! - [`events`]: the window events and the consent object the page sees.
//! - [`consent_mode`]: Google Consent Mode v2.
//!
//! Why a store outside yew's `use_reducer`: the page API is synchronous (`kuki.acceptCategory('analytics');
//! kuki.acceptedCategory('analytics')` must be `true` on the next line) and may be called before yew renders.
//! The state changes at once; effects run to completion in order, so an action dispatched by a page listener
//! while effects run (a `kuki:consent` handler that calls the API) has its effects run after the current ones.

pub mod consent_mode;
pub mod controls;
pub mod embeds;
pub mod events;
pub mod observer;
pub mod outbox;
pub mod scripts;
pub mod storage;

use kuki_core::cookie::FrameChoice;
use kuki_core::{CategoryId, Config, Consent, ConsentId};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;
use web_sys::Element;
use yew::Callback;

use crate::browser;
use crate::state::{self, Action, Boot, ConsentEvent, Ctx, Effect, LoginRequest, State};

/// Who waits for a login warning's answer.
pub enum Waiter {
    /// `kuki.requireCategory(id)`: a promise's `resolve`.
    Promise(js_sys::Function),
    /// A `data-kuki-requires` click to replay when allowed.
    Click(Element),
}

/// A callback of [`Runtime::when_rendered`].
type OnRendered = Box<dyn FnOnce(bool)>;

/// What a page keeps across `run()` calls: the records held in memory where the browser stores nothing.
#[derive(Default)]
pub struct Carry {
    pub record: Option<String>,
    pub outbox: Vec<outbox::Entry>,
}

pub struct Runtime {
    me: Weak<Runtime>,
    state: RefCell<Rc<State>>,
    render: RefCell<Option<Callback<()>>>,
    effects: RefCell<VecDeque<Effect>>,
    applying: Cell<bool>,
    storage: storage::Storage,
    outbox: outbox::Outbox,
    scripts: scripts::Scripts,
    embeds: embeds::Embeds,
    observer: observer::Observer,
    controls: controls::Controls,
    waiters: RefCell<Vec<(u32, Waiter)>>,
    next_request: Cell<u32>,
    /// The element in the shadow root yew renders into (its `lang` follows the language).
    island_root: RefCell<Option<Element>>,
    /// What runs once yew has rendered the first time (`true`), in order: the island taking the first frame's
    /// place, then `run()` going on with its start-up; or once the runtime stops before that (`false`).
    on_rendered: RefCell<Vec<OnRendered>>,
}

impl Runtime {
    /// Starts a runtime with what cannot wait: the first effects (Consent Mode, a stored choice's scripts, which
    /// thus start before anything is rendered), the page's `data-kuki` controls and the observer of later-inserted
    /// blocked elements. The rest is [`Runtime::start_later`]'s.
    pub fn start(
        boot: &Boot,
        storage: storage::Storage,
        endpoint: Option<String>,
        carry: Vec<outbox::Entry>,
    ) -> Rc<Self> {
        let (state, effects) = state::init(boot);
        let rt = Self::new(state, boot.config.script_timeout_ms, storage, endpoint, carry);
        rt.run(effects);
        rt.controls.install();
        rt.observer.install();
        rt
    }

    /// What waits until the banner is up, in a task of its own: the blocked iframes already in the page (with
    /// their placeholders, each a small app; the observer has taken those inserted since [`Runtime::start`]), and
    /// sending whatever an earlier page left in the outbox (a choice made meanwhile is sent at once anyway).
    pub fn start_later(&self) {
        self.embeds.scan();
        self.outbox.start();
    }

    /// A runtime that only holds the state `boot` starts in, for rendering the banner's first frame ahead of time
    /// (`crate::frame`): no effect runs, nothing listens, nothing is sent.
    #[cfg(feature = "ssr")]
    pub fn for_first_frame(boot: &Boot) -> Rc<Self> {
        let (state, _) = state::init(boot);
        Self::new(state, boot.config.script_timeout_ms, storage::Storage::new(None), None, Vec::new())
    }

    fn new(
        state: State,
        timeout: u32,
        storage: storage::Storage,
        endpoint: Option<String>,
        carry: Vec<outbox::Entry>,
    ) -> Rc<Self> {
        Rc::new_cyclic(|me: &Weak<Runtime>| Runtime {
            me: me.clone(),
            state: RefCell::new(Rc::new(state)),
            render: RefCell::new(None),
            effects: RefCell::new(VecDeque::new()),
            applying: Cell::new(false),
            storage,
            outbox: outbox::Outbox::new(me.clone(), endpoint, carry),
            scripts: scripts::Scripts::new(me.clone(), timeout),
            embeds: embeds::Embeds::new(me.clone()),
            observer: observer::Observer::new(me.clone()),
            controls: controls::Controls::new(me.clone()),
            waiters: RefCell::new(Vec::new()),
            next_request: Cell::new(1),
            island_root: RefCell::new(None),
            on_rendered: RefCell::new(Vec::new()),
        })
    }

    /// Stops listening to the page and sending; what is held only in memory goes to the next runtime.
    pub fn stop(&self) -> Carry {
        self.controls.uninstall();
        self.observer.uninstall();
        self.scripts.stop();
        self.embeds.stop();
        let waiting = std::mem::take(&mut *self.on_rendered.borrow_mut());
        for f in waiting {
            f(false);
        }
        Carry { record: self.storage.take_memory(), outbox: self.outbox.stop() }
    }

    pub fn state(&self) -> Rc<State> {
        self.state.borrow().clone()
    }

    /// Called by the island once mounted: the element whose `lang` follows the language.
    pub fn set_island_root(&self, root: Element) {
        *self.island_root.borrow_mut() = Some(root);
    }

    /// Called by the root component once mounted: how to ask yew for a new frame.
    pub fn subscribe(&self, render: Callback<()>) {
        *self.render.borrow_mut() = Some(render);
        let rendered = std::mem::take(&mut *self.on_rendered.borrow_mut());
        for f in rendered {
            f(true);
        }
    }

    /// `f` runs once, when the root component has rendered for the first time (`true`, after those given before
    /// it), or when the runtime stops before that (`false`).
    pub fn when_rendered(&self, f: impl FnOnce(bool) + 'static) {
        self.on_rendered.borrow_mut().push(Box::new(f));
    }

    /// A choice the visitor made on the banner's first frame before the app was there, which the loader stored
    /// (`kuki_core::cookie::FrameChoice`): that button's click, made when it was made. The record the click
    /// makes takes the place of what the loader wrote, and goes to the server.
    pub fn carry_out_frame_choice(&self, choice: FrameChoice) {
        let now_ms = i64::try_from(choice.given_at.saturating_mul(1000)).unwrap_or(i64::MAX).min(browser::now_ms());
        self.dispatch_at(Action::all(choice.accept_all), now_ms);
    }

    /// Handles one action now: the state changes at once, the effects run in order.
    pub fn dispatch(&self, action: Action) {
        self.dispatch_at(action, browser::now_ms());
    }

    /// [`Runtime::dispatch`] of an action that happened at `now_ms` (unix milliseconds).
    fn dispatch_at(&self, action: Action, now_ms: i64) {
        let ctx = Ctx { now_ms, new_id: ConsentId::from_random(browser::random_bytes()) };
        let (next, effects) = state::update(&self.state(), action, &ctx);
        *self.state.borrow_mut() = Rc::new(next);
        self.run(effects);
        // yew batches: a frame asked for twice is rendered once.
        let render = self.render.borrow().clone();
        if let Some(render) = render {
            render.emit(());
        }
    }

    /// Runs effects to completion, in order; effects queued meanwhile (by a re-entrant dispatch) run after.
    fn run(&self, effects: Vec<Effect>) {
        self.effects.borrow_mut().extend(effects);
        if self.applying.replace(true) {
            return;
        }
        loop {
            let next = self.effects.borrow_mut().pop_front();
            let Some(effect) = next else { break };
            self.apply(effect);
        }
        self.applying.set(false);
    }

    fn apply(&self, effect: Effect) {
        let state = self.state();
        let config = &state.config;
        match effect {
            Effect::ConsentModeDefault => consent_mode::send_default(),
            Effect::ConsentModeUpdate(c) => consent_mode::send_update(c.as_ref()),
            Effect::Save(c) => self.storage.save(config, &c),
            Effect::Clear => self.storage.clear(config),
            Effect::DeleteCookies(ids) => {
                for category in ids.iter().filter_map(|id| config.category(id.as_str())) {
                    storage::delete_category_cookies(category);
                }
            }
            Effect::DeleteServiceCookies(list) => {
                for (id, service) in &list {
                    if let Some(category) = config.category(id.as_str()) {
                        storage::delete_service_cookies(category, service.as_str());
                    }
                }
            }
            Effect::ActivateScripts => {
                self.activate_scripts();
                self.embeds.apply();
            }
            Effect::Post { record, action, client_ms } => self.outbox.post(&record, action, client_ms),
            Effect::ForgetReceipt => outbox::forget_receipt(),
            Effect::Erase(id) => self.outbox.erase(id),
            Effect::FetchHistory(id) => {
                let endpoint = self.outbox.endpoint();
                self.answer_later(async move {
                    Action::HistoryLoaded { id, entries: outbox::history(endpoint.as_deref(), id).await }
                });
            }
            Effect::Emit { event, consent, changes } => {
                let name = match event {
                    ConsentEvent::First => "kuki:consent",
                    ConsentEvent::Change => "kuki:change",
                };
                let detail = events::consent_object(consent.as_ref(), outbox::receipt().as_ref());
                events::dispatch(name, &events::with_changes(detail, &changes));
            }
            Effect::Answer { request, allowed } => self.answer(request, allowed),
            Effect::Language(lang) => {
                if let Some(root) = self.island_root.borrow().as_ref() {
                    let _ = root.set_attribute("lang", lang.as_str());
                }
                self.embeds.relabel();
            }
            Effect::RememberNotice(version) => self.storage.remember_notice(config, &version),
            Effect::FetchPolicy(url) => {
                // kuki's own policy is also a page on kuki's server: the viewer links there if the fetch fails.
                let page =
                    self.outbox.endpoint().filter(|_| url.is_none()).and_then(|e| config.builtin_policy_page(&e));
                self.answer_later(async move {
                    let url = url.unwrap_or_else(browser::builtin_policy_url);
                    let policy = outbox::fetch_policy(&url).await;
                    if policy.is_none() {
                        browser::console_error(&["kuki: the policy at ", &url, " could not be loaded"].concat());
                    }
                    Action::PolicyFetched(policy.map(Rc::new).ok_or(page))
                })
            }
        }
    }

    /// Starts a pass over the pending blocked scripts the consent of now allows (none before a choice).
    fn activate_scripts(&self) {
        if let Some(consent) = self.state().consent.clone() {
            self.scripts.activate(consent);
        }
    }

    /// Runs `work` (a request to the server, say) without blocking, then dispatches the action it ends with, if
    /// this runtime still runs by then.
    fn answer_later(&self, work: impl std::future::Future<Output = Action> + 'static) {
        self.answer_boxed(Box::pin(work));
    }

    /// [`Runtime::answer_later`]'s one body, for any work: one copy of the task that awaits it in the bundle,
    /// not one per kind of work.
    fn answer_boxed(&self, work: std::pin::Pin<Box<dyn std::future::Future<Output = Action>>>) {
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let action = work.await;
            if let Some(rt) = me.upgrade() {
                rt.dispatch(action);
            }
        });
    }

    /// Is this category accepted now? (Read at each step by the script activator.)
    pub fn granted(&self, id: &str) -> bool {
        self.state.borrow().granted(id)
    }

    /// Does the category of this `data-category` token declare this `data-service` token (`!` aside on both)?
    pub fn declares(&self, category: &str, service: &str) -> bool {
        declares(&self.state.borrow().config, category, service)
    }

    /// The one consent check for blocked content (scripts, and whatever else waits on consent), with the tokens
    /// of `data-category` and `data-service`, against the consent of this moment ([`consent_allows`]). Nothing is
    /// allowed before a choice.
    pub fn allows(&self, category: &str, service: Option<&str>) -> bool {
        let state = self.state.borrow();
        state.consent.as_ref().is_some_and(|c| consent_allows(&state.config, c, category, service))
    }

    /// The one consent check for a blocked script or iframe: does the consent of this moment allow it
    /// ([`element_allowed_by`])?
    pub fn allows_element(&self, el: &Element) -> bool {
        let state = self.state.borrow();
        state.consent.as_ref().is_some_and(|c| element_allowed_by(&state.config, c, el))
    }

    /// The consent in force as the page sees it, or `null`.
    pub fn consent_object(&self) -> JsValue {
        events::consent_object(self.state().consent.as_ref(), outbox::receipt().as_ref())
    }

    /// Asks the login warning for `category`; the waiter hears the answer (at once if already granted).
    pub fn require(&self, category: &str, waiter: Waiter) {
        let known = self.state().config.category(category).is_some();
        let Some(category) = CategoryId::parse(category).ok().filter(|_| known) else {
            browser::console_error(&["kuki: requireCategory: no category \"", category, "\" is configured"].concat());
            return self.settle(waiter, false);
        };
        let id = self.next_request.get();
        self.next_request.set(id.wrapping_add(1));
        self.waiters.borrow_mut().push((id, waiter));
        self.dispatch(Action::AskLogin(LoginRequest { id, category }));
    }

    fn answer(&self, id: u32, allowed: bool) {
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
            Waiter::Click(el) if allowed => self.controls.replay(&el),
            Waiter::Click(_) => {}
        }
    }
}

/// Does `consent` allow a `data-category` token with this `data-service` token? `analytics` (accepted) or
/// `!analytics` (refused by the choice); with a service of that category, `ga` (accepted) or `!ga` (refused by the
/// choice, its category's refusal included). A `data-service` the category does not declare (a label such as
/// "YouTube" on an iframe) names no switch of its own: the category's consent decides.
pub fn consent_allows(config: &Config, consent: &Consent, category: &str, service: Option<&str>) -> bool {
    let (id, category_ok) = match category.strip_prefix('!') {
        Some(id) => (id, !consent.granted(id)),
        None => (category, consent.granted(category)),
    };
    match service.filter(|s| declares(config, id, s)) {
        None => category_ok,
        Some(s) => match s.strip_prefix('!') {
            // `!analytics` with `!ga` asks for both refusals; plain `analytics` with `!ga` for ga's alone.
            Some(s) => !consent.service_granted(id, s) && (category_ok || !category.starts_with('!')),
            None => consent.service_granted(id, s) && category_ok,
        },
    }
}

/// Does `consent` allow this blocked script or iframe: every token of its `data-category`, with its `data-service`
/// ([`consent_allows`])? An element that lists no category is never allowed.
pub fn element_allowed_by(config: &Config, consent: &Consent, el: &Element) -> bool {
    let categories = el.get_attribute("data-category").unwrap_or_default();
    let service = el.get_attribute("data-service").map(|x| x.trim().to_owned()).filter(|x| !x.is_empty());
    let mut tokens = categories.split_whitespace().peekable();
    tokens.peek().is_some() && tokens.all(|token| consent_allows(config, consent, token, service.as_deref()))
}

/// Does `category` (a `data-category` token) declare `service` (a `data-service` token)? `!` aside on both.
fn declares(config: &Config, category: &str, service: &str) -> bool {
    let (category, service) = (category.trim_start_matches('!'), service.trim_start_matches('!'));
    config.category(category).is_some_and(|c| c.services.iter().any(|x| x.id.as_str() == service))
}

//! The consent logic as a plain function over plain data: [`update`]`(&State, Action, &Ctx) -> (State, Vec<Effect>)`.
//!
//! No yew and no browser here: the clock and fresh ids arrive in [`Ctx`], the environment in [`Boot`], and what
//! is to happen in the world leaves as [`Effect`]s for the runtime (`runtime/`) to carry out, in order. Every
//! record that will be stored or sent, the withdrawal's too, is made here, so these tests see exactly what
//! leaves the page.

use kuki_core::category::ServiceId;
use kuki_core::consent::ServiceDecision;
use kuki_core::consent::{self, Choice, Consent, Context, Decision, Status};
use kuki_core::policy::{self, SitePolicy};
use kuki_core::wire::browser::HistoryEntry;
use kuki_core::wire::ConsentAction;
use kuki_core::{CategoryId, Config, ConsentId, Lang};
use std::rc::Rc;

/// Everything the app starts from, gathered by `api::run` before the runtime starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Boot {
    pub config: Rc<Config>,
    pub lang: Lang,
    pub gpc: bool,
    /// The stored consent, already decoded and put in configuration order.
    pub stored: Option<Consent>,
    /// Unix seconds at start.
    pub now: u64,
    /// The browser refuses cookies (`navigator.cookieEnabled` false or a test write failed).
    pub cookies_blocked: bool,
    /// A server keeps the consent history (an endpoint is configured).
    pub synced: bool,
    /// The page runs Google Consent Mode (it has gtag or a dataLayer, or the config says so).
    pub consent_mode: bool,
    /// The loader sent Consent Mode's default while it ran (before the page's later scripts): not again.
    pub consent_default_sent: bool,
    /// The loader read the stored choice itself and sent Consent Mode's update for it (`www/kuki.js`, a returning
    /// visitor): not again. It does so only for a record the app reads the same way (a standing choice).
    pub consent_update_sent: bool,
    /// The coming policy version whose notice this browser has already shown and had dismissed.
    pub notice_seen: Option<String>,
}

/// The facts of the moment an action is handled: the clock and a fresh id, in case a first record is made.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    /// Unix milliseconds.
    pub now_ms: i64,
    pub new_id: ConsentId,
}

impl Ctx {
    fn secs(&self) -> u64 {
        u64::try_from(self.now_ms / 1000).unwrap_or(0)
    }
}

/// A notice shown in the island, dismissible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// "Reject all" refused a category that login needs.
    LoginAfterRefusal,
    /// The browser blocks cookies.
    CookiesBlocked,
    /// "Delete my records" did not reach the server.
    EraseFailed,
}

/// A host-page action waiting on the login warning (`data-kuki-requires` or `kuki.requireCategory`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginRequest {
    pub id: u32,
    pub category: CategoryId,
}

/// What a dialog goes back to when it closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Back {
    Nothing,
    Banner,
    Preferences,
}

/// Which one of kuki's layers is open. One at a time: a dialog opened from the banner replaces it and gives it
/// back on closing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Open {
    Nothing,
    Banner,
    Preferences,
    /// The policy viewer, at an optional section id.
    Policy {
        section: Option<String>,
        back: Back,
    },
    /// The page needs a category (`requireCategory`, a `data-kuki-requires` click): allow or refuse it.
    Require {
        request: LoginRequest,
        back: Back,
    },
}

impl Open {
    /// The layer under a dialog, so closing it returns there.
    fn back(&self) -> Back {
        match self {
            Open::Nothing => Back::Nothing,
            Open::Banner => Back::Banner,
            Open::Preferences => Back::Preferences,
            Open::Policy { back, .. } | Open::Require { back, .. } => *back,
        }
    }
}

/// The server's history of the visitor's consent id, as the preferences dialog shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum History {
    /// Not asked for (no server, or no choice).
    Unasked,
    Loading(ConsentId),
    Loaded(ConsentId, Rc<Vec<HistoryEntry>>),
    /// The server could not be asked.
    Unavailable(ConsentId),
}

/// The policy given by URL (the site's `policyUrl`, or kuki's own beside the bundle), fetched the first time the
/// viewer opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchedPolicy {
    NotAsked,
    Loading,
    Loaded(Rc<SitePolicy>),
    /// It could not be fetched or read; opening the viewer again tries again. Where the text can be read
    /// instead, if known (kuki's own policy: the `/privacy` page of the server consents go to).
    Failed(Option<String>),
}

/// Which window event a consent change fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentEvent {
    /// `kuki:consent`: the first choice on this page's record.
    First,
    /// `kuki:change`: a later change, a withdrawal or an erasure.
    Change,
}

/// What the runtime is to do, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// `gtag('consent', 'default', ...)`: everything denied until the visitor chooses.
    ConsentModeDefault,
    /// `gtag('consent', 'update', ...)` for this consent (`None`: everything denied again).
    ConsentModeUpdate(Option<Consent>),
    /// Keep the record in the browser (cookie, else localStorage, else memory).
    Save(Consent),
    /// Forget the record everywhere it may be kept.
    Clear,
    /// Delete the cookies these categories list (they were just revoked).
    DeleteCookies(Vec<CategoryId>),
    /// Delete the cookies these services list (they were just revoked, their categories still accepted).
    DeleteServiceCookies(Vec<(CategoryId, ServiceId)>),
    /// Bring the blocked elements in line with the consent of now: run every pending blocked script it allows,
    /// load the blocked iframes it allows and put those it no longer allows back behind their placeholders.
    ActivateScripts,
    /// Queue this record for the server, as an event of this kind, made at this client time.
    Post { record: Consent, action: ConsentAction, client_ms: i64 },
    /// Forget the server's receipt of the last stored event (the record it belongs to is gone).
    ForgetReceipt,
    /// Ask the server to erase this id's history, after anything for it already in flight.
    Erase(ConsentId),
    /// Ask the server for this id's history; the answer comes back as [`Action::HistoryLoaded`].
    FetchHistory(ConsentId),
    /// Fire `kuki:consent` or `kuki:change` with this consent as the detail, and what changed.
    Emit { event: ConsentEvent, consent: Option<Consent>, changes: Changes },
    /// Tell whoever waits on a login request (a promise, a held click) the answer.
    Answer { request: u32, allowed: bool },
    /// The island now speaks this language (its `lang` attribute).
    Language(Lang),
    /// Fetch the policy document: the site's (`policyUrl`), or with `None` 나와의 대화's own, `policy.json` beside
    /// the bundle (the wasm leaves its text out). The answer comes back as [`Action::PolicyFetched`].
    FetchPolicy(Option<String>),
    /// Remember in this browser that the notice of this coming policy version was seen.
    RememberNotice(String),
}

/// What a change changed, as vanilla-cookieconsent v3's `changedCategories` and `changedServices` say it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub categories: Vec<CategoryId>,
    /// By category, only those where a service changed.
    pub services: Vec<(CategoryId, Vec<ServiceId>)>,
}

impl Changes {
    /// From `before` to `after`; no consent counts as the optional categories and their services refused.
    pub fn between(config: &Config, before: Option<&Consent>, after: Option<&Consent>) -> Changes {
        let mut out = Changes::default();
        for c in &config.categories {
            let granted = |x: Option<&Consent>| x.map_or(c.necessary, |x| x.granted(c.id.as_str()));
            if granted(before) != granted(after) {
                out.categories.push(c.id.clone());
            }
            let service = |x: Option<&Consent>, s: &str| x.map_or(c.necessary, |x| x.service_granted(c.id.as_str(), s));
            let changed: Vec<ServiceId> = c
                .services
                .iter()
                .filter(|s| service(before, s.id.as_str()) != service(after, s.id.as_str()))
                .map(|s| s.id.clone())
                .collect();
            if !changed.is_empty() {
                out.services.push((c.id.clone(), changed));
            }
        }
        out
    }
}

/// Every change the visitor, the page or the server can make.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A choice from the first layer or the page API.
    Decide {
        choice: Choice,
        action: ConsentAction,
    },
    /// `acceptCategory()` without arguments: the preferences' current switches when the dialog is open, else
    /// necessary only.
    SaveSelection,
    /// Accepts these categories on top of the choice in force (before any choice: them and the necessary ones),
    /// recorded as `acceptCategory`: a blocked iframe's "always allow".
    Allow(Vec<CategoryId>),
    /// Back to no choice: optional categories refused, the record forgotten, the banner shown again.
    Withdraw,
    /// "Delete my records".
    Erase,
    /// The server erased this id's history: forget the choice here too, without telling the server again.
    Erased(ConsentId),
    EraseFailed(ConsentId),
    HistoryLoaded {
        id: ConsentId,
        entries: Option<Vec<HistoryEntry>>,
    },
    ShowBanner,
    /// Hides the banner and any dialog.
    Hide,
    OpenPreferences,
    ClosePreferences,
    /// A category's switch: with services, it turns all of them on, or all off when one is on.
    Toggle(CategoryId),
    /// One service's switch in the preferences.
    ToggleService(CategoryId, ServiceId),
    /// `acceptService`: exactly these services of the category accepted (the others refused); the other
    /// categories keep the choice in force.
    AcceptServices {
        category: CategoryId,
        services: Vec<ServiceId>,
    },
    OpenPolicy(Option<String>),
    ClosePolicy,
    Dismiss(Notice),
    AskLogin(LoginRequest),
    AnswerLogin {
        allow: bool,
    },
    /// The page's request was dismissed (Escape): answered "no", nothing recorded.
    CancelRequest,
    /// `setLanguage`: one of the languages the site's config makes available (checked at the API's edge).
    SetLanguage(Lang),
    /// The site's policy from `policyUrl`, or `None` when it could not be fetched or read.
    PolicyFetched(Result<Rc<SitePolicy>, Option<String>>),
    /// "Read the new policy": the viewer shows the coming version's own text.
    ReadNextPolicy,
    /// The returning visitor closed the notice of a coming policy change.
    DismissPolicyNotice,
}

impl Action {
    /// "Accept all" (`accept`) or "reject all": the banner's two buttons, `data-kuki="accept-all"` and the like.
    pub fn all(accept: bool) -> Action {
        if accept {
            Action::Decide { choice: Choice::AcceptAll, action: ConsentAction::AcceptAll }
        } else {
            Action::Decide { choice: Choice::RejectAll, action: ConsentAction::RejectAll }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub config: Rc<Config>,
    pub lang: Lang,
    pub gpc: bool,
    /// Unix seconds when the page started: the clock for the policy notice window.
    pub now: u64,
    pub synced: bool,
    pub consent_mode: bool,
    /// The choice in force (a stored one that no longer stands counts as none).
    pub consent: Option<Consent>,
    pub open: Open,
    /// The preferences dialog's switches, before Save.
    pub draft: Vec<Decision>,
    pub notices: Vec<Notice>,
    pub history: History,
    pub fetched_policy: FetchedPolicy,
    /// The viewer shows the coming policy's text (`nextPolicy.policy`) instead of the one in force.
    pub reading_next: bool,
    /// A visitor who already chose is told of the coming policy change (until dismissed, once per version).
    pub policy_notice: bool,
    /// The version whose notice this browser has seen (dismissed, read, or shown in the banner and answered).
    pub notice_seen: Option<String>,
    /// The banner asks again because a material policy change took effect: it says so.
    pub asked_again: bool,
}

/// The state a page starts in, and what must happen at once: Consent Mode's default before anything else,
/// then, for a choice that still stands, its update and the scripts it allows.
pub fn init(boot: &Boot) -> (State, Vec<Effect>) {
    let status = consent::status(boot.stored.as_ref(), &boot.config, boot.now);
    // A stored record that no longer stands (stale, expired, changed policy) counts as no choice: the renewed
    // choice starts a new record with a new id.
    let consent = boot.stored.clone().filter(|_| status == Status::Valid);
    let mut effects = Vec::new();
    if boot.consent_mode {
        if !boot.consent_default_sent {
            effects.push(Effect::ConsentModeDefault);
        }
        if consent.is_some() && !boot.consent_update_sent {
            effects.push(Effect::ConsentModeUpdate(consent.clone()));
        }
    }
    if consent.is_some() {
        effects.push(Effect::ActivateScripts);
    }
    let state = State {
        config: boot.config.clone(),
        lang: boot.lang,
        gpc: boot.gpc,
        now: boot.now,
        synced: boot.synced,
        consent_mode: boot.consent_mode,
        open: if status.asks() { Open::Banner } else { Open::Nothing },
        consent,
        draft: Vec::new(),
        notices: if boot.cookies_blocked { vec![Notice::CookiesBlocked] } else { Vec::new() },
        history: History::Unasked,
        fetched_policy: FetchedPolicy::NotAsked,
        reading_next: false,
        policy_notice: false,
        notice_seen: boot.notice_seen.clone(),
        asked_again: status == Status::PolicyChanged,
    };
    let state = State { policy_notice: state.consent.is_some() && state.unseen_notice().is_some(), ..state };
    (state, effects)
}

/// The one reducer: the next state and the effects that carry it out.
pub fn update(state: &State, action: Action, ctx: &Ctx) -> (State, Vec<Effect>) {
    let mut s = state.clone();
    let mut fx = Vec::new();
    match action {
        Action::Decide { choice, action } => s.decide(&choice, action, ctx, &mut fx),
        Action::SaveSelection => {
            let choice = if s.open.back() == Back::Preferences { s.draft_choice() } else { Choice::Only(Vec::new()) };
            s.decide(&choice, ConsentAction::Custom, ctx, &mut fx);
        }
        Action::Allow(ids) => s.allow(ids, ctx, &mut fx),
        Action::Withdraw => s.withdraw(ctx, &mut fx),
        Action::Erase => match s.consent.as_ref().map(|c| c.id) {
            Some(id) if s.synced => fx.push(Effect::Erase(id)),
            // Nothing is kept anywhere but here: erasing is forgetting.
            Some(id) => s.forget_erased(id, &mut fx),
            None => {}
        },
        Action::Erased(id) => s.forget_erased(id, &mut fx),
        Action::EraseFailed(id) => {
            if s.consent.as_ref().is_some_and(|c| c.id == id) && !s.notices.contains(&Notice::EraseFailed) {
                s.notices.push(Notice::EraseFailed);
            }
        }
        Action::HistoryLoaded { id, entries } => {
            // An answer for an id no longer shown (erased, or a new record since) is dropped.
            if s.history == History::Loading(id) {
                s.history = match entries {
                    Some(e) => History::Loaded(id, Rc::new(e)),
                    None => History::Unavailable(id),
                };
            }
        }
        Action::ShowBanner => s.open = Open::Banner,
        Action::Hide => s.open = Open::Nothing,
        Action::OpenPreferences => s.open_preferences(&mut fx),
        Action::ClosePreferences => {
            if s.open == Open::Preferences {
                s.open = s.resting();
            }
        }
        Action::Toggle(id) => {
            let locked = s.config.category(id.as_str()).is_none_or(|c| c.necessary);
            if let Some(d) = s.draft.iter_mut().find(|d| d.category == id).filter(|_| !locked) {
                d.granted = !d.granted;
                for service in &mut d.services {
                    service.granted = d.granted;
                }
            }
        }
        Action::ToggleService(id, service) => {
            let locked = s.config.category(id.as_str()).is_none_or(|c| c.necessary);
            if let Some(d) = s.draft.iter_mut().find(|d| d.category == id).filter(|_| !locked) {
                if let Some(x) = d.services.iter_mut().find(|x| x.service == service) {
                    x.granted = !x.granted;
                }
                // v3: the category's switch is on while one of its services is.
                d.granted = d.services.iter().any(|x| x.granted);
            }
        }
        Action::AcceptServices { category, services } => {
            let Some(cat) = s.config.category(category.as_str()) else { return (s, fx) };
            let mut picks = s.current_picks();
            let decision = Decision {
                category: category.clone(),
                granted: !services.is_empty(),
                services: cat
                    .services
                    .iter()
                    .map(|x| ServiceDecision { service: x.id.clone(), granted: services.contains(&x.id) })
                    .collect(),
            };
            picks.retain(|d| d.category != category);
            picks.push(decision);
            s.decide(&Choice::Custom(picks), ConsentAction::Custom, ctx, &mut fx);
        }
        Action::OpenPolicy(section) => {
            let back = s.open.back();
            s.open = Open::Policy { section, back };
            s.reading_next = false;
            // Also a retry: the viewer's button after a failure opens it again where it is.
            let source = match &s.config.policy_url {
                _ if s.config.fetches_builtin_policy() => Some(None),
                Some(url) => Some(Some(url.clone())),
                None => None,
            };
            if let Some(url) = source {
                if matches!(s.fetched_policy, FetchedPolicy::NotAsked | FetchedPolicy::Failed(_)) {
                    s.fetched_policy = FetchedPolicy::Loading;
                    fx.push(Effect::FetchPolicy(url));
                }
            }
        }
        Action::PolicyFetched(policy) => {
            s.fetched_policy = policy.map_or_else(FetchedPolicy::Failed, FetchedPolicy::Loaded);
        }
        Action::ClosePolicy => {
            if let Open::Policy { back, .. } = s.open {
                s.open = s.reopen(back);
            }
        }
        Action::Dismiss(n) => s.notices.retain(|x| *x != n),
        Action::ReadNextPolicy => {
            // Reading the new text is seeing the notice; without a text of its own the notice links elsewhere.
            s.see_notice(&mut fx);
            if s.config.next_policy.as_ref().is_some_and(|n| n.policy.is_some()) {
                let back = s.open.back();
                s.open = Open::Policy { section: None, back };
                s.reading_next = true;
            }
        }
        Action::DismissPolicyNotice => s.see_notice(&mut fx),
        Action::AskLogin(request) => {
            if s.granted(request.category.as_str()) {
                fx.push(Effect::Answer { request: request.id, allowed: true });
            } else {
                // A second request replaces the first, which is answered "no".
                let back = match &s.open {
                    Open::Require { request: old, back } => {
                        fx.push(Effect::Answer { request: old.id, allowed: false });
                        *back
                    }
                    other => other.back(),
                };
                s.open = Open::Require { request, back };
            }
        }
        Action::AnswerLogin { allow } => {
            let Open::Require { request, back } = s.open.clone() else { return (s, fx) };
            s.open = s.reopen(back);
            if allow {
                s.allow(vec![request.category.clone()], ctx, &mut fx);
            } else if s.consent.is_none() {
                // Asked before any choice, the visitor refused: that is recorded as plainly as an allow would
                // be (nothing else was accepted either).
                s.decide(&Choice::Only(Vec::new()), ConsentAction::Custom, ctx, &mut fx);
            }
            fx.push(Effect::Answer { request: request.id, allowed: allow });
        }
        Action::CancelRequest => {
            if let Open::Require { request, back } = s.open.clone() {
                s.open = s.reopen(back);
                fx.push(Effect::Answer { request: request.id, allowed: false });
            }
        }
        Action::SetLanguage(lang) => {
            if lang != s.lang {
                s.lang = lang;
                fx.push(Effect::Language(lang));
            }
        }
    }
    (s, fx)
}

impl State {
    /// Is this category currently granted?
    pub fn granted(&self, id: &str) -> bool {
        self.consent.as_ref().is_some_and(|c| c.granted(id))
    }

    /// What shows when no dialog is open: the banner while there is no choice, else nothing.
    fn resting(&self) -> Open {
        if self.consent.is_none() {
            Open::Banner
        } else {
            Open::Nothing
        }
    }

    /// The layer a closing dialog returns to. The banner only while there is still no choice.
    fn reopen(&self, back: Back) -> Open {
        match back {
            Back::Nothing => Open::Nothing,
            Back::Banner => self.resting(),
            Back::Preferences => Open::Preferences,
        }
    }

    /// The coming version announced now whose notice this browser has not seen yet.
    fn unseen_notice(&self) -> Option<String> {
        let n = policy::notice(&self.config, self.now)?;
        let version = n.next.version.as_str();
        (self.notice_seen.as_deref() != Some(version)).then(|| version.to_owned())
    }

    /// The notice of the coming change was seen: it is not shown again in this browser.
    fn see_notice(&mut self, fx: &mut Vec<Effect>) {
        self.policy_notice = false;
        if let Some(version) = self.unseen_notice() {
            self.notice_seen = Some(version.clone());
            fx.push(Effect::RememberNotice(version));
        }
    }

    fn context(&self, ctx: &Ctx) -> Context {
        Context { now: ctx.secs(), lang: self.lang, gpc: self.gpc, new_id: ctx.new_id }
    }

    fn draft_choice(&self) -> Choice {
        Choice::Custom(self.draft.clone())
    }

    /// The decisions in force, as picks to change one of (none before a choice: all refused).
    fn current_picks(&self) -> Vec<Decision> {
        self.consent.as_ref().map_or(Vec::new(), |c| c.decisions.clone())
    }

    /// Is this service of this category currently granted?
    pub fn service_granted(&self, category: &str, service: &str) -> bool {
        self.consent.as_ref().is_some_and(|c| c.service_granted(category, service))
    }

    fn open_preferences(&mut self, fx: &mut Vec<Effect>) {
        // The switches start at the current choice, or all optional categories off (nothing is pre-ticked).
        self.draft = self
            .config
            .categories
            .iter()
            .map(|c| Decision {
                category: c.id.clone(),
                granted: c.necessary || self.granted(c.id.as_str()),
                services: c
                    .services
                    .iter()
                    .map(|x| ServiceDecision {
                        service: x.id.clone(),
                        granted: c.necessary || self.service_granted(c.id.as_str(), x.id.as_str()),
                    })
                    .collect(),
            })
            .collect();
        self.open = Open::Preferences;
        match (&self.consent, self.synced) {
            (Some(c), true) => {
                self.history = History::Loading(c.id);
                fx.push(Effect::FetchHistory(c.id));
            }
            _ => self.history = History::Unasked,
        }
    }

    /// A visitor's decision becomes a record, unless it is the choice already in force: then nothing happens but
    /// the dialogs closing (no record, no event).
    fn decide(&mut self, choice: &Choice, action: ConsentAction, ctx: &Ctx, fx: &mut Vec<Effect>) {
        let record = Consent::decide(&self.config, choice, self.consent.as_ref(), self.context(ctx));
        if matches!(self.open, Open::Banner | Open::Preferences) {
            // The first layer and the preferences show the coming change: answering them is having seen it.
            self.see_notice(fx);
        }
        self.asked_again = false;
        self.open = match std::mem::replace(&mut self.open, Open::Nothing) {
            // A choice closes the banner and the preferences; a dialog the visitor is reading stays, with nothing
            // under it any more.
            Open::Policy { section, .. } => Open::Policy { section, back: Back::Nothing },
            Open::Require { request, .. } => Open::Require { request, back: Back::Nothing },
            _ => Open::Nothing,
        };
        self.notices.retain(|n| *n != Notice::LoginAfterRefusal);
        if self.consent.as_ref().is_some_and(|c| same_decision(c, &record)) {
            return;
        }
        // The policy's warning, at the moment it matters: right after "reject all" refused what login needs.
        let refuses_login = self.config.login_categories.iter().any(|id| !record.granted(id.as_str()));
        if refuses_login && action == ConsentAction::RejectAll {
            self.notices.push(Notice::LoginAfterRefusal);
        }
        let previous = self.consent.replace(record.clone());
        fx.push(Effect::Save(record.clone()));
        let revoked: Vec<CategoryId> = record.revoked_since(previous.as_ref()).into_iter().cloned().collect();
        if !revoked.is_empty() {
            fx.push(Effect::DeleteCookies(revoked));
        }
        let revoked_services: Vec<(CategoryId, ServiceId)> =
            consent::revoked_services_since(&record, previous.as_ref())
                .into_iter()
                .map(|(c, x)| (c.clone(), x.clone()))
                .collect();
        if !revoked_services.is_empty() {
            fx.push(Effect::DeleteServiceCookies(revoked_services));
        }
        fx.push(Effect::ActivateScripts);
        if self.consent_mode {
            fx.push(Effect::ConsentModeUpdate(Some(record.clone())));
        }
        if self.synced {
            fx.push(Effect::Post { record: record.clone(), action, client_ms: ctx.now_ms });
        }
        let event = if previous.is_none() { ConsentEvent::First } else { ConsentEvent::Change };
        let changes = Changes::between(&self.config, previous.as_ref(), Some(&record));
        fx.push(Effect::Emit { event, consent: Some(record), changes });
    }

    /// Adds `ids` to what the choice in force accepts. Before any choice the others stay refused (nothing is
    /// pre-ticked), and that is the visitor's choice, recorded like any other.
    fn allow(&mut self, ids: Vec<CategoryId>, ctx: &Ctx, fx: &mut Vec<Effect>) {
        // The other categories, and their services, as they are; these with all their services.
        let mut picks = self.current_picks();
        picks.retain(|d| !ids.contains(&d.category));
        for id in ids {
            let services = self.config.category(id.as_str()).map_or(Vec::new(), |c| {
                c.services.iter().map(|x| ServiceDecision { service: x.id.clone(), granted: true }).collect()
            });
            picks.push(Decision { category: id, granted: true, services });
        }
        self.decide(&Choice::Custom(picks), ConsentAction::AcceptCategory, ctx, fx);
    }

    /// Withdrawal is "reject all" on the previous record (its next seq, optional categories refused, their
    /// cookies gone, necessary ones kept), sent as a `withdraw` event; here the record is forgotten.
    fn withdraw(&mut self, ctx: &Ctx, fx: &mut Vec<Effect>) {
        let Some(previous) = self.consent.take() else {
            self.open = Open::Banner;
            return;
        };
        let record = Consent::decide(&self.config, &Choice::RejectAll, Some(&previous), self.context(ctx));
        self.forget(&previous, fx);
        if self.synced {
            fx.push(Effect::Post { record, action: ConsentAction::Withdraw, client_ms: ctx.now_ms });
            fx.push(Effect::ForgetReceipt);
        }
        let changes = Changes::between(&self.config, Some(&previous), None);
        fx.push(Effect::Emit { event: ConsentEvent::Change, consent: None, changes });
    }

    /// The server erased `id`'s history (or there was none to keep): forget it here, telling nobody.
    fn forget_erased(&mut self, id: ConsentId, fx: &mut Vec<Effect>) {
        if self.consent.as_ref().is_none_or(|c| c.id != id) {
            return;
        }
        let previous = self.consent.take().expect("checked above");
        self.notices.retain(|n| *n != Notice::EraseFailed);
        self.forget(&previous, fx);
        fx.push(Effect::ForgetReceipt);
        let changes = Changes::between(&self.config, Some(&previous), None);
        fx.push(Effect::Emit { event: ConsentEvent::Change, consent: None, changes });
    }

    /// Forgets the record here. Like "reject all", it revokes every optional category the record accepted
    /// (their cookies go; the necessary ones' stay).
    fn forget(&mut self, previous: &Consent, fx: &mut Vec<Effect>) {
        self.consent = None;
        self.history = History::Unasked;
        self.open = Open::Banner;
        fx.push(Effect::Clear);
        let revoked: Vec<CategoryId> = previous
            .accepted()
            .filter(|id| self.config.category(id.as_str()).is_some_and(|c| !c.necessary))
            .cloned()
            .collect();
        if !revoked.is_empty() {
            fx.push(Effect::DeleteCookies(revoked));
        }
        // Iframes the record let load go back behind their placeholders.
        fx.push(Effect::ActivateScripts);
        if self.consent_mode {
            fx.push(Effect::ConsentModeUpdate(None));
        }
    }
}

/// The same decision as the one in force: same switches, under the same revision and policy version.
fn same_decision(a: &Consent, b: &Consent) -> bool {
    a.decisions == b.decisions && a.revision == b.revision && a.policy_version == b.policy_version
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_790_000_000;

    fn boot() -> Boot {
        Boot {
            config: Rc::new(Config::default()),
            lang: Lang::Ko,
            gpc: false,
            stored: None,
            now: T0,
            cookies_blocked: false,
            synced: true,
            consent_mode: false,
            consent_default_sent: false,
            consent_update_sent: false,
            notice_seen: None,
        }
    }

    fn ctx() -> Ctx {
        Ctx { now_ms: (T0 as i64 + 100) * 1000 + 7, new_id: ConsentId::from_random([3; 16]) }
    }

    fn id(s: &str) -> CategoryId {
        CategoryId::parse(s).unwrap()
    }

    fn start() -> State {
        init(&boot()).0
    }

    /// Runs the actions in turn; the effects of the last one.
    fn run(state: State, actions: Vec<Action>) -> (State, Vec<Effect>) {
        actions.into_iter().fold((state, vec![]), |(s, _), a| update(&s, a, &ctx()))
    }

    fn decide(choice: Choice, action: ConsentAction) -> Action {
        Action::Decide { choice, action }
    }

    fn accepted(s: &State) -> Vec<&str> {
        s.consent.iter().flat_map(|c| c.accepted().map(|i| i.as_str())).collect()
    }

    fn posts(fx: &[Effect]) -> Vec<(&Consent, ConsentAction, i64)> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Post { record, action, client_ms } => Some((record, *action, *client_ms)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_first_visit_shows_the_banner_and_starts_nothing() {
        let (s, fx) = init(&boot());
        assert_eq!(s.open, Open::Banner);
        assert!(s.consent.is_none());
        assert!(fx.is_empty(), "{fx:?}");
    }

    #[test]
    fn consent_mode_sends_its_default_first_and_a_stored_choice_its_update_and_scripts() {
        let mut b = boot();
        b.consent_mode = true;
        assert_eq!(init(&b).1, [Effect::ConsentModeDefault]);
        let (s, _) = run(start(), vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        b.stored = s.consent.clone();
        let (s, fx) = init(&b);
        assert_eq!(s.open, Open::Nothing);
        assert_eq!(
            fx,
            [Effect::ConsentModeDefault, Effect::ConsentModeUpdate(s.consent.clone()), Effect::ActivateScripts]
        );
    }

    #[test]
    fn a_default_the_loader_sent_is_not_sent_again_but_the_update_is() {
        let (s, _) = run(start(), vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        let mut b = boot();
        b.consent_mode = true;
        b.consent_default_sent = true;
        assert_eq!(init(&b).1, []);
        b.stored = s.consent.clone();
        assert_eq!(init(&b).1, [Effect::ConsentModeUpdate(s.consent.clone()), Effect::ActivateScripts]);
        // The loader read the stored choice and sent its update too: the scripts are still the app's to take.
        b.consent_update_sent = true;
        assert_eq!(init(&b).1, [Effect::ActivateScripts]);
    }

    #[test]
    fn a_stored_choice_that_no_longer_stands_counts_as_none() {
        let (s, _) = run(start(), vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        let mut b = boot();
        b.stored = s.consent;
        b.config = Rc::new(Config { revision: 9, ..Config::default() });
        let (s, fx) = init(&b);
        assert_eq!(s.open, Open::Banner);
        assert!(s.consent.is_none() && fx.is_empty());
    }

    #[test]
    fn rejecting_all_stores_posts_emits_and_warns_about_login() {
        let (s, fx) = run(start(), vec![decide(Choice::RejectAll, ConsentAction::RejectAll)]);
        let record = s.consent.clone().unwrap();
        assert_eq!(accepted(&s), ["necessary"]);
        assert_eq!(s.open, Open::Nothing);
        assert_eq!(s.notices, [Notice::LoginAfterRefusal]);
        assert_eq!(
            fx,
            [
                Effect::Save(record.clone()),
                Effect::ActivateScripts,
                Effect::Post { record: record.clone(), action: ConsentAction::RejectAll, client_ms: ctx().now_ms },
                Effect::Emit { event: ConsentEvent::First, consent: Some(record.clone()), changes: Changes::default() },
            ]
        );
        assert_eq!((record.id, record.seq, record.updated_at), (ctx().new_id, 1, T0 + 100));
    }

    #[test]
    fn without_a_server_nothing_is_posted() {
        let mut b = boot();
        b.synced = false;
        let (_, fx) = run(init(&b).0, vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        assert!(posts(&fx).is_empty());
        assert!(fx.iter().any(|e| matches!(e, Effect::Emit { event: ConsentEvent::First, .. })));
    }

    #[test]
    fn a_change_revokes_cookies_and_fires_a_change() {
        let (s, fx) = run(
            start(),
            vec![
                decide(Choice::AcceptAll, ConsentAction::AcceptAll),
                decide(Choice::RejectAll, ConsentAction::RejectAll),
            ],
        );
        assert_eq!(s.consent.as_ref().unwrap().seq, 2);
        assert!(fx.contains(&Effect::DeleteCookies(vec![id("functional"), id("analytics"), id("marketing")])));
        assert!(fx.iter().any(|e| matches!(e, Effect::Emit { event: ConsentEvent::Change, .. })));
    }

    #[test]
    fn the_decision_already_in_force_changes_nothing() {
        let (s, _) = run(start(), vec![decide(Choice::Only(vec![id("analytics")]), ConsentAction::Custom)]);
        let before = s.consent.clone();
        // The same switches again, from the API and from the dialog.
        let (s, fx) = update(&s, decide(Choice::Only(vec![id("analytics")]), ConsentAction::Custom), &ctx());
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(s.consent, before);
        let (s, _) = update(&s, Action::OpenPreferences, &ctx());
        let (s, fx) = update(&s, Action::SaveSelection, &ctx());
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(s.open, Open::Nothing, "the dialog still closes");
    }

    #[test]
    fn the_draft_starts_unticked_and_saves_what_was_toggled() {
        let (s, fx) = run(
            start(),
            vec![
                Action::OpenPreferences,
                Action::Toggle(id("analytics")),
                Action::Toggle(id("necessary")),
                Action::SaveSelection,
            ],
        );
        assert_eq!(accepted(&s), ["necessary", "analytics"], "necessary is locked on");
        assert_eq!(s.open, Open::Nothing);
        assert_eq!(posts(&fx)[0].1, ConsentAction::Custom);
    }

    #[test]
    fn saving_the_selection_with_the_dialog_closed_accepts_necessary_only() {
        let (s, fx) = run(start(), vec![Action::SaveSelection]);
        assert_eq!(accepted(&s), ["necessary"]);
        assert!(s.notices.is_empty(), "not a reject-all click: no login notice");
        assert_eq!(posts(&fx)[0].1, ConsentAction::Custom);
    }

    #[test]
    fn the_selection_is_saved_from_the_policy_opened_over_the_preferences() {
        let (s, _) = run(
            start(),
            vec![
                Action::OpenPreferences,
                Action::Toggle(id("marketing")),
                Action::OpenPolicy(None),
                Action::SaveSelection,
            ],
        );
        assert_eq!(accepted(&s), ["necessary", "marketing"]);
    }

    #[test]
    fn withdrawing_sends_reject_all_on_the_previous_record_and_forgets_it() {
        let mut b = boot();
        b.consent_mode = true;
        let (s, fx) = run(init(&b).0, vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll), Action::Withdraw]);
        assert!(s.consent.is_none());
        assert_eq!(s.open, Open::Banner);
        let sent = posts(&fx);
        assert_eq!(sent.len(), 1);
        let (record, action, client_ms) = sent[0];
        assert_eq!(action, ConsentAction::Withdraw);
        assert_eq!((record.id, record.seq, client_ms), (ctx().new_id, 2, ctx().now_ms));
        let granted: Vec<_> = record.accepted().map(|i| i.as_str()).collect();
        assert_eq!(granted, ["necessary"], "the withdrawal refuses every optional category");
        assert_eq!(fx[0], Effect::Clear);
        assert!(fx.contains(&Effect::DeleteCookies(vec![id("functional"), id("analytics"), id("marketing")])));
        assert!(fx.contains(&Effect::ConsentModeUpdate(None)));
        assert!(fx.contains(&Effect::ForgetReceipt));
        assert!(matches!(fx.last(), Some(Effect::Emit { event: ConsentEvent::Change, consent: None, .. })));
        // Withdrawing again has nothing to withdraw.
        let (_, fx) = update(&s, Action::Withdraw, &ctx());
        assert!(fx.is_empty());
    }

    #[test]
    fn erasing_asks_the_server_and_forgets_only_once_it_confirms() {
        let (s, _) = run(start(), vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        let cid = s.consent.as_ref().unwrap().id;
        let (s, fx) = update(&s, Action::Erase, &ctx());
        assert_eq!(fx, [Effect::Erase(cid)]);
        assert!(s.consent.is_some(), "kept until the server confirms");
        let (failed, _) = update(&s, Action::EraseFailed(cid), &ctx());
        assert_eq!(failed.notices, [Notice::EraseFailed]);
        let (s, fx) = update(&failed, Action::Erased(cid), &ctx());
        assert!(s.consent.is_none() && s.notices.is_empty());
        assert!(posts(&fx).is_empty(), "nothing is sent after an erasure");
        assert!(fx.contains(&Effect::Clear) && fx.contains(&Effect::ForgetReceipt));
        // A late confirmation for another id changes nothing.
        let (_, fx) = update(&s, Action::Erased(ConsentId::from_random([1; 16])), &ctx());
        assert!(fx.is_empty());
    }

    #[test]
    fn without_a_server_erasing_is_forgetting() {
        let mut b = boot();
        b.synced = false;
        let (s, fx) = run(init(&b).0, vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll), Action::Erase]);
        assert!(s.consent.is_none());
        assert!(fx.contains(&Effect::Clear));
    }

    #[test]
    fn the_history_is_fetched_by_the_runtime_and_a_stale_answer_is_dropped() {
        let (s, _) = run(start(), vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        let cid = s.consent.as_ref().unwrap().id;
        let (s, fx) = update(&s, Action::OpenPreferences, &ctx());
        assert_eq!(fx, [Effect::FetchHistory(cid)]);
        assert_eq!(s.history, History::Loading(cid));
        let other = ConsentId::from_random([1; 16]);
        let (s, _) = update(&s, Action::HistoryLoaded { id: other, entries: Some(vec![]) }, &ctx());
        assert_eq!(s.history, History::Loading(cid));
        let (s, _) = update(&s, Action::HistoryLoaded { id: cid, entries: None }, &ctx());
        assert_eq!(s.history, History::Unavailable(cid));
    }

    #[test]
    fn one_layer_at_a_time_and_each_dialog_goes_back_where_it_came_from() {
        let (s, _) = run(start(), vec![Action::OpenPreferences]);
        assert_eq!(s.open, Open::Preferences);
        let (s, _) = update(&s, Action::OpenPolicy(Some("items".into())), &ctx());
        assert_eq!(s.open, Open::Policy { section: Some("items".into()), back: Back::Preferences });
        let (s, _) = update(&s, Action::ClosePolicy, &ctx());
        assert_eq!(s.open, Open::Preferences);
        let (s, _) = update(&s, Action::ClosePreferences, &ctx());
        assert_eq!(s.open, Open::Banner, "no choice yet: the banner asks again");
        let (s, _) = update(&s, Action::Hide, &ctx());
        assert_eq!(s.open, Open::Nothing);
        let (s, _) = update(&s, Action::ShowBanner, &ctx());
        let (s, _) = update(&s, Action::Dismiss(Notice::CookiesBlocked), &ctx());
        assert_eq!(s.open, Open::Banner);
    }

    #[test]
    fn a_choice_made_while_the_policy_is_read_keeps_the_policy_open_over_nothing() {
        let (s, _) = run(start(), vec![Action::OpenPolicy(None), decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        assert_eq!(s.open, Open::Policy { section: None, back: Back::Nothing });
        let (s, _) = update(&s, Action::ClosePolicy, &ctx());
        assert_eq!(s.open, Open::Nothing, "the banner does not come back after a choice");
    }

    #[test]
    fn a_toggle_of_a_necessary_or_unknown_category_does_nothing() {
        let (s, _) = run(start(), vec![Action::OpenPreferences]);
        let (t, _) = update(&s, Action::Toggle(id("necessary")), &ctx());
        let (u, _) = update(&t, Action::Toggle(id("nosuch")), &ctx());
        assert_eq!(u.draft, s.draft);
    }

    #[test]
    fn allowing_login_adds_only_that_category_and_answers_the_waiter() {
        let (s, _) = run(start(), vec![decide(Choice::Only(vec![id("analytics")]), ConsentAction::Custom)]);
        let request = LoginRequest { id: 7, category: id("functional") };
        let (s, fx) = update(&s, Action::AskLogin(request.clone()), &ctx());
        assert!(fx.is_empty());
        assert_eq!(s.open, Open::Require { request, back: Back::Nothing });
        let (s, fx) = update(&s, Action::AnswerLogin { allow: true }, &ctx());
        assert_eq!(accepted(&s), ["necessary", "functional", "analytics"]);
        assert_eq!(s.consent.as_ref().unwrap().seq, 2);
        assert_eq!(posts(&fx)[0].1, ConsentAction::AcceptCategory);
        assert_eq!(fx.last(), Some(&Effect::Answer { request: 7, allowed: true }));
        assert_eq!(s.open, Open::Nothing);
    }

    #[test]
    fn always_allow_adds_its_categories_to_the_choice_in_force_and_records_it() {
        let (s, _) = run(start(), vec![decide(Choice::Only(vec![id("analytics")]), ConsentAction::Custom)]);
        let (s, fx) = update(&s, Action::Allow(vec![id("functional")]), &ctx());
        assert_eq!(accepted(&s), ["necessary", "functional", "analytics"], "analytics stays accepted");
        let record = s.consent.clone().unwrap();
        assert_eq!(record.seq, 2);
        assert_eq!(
            fx,
            [
                Effect::Save(record.clone()),
                Effect::ActivateScripts,
                Effect::Post { record: record.clone(), action: ConsentAction::AcceptCategory, client_ms: ctx().now_ms },
                Effect::Emit {
                    event: ConsentEvent::Change,
                    consent: Some(record),
                    changes: Changes { categories: vec![id("functional")], services: vec![] },
                },
            ]
        );
        // Allowed again (a second placeholder of the same category): the choice in force, nothing recorded.
        let (t, fx) = update(&s, Action::Allow(vec![id("functional")]), &ctx());
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(t.consent, s.consent);
    }

    #[test]
    fn always_allow_before_any_choice_is_a_first_choice_that_refuses_the_rest() {
        let (s, fx) = run(start(), vec![Action::Allow(vec![id("functional"), id("marketing")])]);
        assert_eq!(accepted(&s), ["necessary", "functional", "marketing"]);
        assert_eq!(s.open, Open::Nothing, "a choice was made: the banner goes");
        assert_eq!(posts(&fx)[0].1, ConsentAction::AcceptCategory);
        assert!(fx.iter().any(|e| matches!(e, Effect::Emit { event: ConsentEvent::First, .. })));
    }

    #[test]
    fn withdrawing_and_erasing_bring_the_blocked_elements_in_line() {
        let (_, fx) = run(start(), vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll), Action::Withdraw]);
        assert!(fx.contains(&Effect::ActivateScripts), "iframes loaded by consent go back behind placeholders");
        let mut b = boot();
        b.synced = false;
        let (_, fx) = run(init(&b).0, vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll), Action::Erase]);
        assert!(fx.contains(&Effect::ActivateScripts));
    }

    #[test]
    fn refusing_a_requested_category_before_any_choice_records_the_refusal() {
        let (s, fx) = run(
            start(),
            vec![
                Action::AskLogin(LoginRequest { id: 1, category: id("analytics") }),
                Action::AskLogin(LoginRequest { id: 2, category: id("analytics") }),
            ],
        );
        assert_eq!(fx, [Effect::Answer { request: 1, allowed: false }], "the first request is answered no");
        let (s, fx) = update(&s, Action::AnswerLogin { allow: false }, &ctx());
        assert_eq!(accepted(&s), ["necessary"]);
        assert_eq!(posts(&fx)[0].1, ConsentAction::Custom);
        assert_eq!(fx.last(), Some(&Effect::Answer { request: 2, allowed: false }));
        assert_eq!(s.open, Open::Nothing);
    }

    #[test]
    fn refusing_a_requested_category_after_a_choice_keeps_that_choice() {
        let (s, _) = run(
            start(),
            vec![
                decide(Choice::Only(vec![id("marketing")]), ConsentAction::Custom),
                Action::AskLogin(LoginRequest { id: 1, category: id("functional") }),
            ],
        );
        let before = s.consent.clone();
        let (s, fx) = update(&s, Action::AnswerLogin { allow: false }, &ctx());
        assert_eq!(fx, [Effect::Answer { request: 1, allowed: false }]);
        assert_eq!((s.consent, s.open), (before, Open::Nothing));
    }

    #[test]
    fn a_policy_given_by_url_is_fetched_once_when_the_viewer_first_opens() {
        let mut b = boot();
        b.config = Rc::new(Config {
            policy_url: Some("/acme-policy.json".into()),
            builtin_policy: false,
            ..Config::default()
        });
        let (s, fx) = run(init(&b).0, vec![Action::OpenPolicy(None)]);
        assert_eq!(fx, [Effect::FetchPolicy(Some("/acme-policy.json".into()))]);
        assert_eq!(s.fetched_policy, FetchedPolicy::Loading);
        let (s, _) = update(&s, Action::PolicyFetched(Err(None)), &ctx());
        assert_eq!(s.fetched_policy, FetchedPolicy::Failed(None));
        let (s, fx) = run(s, vec![Action::ClosePolicy, Action::OpenPolicy(None)]);
        assert_eq!(fx.len(), 1, "a failure is tried again");
        let (s, _) = update(&s, Action::PolicyFetched(Ok(Rc::new(example_policy()))), &ctx());
        let (_, fx) = run(s, vec![Action::ClosePolicy, Action::OpenPolicy(None)]);
        assert!(fx.is_empty(), "fetched once");
    }

    #[test]
    fn kukis_own_policy_is_fetched_only_when_the_viewer_opens_and_a_retry_stays_in_the_viewer() {
        let (s, fx) = init(&boot());
        assert!(!fx.iter().any(|f| matches!(f, Effect::FetchPolicy(_))), "not at start");
        let (s, fx) = run(s, vec![Action::OpenPreferences, Action::OpenPolicy(Some("items".into()))]);
        assert_eq!(fx, [Effect::FetchPolicy(None)]);
        let (s, fx) = update(&s, Action::OpenPolicy(Some("items".into())), &ctx());
        assert!(fx.is_empty(), "one request at a time");
        let page = Some("https://kuki.example/privacy".to_owned());
        let (s, _) = update(&s, Action::PolicyFetched(Err(page.clone())), &ctx());
        assert_eq!(s.fetched_policy, FetchedPolicy::Failed(page));
        // The viewer's retry button.
        let (s, fx) = update(&s, Action::OpenPolicy(Some("items".into())), &ctx());
        assert_eq!(fx, [Effect::FetchPolicy(None)]);
        assert_eq!(s.open, Open::Policy { section: Some("items".into()), back: Back::Preferences });
        let (s, _) = update(&s, Action::ClosePolicy, &ctx());
        assert_eq!(s.open, Open::Preferences);
    }

    fn example_policy() -> SitePolicy {
        let raw = kuki_core::policy::RawSitePolicy::from_value(
            &kuki_core::value::from_json(
                r#"{"en":{"title":"P","version":"v1","effectiveDate":"2026-01-01","sections":[{"id":"a","heading":"A","blocks":[{"paragraph":"x"}]}]}}"#,
            ),
            "",
        )
        .unwrap();
        SitePolicy::parse(raw).unwrap()
    }

    #[test]
    fn dismissing_a_request_answers_no_and_records_nothing() {
        let (s, fx) =
            run(start(), vec![Action::AskLogin(LoginRequest { id: 4, category: id("ads") }), Action::CancelRequest]);
        assert_eq!(fx, [Effect::Answer { request: 4, allowed: false }]);
        assert!(s.consent.is_none());
        assert_eq!(s.open, Open::Banner);
    }

    #[test]
    fn switching_language_tells_the_island_once() {
        let (s, fx) = update(&start(), Action::SetLanguage(Lang::En), &ctx());
        assert_eq!((s.lang, fx), (Lang::En, vec![Effect::Language(Lang::En)]));
        let (_, fx) = update(&s, Action::SetLanguage(Lang::En), &ctx());
        assert!(fx.is_empty());
    }

    #[test]
    fn a_login_request_for_a_granted_category_is_answered_at_once() {
        let (s, fx) = run(
            start(),
            vec![
                decide(Choice::AcceptAll, ConsentAction::AcceptAll),
                Action::AskLogin(LoginRequest { id: 1, category: id("functional") }),
            ],
        );
        assert_eq!(fx, [Effect::Answer { request: 1, allowed: true }]);
        assert_eq!(s.open, Open::Nothing);
    }

    const DAY: u64 = 86_400;

    /// A config announcing v2 for 2026-10-01 (material or not), with v2's own text; tests move the clock.
    fn announcing(material: bool) -> Rc<Config> {
        let json = format!(
            r#"{{"policyVersion":"v1","nextPolicy":{{"version":"v2","effectiveDate":"2026-10-01","material":{material},
            "summary":"Longer keeping","policy":{{"en":{{"title":"New","version":"v2","effectiveDate":"2026-10-01",
            "sections":[{{"id":"a","heading":"A","blocks":[{{"paragraph":"the new text"}}]}}]}}}}}}}}"#
        );
        Rc::new(Config::from_value(&kuki_core::value::from_json(&json)).unwrap())
    }

    /// A visitor who chose under v1, returning at `now` with `seen` remembered.
    fn returning(config: Rc<Config>, now: u64, seen: Option<&str>) -> State {
        let mut b = boot();
        b.config = config.clone();
        let (s, _) = run(init(&b).0, vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        b.stored = s.consent;
        b.now = now;
        b.notice_seen = seen.map(str::to_owned);
        init(&b).0
    }

    #[test]
    fn a_returning_visitor_sees_the_coming_change_once_and_dismissing_it_is_remembered() {
        let effective = kuki_core::config::parse_date("2026-10-01").unwrap();
        let config = announcing(false);
        let s = returning(config.clone(), effective - 3 * DAY, None);
        assert!(s.consent.is_some() && s.open == Open::Nothing);
        assert!(s.policy_notice, "inside the 7-day window");
        let (s, fx) = update(&s, Action::DismissPolicyNotice, &ctx());
        assert!(!s.policy_notice);
        assert_eq!(fx, [Effect::RememberNotice("v2".into())]);
        let (_, fx) = update(&s, Action::DismissPolicyNotice, &ctx());
        assert!(fx.is_empty(), "remembered once");
        // The next page, with the dismissal remembered: no notice.
        assert!(!returning(config.clone(), effective - 2 * DAY, Some("v2")).policy_notice);
        // A dismissal of another version does not silence this one.
        assert!(returning(config.clone(), effective - 2 * DAY, Some("v1")).policy_notice);
        // Outside the window, before or after: none.
        assert!(!returning(config.clone(), effective - 8 * DAY, None).policy_notice);
        assert!(!returning(announcing(true), effective - 31 * DAY, None).policy_notice);
        assert!(returning(announcing(true), effective - 29 * DAY, None).policy_notice, "30 days when material");
    }

    #[test]
    fn reading_the_new_policy_opens_its_own_text_and_counts_as_seen() {
        let effective = kuki_core::config::parse_date("2026-10-01").unwrap();
        let s = returning(announcing(false), effective - DAY, None);
        let (s, fx) = update(&s, Action::ReadNextPolicy, &ctx());
        assert_eq!(fx, [Effect::RememberNotice("v2".into())]);
        assert!(s.reading_next && !s.policy_notice);
        assert_eq!(s.open, Open::Policy { section: None, back: Back::Nothing });
        let (s, _) = update(&s, Action::ClosePolicy, &ctx());
        let (s, _) = update(&s, Action::OpenPolicy(None), &ctx());
        assert!(!s.reading_next, "the policy link shows the text in force");
    }

    #[test]
    fn answering_the_banner_that_showed_the_coming_change_counts_as_seen() {
        let effective = kuki_core::config::parse_date("2026-10-01").unwrap();
        let mut b = boot();
        b.config = announcing(false);
        b.now = effective - DAY;
        let (s, _) = init(&b);
        assert!(!s.policy_notice, "a first visit sees it in the banner, not as a separate notice");
        let (s, fx) = update(&s, decide(Choice::RejectAll, ConsentAction::RejectAll), &ctx());
        assert_eq!(fx[0], Effect::RememberNotice("v2".into()));
        assert_eq!(s.notice_seen.as_deref(), Some("v2"));
    }

    #[test]
    fn after_a_material_change_the_banner_asks_again_and_says_why() {
        let effective = kuki_core::config::parse_date("2026-10-01").unwrap();
        let s = returning(announcing(true), effective + DAY, Some("v2"));
        assert!(s.consent.is_none() && s.open == Open::Banner);
        assert!(s.asked_again && !s.policy_notice);
        let (s, _) = update(&s, decide(Choice::AcceptAll, ConsentAction::AcceptAll), &ctx());
        assert!(!s.asked_again, "answered");
        // An ordinary change does not ask again.
        let s = returning(announcing(false), effective + DAY, None);
        assert!(s.consent.is_some() && !s.asked_again && s.open == Open::Nothing);
        // A first visit is not "asked again".
        assert!(!start().asked_again);
    }

    #[test]
    fn the_cookies_blocked_notice_shows_from_the_start_and_can_be_dismissed() {
        let mut b = boot();
        b.cookies_blocked = true;
        let (s, _) = init(&b);
        assert_eq!(s.notices, [Notice::CookiesBlocked]);
        let (s, _) = update(&s, Action::Dismiss(Notice::CookiesBlocked), &ctx());
        assert!(s.notices.is_empty());
    }

    fn with_services() -> State {
        let json = r#"{"categories":[{"id":"necessary","services":[{"id":"csrf"}]},{"id":"analytics",
            "services":[{"id":"ga"},{"id":"hotjar"}]},{"id":"marketing"}]}"#;
        let mut b = boot();
        b.config = Rc::new(Config::from_value(&kuki_core::value::from_json(json)).unwrap());
        init(&b).0
    }

    fn sid(s: &str) -> ServiceId {
        ServiceId::parse(s).unwrap()
    }

    fn services_of(s: &State, category: &str) -> Vec<(String, bool)> {
        let d = s.consent.as_ref().unwrap().decision(category).unwrap();
        d.services.iter().map(|x| (x.service.to_string(), x.granted)).collect()
    }

    #[test]
    fn services_are_switched_one_by_one_and_the_category_follows_them() {
        let (s, _) =
            run(with_services(), vec![Action::OpenPreferences, Action::ToggleService(id("analytics"), sid("hotjar"))]);
        let d = s.draft.iter().find(|d| d.category == id("analytics")).unwrap();
        assert!(d.granted, "a category with one service on is on");
        let (s, fx) = update(&s, Action::SaveSelection, &ctx());
        assert_eq!(accepted(&s), ["necessary", "analytics"]);
        assert_eq!(services_of(&s, "analytics"), [("ga".into(), false), ("hotjar".into(), true)]);
        assert_eq!(services_of(&s, "necessary"), [("csrf".into(), true)], "a necessary category's services are on");
        assert_eq!(posts(&fx)[0].1, ConsentAction::Custom);
        // The last service off turns the category off; its cookies go.
        let (s, _) = run(s, vec![Action::OpenPreferences, Action::ToggleService(id("analytics"), sid("hotjar"))]);
        assert!(!s.draft.iter().find(|d| d.category == id("analytics")).unwrap().granted);
        let (s, fx) = update(&s, Action::SaveSelection, &ctx());
        assert_eq!(accepted(&s), ["necessary"]);
        assert!(fx.contains(&Effect::DeleteCookies(vec![id("analytics")])));
        let changes = fx.iter().find_map(|e| match e {
            Effect::Emit { changes, .. } => Some(changes.clone()),
            _ => None,
        });
        assert_eq!(
            changes.unwrap(),
            Changes { categories: vec![id("analytics")], services: vec![(id("analytics"), vec![sid("hotjar")])] }
        );
    }

    #[test]
    fn a_category_switch_turns_all_its_services_on_and_off() {
        let (s, _) = run(with_services(), vec![Action::OpenPreferences, Action::Toggle(id("analytics"))]);
        let d = s.draft.iter().find(|d| d.category == id("analytics")).unwrap();
        assert!(d.granted && d.services.iter().all(|x| x.granted));
        let (s, _) = run(s, vec![Action::ToggleService(id("analytics"), sid("ga")), Action::Toggle(id("analytics"))]);
        let d = s.draft.iter().find(|d| d.category == id("analytics")).unwrap();
        assert!(!d.granted && d.services.iter().all(|x| !x.granted), "one on: the category switch turns all off");
        let (s, _) = update(&s, Action::ToggleService(id("necessary"), sid("csrf")), &ctx());
        assert!(s.draft[0].services[0].granted, "a necessary category's services are locked on");
    }

    #[test]
    fn accept_services_sets_exactly_those_and_keeps_the_other_categories() {
        let (s, _) = run(with_services(), vec![decide(Choice::Only(vec![id("marketing")]), ConsentAction::Custom)]);
        let accept = |list: &[&str]| Action::AcceptServices {
            category: id("analytics"),
            services: list.iter().map(|x| sid(x)).collect(),
        };
        let (s, fx) = update(&s, accept(&["ga", "hotjar"]), &ctx());
        assert_eq!(accepted(&s), ["necessary", "analytics", "marketing"]);
        assert!(posts(&fx).len() == 1);
        let (s, fx) = update(&s, accept(&["hotjar"]), &ctx());
        assert_eq!(services_of(&s, "analytics"), [("ga".into(), false), ("hotjar".into(), true)]);
        assert!(fx.contains(&Effect::DeleteServiceCookies(vec![(id("analytics"), sid("ga"))])), "{fx:?}");
        let (s, _) = update(&s, accept(&[]), &ctx());
        assert_eq!(accepted(&s), ["necessary", "marketing"]);
        let (_, fx) = update(&s, accept(&[]), &ctx());
        assert!(fx.is_empty(), "the choice in force changes nothing");
    }

    #[test]
    fn accept_all_accepts_every_service_and_a_stored_choice_with_services_stands() {
        let (s, _) = run(with_services(), vec![decide(Choice::AcceptAll, ConsentAction::AcceptAll)]);
        assert_eq!(services_of(&s, "analytics"), [("ga".into(), true), ("hotjar".into(), true)]);
        let stored = kuki_core::cookie::decode(&kuki_core::cookie::encode(s.consent.as_ref().unwrap())).unwrap();
        let mut b = boot();
        b.config = s.config.clone();
        b.stored = Some(kuki_core::cookie::in_config_order(stored, &s.config));
        assert_eq!(init(&b).0.open, Open::Nothing);
        // A new service asks again.
        let mut grown = (*s.config).clone();
        grown.categories[1].services.pop();
        b.config = Rc::new(grown);
        assert_eq!(init(&b).0.open, Open::Banner);
    }
}

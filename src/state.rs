//! The app's state and the one reducer that changes it. Plain data: no browser calls here, so the rules are
//! tested natively and the same components can render on a server.
//!
//! Every change to consent is an [`Action`]. The reducer never performs side effects; it records what was
//! decided as a [`Commit`] and bumps `commit_no`, and the one effect in `app.rs` carries the commit out
//! (storage, scripts, cookies, events, Consent Mode, sync).

use kuki_core::consent::{self, Choice, Consent, Context, Decision, Status};
use kuki_core::wire::ConsentAction;
use kuki_core::{CategoryId, Config, Lang};
use std::rc::Rc;
use yew::Reducible;

/// Everything the app starts from, gathered by `api::run` before mounting.
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
}

/// A consent change the effect is to carry out.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    /// `None` when consent was withdrawn.
    pub consent: Option<Consent>,
    pub previous: Option<Consent>,
    pub action: ConsentAction,
    /// The first choice on this page's record (`kuki:consent`) rather than a later change (`kuki:change`).
    pub first: bool,
    /// The server already erased this history: nothing is to be sent for it.
    pub erased: bool,
}

/// A notice shown in the island, dismissible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// "Reject all" (or a save) refused a category that login needs.
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

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub config: Rc<Config>,
    pub lang: Lang,
    pub gpc: bool,
    /// Unix seconds when the page started: the clock for the policy notice window.
    pub now: u64,
    pub synced: bool,
    pub consent: Option<Consent>,
    pub banner_open: bool,
    pub prefs_open: bool,
    /// The policy viewer, open at an optional section id.
    pub policy: Option<Option<String>>,
    /// The preferences dialog's switches, before Save.
    pub draft: Vec<Decision>,
    pub notices: Vec<Notice>,
    pub login: Option<LoginRequest>,
    /// The last login request answered: (request id, allowed).
    pub login_answer: Option<(u32, bool)>,
    pub commit: Option<Rc<Commit>>,
    pub commit_no: u32,
}

pub enum Action {
    Decide {
        choice: Choice,
        action: ConsentAction,
        ctx: Context,
    },
    /// Back to no choice: optional categories refused, the record forgotten, the banner shown again.
    Withdraw,
    /// The server erased this visitor's history: forget the choice here too, without telling the server again.
    Erased,
    EraseFailed,
    ShowBanner,
    Hide,
    OpenPreferences,
    ClosePreferences,
    Toggle(CategoryId),
    SaveDraft(Context),
    OpenPolicy(Option<String>),
    ClosePolicy,
    Dismiss(Notice),
    AskLogin(LoginRequest),
    AnswerLogin {
        allow: bool,
        ctx: Context,
    },
}

impl State {
    pub fn new(boot: &Boot) -> State {
        let status = consent::status(boot.stored.as_ref(), &boot.config, boot.now);
        // A stored record that no longer stands (stale, expired, changed policy) counts as no choice: the renewed
        // choice starts a new record with a new id.
        let mut notices = Vec::new();
        if boot.cookies_blocked {
            notices.push(Notice::CookiesBlocked);
        }
        State {
            config: boot.config.clone(),
            lang: boot.lang,
            gpc: boot.gpc,
            now: boot.now,
            synced: boot.synced,
            consent: boot.stored.clone().filter(|_| status == Status::Valid),
            banner_open: status.asks(),
            prefs_open: false,
            policy: None,
            draft: Vec::new(),
            notices,
            login: None,
            login_answer: None,
            commit: None,
            commit_no: 0,
        }
    }

    /// Is this category currently granted?
    pub fn granted(&self, id: &str) -> bool {
        self.consent.as_ref().is_some_and(|c| c.granted(id))
    }

    /// The switches as they start when the dialog opens: the current choice, or all optional categories off
    /// (nothing is pre-ticked; with Global Privacy Control, marketing is off in any case).
    fn initial_draft(&self) -> Vec<Decision> {
        self.config
            .categories
            .iter()
            .map(|c| Decision { category: c.id.clone(), granted: c.necessary || self.granted(c.id.as_str()) })
            .collect()
    }

    fn commit(&mut self, consent: Option<Consent>, action: ConsentAction) {
        self.commit_as(consent, action, false);
    }

    fn commit_as(&mut self, consent: Option<Consent>, action: ConsentAction, erased: bool) {
        let previous = self.consent.take();
        let first = previous.is_none() && consent.is_some();
        // The policy's warning, at the moment it matters: right after "reject all" refused what login needs.
        self.notices.retain(|n| *n != Notice::LoginAfterRefusal);
        let refuses_login =
            consent.as_ref().is_some_and(|c| self.config.login_categories.iter().any(|id| !c.granted(id.as_str())));
        if refuses_login && action == ConsentAction::RejectAll {
            self.notices.push(Notice::LoginAfterRefusal);
        }
        self.consent = consent.clone();
        self.commit = Some(Rc::new(Commit { consent, previous, action, first, erased }));
        self.commit_no = self.commit_no.wrapping_add(1);
        self.banner_open = self.consent.is_none();
        self.prefs_open = false;
    }

    fn decide(&mut self, choice: &Choice, action: ConsentAction, ctx: Context) {
        let consent = Consent::decide(&self.config, choice, self.consent.as_ref(), ctx);
        self.commit(Some(consent), action);
    }

    fn accepted_plus(&self, extra: &CategoryId) -> Choice {
        let mut ids: Vec<CategoryId> = self.consent.iter().flat_map(|c| c.accepted().cloned()).collect();
        ids.push(extra.clone());
        Choice::Only(ids)
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Decide { choice, action, ctx } => s.decide(&choice, action, ctx),
            Action::Withdraw => {
                if s.consent.is_none() && s.banner_open {
                    return self;
                }
                s.commit(None, ConsentAction::Withdraw);
            }
            Action::Erased => {
                s.notices.retain(|n| *n != Notice::EraseFailed);
                s.commit_as(None, ConsentAction::Withdraw, true);
            }
            Action::EraseFailed => {
                if !s.notices.contains(&Notice::EraseFailed) {
                    s.notices.push(Notice::EraseFailed);
                }
            }
            Action::ShowBanner => s.banner_open = true,
            Action::Hide => {
                s.banner_open = false;
                s.prefs_open = false;
                s.policy = None;
            }
            Action::OpenPreferences => {
                s.draft = s.initial_draft();
                s.prefs_open = true;
            }
            Action::ClosePreferences => s.prefs_open = false,
            Action::Toggle(id) => {
                let locked = s.config.category(id.as_str()).is_none_or(|c| c.necessary);
                if let Some(d) = s.draft.iter_mut().find(|d| d.category == id).filter(|_| !locked) {
                    d.granted = !d.granted;
                }
            }
            Action::SaveDraft(ctx) => {
                let ids = s.draft.iter().filter(|d| d.granted).map(|d| d.category.clone()).collect();
                s.decide(&Choice::Only(ids), ConsentAction::Custom, ctx);
            }
            Action::OpenPolicy(section) => s.policy = Some(section),
            Action::ClosePolicy => s.policy = None,
            Action::Dismiss(n) => s.notices.retain(|x| *x != n),
            Action::AskLogin(req) => {
                if s.granted(req.category.as_str()) {
                    s.login_answer = Some((req.id, true));
                } else {
                    // A second request replaces the first, which is answered "no".
                    if let Some(old) = s.login.take() {
                        s.login_answer = Some((old.id, false));
                    }
                    s.login = Some(req);
                }
            }
            Action::AnswerLogin { allow, ctx } => {
                let Some(req) = s.login.take() else { return self };
                if allow {
                    let choice = s.accepted_plus(&req.category);
                    s.decide(&choice, ConsentAction::AcceptCategory, ctx);
                }
                s.login_answer = Some((req.id, allow));
            }
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kuki_core::ConsentId;

    fn boot() -> Boot {
        Boot {
            config: Rc::new(Config::default()),
            lang: Lang::Ko,
            gpc: false,
            stored: None,
            now: 1_790_000_000,
            cookies_blocked: false,
            synced: false,
        }
    }

    fn ctx() -> Context {
        Context { now: 1_790_000_100, lang: Lang::Ko, gpc: false, new_id: ConsentId::from_random([3; 16]) }
    }

    fn run(state: State, actions: Vec<Action>) -> Rc<State> {
        actions.into_iter().fold(Rc::new(state), |s, a| s.reduce(a))
    }

    #[test]
    fn a_first_visit_shows_the_banner_and_nothing_is_granted() {
        let s = State::new(&boot());
        assert!(s.banner_open);
        assert!(s.consent.is_none());
        assert_eq!(s.commit_no, 0);
    }

    #[test]
    fn rejecting_all_commits_once_and_warns_about_login() {
        let s = run(
            State::new(&boot()),
            vec![Action::Decide { choice: Choice::RejectAll, action: ConsentAction::RejectAll, ctx: ctx() }],
        );
        assert!(!s.banner_open);
        assert_eq!(s.commit_no, 1);
        let commit = s.commit.as_ref().unwrap();
        assert!(commit.first);
        assert!(!s.granted("functional"));
        assert_eq!(s.notices, [Notice::LoginAfterRefusal]);
    }

    #[test]
    fn the_draft_starts_unticked_and_saves_what_was_toggled() {
        let analytics = CategoryId::parse("analytics").unwrap();
        let necessary = CategoryId::parse("necessary").unwrap();
        let s = run(
            State::new(&boot()),
            vec![
                Action::OpenPreferences,
                Action::Toggle(analytics.clone()),
                Action::Toggle(necessary.clone()),
                Action::SaveDraft(ctx()),
            ],
        );
        assert!(s.granted("analytics"));
        assert!(s.granted("necessary"), "necessary is locked on");
        assert!(!s.granted("marketing"));
        assert!(!s.prefs_open);
        assert_eq!(s.commit.as_ref().unwrap().action, ConsentAction::Custom);
    }

    #[test]
    fn withdrawing_forgets_the_choice_and_asks_again() {
        let s = run(
            State::new(&boot()),
            vec![
                Action::Decide { choice: Choice::AcceptAll, action: ConsentAction::AcceptAll, ctx: ctx() },
                Action::Withdraw,
            ],
        );
        assert!(s.consent.is_none());
        assert!(s.banner_open);
        let commit = s.commit.as_ref().unwrap();
        assert_eq!(commit.action, ConsentAction::Withdraw);
        assert!(commit.previous.as_ref().unwrap().granted("marketing"));
    }

    #[test]
    fn allowing_login_adds_only_that_category() {
        let functional = CategoryId::parse("functional").unwrap();
        let s = run(
            State::new(&boot()),
            vec![
                Action::Decide {
                    choice: Choice::Only(vec![CategoryId::parse("analytics").unwrap()]),
                    action: ConsentAction::Custom,
                    ctx: ctx(),
                },
                Action::AskLogin(LoginRequest { id: 7, category: functional.clone() }),
            ],
        );
        assert_eq!(s.login.as_ref().map(|r| r.id), Some(7));
        let s = s.reduce(Action::AnswerLogin { allow: true, ctx: ctx() });
        assert!(s.granted("functional") && s.granted("analytics") && !s.granted("marketing"));
        assert_eq!(s.login_answer, Some((7, true)));
        assert_eq!(s.commit.as_ref().unwrap().consent.as_ref().unwrap().seq, 2);
    }

    #[test]
    fn a_login_request_for_a_granted_category_is_answered_at_once() {
        let s = run(
            State::new(&boot()),
            vec![
                Action::Decide { choice: Choice::AcceptAll, action: ConsentAction::AcceptAll, ctx: ctx() },
                Action::AskLogin(LoginRequest { id: 1, category: CategoryId::parse("functional").unwrap() }),
            ],
        );
        assert!(s.login.is_none());
        assert_eq!(s.login_answer, Some((1, true)));
    }

    #[test]
    fn a_stored_valid_choice_keeps_the_banner_closed() {
        let mut b = boot();
        let c = Consent::decide(&b.config, &Choice::AcceptAll, None, ctx());
        b.stored = Some(c);
        let s = State::new(&b);
        assert!(!s.banner_open);
        assert!(s.granted("analytics"));
        let mut stale = b.clone();
        stale.config = Rc::new(Config { revision: 9, ..Config::default() });
        assert!(State::new(&stale).banner_open);
    }
}

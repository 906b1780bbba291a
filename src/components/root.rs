use kuki_core::consent::Choice;
use kuki_core::wire::ConsentAction;
use std::rc::Rc;
use yew::prelude::*;

use crate::components::policy_notice::PolicyNoticeProps;
use crate::components::{Banner, Notices, PolicyNotice, PolicyViewer, Preferences, RequireDialog};
use crate::i18n::Texts;
use crate::runtime::Runtime;
use crate::state::{Action, Back, Open};

/// The runtime, compared by identity (it is one per mounted app).
#[derive(Clone)]
pub struct RuntimeRef(pub Rc<Runtime>);

impl PartialEq for RuntimeRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The config, compared by identity: texts are built again only for another config (or language).
#[derive(Clone)]
struct RcKey(Rc<kuki_core::Config>);

impl PartialEq for RcKey {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct RootProps {
    pub runtime: RuntimeRef,
}

/// Everything kuki shows, rendered from the runtime's state; every callback dispatches an action.
#[component]
pub fn Root(props: &RootProps) -> Html {
    let update = use_force_update();
    {
        let rt = props.runtime.0.clone();
        use_effect_with(props.runtime.clone(), move |_| {
            rt.subscribe(Callback::from(move |_| update.force_update()));
        });
    }
    let rt = props.runtime.0.clone();
    let s = rt.state();
    let send = |make: fn() -> Action| {
        let rt = rt.clone();
        Callback::from(move |_: ()| rt.dispatch(make()))
    };
    let decide = |choice: fn() -> Choice, action: ConsentAction| {
        let rt = rt.clone();
        Callback::from(move |_: ()| rt.dispatch(Action::Decide { choice: choice(), action }))
    };
    let ontoggle = {
        let rt = rt.clone();
        Callback::from(move |id| rt.dispatch(Action::Toggle(id)))
    };
    let ontoggleservice = {
        let rt = rt.clone();
        Callback::from(move |(id, service)| rt.dispatch(Action::ToggleService(id, service)))
    };
    let ondismiss = {
        let rt = rt.clone();
        Callback::from(move |n| rt.dispatch(Action::Dismiss(n)))
    };
    let onpolicy = send(|| Action::OpenPolicy(None));
    let onaccept = decide(|| Choice::AcceptAll, ConsentAction::AcceptAll);
    let onreject = decide(|| Choice::RejectAll, ConsentAction::RejectAll);
    let texts = {
        let config = s.config.clone();
        use_memo((s.lang, RcKey(s.config.clone())), move |(lang, _)| Texts::new(*lang, &config))
    };
    let notice = match kuki_core::policy::notice(&s.config, s.now) {
        Some(n) => {
            let props = PolicyNoticeProps::from_notice(&n, s.lang, texts.clone(), onpolicy.clone());
            html! { <PolicyNotice ..props /> }
        }
        None => Html::default(),
    };
    let banner = || {
        html! {
            <Banner lang={s.lang} texts={texts.clone()} onaccept={onaccept.clone()} onreject={onreject.clone()}
                oncustomise={send(|| Action::OpenPreferences)} onpolicy={onpolicy.clone()} notice={notice.clone()} />
        }
    };
    let preferences = || {
        html! {
            <Preferences config={s.config.clone()} lang={s.lang} texts={texts.clone()} gpc={s.gpc} draft={s.draft.clone()}
                consent={s.consent.clone()} history={s.history.clone()} ontoggle={ontoggle.clone()} ontoggleservice={ontoggleservice.clone()}
                onsave={send(|| Action::SaveSelection)} onaccept={onaccept.clone()} onreject={onreject.clone()}
                onwithdraw={send(|| Action::Withdraw)} onerase={send(|| Action::Erase)} synced={s.synced}
                onclose={send(|| Action::ClosePreferences)} onpolicy={onpolicy.clone()} notice={notice.clone()} />
        }
    };
    // The policy is read from the layer that opened it, which stays mounted (dimmed) below, so closing it gives
    // focus back to the link that opened it. The login warning comes from the page: it stands alone. Each layer
    // has a fixed place below, so yew keeps it mounted while the dialogs above it come and go.
    let base = match &s.open {
        Open::Policy { back, .. } => *back,
        Open::Banner => Back::Banner,
        Open::Preferences => Back::Preferences,
        Open::Nothing | Open::Require { .. } => Back::Nothing,
    };
    let policy = match &s.open {
        Open::Policy { section, .. } => Some(section.clone()),
        _ => None,
    };
    let required = match &s.open {
        Open::Require { request, .. } => s.config.category(request.category.as_str()).cloned(),
        _ => None,
    };
    // Notices never cover a dialog: they wait while one is open, and sit above the banner when it shows.
    let dialog_open = !matches!(s.open, Open::Nothing | Open::Banner);
    html! {
        <>
            if !s.notices.is_empty() && !dialog_open {
                <Notices notices={s.notices.clone()} lang={s.lang} texts={texts.clone()} top={s.open == Open::Banner} {ondismiss} />
            }
            if base == Back::Banner { { banner() } }
            if base == Back::Preferences { { preferences() } }
            if let Some(section) = policy {
                <PolicyViewer config={s.config.clone()} lang={s.lang} texts={texts.clone()} {section}
                    fetched={s.fetched_policy.clone()}
                    onclose={send(|| Action::ClosePolicy)} notice={notice.clone()} />
            }
            if let Some(category) = required {
                <RequireDialog lang={s.lang} texts={texts.clone()} login={s.config.login_categories.contains(&category.id)}
                    first={s.consent.is_none()} {category} onallow={send(|| Action::AnswerLogin { allow: true })}
                    onrefuse={send(|| Action::AnswerLogin { allow: false })} onclose={send(|| Action::CancelRequest)} />
            }
        </>
    }
}

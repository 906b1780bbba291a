use std::rc::Rc;
use yew::prelude::*;

use crate::app::Store;
use crate::components::policy_notice::PolicyNoticeProps;
use crate::components::{Banner, LoginWarning, Notices, PolicyNotice, PolicyViewer, Preferences};
use crate::state::Action;

/// The store, compared by identity (it is one per mounted app).
#[derive(Clone)]
pub struct StoreRef(pub Rc<Store>);

impl PartialEq for StoreRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct RootProps {
    pub store: StoreRef,
}

/// Everything kuki shows, rendered from the store's state.
#[component]
pub fn Root(props: &RootProps) -> Html {
    let update = use_force_update();
    {
        let store = props.store.0.clone();
        use_effect_with(props.store.clone(), move |_| {
            store.subscribe(Callback::from(move |_| update.force_update()));
        });
    }
    let store = props.store.0.clone();
    let s = store.state();
    let act = |make: fn(&Store)| {
        let store = store.clone();
        Callback::from(move |_: ()| make(&store))
    };
    let send = |action: fn() -> Action| {
        let store = store.clone();
        Callback::from(move |_: ()| store.dispatch(action()))
    };
    let ontoggle = {
        let store = store.clone();
        Callback::from(move |id| store.dispatch(Action::Toggle(id)))
    };
    let ondismiss = {
        let store = store.clone();
        Callback::from(move |n| store.dispatch(Action::Dismiss(n)))
    };
    let onpolicy = {
        let store = store.clone();
        Callback::from(move |_: ()| store.dispatch(Action::OpenPolicy(None)))
    };
    let erase = {
        let store = store.clone();
        Callback::from(move |_: ()| store.erase())
    };
    let notice = match kuki_core::policy::notice(&s.config, s.now) {
        Some(n) => {
            let props = PolicyNoticeProps::from_notice(&n, s.lang, onpolicy.clone());
            html! { <PolicyNotice ..props /> }
        }
        None => Html::default(),
    };
    html! {
        <>
            // Notices never cover a dialog: they wait while one is open, and sit above the banner when it shows.
            if !s.notices.is_empty() && !s.prefs_open && s.policy.is_none() && s.login.is_none() {
                <Notices notices={s.notices.clone()} lang={s.lang} top={s.banner_open} {ondismiss} />
            }
            if s.banner_open && !s.prefs_open {
                <Banner lang={s.lang} onaccept={act(Store::accept_all)} onreject={act(Store::reject_all)}
                    oncustomise={send(|| Action::OpenPreferences)} onpolicy={onpolicy.clone()} notice={notice.clone()} />
            }
            if s.prefs_open {
                <Preferences config={s.config.clone()} lang={s.lang} gpc={s.gpc} draft={s.draft.clone()}
                    consent={s.consent.clone()} {ontoggle} onsave={act(Store::save_draft)}
                    onaccept={act(Store::accept_all)} onreject={act(Store::reject_all)}
                    onwithdraw={send(|| Action::Withdraw)} onerase={erase} synced={s.synced} onclose={send(|| Action::ClosePreferences)}
                    onpolicy={onpolicy} notice={notice.clone()} />
            }
            if let Some(section) = &s.policy {
                <PolicyViewer config={s.config.clone()} lang={s.lang} section={section.clone()}
                    onclose={send(|| Action::ClosePolicy)} {notice} />
            }
            if s.login.is_some() {
                <LoginWarning lang={s.lang} onallow={act(|st| st.answer_login(true))}
                    oncancel={act(|st| st.answer_login(false))} />
            }

        </>
    }
}

use std::rc::Rc;
use yew::prelude::*;

use crate::components::policy_notice::PolicyNoticeProps;
use crate::components::{
    banner, notices, policy_notice, preferences, require_dialog, settings_button, BannerProps, NoticesProps,
    PolicyViewer, PreferencesProps, RequireDialogProps, SettingsButtonProps, Shared,
};
use crate::i18n::Texts;
use crate::runtime::Runtime;
use crate::state::{Action, Back, Open};

#[derive(Properties, PartialEq)]
pub struct RootProps {
    /// The runtime, compared by identity (it is one per mounted app).
    pub runtime: Shared<Runtime>,
    /// `false`: nothing yet. The island mounts the app empty and shows it in a later task, so that yew's own start
    /// and the texts are one short task and the banner another (src/mount.rs).
    pub shown: bool,
}

/// Everything kuki shows, rendered from the runtime's state; every callback dispatches an action.
#[component]
pub fn Root(props: &RootProps) -> Html {
    let update = use_force_update();
    let rt = props.runtime.0.clone();
    let s = rt.state();
    {
        let (rt, rendered) = (rt.clone(), s.clone());
        use_effect_with((props.runtime.clone(), props.shown), move |(_, shown)| {
            if *shown {
                rt.subscribe(Callback::from({
                    let update = update.clone();
                    move |_| update.force_update()
                }));
                // An action dispatched between this render and now (a page calling showPreferences() as run()
                // resolves, a click) found no one to tell: render the state it left.
                if !Rc::ptr_eq(&rt.state(), &rendered) {
                    update.force_update();
                }
            }
        });
    }
    let send = |make: fn() -> Action| {
        let rt = rt.clone();
        Callback::from(move |_: ()| rt.dispatch(make()))
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
    let onretry = {
        let rt = rt.clone();
        Callback::from(move |section| rt.dispatch(Action::OpenPolicy(section)))
    };
    let onaccept = send(|| Action::all(true));
    let onreject = send(|| Action::all(false));
    // Built again only for another config (compared by identity) or language.
    let config = Shared(s.config.clone());
    let texts = Shared(use_memo((s.lang, config.clone()), |(lang, config)| Texts::new(*lang, config)));
    let coming = kuki_core::policy::notice(&s.config, s.now);
    let onread = send(|| Action::ReadNextPolicy);
    let notice = match &coming {
        Some(n) => {
            let props = PolicyNoticeProps::from_notice(n, s.lang, texts.clone(), onread.clone());
            policy_notice(&props)
        }
        None => Html::default(),
    };
    // The returning visitor's own notice of the coming change, a toast with a close button.
    let policy_toast = match &coming {
        Some(n) if s.policy_notice => {
            let props = PolicyNoticeProps {
                ondismiss: Some(send(|| Action::DismissPolicyNotice)),
                ..PolicyNoticeProps::from_notice(n, s.lang, texts.clone(), onread.clone())
            };
            policy_notice(&props)
        }
        _ => Html::default(),
    };
    let gui = s.config.gui;
    // Why the banner asks again: the material change that took effect, and when.
    let reason = s.config.next_policy.as_ref().filter(|_| s.asked_again).map(|n| {
        let date = crate::browser::calendar_date(n.effective_at as f64 * 1000.0, s.lang.as_str());
        AttrValue::from(texts.policy_changed().replace("{date}", &date))
    });
    let banner_layer = || {
        banner(&BannerProps {
            lang: s.lang,
            texts: texts.clone(),
            gui,
            blocking: s.config.disable_page_interaction,
            reason: reason.clone(),
            onaccept: onaccept.clone(),
            onreject: onreject.clone(),
            oncustomise: send(|| Action::OpenPreferences),
            onpolicy: onpolicy.clone(),
            notice: notice.clone(),
        })
    };
    let preferences_layer = || {
        preferences(&PreferencesProps {
            config: config.clone(),
            lang: s.lang,
            texts: texts.clone(),
            gpc: s.gpc,
            draft: s.draft.clone(),
            consent: s.consent.clone(),
            history: s.history.clone(),
            ontoggle: ontoggle.clone(),
            ontoggleservice: ontoggleservice.clone(),
            onsave: send(|| Action::SaveSelection),
            onaccept: onaccept.clone(),
            onreject: onreject.clone(),
            onwithdraw: send(|| Action::Withdraw),
            onerase: send(|| Action::Erase),
            synced: s.synced,
            onclose: send(|| Action::ClosePreferences),
            onpolicy: onpolicy.clone(),
            notice: notice.clone(),
            gui,
        })
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
        Open::Require { request, .. } => match s.config.category(request.category.as_str()) {
            Some(category) => require_dialog(&RequireDialogProps {
                lang: s.lang,
                texts: texts.clone(),
                login: s.config.login_categories.contains(&category.id),
                first: s.consent.is_none(),
                category: category.clone(),
                onallow: send(|| Action::AnswerLogin { allow: true }),
                onrefuse: send(|| Action::AnswerLogin { allow: false }),
                onclose: send(|| Action::CancelRequest),
            }),
            None => Html::default(),
        },
        _ => Html::default(),
    };
    // Notices never cover a dialog: they wait while one is open, and keep clear of the banner when it shows (at
    // the top while it holds the bottom or the middle, else at the bottom).
    let dialog_open = !matches!(s.open, Open::Nothing | Open::Banner);
    let banner_low = gui.position.v != kuki_core::gui::Vertical::Top || gui.layout == kuki_core::gui::Layout::Modal;
    let toasts_top = s.open == Open::Banner && banner_low;
    // The floating button: only after a choice, and not beside the banner. While a dialog is open it stays mounted
    // under the dialog's backdrop (covered, out of the focus trap), so closing the dialog gives it focus back.
    let button = gui.settings_button.filter(|_| s.consent.is_some() && s.open != Open::Banner);
    let lifted = button == Some(kuki_core::gui::Side::Right);
    if !props.shown {
        return Html::default();
    }
    html! {
        <>
            if (!s.notices.is_empty() || s.policy_notice) && !dialog_open {
                { notices(&NoticesProps {
                    notices: s.notices.clone(),
                    lang: s.lang,
                    texts: texts.clone(),
                    top: toasts_top,
                    above_button: lifted,
                    ondismiss,
                    children: policy_toast,
                }) }
            }
            if let Some(side) = button {
                { settings_button(&SettingsButtonProps { side, label: texts.settings_button().clone(), onopen: send(|| Action::OpenPreferences) }) }
            }
            if base == Back::Banner { { banner_layer() } }
            if base == Back::Preferences { { preferences_layer() } }
            if let Some(section) = policy {
                <PolicyViewer config={config.clone()} lang={s.lang} texts={texts.clone()} {section}
                    fetched={s.fetched_policy.clone()} reading_next={s.reading_next}
                    onclose={send(|| Action::ClosePolicy)} {onretry} notice={notice.clone()} />
            }
            { required }
        </>
    }
}

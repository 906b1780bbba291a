use crate::components::Shared;
use kuki_core::category::ServiceId;
use kuki_core::consent::Decision;
use kuki_core::gui::{PrefsLayout, Side};
use kuki_core::{CategoryId, Config, Consent, Lang};
use yew::prelude::*;

use crate::components::{
    category_switch, consent_record, on_click, on_link, CategorySwitchProps, ConsentRecordProps, Dialog,
};
use crate::i18n::Texts;
use crate::state::History;

pub struct PreferencesProps {
    pub config: Shared<Config>,
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    pub gpc: bool,
    pub draft: Vec<Decision>,
    /// The choice in force, for the visitor's record.
    pub consent: Option<Consent>,
    /// The server's history of that choice.
    pub history: History,
    pub ontoggle: Callback<CategoryId>,
    pub ontoggleservice: Callback<(CategoryId, ServiceId)>,
    pub onsave: Callback<()>,
    pub onaccept: Callback<()>,
    pub onreject: Callback<()>,
    pub onwithdraw: Callback<()>,
    pub onerase: Callback<()>,
    /// Is there a server keeping the history?
    pub synced: bool,
    pub onclose: Callback<()>,
    pub onpolicy: Callback<()>,
    pub notice: Html,
    /// `guiOptions.preferencesModal`: a centred box, or a bar the screen's height at one side.
    pub gui: kuki_core::gui::Gui,
}

/// The second layer: one switch per category, Save, and the visitor's own record with a way to withdraw. A view
/// function (see the module `components`).
pub fn preferences(props: &PreferencesProps) -> Html {
    let t = &props.texts;
    let onpolicy = on_link(&props.onpolicy);
    let class = match (props.gui.prefs_layout, props.gui.prefs_side) {
        (PrefsLayout::Box, _) => "kuki-prefs",
        (PrefsLayout::Bar, Some(Side::Left)) => "kuki-prefs kuki-side kuki-at-left",
        (PrefsLayout::Bar, _) => "kuki-prefs kuki-side kuki-at-right",
    };
    let switches = props.config.categories.iter().map(|c| {
        let on = c.necessary || props.draft.iter().any(|d| d.category == c.id && d.granted);
        let warns_login = props.config.login_categories.contains(&c.id);
        let why_off =
            (props.gpc && c.id.as_str() == kuki_core::category::MARKETING && !on).then_some(t.gpc_note().clone());
        let ontoggle = {
            let cb = props.ontoggle.clone();
            let id = c.id.clone();
            Callback::from(move |_| cb.emit(id.clone()))
        };
        let ontoggleservice = {
            let cb = props.ontoggleservice.clone();
            let id = c.id.clone();
            Callback::from(move |service| cb.emit((id.clone(), service)))
        };
        let decision = props.draft.iter().find(|d| d.category == c.id);
        let services_on: Vec<bool> =
            c.services.iter().map(|s| decision.is_some_and(|d| d.service_granted(s.id.as_str()))).collect();
        category_switch(&CategorySwitchProps {
            category: c,
            lang: props.lang,
            texts: props.texts.clone(),
            on,
            warns_login,
            why_off,
            ontoggle,
            services_on,
            ontoggleservice,
        })
    });
    html! {
        <Dialog class={class} part="preferences" labelledby="kuki-prefs-title" describedby={AttrValue::Static("kuki-prefs-intro")}
            onclose={props.onclose.clone()}>
            <div class="kuki-dialog-head">
                <h2 id="kuki-prefs-title" class="kuki-title" part="title">{ t.prefs_title().clone() }</h2>
                <button type="button" class="kuki-close" part="close" aria-label={t.close().clone()} onclick={on_click(&props.onclose)}>{ "×" }</button>
            </div>
            <div class="kuki-scroll">
                <p id="kuki-prefs-intro" class="kuki-text" part="text">
                    { t.prefs_intro().clone() }{ " " }
                    <a href="#kuki-policy" class="kuki-link" part="link" onclick={onpolicy}>{ t.policy_link().clone() }</a>
                </p>
                { props.notice.clone() }
                <ul class="kuki-cats" part="categories">{ for switches }</ul>
                if let Some(c) = &props.consent {
                    { consent_record(&ConsentRecordProps {
                        texts: props.texts.clone(),
                        consent: c.clone(),
                        history: props.history.clone(),
                        config: props.config.clone(),
                        lang: props.lang,
                        synced: props.synced,
                        contact: props.config.policy_contact(props.lang),
                        onwithdraw: props.onwithdraw.clone(),
                        onerase: props.onerase.clone(),
                    }) }
                }
            </div>
            <div class="kuki-actions kuki-footer" part="actions">
                <button type="button" class="kuki-btn" part="button accept" onclick={on_click(&props.onaccept)}>{ t.accept_all().clone() }</button>
                <button type="button" class="kuki-btn" part="button reject" onclick={on_click(&props.onreject)}>{ t.reject_all().clone() }</button>
                <button type="button" class="kuki-btn" part="button save" onclick={on_click(&props.onsave)}>{ t.save().clone() }</button>
            </div>
        </Dialog>
    }
}

use crate::components::Shared;
use kuki_core::category::ServiceId;
use kuki_core::{Category, Lang};
use yew::prelude::*;

use crate::components::{cookie_details, CookieDetailsProps};
use crate::i18n::Texts;

pub struct CategorySwitchProps<'a> {
    pub category: &'a Category,
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    pub on: bool,
    /// Refusing this category makes login hard: say so beside the switch while it is off.
    pub warns_login: bool,
    /// Why it starts off (Global Privacy Control), if that applies.
    pub why_off: Option<AttrValue>,
    pub ontoggle: Callback<()>,
    /// Each service's switch, in the category's order.
    pub services_on: Vec<bool>,
    pub ontoggleservice: Callback<ServiceId>,
}

/// One category: its name (the switch's accessible name), a switch, and its description; then a switch per
/// service, and what it holds (cookies, recipients) behind a disclosure. A view function (see the module
/// `components`), keyed by the category's id: one of the preferences' list.
pub fn category_switch(props: &CategorySwitchProps<'_>) -> Html {
    let t = &props.texts;
    let c = props.category;
    let id = c.id.as_str();
    let name_id = ["kuki-cat-", id].concat();
    let desc_id = ["kuki-desc-", id].concat();
    let warn_id = ["kuki-warn-", id].concat();
    let locked = c.necessary;
    let onclick = {
        let cb = props.ontoggle.clone();
        Callback::from(move |_: MouseEvent| {
            if !locked {
                cb.emit(())
            }
        })
    };
    let warn = props.warns_login && !props.on && !locked;
    let described = if warn { [desc_id.as_str(), " ", warn_id.as_str()].concat() } else { desc_id.clone() };
    html! {
        <li key={id} class="kuki-cat" part="category">
            <div class="kuki-cat-head">
                <span id={name_id.clone()} class="kuki-cat-name">{ c.name.get(props.lang) }</span>
                if locked { <span class="kuki-always" part="always-on">{ t.always_on().clone() }</span> }
                <button type="button" role="switch" class="kuki-switch" part="switch"
                    aria-checked={if props.on { "true" } else { "false" }}
                    aria-disabled={locked.then_some("true")}
                    aria-labelledby={name_id} aria-describedby={described} {onclick}>
                    <span class="kuki-knob"></span>
                </button>
            </div>
            <p id={desc_id} class="kuki-text kuki-cat-desc">{ c.description.get(props.lang) }</p>
            if let Some(why) = props.why_off.clone() {
                <p class="kuki-text kuki-note">{ why }</p>
            }
            if warn {
                <p id={warn_id} class="kuki-warn" role="status">{ t.login_inline().clone() }</p>
            }
            if !c.services.is_empty() {
                <ul class="kuki-services" part="services">{ for c.services.iter().enumerate().map(|(i, svc)| {
                    let on = locked || props.services_on.get(i).copied().unwrap_or(false);
                    let name_id = ["kuki-svc-", id, "-", svc.id.as_str()].concat();
                    let desc_id = ["kuki-svcdesc-", id, "-", svc.id.as_str()].concat();
                    let onclick = {
                        let cb = props.ontoggleservice.clone();
                        let sid = svc.id.clone();
                        Callback::from(move |_: MouseEvent| if !locked { cb.emit(sid.clone()) })
                    };
                    let description = svc.description.get(props.lang);
                    html! {
                        <li class="kuki-service" part="service" key={svc.id.as_str()}>
                            <div class="kuki-cat-head">
                                <span id={name_id.clone()} class="kuki-service-name">{ svc.name.get(props.lang) }</span>
                                <button type="button" role="switch" class="kuki-switch" part="switch"
                                    aria-checked={if on { "true" } else { "false" }}
                                    aria-disabled={locked.then_some("true")}
                                    aria-labelledby={name_id}
                                    aria-describedby={(!description.is_empty()).then(|| desc_id.clone())} {onclick}>
                                    <span class="kuki-knob"></span>
                                </button>
                            </div>
                            if !description.is_empty() {
                                <p id={desc_id} class="kuki-text kuki-cat-desc">{ description }</p>
                            }
                        </li>
                    }
                }) }</ul>
            }
            { cookie_details(&CookieDetailsProps { category: c, lang: props.lang, texts: props.texts.clone() }) }
        </li>
    }
}

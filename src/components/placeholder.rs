use crate::components::Shared;
use kuki_core::Lang;
use yew::prelude::*;

use crate::components::on_click;
use crate::i18n::Texts;

#[derive(Properties, PartialEq)]
pub struct PlaceholderProps {
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    /// The iframe's `title`, if it has one.
    pub title: Option<AttrValue>,
    /// The names of the categories the iframe waits for, joined.
    pub category: AttrValue,
    /// The iframe's `data-service`, as written.
    pub service: Option<AttrValue>,
    /// Who receives the data once it loads: the iframe's host name.
    pub recipient: AttrValue,
    /// Every category it waits for is configured, so it can be accepted ("always allow").
    pub allowable: bool,
    /// "Allow and load": this one iframe, nothing recorded.
    pub onload: Callback<()>,
    /// "Always allow": its categories accepted, as `acceptCategory` would.
    pub onallow: Callback<()>,
}

/// What stands in a blocked iframe's place until its categories are accepted: what is blocked, who would receive
/// the data, and the two ways to load it.
#[component]
pub fn Placeholder(props: &PlaceholderProps) -> Html {
    let t = &props.texts;
    let title = props.title.clone().unwrap_or_else(|| t.embed_untitled().clone());
    html! {
        <div class="kuki-placeholder" part="placeholder" role="group" lang={props.lang.as_str().to_owned()}
            aria-labelledby="kuki-embed-title" aria-describedby="kuki-embed-body">
            <p id="kuki-embed-title" class="kuki-subtitle" part="title">{ title }</p>
            <div id="kuki-embed-body">
                <p class="kuki-text" part="text">{ t.embed_blocked().replace("{category}", &props.category) }</p>
                if let Some(service) = &props.service {
                    <p class="kuki-note" part="service">{ t.embed_service().replace("{service}", service) }</p>
                }
                <p class="kuki-note" part="recipient">{ t.embed_recipient().replace("{host}", &props.recipient) }</p>
            </div>
            <div class="kuki-actions" part="actions">
                <button type="button" class="kuki-btn" part="button load" onclick={on_click(&props.onload)}>
                    { t.allow_and_load().clone() }
                </button>
                if props.allowable {
                    <button type="button" class="kuki-btn" part="button always" onclick={on_click(&props.onallow)}>
                        { t.always_allow().clone() }
                    </button>
                }
            </div>
        </div>
    }
}

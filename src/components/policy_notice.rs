use kuki_core::policy::Notice;
use kuki_core::Lang;
use std::rc::Rc;
use yew::prelude::*;

use crate::i18n::Texts;

#[derive(Properties, PartialEq)]
pub struct PolicyNoticeProps {
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Rc<Texts>,
    pub version: AttrValue,
    pub days_left: u32,
    pub material: bool,
    pub summary: AttrValue,
    /// The new text's address, when the site gives one; otherwise the link opens the policy viewer.
    #[prop_or_default]
    pub url: Option<AttrValue>,
    pub onread: Callback<()>,
}

impl PolicyNoticeProps {
    pub fn from_notice(n: &Notice<'_>, lang: Lang, texts: Rc<Texts>, onread: Callback<()>) -> Self {
        PolicyNoticeProps {
            lang,
            texts,
            version: AttrValue::from(n.next.version.to_string()),
            days_left: n.days_left,
            material: n.next.material,
            summary: AttrValue::from(n.next.summary.get(lang).to_string()),
            url: n.next.url.clone().map(AttrValue::from),
            onread,
        }
    }
}

/// Advance notice of a policy change: 7 days ahead, 30 when the change is material.
#[component]
pub fn PolicyNotice(props: &PolicyNoticeProps) -> Html {
    let t = &props.texts;
    let onclick = {
        let cb = props.onread.clone();
        let external = props.url.is_some();
        Callback::from(move |e: MouseEvent| {
            if !external {
                e.prevent_default();
                cb.emit(());
            }
        })
    };
    let href = props.url.clone().unwrap_or(AttrValue::Static("#kuki-policy"));
    html! {
        <div class="kuki-notice" role="note">
            <p><strong>{ t.notice_soon.clone() }</strong>{ " " }{ t.days_left.clone() }{ " " }{ props.days_left }{ " (" }{ &props.version }{ ")" }</p>
            if !props.summary.is_empty() { <p>{ &props.summary }</p> }
            if props.material { <p>{ t.notice_material.clone() }</p> }
            <a class="kuki-link" {href} {onclick}>{ t.read_new_policy.clone() }</a>
        </div>
    }
}

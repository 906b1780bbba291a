use crate::components::Shared;
use kuki_core::policy::Notice;
use kuki_core::Lang;
use yew::prelude::*;

use crate::i18n::Texts;

pub struct PolicyNoticeProps {
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    pub version: AttrValue,
    pub days_left: u32,
    pub material: bool,
    pub summary: AttrValue,
    /// The new text's address, when the site gives one instead of the text itself.
    pub url: Option<AttrValue>,
    /// The config carries the new text: "read the new policy" opens it in the viewer.
    pub has_text: bool,
    /// "Read the new policy" (it also counts as having seen the notice).
    pub onread: Callback<()>,
    /// Given for the returning visitor's toast: its close button.
    pub ondismiss: Option<Callback<()>>,
}

impl PolicyNoticeProps {
    pub fn from_notice(n: &Notice<'_>, lang: Lang, texts: Shared<Texts>, onread: Callback<()>) -> Self {
        PolicyNoticeProps {
            lang,
            texts,
            version: AttrValue::from(n.next.version.to_string()),
            days_left: n.days_left,
            material: n.next.material,
            summary: AttrValue::from(n.next.summary.get(lang).to_string()),
            url: n.next.url.clone().map(AttrValue::from),
            has_text: n.next.policy.is_some(),
            onread,
            ondismiss: None,
        }
    }
}

/// Advance notice of a policy change: 7 days ahead, 30 when the change is material. Inside the banner, the
/// preferences and the viewer; for a visitor who already chose, a dismissible toast of its own. A view function
/// (see the module `components`).
pub fn policy_notice(props: &PolicyNoticeProps) -> Html {
    let t = &props.texts;
    let onclick = {
        let cb = props.onread.clone();
        let inside = props.has_text;
        Callback::from(move |e: MouseEvent| {
            // The new text in kuki's viewer; an address of its own opens as a link would.
            if inside {
                e.prevent_default();
            }
            cb.emit(());
        })
    };
    let href = if props.has_text { Some(AttrValue::Static("#kuki-policy")) } else { props.url.clone() };
    let body = html! {
        <>
            <p><strong>{ t.notice_soon().clone() }</strong>{ " " }{ t.days_left().clone() }{ " " }{ props.days_left }{ " (" }{ &props.version }{ ")" }</p>
            if !props.summary.is_empty() { <p>{ &props.summary }</p> }
            if props.material { <p>{ t.notice_material().clone() }</p> }
            if let Some(href) = href {
                <a class="kuki-link" {href} {onclick}>{ t.read_new_policy().clone() }</a>
            }
        </>
    };
    match &props.ondismiss {
        Some(dismiss) => {
            let dismiss = crate::components::on_click(dismiss);
            html! {
                <div class="kuki-toast kuki-policy-toast" part="notice policy-notice" role="status">
                    <div class="kuki-notice">{ body }</div>
                    <button type="button" class="kuki-close" part="close" aria-label={t.dismiss().clone()} onclick={dismiss}>{ "×" }</button>
                </div>
            }
        }
        None => html! { <div class="kuki-notice" role="note">{ body }</div> },
    }
}

use crate::components::Shared;
use kuki_core::Lang;
use yew::prelude::*;

use crate::i18n::Texts;
use crate::state::Notice;

pub struct NoticesProps {
    pub notices: Vec<Notice>,
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    /// At the top of the viewport (the banner holds the bottom), else at the bottom.
    pub top: bool,
    /// The floating settings button holds the bottom right corner: the notices stand above it.
    pub above_button: bool,
    pub ondismiss: Callback<Notice>,
    /// Shown first: the coming policy change, for a visitor who already chose.
    pub children: Html,
}

/// Short, dismissible notices as small toasts in a corner (the right one, as wide as their text and never the
/// whole width on a wide screen, so a page's footer links stay clear): the login warning after "reject all",
/// A view function (see the module `components`).
/// cookies blocked by the browser, an erasure that failed.
pub fn notices(props: &NoticesProps) -> Html {
    let t = &props.texts;
    let items = props.notices.iter().map(|&n| {
        let text = match n {
            Notice::LoginAfterRefusal => t.login_after_reject().clone(),
            Notice::CookiesBlocked => t.cookies_blocked().clone(),
            Notice::EraseFailed => t.erase_failed().clone(),
        };
        let onclick = {
            let cb = props.ondismiss.clone();
            Callback::from(move |_: MouseEvent| cb.emit(n))
        };
        html! {
            <div class="kuki-toast" part="notice" role="status">
                <p class="kuki-text">{ text }</p>
                <button type="button" class="kuki-close" part="close" aria-label={t.dismiss().clone()} {onclick}>{ "×" }</button>
            </div>
        }
    });
    let class = classes!("kuki-toasts", props.top.then_some("kuki-top"), props.above_button.then_some("kuki-lifted"));
    html! { <div {class} aria-live="polite">{ props.children.clone() }{ for items }</div> }
}

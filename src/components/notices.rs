use kuki_core::Lang;
use std::rc::Rc;
use yew::prelude::*;

use crate::i18n::Texts;
use crate::state::Notice;

#[derive(Properties, PartialEq)]
pub struct NoticesProps {
    pub notices: Vec<Notice>,
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Rc<Texts>,
    /// At the top of the viewport (the banner holds the bottom), else at the bottom, clear of the page's header.
    pub top: bool,
    pub ondismiss: Callback<Notice>,
}

/// Short, dismissible notices: the login warning after "reject all", and cookies blocked by the browser.
#[component]
pub fn Notices(props: &NoticesProps) -> Html {
    let t = &props.texts;
    let items = props.notices.iter().map(|&n| {
        let text = match n {
            Notice::LoginAfterRefusal => t.login_after_reject.clone(),
            Notice::CookiesBlocked => t.cookies_blocked.clone(),
            Notice::EraseFailed => t.erase_failed.clone(),
        };
        let onclick = {
            let cb = props.ondismiss.clone();
            Callback::from(move |_: MouseEvent| cb.emit(n))
        };
        html! {
            <div class="kuki-toast" part="notice" role="status">
                <p class="kuki-text">{ text }</p>
                <button type="button" class="kuki-close" part="close" aria-label={t.dismiss.clone()} {onclick}>{ "×" }</button>
            </div>
        }
    });
    html! { <div class={classes!("kuki-toasts", props.top.then_some("kuki-top"))} aria-live="polite">{ for items }</div> }
}

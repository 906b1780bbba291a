use kuki_core::Lang;
use yew::prelude::*;

use crate::i18n::texts;
use crate::state::Notice;

#[derive(Properties, PartialEq)]
pub struct NoticesProps {
    pub notices: Vec<Notice>,
    pub lang: Lang,
    /// At the top of the viewport (the banner holds the bottom), else at the bottom, clear of the page's header.
    pub top: bool,
    pub ondismiss: Callback<Notice>,
}

/// Short, dismissible notices: the login warning after "reject all", and cookies blocked by the browser.
#[component]
pub fn Notices(props: &NoticesProps) -> Html {
    let t = texts(props.lang);
    let items = props.notices.iter().map(|&n| {
        let text = match n {
            Notice::LoginAfterRefusal => t.login_after_reject,
            Notice::CookiesBlocked => t.cookies_blocked,
            Notice::EraseFailed => t.erase_failed,
        };
        let onclick = {
            let cb = props.ondismiss.clone();
            Callback::from(move |_: MouseEvent| cb.emit(n))
        };
        html! {
            <div class="kuki-toast" role="status">
                <p class="kuki-text">{ text }</p>
                <button type="button" class="kuki-close" aria-label={t.dismiss} {onclick}>{ "×" }</button>
            </div>
        }
    });
    html! { <div class={classes!("kuki-toasts", props.top.then_some("kuki-top"))} aria-live="polite">{ for items }</div> }
}

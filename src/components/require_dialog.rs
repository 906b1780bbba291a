use kuki_core::Lang;
use yew::prelude::*;

use crate::components::on_click;

use crate::components::Dialog;
use crate::i18n::texts;

#[derive(Properties, PartialEq)]
pub struct LoginWarningProps {
    pub lang: Lang,
    pub onallow: Callback<()>,
    pub oncancel: Callback<()>,
}

/// At the moment it matters: the visitor tries to log in while the category login needs is refused.
#[component]
pub fn LoginWarning(props: &LoginWarningProps) -> Html {
    let t = texts(props.lang);
    html! {
        <Dialog role="alertdialog" class="kuki-login" labelledby="kuki-login-title"
            describedby={AttrValue::Static("kuki-login-body")} onclose={props.oncancel.clone()}>
            <h2 id="kuki-login-title" class="kuki-title">{ t.login_title }</h2>
            <p id="kuki-login-body" class="kuki-text">{ t.login_body }</p>
            <div class="kuki-actions">
                <button type="button" class="kuki-btn" onclick={on_click(&props.onallow)}>{ t.allow_and_continue }</button>
                <button type="button" class="kuki-btn" onclick={on_click(&props.oncancel)}>{ t.cancel }</button>
            </div>
        </Dialog>
    }
}

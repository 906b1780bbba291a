use crate::components::Shared;
use kuki_core::{Category, Lang};
use yew::prelude::*;

use crate::components::{on_click, Dialog};
use crate::i18n::Texts;

pub struct RequireDialogProps {
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    /// The category the page needs.
    pub category: Category,
    /// Login needs it: the policy's own warning, at the moment it matters.
    pub login: bool,
    /// No choice was made yet: refusing is offered as plainly as allowing, and recorded.
    pub first: bool,
    pub onallow: Callback<()>,
    pub onrefuse: Callback<()>,
    /// Escape: no answer but "not now" (nothing recorded).
    pub onclose: Callback<()>,
}

/// The page needs a category the visitor has not allowed: the dialog names it and its purpose, and asks. For a
/// category login needs, it says what the policy says: refusing can make services that need login hard to use.
/// A view function (see the module `components`).
pub fn require_dialog(props: &RequireDialogProps) -> Html {
    let t = &props.texts;
    let name = props.category.name.get(props.lang);
    let (title, body, allow) = if props.login {
        (t.login_title().to_string(), t.login_body().to_string(), t.allow_and_continue().clone())
    } else {
        (t.require_title().replace("{category}", name), t.require_body().replace("{category}", name), t.allow().clone())
    };
    let refuse = if props.first || !props.login { t.refuse().clone() } else { t.cancel().clone() };
    let purpose = props.category.description.get(props.lang);
    html! {
        <Dialog role="alertdialog" class="kuki-login" part="login-warning" labelledby="kuki-require-title"
            describedby={AttrValue::Static("kuki-require-body")} onclose={props.onclose.clone()}>
            <h2 id="kuki-require-title" class="kuki-title" part="title">{ title }</h2>
            <div id="kuki-require-body">
                <p class="kuki-text" part="text">{ body }</p>
                if !purpose.is_empty() {
                    <p class="kuki-text"><strong>{ name }</strong>{ ": " }{ purpose }</p>
                }
            </div>
            <div class="kuki-actions" part="actions">
                <button type="button" class="kuki-btn" part="button allow" onclick={on_click(&props.onallow)}>{ allow }</button>
                <button type="button" class="kuki-btn" part="button refuse" onclick={on_click(&props.onrefuse)}>{ refuse }</button>
            </div>
        </Dialog>
    }
}

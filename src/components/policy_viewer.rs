use kuki_core::Lang;
use yew::prelude::*;

use crate::components::Dialog;
use crate::i18n::texts;

#[derive(Properties, PartialEq)]
pub struct PolicyViewerProps {
    pub lang: Lang,
    #[prop_or_default]
    pub section: Option<String>,
    pub onclose: Callback<()>,
}

/// The whole privacy policy in a dialog.
#[component]
pub fn PolicyViewer(props: &PolicyViewerProps) -> Html {
    let t = texts(props.lang);
    let onclick = {
        let cb = props.onclose.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <Dialog class="kuki-policy" labelledby="kuki-policy-title" onclose={props.onclose.clone()}>
            <div class="kuki-dialog-head">
                <h2 id="kuki-policy-title" class="kuki-title">{ t.policy_title }</h2>
                <button type="button" class="kuki-close" aria-label={t.close} {onclick}>{ "×" }</button>
            </div>
            <div class="kuki-scroll kuki-doc"></div>
        </Dialog>
    }
}

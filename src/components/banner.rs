use crate::components::Shared;
use kuki_core::gui::{Gui, Horizontal, Layout, Vertical};
use kuki_core::Lang;
use yew::prelude::*;

use crate::components::{on_click, on_link, Dialog};
use crate::i18n::Texts;

pub struct BannerProps {
    pub lang: Lang,
    /// kuki's texts in that language, for this site.
    pub texts: Shared<Texts>,
    /// Its layout and position (`guiOptions.consentModal`).
    pub gui: Gui,
    /// `disablePageInteraction`: a backdrop blocks the page until the visitor chooses.
    pub blocking: bool,
    /// Why it asks again (a material policy change took effect), if it does.
    pub reason: Option<AttrValue>,
    pub onaccept: Callback<()>,
    pub onreject: Callback<()>,
    pub oncustomise: Callback<()>,
    pub onpolicy: Callback<()>,
    /// Shown above the buttons: the coming policy change, if any.
    pub notice: Html,
}

/// The first layer: three buttons of equal weight, so refusing is exactly as easy as accepting. A `box` in a
/// corner or on an edge, a `bar` across the screen, or a `modal` in the middle over a backdrop. A view function
/// (see the module `components`).
pub fn banner(props: &BannerProps) -> Html {
    let t = &props.texts;
    let onpolicy = on_link(&props.onpolicy);
    let (layout, modal) = match props.gui.layout {
        Layout::Box => ("kuki-box", props.blocking),
        Layout::Bar => ("kuki-bar", props.blocking),
        Layout::Modal => ("kuki-centred", true),
    };
    let v = match props.gui.position.v {
        Vertical::Top => " kuki-at-top",
        Vertical::Middle => " kuki-at-middle",
        Vertical::Bottom => "",
    };
    let h = match props.gui.position.h {
        Horizontal::Left => " kuki-at-left",
        Horizontal::Center => "",
        Horizontal::Right => " kuki-at-right",
    };
    let class = ["kuki-banner ", layout, v, h].concat();
    html! {
        <Dialog class={class} part="banner" {modal} labelledby="kuki-banner-title" describedby={AttrValue::Static("kuki-banner-body")}>
            <h2 id="kuki-banner-title" class="kuki-title" part="title">{ t.banner_title().clone() }</h2>
            <p id="kuki-banner-body" class="kuki-text" part="text">
                { t.banner_body().clone() }{ " " }
                <a href="#kuki-policy" class="kuki-link" part="link" onclick={onpolicy}>{ t.policy_link().clone() }</a>
            </p>
            if let Some(reason) = &props.reason {
                <p class="kuki-notice" part="notice reason">{ reason }</p>
            }
            { props.notice.clone() }
            <div class="kuki-actions" part="actions">
                <button type="button" class="kuki-btn" part="button accept" onclick={on_click(&props.onaccept)}>{ t.accept_all().clone() }</button>
                <button type="button" class="kuki-btn" part="button reject" onclick={on_click(&props.onreject)}>{ t.reject_all().clone() }</button>
                <button type="button" class="kuki-btn" part="button customise" onclick={on_click(&props.oncustomise)}>{ t.customise().clone() }</button>
            </div>
        </Dialog>
    }
}

use kuki_core::gui::Side;
use yew::prelude::*;

use crate::components::on_click;

pub struct SettingsButtonProps {
    /// Its bottom corner.
    pub side: Side,
    /// "Cookie settings" in the visitor's language: the button's accessible name and tooltip.
    pub label: AttrValue,
    pub onopen: Callback<()>,
}

/// The way back that never depends on the host page: after a choice, a small round button in a bottom corner
/// opens the preferences, where the visitor changes or withdraws the choice.
pub fn settings_button(props: &SettingsButtonProps) -> Html {
    let class = match props.side {
        Side::Left => "kuki-fab",
        Side::Right => "kuki-fab kuki-at-right",
    };
    html! {
        <button type="button" {class} part="settings-button" aria-label={props.label.clone()} title={props.label.clone()}
            aria-haspopup="dialog" onclick={on_click(&props.onopen)}>
            // A cookie: a round biscuit with three chips.
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
                <path fill="currentColor" fill-rule="evenodd" d="M12 2a10 10 0 1 0 10 10 4 4 0 0 1-5-5 4 4 0 0 1-5-5zm-3.5 7a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm6 4a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm-5 3.5a1 1 0 1 1 0 2 1 1 0 0 1 0-2z" />
            </svg>
        </button>
    }
}

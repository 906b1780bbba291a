//! One yew component per file. Components only render what they are given and call back upward; they make no
//! browser calls while rendering (focus handling lives in `dialog.rs`'s effects and key handler), except for
//! formatting a date through the browser's Intl (`browser::local_time`), a pure read.

pub mod banner;
pub mod category_switch;
pub mod cookie_details;
pub mod dialog;
pub mod notices;
pub mod placeholder;
pub mod policy_notice;
pub mod policy_viewer;
pub mod preferences;
pub mod record;
pub mod require_dialog;
pub mod root;
pub mod settings_button;

pub use banner::Banner;
pub use category_switch::CategorySwitch;
pub use cookie_details::CookieDetails;
pub use dialog::Dialog;
pub use notices::Notices;
pub use placeholder::Placeholder;
pub use policy_notice::PolicyNotice;
pub use policy_viewer::PolicyViewer;
pub use preferences::Preferences;
pub use record::ConsentRecord;
pub use require_dialog::RequireDialog;
pub use root::Root;
pub use settings_button::SettingsButton;

use yew::{Callback, MouseEvent};

/// A click handler that tells `cb`.
pub fn on_click(cb: &Callback<()>) -> Callback<MouseEvent> {
    let cb = cb.clone();
    Callback::from(move |_: MouseEvent| cb.emit(()))
}

/// A link's click handler that tells `cb` instead of following the link (the `href` is there for the
/// no-JavaScript reader and for "open in new tab").
pub fn on_link(cb: &Callback<()>) -> Callback<MouseEvent> {
    let cb = cb.clone();
    Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        cb.emit(())
    })
}

//! One piece of the interface per file (a component or a view function, below). Each only renders what it is
//! given and calls back upward; none makes browser calls while rendering (focus handling lives in `dialog.rs`'s
//! effects and key handler), except for formatting a date through the browser's Intl (`browser::local_time`), a
//! pure read.
//!
//! One file per piece of the interface. A piece with no hooks that its parent renders is a view function,
//! `name(&NameProps) -> Html`, not a `#[component]`: every component type brings yew's generic code for mounting,
//! diffing and scheduling it into the bundle (5.0 KiB brotli for the eight made view functions, issue 8). All but
//! `cookie_details` re-rendered with their parent anyway, their props holding callbacks made anew at each render;
//! yew's diff keeps the DOM as it was. Components remain where there are hooks (`root`, `dialog`,
//! `policy_viewer`) and where yew mounts one as an app (`placeholder`).

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

pub use banner::{banner, BannerProps};
pub use category_switch::{category_switch, CategorySwitchProps};
pub use cookie_details::{cookie_details, CookieDetailsProps};
pub use dialog::Dialog;
pub use notices::{notices, NoticesProps};
pub use placeholder::Placeholder;
pub use policy_notice::{policy_notice, PolicyNoticeProps};
pub use policy_viewer::PolicyViewer;
pub use preferences::{preferences, PreferencesProps};
pub use record::{consent_record, ConsentRecordProps};
pub use require_dialog::{require_dialog, RequireDialogProps};
pub use root::Root;
pub use settings_button::{settings_button, SettingsButtonProps};

use std::ops::Deref;
use std::rc::Rc;
use yew::{Callback, MouseEvent};

/// A value shared between props, compared by identity: the config and the texts are built once per config and
/// language and passed down by `Rc`, so the same `Rc` means the same value. `Rc`'s own `==` would compare them
/// field by field, and that comparison code (the whole config with its policy documents) is bytes in the bundle.
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

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

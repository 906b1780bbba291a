//! The banner's first frame, rendered ahead of time with yew's `ssr` feature, so a first visit sees the banner
//! without waiting for the wasm.
//!
//! `make bundle` runs the `kuki-frames` tool (`src/bin/frames.rs`, this module behind the `ssr` feature), which
//! writes `pkg/loader.json`: what the loader (`www/kuki.js`) must know before the wasm, taken from the Rust that
//! defines it (the default cookie name, the built-in languages, Consent Mode's `consent default`), and `frame`:
//! `{"css", "html": {"ko", "en"}}`, the minified stylesheet once and per built-in language the HTML that [`Root`]
//! renders for a first visit under the built-in configuration. `scripts/assemble-dist.sh` puts that object into
//! the served loader (its `var BUILT` line), so the banner costs no request after the loader's own: the loader
//! paints the frame into kuki's shadow root with the stylesheet while it runs, when nothing can make the app
//! render anything else (no `data-config`, no stored choice, cookies on: README, "The first frame");
//! [`crate::mount`] then renders the app beside it and swaps them once rendered.
//!
//! Why not yew's `hydration` feature: it adds 13 KiB brotli to the wasm (155.3 → 168.5 KiB, measured), and the
//! swap gives the same result for a frame this small: the same DOM, replaced in one task, with the click and
//! the focus carried over.

use kuki_core::{Config, Lang};
use std::rc::Rc;

use crate::components::root::{Root, RootProps};
use crate::components::Shared;
use crate::runtime::Runtime;
use crate::state::Boot;

/// The first frame in `lang` for a first visit under `config` at `now` (unix seconds): the HTML inside
/// `.kuki-root`.
pub async fn render(config: Config, lang: Lang, now: u64) -> String {
    let boot = Boot {
        config: Rc::new(config),
        lang,
        gpc: false,
        stored: None,
        now,
        cookies_blocked: false,
        synced: true,
        consent_mode: false,
        consent_default_sent: false,
        consent_update_sent: false,
        notice_seen: None,
    };
    let props = RootProps { runtime: Shared(Runtime::for_first_frame(&boot)), shown: true };
    yew::LocalServerRenderer::<Root>::with_props(props).hydratable(false).render().await
}

/// Does the first frame under `config` depend on the day? (A policy-change notice shows during its window.)
pub fn depends_on_date(config: &Config) -> bool {
    config.next_policy.is_some()
}

/// `pkg/loader.json`: `{"cookie", "langs", "consentDefault", "frame": {"css", "html": {"ko", "en"}, "choice":
/// {"accept", "reject"}} | null, "returning"}` ([`returning`]). `choice`: the cookie attributes the loader writes a choice made on the frame
/// with (`kuki_core::cookie::FrameChoice`), kept as long as the app keeps that choice's record.
/// Everything from `config`, the built-in configuration the frames were rendered under.
pub fn json(config: &Config, frames: Option<&[(Lang, String)]>) -> String {
    use kuki_core::category::{consent_mode_values, CONSENT_MODE_WAIT_MS};
    let mut consent_default: serde_json::Map<String, serde_json::Value> =
        consent_mode_values(|_| false).into_iter().map(|(ty, v)| (ty.to_string(), v.into())).collect();
    consent_default.insert("wait_for_update".into(), CONSENT_MODE_WAIT_MS.into());
    let frame = frames.map(|frames| {
        let html: serde_json::Map<String, serde_json::Value> =
            frames.iter().map(|(lang, h)| (lang.as_str().to_string(), h.clone().into())).collect();
        let opts = &config.cookie;
        let attributes = |refuses: bool| kuki_core::cookie::attributes(opts, opts.kept_secs(refuses));
        serde_json::json!({
            "css": crate::style::CSS,
            "html": html,
            "choice": { "accept": attributes(false), "reject": attributes(true) },
        })
    });
    serde_json::json!({
        "cookie": config.cookie.name,
        "langs": Lang::ALL.iter().map(Lang::as_str).collect::<Vec<_>>(),
        "consentDefault": consent_default,
        "frame": frame,
        "returning": returning(config),
    })
    .to_string()
}

/// What the loader needs to read a returning visitor's stored record itself and run the scripts it allows before
/// the wasm (`www/kuki.js`, "a standing choice"): what [`kuki_core::consent::status`] compares under `config`
/// (its revision, its categories in order, how long a choice is kept), the blocked scripts' time limit, and Consent
/// Mode's types with the category each follows (`null`: always granted). `null` where the loader could not decide
/// as the app does: a coming policy change (the app may ask again) or services (format `2`).
fn returning(config: &Config) -> serde_json::Value {
    use kuki_core::category::CONSENT_MODE_TYPES;
    if config.next_policy.is_some() || config.categories.iter().any(|c| !c.services.is_empty()) {
        return serde_json::Value::Null;
    }
    let opts = &config.cookie;
    let consent_mode: serde_json::Map<String, serde_json::Value> =
        CONSENT_MODE_TYPES.iter().map(|(ty, category)| (ty.to_string(), (*category).into())).collect();
    serde_json::json!({
        "revision": config.revision,
        "categories": config.categories.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        "keep": { "accept": opts.kept_secs(false), "reject": opts.kept_secs(true) },
        "scriptTimeout": config.script_timeout_ms,
        "consentMode": consent_mode,
    })
}

//! The banner's first frame, rendered ahead of time with yew's `ssr` feature, so a first visit sees the banner
//! without waiting for the wasm.
//!
//! `make bundle` runs the `kuki-frames` tool (`src/bin/frames.rs`, this module behind the `ssr` feature), which
//! writes `pkg/frame.<lang>.json` per built-in language: `{"lang", "css", "html"}`, the HTML being exactly what
//! [`Root`] renders for a first visit under the built-in configuration. The loader (`www/kuki.js`) paints it into
//! kuki's shadow root with the stylesheet when nothing can make the app render anything else (no `data-config`,
//! no stored choice, cookies on: docs/contract.md lists the conditions); [`crate::mount`] then renders the app
//! beside it and swaps them once rendered.
//!
//! Why not yew's `hydration` feature: it adds 13 KiB brotli to the wasm (155.3 → 168.5 KiB, measured), and the
//! swap gives the same result for a frame this small: the same DOM, replaced in one task, with the click and
//! the focus carried over.

use kuki_core::{Config, Lang};
use std::rc::Rc;

use crate::components::root::{Root, RootProps, RuntimeRef};
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
        notice_seen: None,
    };
    let props = RootProps { runtime: RuntimeRef(Runtime::for_first_frame(&boot)), shown: true };
    yew::LocalServerRenderer::<Root>::with_props(props).hydratable(false).render().await
}

/// Does the first frame under `config` depend on the day? (A policy-change notice shows during its window.)
pub fn depends_on_date(config: &Config) -> bool {
    config.next_policy.is_some()
}

/// The frame file's JSON: `{"css":"...","html":"...","lang":"ko"}`.
pub fn json(lang: Lang, html: &str) -> String {
    serde_json::json!({ "lang": lang.as_str(), "css": minify_css(crate::mount::CSS), "html": html }).to_string()
}

/// The stylesheet without its comments and runs of white space: every first visit downloads it. (kuki's CSS has
/// no strings or URLs that could hold `/*`.)
fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(open) = rest.find("/*") {
        out.push_str(&rest[..open]);
        rest = rest[open + 2..].find("*/").map_or("", |close| &rest[open + 2 + close + 2..]);
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_css_loses_comments_and_spaces_only() {
        assert_eq!(minify_css("/* a */ .x {\n  color: red; /* b */\n}\n"), ".x { color: red; }");
    }
}

//! The languages kuki speaks. Korean is the default; English when the browser prefers it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ko,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ko, Lang::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// Parses a language tag such as `ko`, `ko-KR`, `en-US` or `EN`. Anything else is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        if primary.eq_ignore_ascii_case("ko") {
            Some(Lang::Ko)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Picks the language for a visitor: an explicit override wins, then the first of the browser's preferred
    /// languages that kuki speaks, then the site's default.
    pub fn negotiate<'a>(
        explicit: Option<&str>,
        preferred: impl IntoIterator<Item = &'a str>,
        site_default: Lang,
    ) -> Lang {
        if let Some(lang) = explicit.and_then(Lang::from_tag) {
            return lang;
        }
        preferred.into_iter().find_map(Lang::from_tag).unwrap_or(site_default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn region_subtags_and_case_are_ignored() {
        assert_eq!(Lang::from_tag("ko-KR"), Some(Lang::Ko));
        assert_eq!(Lang::from_tag("EN_gb"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag(""), None);
    }

    #[test]
    fn an_explicit_language_beats_the_browser() {
        assert_eq!(Lang::negotiate(Some("en"), ["ko-KR"], Lang::Ko), Lang::En);
    }

    #[test]
    fn the_first_spoken_browser_language_wins() {
        assert_eq!(Lang::negotiate(None, ["fr-FR", "en-US", "ko"], Lang::Ko), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), ["de"], Lang::Ko), Lang::Ko);
    }
}

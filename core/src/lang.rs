//! The languages kuki speaks: Korean and English are built in (Korean first); a site may bring kuki's texts in
//! any other language (config `texts`), which kuki then speaks too.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A language, held as its primary subtag: two or three lowercase ASCII letters (`ko-KR` and `KO` are `ko`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang {
    tag: [u8; 3],
    len: u8,
}

impl Default for Lang {
    fn default() -> Self {
        Lang::Ko
    }
}

#[allow(non_upper_case_globals)]
impl Lang {
    pub const Ko: Lang = Lang { tag: *b"ko\0", len: 2 };
    pub const En: Lang = Lang { tag: *b"en\0", len: 2 };
    /// The languages kuki has all its texts in.
    pub const ALL: [Lang; 2] = [Lang::Ko, Lang::En];

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.tag[..usize::from(self.len)]).unwrap_or("en")
    }

    /// Korean or English, whose texts kuki carries itself.
    pub fn is_built_in(self) -> bool {
        self == Lang::Ko || self == Lang::En
    }

    /// Parses a language tag such as `ko`, `ko-KR`, `en-US`, `EN` or `fr-CA` to its primary subtag. Anything that
    /// does not start with two or three ASCII letters is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        let bytes = primary.as_bytes();
        if !(2..=3).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let mut tag = [0u8; 3];
        for (slot, b) in tag.iter_mut().zip(bytes) {
            *slot = b.to_ascii_lowercase();
        }
        Some(Lang { tag, len: bytes.len() as u8 })
    }

    /// Picks the language for a visitor among `available`: an explicit request wins when kuki has it, then the
    /// first of the browser's preferred languages it has, then the site's default, then English. The second value
    /// is an explicit request that was not available (to be warned about).
    pub fn negotiate<'a>(
        explicit: Option<&'a str>,
        preferred: impl IntoIterator<Item = &'a str>,
        available: &[Lang],
        site_default: Option<Lang>,
    ) -> (Lang, Option<&'a str>) {
        let has = |l: &Lang| available.contains(l);
        let mut refused = None;
        if let Some(tag) = explicit {
            match Lang::from_tag(tag).filter(has) {
                Some(lang) => return (lang, None),
                None => refused = Some(tag),
            }
        }
        let lang =
            preferred.into_iter().filter_map(Lang::from_tag).find(has).or(site_default.filter(has)).unwrap_or(Lang::En);
        (lang, refused)
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Lang {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Lang::from_tag(&s)
            .filter(|l| l.as_str() == s)
            .ok_or_else(|| serde::de::Error::custom("a language is two or three lowercase letters (ko, en, fr)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const BUILT_IN: &[Lang] = &Lang::ALL;

    fn fr() -> Lang {
        Lang::from_tag("fr").unwrap()
    }

    #[test]
    fn region_subtags_and_case_are_ignored() {
        assert_eq!(Lang::from_tag("ko-KR"), Some(Lang::Ko));
        assert_eq!(Lang::from_tag("EN_gb"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr-CA").unwrap().as_str(), "fr");
        assert_eq!(Lang::from_tag(""), None);
        assert_eq!(Lang::from_tag("x"), None);
        assert_eq!(Lang::from_tag("english"), None);
        assert_eq!(Lang::from_tag("1a"), None);
    }

    #[test]
    fn an_explicit_language_beats_the_browser() {
        assert_eq!(Lang::negotiate(Some("en"), ["ko-KR"], BUILT_IN, None), (Lang::En, None));
    }

    #[test]
    fn the_first_available_browser_language_wins() {
        assert_eq!(Lang::negotiate(None, ["fr-FR", "en-US", "ko"], BUILT_IN, Some(Lang::Ko)).0, Lang::En);
    }

    #[test]
    fn a_language_kuki_lacks_falls_to_the_site_default_then_english() {
        assert_eq!(Lang::negotiate(None, ["fr", "de"], BUILT_IN, None), (Lang::En, None));
        assert_eq!(Lang::negotiate(None, ["fr", "de"], BUILT_IN, Some(Lang::Ko)), (Lang::Ko, None));
        assert_eq!(Lang::negotiate(Some("xx"), ["de"], BUILT_IN, Some(Lang::Ko)), (Lang::Ko, Some("xx")));
    }

    #[test]
    fn a_language_the_site_brings_is_spoken() {
        let available = [Lang::Ko, Lang::En, fr()];
        assert_eq!(Lang::negotiate(None, ["fr-FR", "en"], &available, None).0, fr());
        assert_eq!(Lang::negotiate(Some("fr"), ["ko"], &available, None), (fr(), None));
    }
}

//! Cookie categories. The four defaults come from the privacy policy of 나와의 대화
//! (`shared/seed/privacy-policy.ko.txt`): the consent record itself and security, staying logged in
//! ("refusing cookies can make services that need login hard to use"), usage records and statistics, and events,
//! advertising and targeted offers.

pub use crate::token::CategoryId;
use crate::Lang;
use serde::{Deserialize, Serialize};

/// A text in Korean and English, and in any other language the site writes it in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    pub ko: String,
    pub en: String,
    /// Other languages, by tag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<(Lang, String)>,
}

impl Localized {
    pub fn new(ko: &str, en: &str) -> Self {
        Localized { ko: ko.into(), en: en.into(), other: Vec::new() }
    }

    /// The text in `lang`; in English where the site did not write this one in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        if lang == Lang::Ko {
            return &self.ko;
        }
        self.other.iter().find(|(l, _)| *l == lang).map_or(&self.en, |(_, t)| t)
    }
}

/// One category of cookies and scripts a visitor can accept or refuse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    /// Strictly necessary: always on, shown locked, never asked.
    pub necessary: bool,
    /// Names of the cookies this category sets; a trailing `*` matches a prefix (`_ga*`). Deleted on revocation.
    pub cookies: Vec<String>,
    pub name: Localized,
    pub description: Localized,
}

impl Category {
    /// Does `cookie_name` belong to this category?
    pub fn owns_cookie(&self, cookie_name: &str) -> bool {
        self.cookies.iter().any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => cookie_name.starts_with(prefix),
            None => cookie_name == pattern,
        })
    }
}

pub const NECESSARY: &str = "necessary";
pub const FUNCTIONAL: &str = "functional";
pub const ANALYTICS: &str = "analytics";
pub const MARKETING: &str = "marketing";

fn id(s: &str) -> CategoryId {
    CategoryId::parse(s).expect("built-in category ids are valid")
}

/// The default categories, in the order the banner shows them.
pub fn defaults() -> Vec<Category> {
    vec![
        Category {
            id: id(NECESSARY),
            necessary: true,
            cookies: vec![],
            name: Localized::new("필수", "Strictly necessary"),
            description: Localized::new(
                "보안과 이 동의 기록 자체를 위해 필요하며 끌 수 없습니다.",
                "Needed for security and to remember this consent choice. Always on.",
            ),
        },
        Category {
            id: id(FUNCTIONAL),
            necessary: false,
            cookies: vec![],
            name: Localized::new("기능 (로그인 유지)", "Functional (staying logged in)"),
            description: Localized::new(
                "로그인 상태를 유지하고 로그인이 필요한 서비스를 이용할 수 있게 합니다.",
                "Keeps you logged in, so the services that need login work.",
            ),
        },
        Category {
            id: id(ANALYTICS),
            necessary: false,
            cookies: vec![],
            name: Localized::new("분석 및 통계", "Analytics and statistics"),
            description: Localized::new(
                "서비스 이용기록과 접속 빈도를 분석하여 통계를 내고 서비스를 개선합니다.",
                "Analyses usage records and visit frequency to produce statistics and improve the service.",
            ),
        },
        Category {
            id: id(MARKETING),
            necessary: false,
            cookies: vec![],
            name: Localized::new("마케팅", "Marketing"),
            description: Localized::new(
                "이벤트 정보, 광고성 정보와 관심에 기반한 맞춤형 서비스를 제공합니다.",
                "Event news, advertising and offers tailored to your interests.",
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_defaults_follow_the_policy() {
        let ids: Vec<_> = defaults().into_iter().map(|c| c.id.to_string()).collect();
        assert_eq!(ids, [NECESSARY, FUNCTIONAL, ANALYTICS, MARKETING]);
        assert!(defaults()[0].necessary);
        assert!(defaults()[1..].iter().all(|c| !c.necessary));
    }

    #[test]
    fn cookie_patterns_match_names_and_prefixes() {
        let mut c = defaults().remove(2);
        c.cookies = vec!["_ga*".into(), "_gid".into()];
        assert!(c.owns_cookie("_ga_XYZ"));
        assert!(c.owns_cookie("_gid"));
        assert!(!c.owns_cookie("_gidx"));
        assert!(!c.owns_cookie("session"));
    }
}

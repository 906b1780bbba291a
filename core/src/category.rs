//! Cookie categories. The four defaults come from the privacy policy of 나와의 대화
//! (`shared/seed/privacy-policy.ko.txt`): the consent record itself and security, staying logged in
//! ("refusing cookies can make services that need login hard to use"), usage records and statistics, and events,
//! advertising and targeted offers.

pub use crate::token::{CategoryId, ServiceId};
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
    /// The cookies this category sets, deleted on revocation (with those of its services).
    pub cookies: Vec<Cookie>,
    pub name: Localized,
    pub description: Localized,
    /// Who receives the data ("Google LLC (USA)"), as the preferences show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<Localized>,
    /// The services inside the category, each with its own switch; the category is accepted when one of them is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
}

/// One service inside a category (vanilla-cookieconsent v3's `services`): its own switch, cookies and recipients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: ServiceId,
    pub name: Localized,
    pub description: Localized,
    pub cookies: Vec<Cookie>,
    pub recipients: Option<Localized>,
}

/// First-party (this site's) or third-party cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Party {
    First,
    Third,
}

/// Which cookie names a listed cookie covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CookieName {
    Exact(String),
    /// `_ga*`: every name starting with the prefix.
    Prefix(String),
    /// A JavaScript RegExp, as its source and flags (checked characters, not compiled: core carries no regex
    /// engine; the browser matches with its own).
    Pattern {
        source: String,
        flags: String,
    },
}

impl CookieName {
    /// Does `name` match? `regex(source, flags, name)` answers for a pattern.
    pub fn matches(&self, name: &str, regex: &dyn Fn(&str, &str, &str) -> bool) -> bool {
        match self {
            CookieName::Exact(n) => n == name,
            CookieName::Prefix(p) => name.starts_with(p.as_str()),
            CookieName::Pattern { source, flags } => regex(source, flags, name),
        }
    }

    /// As a site writes it: `_gid`, `_ga*`, `/^_ga/i`.
    pub fn display(&self) -> String {
        match self {
            CookieName::Exact(n) => n.clone(),
            CookieName::Prefix(p) => [p.as_str(), "*"].concat(),
            CookieName::Pattern { source, flags } => ["/", source.as_str(), "/", flags.as_str()].concat(),
        }
    }
}

/// A cookie as the preferences list it: its name (or pattern), and what the site says about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cookie {
    pub name: CookieName,
    pub purpose: Option<Localized>,
    pub lifetime: Option<Localized>,
    pub party: Option<Party>,
}

impl Cookie {
    pub fn named(name: CookieName) -> Cookie {
        Cookie { name, purpose: None, lifetime: None, party: None }
    }
}

impl Category {
    /// Does `cookie_name` belong to this category or one of its services? `regex` answers for patterns.
    pub fn owns_cookie(&self, cookie_name: &str, regex: &dyn Fn(&str, &str, &str) -> bool) -> bool {
        self.cookies
            .iter()
            .chain(self.services.iter().flat_map(|s| &s.cookies))
            .any(|c| c.name.matches(cookie_name, regex))
    }

    /// Does `cookie_name` belong to the service `service` of this category?
    pub fn service_owns_cookie(
        &self,
        service: &str,
        cookie_name: &str,
        regex: &dyn Fn(&str, &str, &str) -> bool,
    ) -> bool {
        self.service(service).is_some_and(|s| s.cookies.iter().any(|c| c.name.matches(cookie_name, regex)))
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id.as_str() == id)
    }
}

pub const NECESSARY: &str = "necessary";
pub const FUNCTIONAL: &str = "functional";
pub const ANALYTICS: &str = "analytics";
pub const MARKETING: &str = "marketing";

/// Google Consent Mode v2: its seven consent types and the category each follows (`None`: always granted). The
/// browser app sends them; `make bundle` gives the loader the same list for the `consent default` it sends first.
pub const CONSENT_MODE_TYPES: [(&str, Option<&str>); 7] = [
    ("ad_storage", Some(MARKETING)),
    ("ad_user_data", Some(MARKETING)),
    ("ad_personalization", Some(MARKETING)),
    ("analytics_storage", Some(ANALYTICS)),
    ("functionality_storage", Some(FUNCTIONAL)),
    ("personalization_storage", Some(FUNCTIONAL)),
    ("security_storage", None),
];

/// How long Consent Mode's `consent default` asks tags to wait for the visitor's `consent update` (ms).
pub const CONSENT_MODE_WAIT_MS: u32 = 500;

/// Each Consent Mode type with `"granted"` or `"denied"`: granted when its category is (`granted(category)`),
/// `security_storage` always. `consent default` is `consent_mode_values(|_| false)`.
pub fn consent_mode_values(granted: impl Fn(&str) -> bool) -> [(&'static str, &'static str); 7] {
    CONSENT_MODE_TYPES.map(|(ty, category)| (ty, if category.is_none_or(&granted) { "granted" } else { "denied" }))
}

/// One of the built-in category ids (a test parses them all). Not `Result::expect`: it would bring String's Debug
/// (escaping) into the wasm.
pub(crate) fn id(s: &str) -> CategoryId {
    match CategoryId::parse(s) {
        Ok(id) => id,
        Err(_) => panic!("built-in category ids are valid"),
    }
}

/// The default categories, in the order the banner shows them.
pub fn defaults() -> Vec<Category> {
    vec![
        Category {
            id: id(NECESSARY),
            necessary: true,
            cookies: vec![],
            recipients: None,
            services: vec![],
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
            recipients: None,
            services: vec![],
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
            recipients: None,
            services: vec![],
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
            recipients: None,
            services: vec![],
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
    fn consent_mode_grants_a_type_with_its_category_and_security_storage_always() {
        fn granted(v: [(&'static str, &'static str); 7]) -> Vec<&'static str> {
            v.iter().filter(|(_, g)| *g == "granted").map(|(t, _)| *t).collect()
        }
        assert_eq!(granted(consent_mode_values(|_| false)), ["security_storage"]);
        assert_eq!(granted(consent_mode_values(|c| c == ANALYTICS)), ["analytics_storage", "security_storage"]);
        assert_eq!(granted(consent_mode_values(|_| true)).len(), 7);
    }

    #[test]
    fn the_defaults_follow_the_policy() {
        let ids: Vec<_> = defaults().into_iter().map(|c| c.id.to_string()).collect();
        assert_eq!(ids, [NECESSARY, FUNCTIONAL, ANALYTICS, MARKETING]);
        assert!(defaults()[0].necessary);
        assert!(defaults()[1..].iter().all(|c| !c.necessary));
    }

    #[test]
    fn cookie_patterns_match_names_prefixes_and_patterns() {
        let mut c = defaults().remove(2);
        c.cookies = vec![
            Cookie::named(CookieName::Prefix("_ga".into())),
            Cookie::named(CookieName::Exact("_gid".into())),
            Cookie::named(CookieName::Pattern { source: "^_hj".into(), flags: "i".into() }),
        ];
        // A stand-in for the browser's engine: `^x` as a prefix, nothing else.
        let regex = |source: &str, _: &str, name: &str| source.strip_prefix('^').is_some_and(|p| name.starts_with(p));
        assert!(c.owns_cookie("_ga_XYZ", &regex));
        assert!(c.owns_cookie("_gid", &regex));
        assert!(c.owns_cookie("_hjSession", &regex));
        assert!(!c.owns_cookie("_gidx", &regex));
        assert!(!c.owns_cookie("session", &regex));
        assert_eq!(c.cookies[2].name.display(), "/^_hj/i");
    }
}

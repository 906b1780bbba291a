//! The configuration a site passes (`kuki.run(config)` or a `data-config` URL).
//!
//! It arrives as [`RawConfig`], which mirrors the JSON shape and only checks types. [`Config::parse`] is the only
//! way to a [`Config`]: it checks every rule and names the offending field in its error, so a site developer
//! reads `categories[2].id: a category id "Ads" has a character that is not allowed` in the console.

use crate::category::{self, Category, CategoryId, Localized};
use crate::policy::{self, PolicyDocument, RawSitePolicy, SitePolicy};
use crate::token::PolicyVersion;
use crate::value::{Obj, Value, ValueError};
use crate::Lang;

/// Days a refusal is remembered by default (6 months).
pub const DEFAULT_REJECT_DAYS: u32 = 182;
/// Days an acceptance is remembered by default (12 months).
pub const DEFAULT_ACCEPT_DAYS: u32 = 365;
/// No choice is kept longer than 13 months, whatever a site asks for.
pub const MAX_DAYS: u32 = 395;
pub const DEFAULT_COOKIE_NAME: &str = "kuki_consent";
const MAX_CATEGORIES: usize = 16;
const MAX_TEXT: usize = 2000;

/// A validated configuration. Build it with [`Config::parse`] or [`Config::default`].
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Bumping the revision asks every visitor again.
    pub revision: u32,
    /// The language when neither `data-lang` nor the browser picks one.
    pub lang: Lang,
    /// In banner order; exactly one or more are `necessary`.
    pub categories: Vec<Category>,
    pub cookie: CookieOptions,
    /// Where consent events are posted; `None` keeps choices in the browser only.
    pub endpoint: Option<String>,
    /// The policy version in force before any `next_policy` takes effect.
    pub policy_version: PolicyVersion,
    /// A coming policy change, announced in advance.
    pub next_policy: Option<NextPolicy>,
    /// The site's own privacy policy; `None` shows kuki's default (see [`Config::policy_document`]).
    pub policy: Option<SitePolicy>,
    /// Google Consent Mode v2: `Some(true)` always, `Some(false)` never, `None` when the page has gtag or dataLayer.
    pub consent_mode: Option<bool>,
    /// Categories that login needs; refusing one of these gets the login warning.
    pub login_categories: Vec<CategoryId>,
    /// How long a blocked external script may take to load before the next ones run without it (milliseconds).
    pub script_timeout_ms: u32,
}

/// The default and the bounds of `scriptTimeout`.
pub const DEFAULT_SCRIPT_TIMEOUT_MS: u32 = 10_000;
const SCRIPT_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 100..=120_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieOptions {
    pub name: String,
    pub domain: Option<String>,
    pub accept_days: u32,
    pub reject_days: u32,
}

impl Default for CookieOptions {
    fn default() -> Self {
        CookieOptions {
            name: DEFAULT_COOKIE_NAME.into(),
            domain: None,
            accept_days: DEFAULT_ACCEPT_DAYS,
            reject_days: DEFAULT_REJECT_DAYS,
        }
    }
}

/// The next version of the privacy policy, announced before it takes effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextPolicy {
    pub version: PolicyVersion,
    /// Unix seconds (UTC midnight of the configured date) when the new text takes effect.
    pub effective_at: u64,
    /// A material change (collected items or purposes): announced 30 days ahead and asks for consent again.
    pub material: bool,
    pub summary: Localized,
    /// Where the new text can be read; `None` opens kuki's policy viewer.
    pub url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            revision: 0,
            lang: Lang::Ko,
            categories: category::defaults(),
            cookie: CookieOptions::default(),
            endpoint: None,
            policy_version: PolicyVersion::parse(crate::policy::DEFAULT_POLICY_VERSION)
                .expect("the default policy version is valid"),
            next_policy: None,
            policy: None,
            consent_mode: None,
            login_categories: vec![CategoryId::parse(category::FUNCTIONAL).expect("valid")],
            script_timeout_ms: DEFAULT_SCRIPT_TIMEOUT_MS,
        }
    }
}

/// A configuration that was refused, with the path of the field at fault (`categories[1].name`).
pub type ConfigError = crate::error::FieldError;

/// The configuration as a site writes it (camelCase JSON). Types are checked by [`RawConfig::from_value`]; rules
/// by [`Config::parse`].
#[derive(Clone, Debug, Default)]
pub struct RawConfig {
    pub revision: Option<u32>,
    pub lang: Option<String>,
    pub categories: Option<Vec<RawCategory>>,
    pub cookie: Option<RawCookie>,
    pub endpoint: Option<String>,
    pub policy_version: Option<String>,
    pub next_policy: Option<RawNextPolicy>,
    /// A document per language; the format is documented in [`crate::policy`].
    pub policy: Option<RawSitePolicy>,
    pub consent_mode: Option<bool>,
    pub login_categories: Option<Vec<String>>,
    pub script_timeout: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct RawCategory {
    pub id: String,
    pub necessary: Option<bool>,
    pub cookies: Option<Vec<String>>,
    pub name: Option<RawText>,
    pub description: Option<RawText>,
}

#[derive(Clone, Debug)]
pub struct RawCookie {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub accept_days: Option<u32>,
    pub reject_days: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct RawNextPolicy {
    pub version: String,
    /// `YYYY-MM-DD`, UTC.
    pub effective_date: String,
    pub material: Option<bool>,
    pub summary: Option<RawText>,
    pub url: Option<String>,
}

/// A text as a site writes it: one string for both languages, or `{ "ko": ..., "en": ... }`.
#[derive(Clone, Debug)]
pub enum RawText {
    One(String),
    Both { ko: Option<String>, en: Option<String> },
}

impl RawConfig {
    /// Reads the JSON shape: types and known fields only; [`Config::parse`] checks the rules.
    pub fn from_value(v: &Value) -> Result<RawConfig, ConfigError> {
        let o = Obj::new(
            v,
            "",
            &[
                "revision",
                "lang",
                "categories",
                "cookie",
                "endpoint",
                "policyVersion",
                "nextPolicy",
                "consentMode",
                "loginCategories",
                "policy",
                "scriptTimeout",
            ],
        )?;
        Ok(RawConfig {
            revision: o.opt_u32("revision")?,
            lang: o.opt_string("lang")?,
            categories: o.opt("categories", |v, p| {
                v.as_arr(p)?
                    .iter()
                    .enumerate()
                    .map(|(i, c)| RawCategory::from_value(c, &crate::value::index(p, i)))
                    .collect()
            })?,
            cookie: o.opt("cookie", RawCookie::from_value)?,
            endpoint: o.opt_string("endpoint")?,
            policy_version: o.opt_string("policyVersion")?,
            next_policy: o.opt("nextPolicy", RawNextPolicy::from_value)?,
            consent_mode: o.opt_bool("consentMode")?,
            login_categories: o.opt("loginCategories", Value::as_strings)?,
            policy: o.opt("policy", RawSitePolicy::from_value)?,
            script_timeout: o.opt_u32("scriptTimeout")?,
        })
    }
}

impl RawCategory {
    fn from_value(v: &Value, path: &str) -> Result<RawCategory, ValueError> {
        let o = Obj::new(v, path, &["id", "necessary", "cookies", "name", "description"])?;
        Ok(RawCategory {
            id: o.req("id", |v, p| v.as_str(p).map(str::to_owned))?,
            necessary: o.opt_bool("necessary")?,
            cookies: o.opt("cookies", Value::as_strings)?,
            name: o.opt("name", RawText::from_value)?,
            description: o.opt("description", RawText::from_value)?,
        })
    }
}

impl RawCookie {
    fn from_value(v: &Value, path: &str) -> Result<RawCookie, ValueError> {
        let o = Obj::new(v, path, &["name", "domain", "acceptDays", "rejectDays"])?;
        Ok(RawCookie {
            name: o.opt_string("name")?,
            domain: o.opt_string("domain")?,
            accept_days: o.opt_u32("acceptDays")?,
            reject_days: o.opt_u32("rejectDays")?,
        })
    }
}

impl RawNextPolicy {
    fn from_value(v: &Value, path: &str) -> Result<RawNextPolicy, ValueError> {
        let o = Obj::new(v, path, &["version", "effectiveDate", "material", "summary", "url"])?;
        Ok(RawNextPolicy {
            version: o.req("version", |v, p| v.as_str(p).map(str::to_owned))?,
            effective_date: o.req("effectiveDate", |v, p| v.as_str(p).map(str::to_owned))?,
            material: o.opt_bool("material")?,
            summary: o.opt("summary", RawText::from_value)?,
            url: o.opt_string("url")?,
        })
    }
}

impl RawText {
    fn from_value(v: &Value, path: &str) -> Result<RawText, ValueError> {
        if let Value::Str(s) = v {
            return Ok(RawText::One(s.clone()));
        }
        let o = Obj::new(v, path, &["ko", "en"])?;
        Ok(RawText::Both { ko: o.opt_string("ko")?, en: o.opt_string("en")? })
    }

    fn parse(self, field: &str) -> Result<Localized, ConfigError> {
        let (ko, en) = match self {
            RawText::One(s) => (Some(s.clone()), Some(s)),
            RawText::Both { ko, en } => (ko.clone().or(en.clone()), en.or(ko)),
        };
        let (ko, en) = match (ko, en) {
            (Some(ko), Some(en)) => (ko, en),
            _ => return Err(ConfigError::new(field, "needs a text in ko or en")),
        };
        for (lang, s) in [("ko", &ko), ("en", &en)] {
            if s.trim().is_empty() {
                return Err(ConfigError::new(format!("{field}.{lang}"), "must not be empty"));
            }
            if s.len() > MAX_TEXT {
                return Err(ConfigError::new(format!("{field}.{lang}"), format!("is longer than {MAX_TEXT} bytes")));
            }
        }
        Ok(Localized { ko, en })
    }
}

impl Config {
    /// Reads and validates a configuration in one step: the browser's (and the tests') way in.
    pub fn from_value(v: &Value) -> Result<Config, ConfigError> {
        Config::parse(RawConfig::from_value(v)?)
    }

    /// Validates a raw configuration. Missing fields take the defaults; any present field that breaks a rule is
    /// an error naming that field.
    pub fn parse(raw: RawConfig) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(revision) = raw.revision {
            config.revision = revision;
        }
        if let Some(lang) = raw.lang {
            config.lang = Lang::from_tag(&lang).ok_or_else(|| ConfigError::new("lang", "must be \"ko\" or \"en\""))?;
        }
        if let Some(raw_categories) = raw.categories {
            config.categories = parse_categories(raw_categories)?;
        }
        if let Some(cookie) = raw.cookie {
            config.cookie = parse_cookie(cookie)?;
        }
        if let Some(endpoint) = raw.endpoint {
            config.endpoint = Some(parse_url("endpoint", endpoint, true)?);
        }
        let version_given = raw.policy_version.is_some();
        if let Some(v) = raw.policy_version {
            config.policy_version = PolicyVersion::parse(&v).map_err(|m| ConfigError::new("policyVersion", m))?;
        }
        if let Some(raw_policy) = raw.policy {
            config.policy = Some(parse_policy(raw_policy, &mut config.policy_version, version_given)?);
        }
        if let Some(next) = raw.next_policy {
            config.next_policy = Some(parse_next_policy(next)?);
        }
        config.consent_mode = raw.consent_mode;
        if let Some(ms) = raw.script_timeout {
            if !SCRIPT_TIMEOUT_RANGE.contains(&ms) {
                return Err(ConfigError::new("scriptTimeout", "must be from 100 to 120000 milliseconds"));
            }
            config.script_timeout_ms = ms;
        }
        config.login_categories = match raw.login_categories {
            Some(ids) => ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let field = format!("loginCategories[{i}]");
                    let id = CategoryId::parse(id).map_err(|m| ConfigError::new(&field, m))?;
                    match config.category(id.as_str()) {
                        Some(c) if c.necessary => Err(ConfigError::new(field, "a necessary category is never refused")),
                        Some(_) => Ok(id),
                        None => Err(ConfigError::new(field, format!("no category {id:?} is declared"))),
                    }
                })
                .collect::<Result<_, _>>()?,
            // The default names `functional`; a site without that category has no login warning unless it says so.
            None => {
                config.login_categories.into_iter().filter(|id| config.categories.iter().any(|c| &c.id == id)).collect()
            }
        };
        Ok(config)
    }

    /// The privacy policy to show in `lang`: the site's own (in the other language if it wrote only one), else
    /// kuki's default.
    pub fn policy_document(&self, lang: Lang) -> &PolicyDocument {
        match &self.policy {
            Some(site) => site.document(lang),
            None => policy::default_document(lang),
        }
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id.as_str() == id)
    }

    /// The categories a visitor can refuse.
    pub fn optional(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| !c.necessary)
    }

    /// The policy version in force at `now` (unix seconds): the announced next version once it takes effect.
    pub fn policy_in_force(&self, now: u64) -> &PolicyVersion {
        match &self.next_policy {
            Some(next) if now >= next.effective_at => &next.version,
            _ => &self.policy_version,
        }
    }
}

/// The site's policy. Its version is the one consents are recorded under, so it must agree with `policyVersion`
/// when the site gives both, and becomes the policy version when the site gives only the document.
fn parse_policy(
    raw: RawSitePolicy,
    policy_version: &mut PolicyVersion,
    version_given: bool,
) -> Result<SitePolicy, ConfigError> {
    let site = SitePolicy::parse(raw).map_err(|e| {
        let field = if e.field.is_empty() { "policy".to_owned() } else { ["policy.", &e.field].concat() };
        ConfigError::new(field, e.message)
    })?;
    let doc = site.document(Lang::Ko);
    if !version_given {
        *policy_version = doc.version.clone();
    } else if doc.version != *policy_version {
        let field = ["policy.", doc.lang.as_str(), ".version"].concat();
        return Err(ConfigError::new(field, "must equal policyVersion (consents record the version shown)"));
    }
    Ok(site)
}

fn parse_categories(raw: Vec<RawCategory>) -> Result<Vec<Category>, ConfigError> {
    if raw.is_empty() {
        return Err(ConfigError::new("categories", "must declare at least one category"));
    }
    if raw.len() > MAX_CATEGORIES {
        return Err(ConfigError::new("categories", format!("at most {MAX_CATEGORIES} categories")));
    }
    let mut out: Vec<Category> = Vec::with_capacity(raw.len());
    for (i, c) in raw.into_iter().enumerate() {
        let at = |f: &str| format!("categories[{i}].{f}");
        let id = CategoryId::parse(&c.id).map_err(|m| ConfigError::new(at("id"), m))?;
        if out.iter().any(|o| o.id == id) {
            return Err(ConfigError::new(at("id"), format!("{id:?} is declared twice")));
        }
        let cookies = c.cookies.unwrap_or_default();
        for (j, name) in cookies.iter().enumerate() {
            let bare = name.strip_suffix('*').unwrap_or(name);
            if bare.is_empty() || !bare.bytes().all(is_cookie_name_byte) {
                return Err(ConfigError::new(at(&format!("cookies[{j}]")), "is not a cookie name (or prefix*)"));
            }
        }
        let name = match c.name {
            Some(t) => t.parse(&at("name"))?,
            None => match category::defaults().into_iter().find(|d| d.id == id) {
                Some(d) => d.name,
                None => return Err(ConfigError::new(at("name"), "is required for a category kuki does not know")),
            },
        };
        let description = match c.description {
            Some(t) => t.parse(&at("description"))?,
            None => category::defaults().into_iter().find(|d| d.id == id).map(|d| d.description).unwrap_or_default(),
        };
        let necessary = c.necessary.unwrap_or(id.as_str() == category::NECESSARY);
        out.push(Category { id, necessary, cookies, name, description });
    }
    Ok(out)
}

/// RFC 6265 token characters: what a cookie name may contain.
fn is_cookie_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_cookie(raw: RawCookie) -> Result<CookieOptions, ConfigError> {
    let mut out = CookieOptions::default();
    if let Some(name) = raw.name {
        if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| is_cookie_name_byte(b) && b != b'*') {
            return Err(ConfigError::new("cookie.name", "is not a cookie name"));
        }
        out.name = name;
    }
    if let Some(domain) = raw.domain {
        let ok = !domain.is_empty()
            && domain.len() <= 253
            && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !ok {
            return Err(ConfigError::new("cookie.domain", "is not a domain name"));
        }
        out.domain = Some(domain);
    }
    for (field, value, slot) in [
        ("cookie.acceptDays", raw.accept_days, &mut out.accept_days),
        ("cookie.rejectDays", raw.reject_days, &mut out.reject_days),
    ] {
        if let Some(days) = value {
            if days == 0 || days > MAX_DAYS {
                return Err(ConfigError::new(field, format!("must be 1 to {MAX_DAYS} days (13 months)")));
            }
            *slot = days;
        }
    }
    if out.reject_days > out.accept_days {
        return Err(ConfigError::new("cookie.rejectDays", "a refusal must not be kept longer than an acceptance"));
    }
    Ok(out)
}

fn parse_url(field: &str, url: String, allow_relative: bool) -> Result<String, ConfigError> {
    let ok = url.starts_with("https://")
        || url.starts_with("http://")
        || (allow_relative && url.starts_with('/') && !url.starts_with("//"));
    if !ok || url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::new(field, "must be an http(s) URL or a path starting with /"));
    }
    Ok(url)
}

fn parse_next_policy(raw: RawNextPolicy) -> Result<NextPolicy, ConfigError> {
    let version = PolicyVersion::parse(&raw.version).map_err(|m| ConfigError::new("nextPolicy.version", m))?;
    let effective_at = parse_date(&raw.effective_date)
        .ok_or_else(|| ConfigError::new("nextPolicy.effectiveDate", "must be a date written YYYY-MM-DD"))?;
    let summary = match raw.summary {
        Some(t) => t.parse("nextPolicy.summary")?,
        None => Localized::default(),
    };
    let url = raw.url.map(|u| parse_url("nextPolicy.url", u, true)).transpose()?;
    Ok(NextPolicy { version, effective_at, material: raw.material.unwrap_or(false), summary, url })
}

/// `YYYY-MM-DD` to unix seconds at UTC midnight.
pub fn parse_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y as i64, m, d) as u64 * 86_400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn raw(json: &str) -> RawConfig {
        RawConfig::from_value(&crate::value::from_json(json)).expect("raw config parses")
    }

    #[test]
    fn an_empty_config_is_the_default() {
        let c = Config::parse(RawConfig::default()).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.login_categories[0].as_str(), "functional");
    }

    #[test]
    fn a_site_declares_its_own_categories() {
        let c = Config::parse(raw(
            r#"{"revision":3,"categories":[{"id":"necessary"},{"id":"ads","cookies":["_fbp","_ga*"],
            "name":{"ko":"광고","en":"Ads"},"description":"Ads"}],"loginCategories":[]}"#,
        ))
        .unwrap();
        assert_eq!(c.revision, 3);
        assert!(c.categories[0].necessary);
        assert_eq!(c.categories[1].name.get(Lang::En), "Ads");
        assert_eq!(c.categories[1].description.get(Lang::Ko), "Ads");
        assert!(c.login_categories.is_empty());
    }

    #[test]
    fn blocked_scripts_wait_ten_seconds_unless_the_site_says_otherwise() {
        assert_eq!(Config::default().script_timeout_ms, 10_000);
        assert_eq!(Config::parse(raw(r#"{"scriptTimeout":2500}"#)).unwrap().script_timeout_ms, 2500);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"lang":"fr"}"#, "lang"),
            (r#"{"categories":[]}"#, "categories"),
            (r#"{"categories":[{"id":"necessary"},{"id":"Bad"}]}"#, "categories[1].id"),
            (r#"{"categories":[{"id":"a","name":"A"},{"id":"a","name":"A"}]}"#, "categories[1].id"),
            (r#"{"categories":[{"id":"custom"}]}"#, "categories[0].name"),
            (r#"{"categories":[{"id":"x","name":"X","cookies":["a b"]}]}"#, "categories[0].cookies[0]"),
            (r#"{"cookie":{"acceptDays":500}}"#, "cookie.acceptDays"),
            (r#"{"cookie":{"acceptDays":100,"rejectDays":200}}"#, "cookie.rejectDays"),
            (r#"{"cookie":{"name":"a;b"}}"#, "cookie.name"),
            (r#"{"endpoint":"javascript:alert(1)"}"#, "endpoint"),
            (r#"{"policyVersion":"1.0"}"#, "policyVersion"),
            (r#"{"loginCategories":["nope"]}"#, "loginCategories[0]"),
            (r#"{"loginCategories":["necessary"]}"#, "loginCategories[0]"),
            (r#"{"scriptTimeout":50}"#, "scriptTimeout"),
            (r#"{"nextPolicy":{"version":"v2","effectiveDate":"2026-02-30"}}"#, "nextPolicy.effectiveDate"),
        ];
        for (json, field) in cases {
            let err = Config::parse(raw(json)).unwrap_err();
            assert_eq!(err.field, field, "{json}: {err}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_by_the_raw_shape() {
        let err = RawConfig::from_value(&crate::value::from_json(r#"{"categorys":[]}"#)).unwrap_err();
        assert_eq!(err.field, "categorys");
        let err = RawConfig::from_value(&crate::value::from_json(r#"{"categories":[{"id":1}]}"#)).unwrap_err();
        assert_eq!(err.field, "categories[0].id");
        let err = RawConfig::from_value(&crate::value::from_json(r#"{"cookie":{"acceptDays":"x"}}"#)).unwrap_err();
        assert_eq!(err.field, "cookie.acceptDays");
        let err = RawConfig::from_value(&crate::value::from_json("[]")).unwrap_err();
        assert_eq!(err.field, "(root)");
    }

    #[test]
    fn dates_are_utc_midnights() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-11-24"), Some(1_795_478_400));
        assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2026-1-01"), None);
    }

    const SITE_DOC: &str = r#"{"title":"Privacy","version":"v3","effectiveDate":"2026-01-01",
        "sections":[{"id":"who","heading":"Who we are","blocks":[{"paragraph":"Mail privacy@example.com"}]}],
        "contact":{"name":"Officer","email":"privacy@example.com"}}"#;

    #[test]
    fn a_site_supplies_its_own_policy_and_its_version_is_recorded() {
        let c = Config::parse(raw(&format!(r#"{{"policy":{{"en":{SITE_DOC}}}}}"#))).unwrap();
        assert_eq!(c.policy_version.as_str(), "v3");
        // Written only in English: Korean visitors see the English document rather than another policy.
        for lang in Lang::ALL {
            let doc = c.policy_document(lang);
            assert_eq!((doc.title.as_str(), doc.lang), ("Privacy", Lang::En));
        }
        let d = Config::default();
        assert_eq!(d.policy_document(Lang::Ko).title, "개인정보 처리방침");
        assert_eq!(d.policy_document(Lang::En).title, "Privacy Policy");
    }

    #[test]
    fn policy_errors_name_the_field_inside_the_policy() {
        let with_ko = |doc: &str| format!(r#"{{"policy":{{"ko":{doc}}}}}"#);
        let cases = [
            (r#"{"policy":{}}"#.to_owned(), "policy"),
            (format!(r#"{{"policyVersion":"v2","policy":{{"ko":{SITE_DOC}}}}}"#), "policy.ko.version"),
            (
                format!(r#"{{"policy":{{"ko":{SITE_DOC},"en":{}}}}}"#, SITE_DOC.replace("\"v3\"", "\"v4\"")),
                "policy.en.version",
            ),
            (with_ko(&SITE_DOC.replace("Who we are", "")), "policy.ko.sections[0].heading"),
            (
                with_ko(&SITE_DOC.replace("Mail privacy@example.com", "a\\u0000b")),
                "policy.ko.sections[0].blocks[0].paragraph",
            ),
        ];
        for (json, field) in cases {
            let err = Config::parse(raw(&json)).unwrap_err();
            assert_eq!(err.field, field, "{json}: {err}");
        }
        assert!(Config::parse(raw(&format!(r#"{{"policyVersion":"v3","policy":{{"ko":{SITE_DOC}}}}}"#))).is_ok());
    }

    #[test]
    fn the_next_policy_takes_effect_on_its_date() {
        let c =
            Config::parse(raw(r#"{"policyVersion":"v1","nextPolicy":{"version":"v2","effectiveDate":"2026-12-01"}}"#))
                .unwrap();
        let at = parse_date("2026-12-01").unwrap();
        assert_eq!(c.policy_in_force(at - 1).as_str(), "v1");
        assert_eq!(c.policy_in_force(at).as_str(), "v2");
    }
}

//! The configuration a site passes (`kuki.run(config)` or a `data-config` URL).
//!
//! It arrives as [`RawConfig`], which mirrors the JSON shape and only checks types. [`Config::parse`] checks every
//! rule and names the offending field in its error, so a site developer reads `categories[2].id: a category id
//! "Ads" has a character that is not allowed` in the console.
//!
//! The browser reads a site's config with [`Config::read`], which forgives: an unknown field is a warning and is
//! ignored, an invalid field falls back to its default alone (an error naming it), and the rest stands.

use crate::category::{self, Category, CategoryId, Cookie, CookieName, Localized, Party, Service, ServiceId};
use crate::gui::{self, Gui};
use crate::policy::{self, Contact, PolicyDocument, RawSitePolicy, SitePolicy};
use crate::texts::{self, Overrides};
use crate::token::PolicyVersion;
use crate::value::{Obj, Value, ValueError};
use crate::Lang;

/// The name texts use for the site when the config does not name one (`site`): kuki is then 나와의 대화's
/// banner, with its policy.
pub const DEFAULT_SITE_NAME: &str = "나와의 대화";
/// The same service's English name, as its English pages call it: an English banner that named the site in
/// Korean would not read as the page around it.
pub const DEFAULT_SITE_NAME_EN: &str = "Talk with Me";

/// Days a refusal is remembered by default (6 months).
pub const DEFAULT_REJECT_DAYS: u32 = 182;
/// Days an acceptance is remembered by default (12 months).
pub const DEFAULT_ACCEPT_DAYS: u32 = 365;
/// No choice is kept longer than 13 months, whatever a site asks for.
pub const MAX_DAYS: u32 = 395;
pub const DEFAULT_COOKIE_NAME: &str = "kuki_consent";
const MAX_CATEGORIES: usize = 16;
/// Services in one category, and in the whole config: every one has a place in the consent cookie.
const MAX_SERVICES: usize = 16;
const MAX_ALL_SERVICES: usize = 32;
/// Cookies listed for one category or service.
const MAX_COOKIES: usize = 64;
/// The longest RegExp source a cookie pattern may have.
const MAX_PATTERN: usize = 256;
const MAX_TEXT: usize = 2000;

/// A validated configuration. Build it with [`Config::parse`] or [`Config::default`].
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Bumping the revision asks every visitor again.
    pub revision: u32,
    /// The site's default language, when neither `data-lang` nor the browser picks one kuki speaks; `None`:
    /// English.
    pub lang: Option<Lang>,
    /// The site's name, as kuki's texts use it; `None`: they say "this site".
    pub site_name: Option<Localized>,
    /// kuki's texts replaced by the site, per language (any language here is one kuki then speaks).
    pub texts: Vec<(Lang, Overrides)>,
    /// The policy is 나와의 대화's built-in one: only for its own config, never for a site that names itself.
    pub builtin_policy: bool,
    /// A URL of the site's policy document (the `policy` JSON format), fetched when the viewer opens.
    pub policy_url: Option<String>,
    /// A link to the site's own policy page, shown instead of a document.
    pub policy_page: Option<String>,
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
    /// Layouts, positions, theme and the settings button (`guiOptions`).
    pub gui: Gui,
    /// v3's `disablePageInteraction`: the first layer sits over a backdrop that blocks the page until a choice.
    pub disable_page_interaction: bool,
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

impl CookieOptions {
    /// How long a choice is kept (seconds): one that refuses anything for `rejectDays`, else for `acceptDays`.
    pub fn kept_secs(&self, refuses: bool) -> u64 {
        u64::from(if refuses { self.reject_days } else { self.accept_days }) * 86_400
    }
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
    /// The new text itself (the `policy` format), shown in kuki's policy viewer by "read the new policy".
    pub policy: Option<SitePolicy>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            revision: 0,
            lang: None,
            site_name: Some(Localized::new(DEFAULT_SITE_NAME, DEFAULT_SITE_NAME_EN)),
            texts: Vec::new(),
            builtin_policy: true,
            policy_url: None,
            policy_page: None,
            categories: category::defaults(),
            cookie: CookieOptions::default(),
            endpoint: None,
            // Not `Result::expect`: it would bring String's Debug (escaping) into the wasm.
            policy_version: match PolicyVersion::parse(crate::policy::DEFAULT_POLICY_VERSION) {
                Ok(v) => v,
                Err(_) => panic!("the default policy version is valid"),
            },
            next_policy: None,
            policy: None,
            consent_mode: None,
            login_categories: vec![category::id(category::FUNCTIONAL)],
            script_timeout_ms: DEFAULT_SCRIPT_TIMEOUT_MS,
            gui: Gui::default(),
            disable_page_interaction: false,
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
    pub site: Option<RawSite>,
    /// Per language tag: `(key, text)`.
    pub texts: Option<Vec<RawTexts>>,
    pub policy_url: Option<String>,
    pub policy_page: Option<String>,
    /// Read and checked whole: it has no rule that depends on another field.
    pub gui: Option<Gui>,
    pub disable_page_interaction: Option<bool>,
}

/// One language's texts as a site writes them: the tag, then `(key, text)` pairs.
pub type RawTexts = (String, Vec<(String, String)>);

#[derive(Clone, Debug)]
pub struct RawSite {
    pub name: Option<RawText>,
}

#[derive(Clone, Debug)]
pub struct RawCategory {
    pub id: String,
    pub necessary: Option<bool>,
    pub cookies: Option<Vec<RawCookieEntry>>,
    pub name: Option<RawText>,
    pub description: Option<RawText>,
    pub recipients: Option<RawText>,
    pub services: Option<Vec<RawService>>,
}

/// A service inside a category, as a site writes it.
#[derive(Clone, Debug)]
pub struct RawService {
    pub id: String,
    pub name: Option<RawText>,
    pub description: Option<RawText>,
    pub cookies: Option<Vec<RawCookieEntry>>,
    pub recipients: Option<RawText>,
}

/// A listed cookie: a name (`_gid`), a prefix (`_ga*`), a RegExp in its string form (`/^_ga/`; a RegExp object
/// given to `kuki.run` arrives in that form), or an object with the name and what the preferences say about it.
#[derive(Clone, Debug)]
pub enum RawCookieEntry {
    Name(String),
    Info { name: String, purpose: Option<RawText>, lifetime: Option<RawText>, party: Option<String> },
}

const CATEGORY_FIELDS: &[&str] = &["id", "necessary", "cookies", "name", "description", "recipients", "services"];
const SERVICE_FIELDS: &[&str] = &["id", "name", "description", "cookies", "recipients"];
const COOKIE_FIELDS: &[&str] = &["name", "purpose", "lifetime", "party"];

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
    pub policy: Option<RawSitePolicy>,
}

/// A text as a site writes it: one string for every language, or `{ "ko": ..., "en": ..., "fr": ... }`.
#[derive(Clone, Debug)]
pub enum RawText {
    One(String),
    Many(Vec<(String, String)>),
}

impl RawConfig {
    /// Reads the JSON shape: types and known fields only; [`Config::parse`] checks the rules.
    pub fn from_value(v: &Value) -> Result<RawConfig, ConfigError> {
        let o = Obj::new(v, "", FIELDS)?;
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
            site: o.opt("site", |v, p| {
                let o = Obj::new(v, p, &["name"])?;
                Ok(RawSite { name: o.opt("name", RawText::from_value)? })
            })?,
            texts: o.opt("texts", |v, p| {
                let Value::Obj(langs) = v else { return Err(ValueError::new(p, "expected an object")) };
                langs
                    .iter()
                    .map(|(lang, texts)| {
                        let at = crate::value::field(p, lang);
                        let Value::Obj(fields) = texts else { return Err(ValueError::new(at, "expected an object")) };
                        let pairs = fields
                            .iter()
                            .map(|(k, v)| Ok((k.clone(), v.as_str(&crate::value::field(&at, k))?.to_owned())))
                            .collect::<Result<_, ValueError>>()?;
                        Ok((lang.clone(), pairs))
                    })
                    .collect()
            })?,
            policy_url: o.opt_string("policyUrl")?,
            policy_page: o.opt_string("policyPage")?,
            gui: o.opt("guiOptions", Gui::from_value)?,
            disable_page_interaction: o.opt_bool("disablePageInteraction")?,
        })
    }
}

impl RawCategory {
    fn from_value(v: &Value, path: &str) -> Result<RawCategory, ValueError> {
        let o = Obj::new(v, path, CATEGORY_FIELDS)?;
        Ok(RawCategory {
            id: o.req("id", |v, p| v.as_str(p).map(str::to_owned))?,
            necessary: o.opt_bool("necessary")?,
            cookies: o.opt("cookies", RawCookieEntry::list)?,
            name: o.opt("name", RawText::from_value)?,
            description: o.opt("description", RawText::from_value)?,
            recipients: o.opt("recipients", RawText::from_value)?,
            services: o.opt("services", |v, p| {
                v.as_arr(p)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| RawService::from_value(s, &crate::value::index(p, i)))
                    .collect()
            })?,
        })
    }
}

impl RawService {
    fn from_value(v: &Value, path: &str) -> Result<RawService, ValueError> {
        let o = Obj::new(v, path, SERVICE_FIELDS)?;
        Ok(RawService {
            id: o.req("id", |v, p| v.as_str(p).map(str::to_owned))?,
            name: o.opt("name", RawText::from_value)?,
            description: o.opt("description", RawText::from_value)?,
            cookies: o.opt("cookies", RawCookieEntry::list)?,
            recipients: o.opt("recipients", RawText::from_value)?,
        })
    }
}

impl RawCookieEntry {
    fn list(v: &Value, path: &str) -> Result<Vec<RawCookieEntry>, ValueError> {
        v.as_arr(path)?
            .iter()
            .enumerate()
            .map(|(i, c)| RawCookieEntry::from_value(c, &crate::value::index(path, i)))
            .collect()
    }

    fn from_value(v: &Value, path: &str) -> Result<RawCookieEntry, ValueError> {
        if let Value::Str(s) = v {
            return Ok(RawCookieEntry::Name(s.clone()));
        }
        let o = Obj::new(v, path, COOKIE_FIELDS)?;
        Ok(RawCookieEntry::Info {
            name: o.req("name", |v, p| v.as_str(p).map(str::to_owned))?,
            purpose: o.opt("purpose", RawText::from_value)?,
            lifetime: o.opt("lifetime", RawText::from_value)?,
            party: o.opt_string("party")?,
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
        let o = Obj::new(v, path, NEXT_POLICY_FIELDS)?;
        Ok(RawNextPolicy {
            version: o.req("version", |v, p| v.as_str(p).map(str::to_owned))?,
            effective_date: o.req("effectiveDate", |v, p| v.as_str(p).map(str::to_owned))?,
            material: o.opt_bool("material")?,
            summary: o.opt("summary", RawText::from_value)?,
            url: o.opt_string("url")?,
            policy: o.opt("policy", RawSitePolicy::from_value)?,
        })
    }
}

impl RawText {
    fn from_value(v: &Value, path: &str) -> Result<RawText, ValueError> {
        match v {
            Value::Str(s) => Ok(RawText::One(s.clone())),
            Value::Obj(fields) => fields
                .iter()
                .map(|(lang, t)| Ok((lang.clone(), t.as_str(&crate::value::field(path, lang))?.to_owned())))
                .collect::<Result<_, ValueError>>()
                .map(RawText::Many),
            v => Err(ValueError::new(
                path,
                ["expected a string or an object of texts by language, found ", kind(v)].concat(),
            )),
        }
    }

    fn parse(self, field: &str) -> Result<Localized, ConfigError> {
        let many = match self {
            RawText::One(s) => vec![("ko".to_owned(), s)],
            RawText::Many(m) => m,
        };
        let mut texts: Vec<(Lang, String)> = Vec::with_capacity(many.len());
        for (tag, s) in many {
            let at = format!("{field}.{tag}");
            let lang = Lang::from_tag(&tag).filter(|l| l.as_str() == tag).ok_or_else(|| {
                ConfigError::new(&at, "is not a language (two or three lowercase letters: ko, en, fr)")
            })?;
            check_text(&at, &s)?;
            texts.push((lang, s));
        }
        let find = |l: Lang| texts.iter().find(|(x, _)| *x == l).map(|(_, t)| t.clone());
        let first = texts.first().map(|(_, t)| t.clone()).ok_or_else(|| ConfigError::new(field, "needs a text"))?;
        let ko = find(Lang::Ko).or_else(|| find(Lang::En)).unwrap_or_else(|| first.clone());
        let en = find(Lang::En).or_else(|| find(Lang::Ko)).unwrap_or(first);
        let other = texts.into_iter().filter(|(l, _)| !l.is_built_in()).collect();
        Ok(Localized { ko, en, other })
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Num(_) => "a number",
        Value::Str(_) => "a string",
        Value::Arr(_) => "an array",
        Value::Obj(_) => "an object",
    }
}

fn check_text(field: &str, s: &str) -> Result<(), ConfigError> {
    if s.trim().is_empty() {
        return Err(ConfigError::new(field, "must not be empty"));
    }
    if s.len() > MAX_TEXT {
        return Err(ConfigError::new(field, format!("is longer than {MAX_TEXT} bytes")));
    }
    Ok(())
}

/// Something [`Config::read`] found: a field ignored (a warning) or a field that fell back to its default (an
/// error), with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// `true`: an unknown field, ignored; `false`: an invalid one, at its default.
    pub warning: bool,
    pub field: String,
    pub message: String,
}

/// The fields [`Config::read`] applies, one at a time, in an order where each comes after those it depends on.
const FIELDS: &[&str] = &[
    "revision",
    "site",
    "categories",
    "cookie",
    "endpoint",
    "policyVersion",
    "nextPolicy",
    "consentMode",
    "loginCategories",
    "scriptTimeout",
    "texts",
    "lang",
    "policyUrl",
    "policyPage",
    "policy",
    "guiOptions",
    "disablePageInteraction",
];

const NEXT_POLICY_FIELDS: &[&str] = &["version", "effectiveDate", "material", "summary", "url", "policy"];

/// Known fields of the nested objects whose unknown fields are only warned about (the policy document keeps its
/// own, strict reader: an error there makes `policy` fall back).
fn known_fields(path: &str) -> Option<&'static [&'static str]> {
    match path {
        "site" => Some(&["name"]),
        "cookie" => Some(&["name", "domain", "acceptDays", "rejectDays"]),
        "nextPolicy" => Some(NEXT_POLICY_FIELDS),
        "guiOptions" => Some(gui::FIELDS),
        "guiOptions.consentModal" => Some(gui::CONSENT_MODAL_FIELDS),
        "guiOptions.preferencesModal" => Some(gui::PREFERENCES_MODAL_FIELDS),
        "category" => Some(CATEGORY_FIELDS),
        "texts.lang" => Some(texts::KEYS),
        _ => None,
    }
}

/// Drops the unknown fields of `v` (an object whose known fields `known` lists), with a warning for each.
fn strip(v: &Value, path: &str, known: &[&str], diags: &mut Vec<Diagnostic>) -> Value {
    let Value::Obj(fields) = v else { return v.clone() };
    let mut kept = Vec::with_capacity(fields.len());
    for (k, x) in fields {
        let at = crate::value::field(path, k);
        if known.contains(&k.as_str()) {
            kept.push((k.clone(), x.clone()));
        } else {
            diags.push(Diagnostic { warning: true, field: at, message: "is not a known field (ignored)".into() });
        }
    }
    Value::Obj(kept)
}

/// A category's services with their unknown fields dropped, and their cookies' (and the category's own).
fn strip_services(c: Value, at: &str, diags: &mut Vec<Diagnostic>) -> Value {
    let strip_cookies = |v: &Value, at: &str, diags: &mut Vec<Diagnostic>| match v {
        Value::Arr(items) => Value::Arr(
            items
                .iter()
                .enumerate()
                .map(|(j, x)| strip(x, &crate::value::index(at, j), COOKIE_FIELDS, diags))
                .collect(),
        ),
        other => other.clone(),
    };
    let Value::Obj(fields) = c else { return c };
    let fields = fields
        .into_iter()
        .map(|(k, v)| {
            let here = crate::value::field(at, &k);
            let v = match (k.as_str(), &v) {
                ("cookies", _) => strip_cookies(&v, &here, diags),
                ("services", Value::Arr(items)) => Value::Arr(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, s)| {
                            let sat = crate::value::index(&here, i);
                            match strip(s, &sat, SERVICE_FIELDS, diags) {
                                Value::Obj(sf) => Value::Obj(
                                    sf.into_iter()
                                        .map(|(sk, sv)| {
                                            let sv = if sk == "cookies" {
                                                strip_cookies(&sv, &crate::value::field(&sat, &sk), diags)
                                            } else {
                                                sv
                                            };
                                            (sk, sv)
                                        })
                                        .collect(),
                                ),
                                other => other,
                            }
                        })
                        .collect(),
                ),
                _ => v,
            };
            (k, v)
        })
        .collect();
    Value::Obj(fields)
}

/// A config's top level with every unknown field, here and in the nested objects kuki knows, dropped.
fn strip_unknown(v: &Value, diags: &mut Vec<Diagnostic>) -> Value {
    let Value::Obj(_) = v else { return v.clone() };
    let top = strip(v, "", FIELDS, diags);
    let Value::Obj(fields) = top else { unreachable!("strip keeps an object an object") };
    let fields = fields
        .into_iter()
        .map(|(k, x)| {
            let x = match (k.as_str(), &x) {
                ("categories", Value::Arr(items)) => Value::Arr(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let at = crate::value::index("categories", i);
                            let c = strip(c, &at, CATEGORY_FIELDS, diags);
                            strip_services(c, &at, diags)
                        })
                        .collect(),
                ),
                ("texts", Value::Obj(langs)) => Value::Obj(
                    langs
                        .iter()
                        .map(|(l, t)| {
                            let at = crate::value::field("texts", l);
                            (l.clone(), strip(t, &at, known_fields("texts.lang").unwrap(), diags))
                        })
                        .collect(),
                ),
                ("guiOptions", Value::Obj(_)) => {
                    let Value::Obj(gui) = strip(&x, "guiOptions", gui::FIELDS, diags) else { unreachable!() };
                    let inner = gui.into_iter().map(|(k, v)| {
                        let at = crate::value::field("guiOptions", &k);
                        let v = match known_fields(&at) {
                            Some(known) => strip(&v, &at, known, diags),
                            None => v,
                        };
                        (k, v)
                    });
                    Value::Obj(inner.collect())
                }
                (name, _) => match known_fields(name) {
                    Some(known) => strip(&x, name, known, diags),
                    None => x,
                },
            };
            (k, x)
        })
        .collect();
    Value::Obj(fields)
}

impl Config {
    /// Reads a site's config forgivingly: unknown fields are warnings and ignored; a field that is invalid (of
    /// the wrong type, or breaking a rule, or at odds with a field before it) falls back to its default alone, as
    /// an error naming it; everything else stands.
    pub fn read(v: &Value) -> (Config, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        if !matches!(v, Value::Obj(_)) {
            let message = ["expected an object, found ", kind(v), " (using the defaults)"].concat();
            diags.push(Diagnostic { warning: false, field: "(the config)".into(), message });
            return (Config::default(), diags);
        }
        let Value::Obj(fields) = strip_unknown(v, &mut diags) else { unreachable!("an object stays an object") };
        // The fields accepted so far, as the site wrote them: each next field is read and checked together with
        // them (a rule may tie it to an earlier one) and joins them if it passes. Kept as values rather than a
        // merged `RawConfig`, so the bundle carries no code to clone and merge the raw shape.
        let mut accepted: Vec<(String, Value)> = Vec::new();
        let mut config = Config::default();
        for name in FIELDS {
            let Some(value) = fields.iter().find(|(k, _)| k == name).map(|(_, x)| x) else { continue };
            accepted.push(((*name).to_owned(), value.clone()));
            let candidate = Value::Obj(accepted);
            let result = Config::from_value(&candidate);
            let Value::Obj(tried) = candidate else { unreachable!("built as an object") };
            accepted = tried;
            match result {
                Ok(c) => config = c,
                Err(e) => {
                    accepted.pop();
                    diags.push(Diagnostic {
                        warning: false,
                        message: [e.message.as_str(), " (using the default for ", name, ")"].concat(),
                        field: e.field,
                    });
                }
            }
        }
        (config, diags)
    }

    /// Reads and validates a configuration in one step, strictly: any error refuses it.
    pub fn from_value(v: &Value) -> Result<Config, ConfigError> {
        Config::parse(RawConfig::from_value(v)?)
    }

    /// Validates a raw configuration. Missing fields take the defaults; any present field that breaks a rule is
    /// an error naming that field.
    pub fn parse(mut raw: RawConfig) -> Result<Config, ConfigError> {
        // Fields are taken out with `take`, not moved: `raw` stays whole, so each of the many early returns drops
        // it with one call instead of code that drops the fields not yet moved (bytes in the bundle).
        let mut config = Config::default();
        if let Some(revision) = raw.revision {
            config.revision = revision;
        }
        // A site that names itself (`site`) never speaks as 나와의 대화 nor shows its policy; without `site`, kuki is
        // 나와의 대화's banner (its demo), whatever categories the config declares.
        if let Some(site) = raw.site.take() {
            config.site_name = site.name.map(|n| n.parse("site.name")).transpose()?;
            config.builtin_policy = false;
        }
        if let Some(langs) = raw.texts.take() {
            config.texts = parse_texts(langs)?;
        }
        if let Some(tag) = raw.lang.take() {
            let lang = Lang::from_tag(&tag)
                .ok_or_else(|| ConfigError::new("lang", "is not a language (two or three letters: ko, en, fr)"))?;
            if !config.languages().contains(&lang) {
                return Err(ConfigError::new(
                    "lang",
                    format!("kuki has no texts in {lang}: give them under texts.{lang}"),
                ));
            }
            config.lang = Some(lang);
        }
        if let Some(url) = raw.policy_url.take() {
            config.policy_url = Some(parse_url("policyUrl", url, true)?);
        }
        if let Some(url) = raw.policy_page.take() {
            config.policy_page = Some(parse_url("policyPage", url, true)?);
        }
        if let Some(raw_categories) = raw.categories.take() {
            config.categories = parse_categories(raw_categories)?;
        }
        if let Some(cookie) = raw.cookie.take() {
            config.cookie = parse_cookie(cookie)?;
        }
        if let Some(endpoint) = raw.endpoint.take() {
            config.endpoint = Some(parse_url("endpoint", endpoint, true)?);
        }
        let version_given = raw.policy_version.is_some();
        if let Some(v) = raw.policy_version.take() {
            config.policy_version = PolicyVersion::parse(&v).map_err(|m| ConfigError::new("policyVersion", m))?;
        }
        if let Some(raw_policy) = raw.policy.take() {
            config.policy = Some(parse_policy(raw_policy, &mut config.policy_version, version_given)?);
        }
        if let Some(next) = raw.next_policy.take() {
            config.next_policy = Some(parse_next_policy(next)?);
        }
        config.consent_mode = raw.consent_mode;
        config.gui = raw.gui.unwrap_or_default();
        config.disable_page_interaction = raw.disable_page_interaction.unwrap_or(false);
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
                        None => {
                            Err(ConfigError::new(field, ["no category \"", id.as_str(), "\" is declared"].concat()))
                        }
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

    /// The privacy policy document to show in `lang`: the site's own (in the other language if it wrote only
    /// one), else 나와의 대화's for its own config when the text is built in (feature `builtin-policy`; the
    /// browser fetches it instead, see [`Config::fetches_builtin_policy`]); `None` for a site that gives its
    /// policy by URL, as a page, or not at all.
    pub fn policy_document(&self, lang: Lang) -> Option<&PolicyDocument> {
        match &self.policy {
            Some(site) => Some(site.document(lang)),
            #[cfg(feature = "builtin-policy")]
            None => self.builtin_policy.then(|| policy::default_document(lang)),
            #[cfg(not(feature = "builtin-policy"))]
            None => {
                let _ = lang;
                None
            }
        }
    }

    /// Shows 나와의 대화's own policy: its document is built in, or fetched by the browser when the viewer opens.
    pub fn fetches_builtin_policy(&self) -> bool {
        self.builtin_policy && self.policy.is_none()
    }

    /// Where kuki's server shows 나와의 대화's policy as a page: `/privacy` on the origin of the (absolute) endpoint
    /// consents go to, for its own config. The viewer links there when the document cannot be fetched.
    pub fn builtin_policy_page(&self, endpoint: &str) -> Option<String> {
        let endpoint = Some(endpoint).filter(|_| self.fetches_builtin_policy())?;
        let rest = endpoint.strip_prefix("https://").or_else(|| endpoint.strip_prefix("http://"))?;
        let origin = &endpoint[..endpoint.len() - rest.len() + rest.find('/').unwrap_or(rest.len())];
        Some([origin, "/privacy"].concat())
    }

    /// The privacy officer shown beside a visitor's record: the site's document's, or 나와의 대화's for its own
    /// config (known without its document).
    pub fn policy_contact(&self, lang: Lang) -> Option<Contact> {
        match &self.policy {
            Some(site) => site.document(lang).contact.clone(),
            None => self.builtin_policy.then(|| policy::default_contact(lang)),
        }
    }

    /// Every language kuki speaks for this site: Korean, English, and those the site brings texts in.
    pub fn languages(&self) -> Vec<Lang> {
        let mut langs = Lang::ALL.to_vec();
        langs.extend(self.texts.iter().map(|(l, _)| *l).filter(|l| !l.is_built_in()));
        langs
    }

    /// The site's replacement for one of kuki's texts in `lang`, if it gave one.
    pub fn text(&self, lang: Lang, key: &str) -> Option<&str> {
        let (_, texts) = self.texts.iter().find(|(l, _)| *l == lang)?;
        texts.iter().find(|(k, _)| *k == key).map(|(_, t)| t.as_str())
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

fn parse_texts(langs: Vec<RawTexts>) -> Result<Vec<(Lang, Overrides)>, ConfigError> {
    let mut out: Vec<(Lang, Overrides)> = Vec::with_capacity(langs.len());
    for (tag, pairs) in langs {
        let at = format!("texts.{tag}");
        let lang = Lang::from_tag(&tag)
            .filter(|l| l.as_str() == tag)
            .ok_or_else(|| ConfigError::new(&at, "is not a language (two or three lowercase letters: ko, en, fr)"))?;
        let mut texts: Overrides = Vec::with_capacity(pairs.len());
        for (key, text) in pairs {
            let field = format!("{at}.{key}");
            let Some(&key) = texts::KEYS.iter().find(|k| **k == key) else {
                return Err(ConfigError::new(field, "is not one of kuki's texts"));
            };
            check_text(&field, &text)?;
            texts.push((key, text));
        }
        out.push((lang, texts));
    }
    Ok(out)
}

fn parse_categories(raw: Vec<RawCategory>) -> Result<Vec<Category>, ConfigError> {
    if raw.is_empty() {
        return Err(ConfigError::new("categories", "must declare at least one category"));
    }
    if raw.len() > MAX_CATEGORIES {
        return Err(ConfigError::new("categories", format!("at most {MAX_CATEGORIES} categories")));
    }
    let mut out: Vec<Category> = Vec::with_capacity(raw.len());
    let mut all_services = 0;
    for (i, mut c) in raw.into_iter().enumerate() {
        let at = |f: &str| format!("categories[{i}].{f}");
        let id = CategoryId::parse(&c.id).map_err(|m| ConfigError::new(at("id"), m))?;
        if out.iter().any(|o| o.id == id) {
            return Err(ConfigError::new(at("id"), ["\"", id.as_str(), "\" is declared twice"].concat()));
        }
        let cookies = parse_cookies(c.cookies.take().unwrap_or_default(), &at("cookies"))?;
        let name = match c.name.take() {
            Some(t) => t.parse(&at("name"))?,
            None => match category::defaults().into_iter().find(|d| d.id == id) {
                Some(d) => d.name,
                None => return Err(ConfigError::new(at("name"), "is required for a category kuki does not know")),
            },
        };
        let description = match c.description.take() {
            Some(t) => t.parse(&at("description"))?,
            None => category::defaults().into_iter().find(|d| d.id == id).map(|d| d.description).unwrap_or_default(),
        };
        let necessary = c.necessary.unwrap_or(id.as_str() == category::NECESSARY);
        let recipients = c.recipients.take().map(|t| t.parse(&at("recipients"))).transpose()?;
        let raw_services = c.services.take().unwrap_or_default();
        if raw_services.len() > MAX_SERVICES {
            return Err(ConfigError::new(at("services"), format!("at most {MAX_SERVICES} services in a category")));
        }
        all_services += raw_services.len();
        if all_services > MAX_ALL_SERVICES {
            return Err(ConfigError::new(at("services"), format!("at most {MAX_ALL_SERVICES} services in all")));
        }
        let mut services: Vec<Service> = Vec::with_capacity(raw_services.len());
        for (j, mut s) in raw_services.into_iter().enumerate() {
            let sat = |f: &str| format!("categories[{i}].services[{j}].{f}");
            let sid = ServiceId::parse(&s.id).map_err(|m| ConfigError::new(sat("id"), m))?;
            if services.iter().any(|o| o.id == sid) {
                return Err(ConfigError::new(
                    sat("id"),
                    ["\"", sid.as_str(), "\" is declared twice in this category"].concat(),
                ));
            }
            let name = match s.name.take() {
                Some(t) => t.parse(&sat("name"))?,
                None => Localized::new(sid.as_str(), sid.as_str()),
            };
            services.push(Service {
                name,
                description: s
                    .description
                    .take()
                    .map(|t| t.parse(&sat("description")))
                    .transpose()?
                    .unwrap_or_default(),
                cookies: parse_cookies(s.cookies.take().unwrap_or_default(), &sat("cookies"))?,
                recipients: s.recipients.take().map(|t| t.parse(&sat("recipients"))).transpose()?,
                id: sid,
            });
        }
        out.push(Category { id, necessary, cookies, name, description, recipients, services });
    }
    Ok(out)
}

/// Listed cookies: names, `prefix*`, RegExps written `/source/flags`, or objects with a name and its details.
fn parse_cookies(raw: Vec<RawCookieEntry>, field: &str) -> Result<Vec<Cookie>, ConfigError> {
    if raw.len() > MAX_COOKIES {
        return Err(ConfigError::new(field, format!("at most {MAX_COOKIES} cookies")));
    }
    raw.into_iter()
        .enumerate()
        .map(|(j, entry)| {
            let at = format!("{field}[{j}]");
            match entry {
                RawCookieEntry::Name(name) => Ok(Cookie::named(parse_cookie_name(&name, &at)?)),
                RawCookieEntry::Info { name, purpose, lifetime, party } => Ok(Cookie {
                    name: parse_cookie_name(&name, &format!("{at}.name"))?,
                    purpose: purpose.map(|t| t.parse(&format!("{at}.purpose"))).transpose()?,
                    lifetime: lifetime.map(|t| t.parse(&format!("{at}.lifetime"))).transpose()?,
                    party: party
                        .map(|p| match p.as_str() {
                            "first" => Ok(Party::First),
                            "third" => Ok(Party::Third),
                            _ => Err(ConfigError::new(format!("{at}.party"), "must be \"first\" or \"third\"")),
                        })
                        .transpose()?,
                }),
            }
        })
        .collect()
}

/// `_gid`, `_ga*` or `/^_ga/i`. A pattern's characters and flags are checked here; whether the browser's engine
/// compiles it is checked where it runs (the page logs a pattern it cannot compile, and it matches nothing).
pub fn parse_cookie_name(name: &str, field: &str) -> Result<CookieName, ConfigError> {
    if let Some(rest) = name.strip_prefix('/') {
        let (source, flags) =
            rest.rsplit_once('/').ok_or_else(|| ConfigError::new(field, "a RegExp is written /source/flags"))?;
        if source.is_empty() || source.len() > MAX_PATTERN || source.chars().any(char::is_control) {
            return Err(ConfigError::new(field, format!("a RegExp's source must be 1 to {MAX_PATTERN} bytes")));
        }
        let mut seen = String::new();
        for f in flags.chars() {
            if !"dgimsuvy".contains(f) || seen.contains(f) {
                return Err(ConfigError::new(
                    field,
                    ["flag ", f.encode_utf8(&mut [0; 4]), " is not a RegExp flag (or is given twice)"].concat(),
                ));
            }
            seen.push(f);
        }
        return Ok(CookieName::Pattern { source: source.to_owned(), flags: flags.to_owned() });
    }
    let (bare, prefix) = match name.strip_suffix('*') {
        Some(p) => (p, true),
        None => (name, false),
    };
    if bare.is_empty() || bare.len() > 256 || !bare.bytes().all(is_cookie_name_byte) {
        return Err(ConfigError::new(field, "is not a cookie name (or prefix*, or /RegExp/)"));
    }
    Ok(if prefix { CookieName::Prefix(bare.to_owned()) } else { CookieName::Exact(bare.to_owned()) })
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
    let policy = match raw.policy {
        Some(p) => {
            let site = SitePolicy::parse(p).map_err(|e| {
                let field = if e.field.is_empty() {
                    "nextPolicy.policy".to_owned()
                } else {
                    ["nextPolicy.policy.", &e.field].concat()
                };
                ConfigError::new(field, e.message)
            })?;
            let doc = site.document(Lang::Ko);
            if doc.version != version {
                let field = ["nextPolicy.policy.", doc.lang.as_str(), ".version"].concat();
                return Err(ConfigError::new(field, "must equal nextPolicy.version"));
            }
            Some(site)
        }
        None => None,
    };
    Ok(NextPolicy { version, effective_at, material: raw.material.unwrap_or(false), summary, url, policy })
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

    fn read(json: &str) -> (Config, Vec<Diagnostic>) {
        Config::read(&crate::value::from_json(json))
    }

    fn fields(diags: &[Diagnostic], warning: bool) -> Vec<&str> {
        diags.iter().filter(|d| d.warning == warning).map(|d| d.field.as_str()).collect()
    }

    #[test]
    fn an_unknown_field_is_a_warning_and_the_rest_stands() {
        let (c, diags) = read(
            r#"{"colorScheme":"dark","revision":4,"categories":[{"id":"necessary"},{"id":"ads","name":"Ads","colour":"red"}]}"#,
        );
        assert_eq!(c.revision, 4);
        assert_eq!(c.categories[1].id.as_str(), "ads");
        assert_eq!(fields(&diags, true), ["colorScheme", "categories[1].colour"]);
        assert!(fields(&diags, false).is_empty());
    }

    #[test]
    fn an_invalid_field_falls_back_alone() {
        let (c, diags) = read(r#"{"lang":"fr","revision":5,"cookie":{"acceptDays":900},"consentMode":"yes"}"#);
        assert_eq!(c.revision, 5);
        assert_eq!((c.lang, c.cookie.accept_days, c.consent_mode), (None, DEFAULT_ACCEPT_DAYS, None));
        assert_eq!(fields(&diags, false), ["cookie.acceptDays", "consentMode", "lang"]);
        assert!(diags.iter().all(|d| d.warning || d.message.contains("using the default for")));
        let (c, diags) = read("[1]");
        assert_eq!((c, fields(&diags, false)), (Config::default(), vec!["(the config)"]));
    }

    #[test]
    fn a_field_at_odds_with_an_earlier_one_falls_back() {
        let (c, diags) =
            read(r#"{"categories":[{"id":"necessary"},{"id":"ads","name":"Ads"}],"loginCategories":["functional"]}"#);
        assert_eq!(c.categories.len(), 2);
        assert!(c.login_categories.is_empty());
        assert_eq!(fields(&diags, false), ["loginCategories[0]"]);
    }

    #[test]
    fn kukis_own_policy_page_is_on_the_endpoints_server_and_only_for_its_own_config() {
        let endpoint = "https://kuki.example:8443/api/v1/consents";
        let (c, _) = read("{}");
        assert_eq!(c.builtin_policy_page(endpoint).as_deref(), Some("https://kuki.example:8443/privacy"));
        assert_eq!(c.builtin_policy_page("http://127.0.0.1:9000").as_deref(), Some("http://127.0.0.1:9000/privacy"));
        assert_eq!(c.builtin_policy_page("/api/v1/consents"), None, "no server known");
        assert_eq!(c.policy_contact(Lang::Ko).unwrap().email, "talk-withme@naver.com");
        let (acme, _) = read(r#"{"site":{"name":"Acme"}}"#);
        assert_eq!((acme.builtin_policy_page(endpoint), acme.policy_contact(Lang::En)), (None, None));
    }

    #[test]
    fn no_config_is_the_built_in_identity_and_another_site_never_borrows_it() {
        let (c, diags) = read("{}");
        assert!(diags.is_empty());
        assert_eq!(c.site_name.as_ref().unwrap().get(Lang::Ko), DEFAULT_SITE_NAME);
        assert_eq!(c.site_name.as_ref().unwrap().get(Lang::En), DEFAULT_SITE_NAME_EN);
        assert!(c.policy_document(Lang::Ko).is_some());
        let (acme, _) = read(r#"{"site":{"name":{"en":"Acme","ko":"애크미"}}}"#);
        assert_eq!(acme.site_name.as_ref().unwrap().get(Lang::En), "Acme");
        assert!(acme.policy_document(Lang::Ko).is_none(), "never 나와의 대화's policy");
        let (unnamed, _) = read(r#"{"site":{},"categories":[{"id":"necessary"},{"id":"ads","name":"Ads"}]}"#);
        assert!(unnamed.site_name.is_none() && unnamed.policy_document(Lang::En).is_none());
        let (demo, _) = read(r#"{"categories":[{"id":"necessary"},{"id":"analytics"}]}"#);
        assert!(demo.site_name.is_some() && demo.policy_document(Lang::Ko).is_some(), "no site: 나와의 대화's own");
        let (linked, _) = read(r#"{"site":{"name":"Acme"},"policyPage":"https://acme.test/privacy"}"#);
        assert_eq!(linked.policy_page.as_deref(), Some("https://acme.test/privacy"));
    }

    #[test]
    fn a_site_brings_texts_and_a_language_of_its_own() {
        let (c, diags) = read(
            r#"{"texts":{"fr":{"bannerTitle":"Cookies","nope":"x"},"ko":{"acceptAll":"좋아요"}},"lang":"fr",
            "categories":[{"id":"necessary","name":{"en":"Needed","fr":"Nécessaires"}}]}"#,
        );
        let fr = Lang::from_tag("fr").unwrap();
        assert_eq!(fields(&diags, true), ["texts.fr.nope"]);
        assert!(fields(&diags, false).is_empty(), "{diags:?}");
        assert_eq!(c.lang, Some(fr));
        assert_eq!(c.languages(), [Lang::Ko, Lang::En, fr]);
        assert_eq!(c.text(fr, "bannerTitle"), Some("Cookies"));
        assert_eq!(c.text(Lang::Ko, "acceptAll"), Some("좋아요"));
        assert_eq!(c.text(Lang::En, "acceptAll"), None);
        assert_eq!(c.categories[0].name.get(fr), "Nécessaires");
        assert_eq!(c.categories[0].name.get(Lang::Ko), "Needed", "Korean falls back to English, then any");
        let (_, diags) = read(r#"{"texts":{"fr":{"bannerTitle":""}}}"#);
        assert_eq!(fields(&diags, false), ["texts.fr.bannerTitle"]);
    }

    #[test]
    fn categories_list_services_and_cookies_with_their_details() {
        let c =
            Config::parse(raw(r#"{"categories":[{"id":"necessary"},{"id":"analytics","recipients":"Google LLC (USA)",
            "cookies":["_gid",{"name":"_ga*","purpose":{"ko":"방문자 구분","en":"Tells visitors apart"},
            "lifetime":"2 years","party":"third"},"/^_hj/i"],
            "services":[{"id":"ga","name":"Google Analytics","cookies":[{"name":"/^_gat/","party":"first"}],
            "recipients":{"ko":"구글","en":"Google"}},{"id":"hotjar"}]}]}"#))
            .unwrap();
        let a = &c.categories[1];
        assert_eq!(a.recipients.as_ref().unwrap().get(Lang::En), "Google LLC (USA)");
        assert_eq!(a.cookies[0].name, CookieName::Exact("_gid".into()));
        assert_eq!(a.cookies[1].name, CookieName::Prefix("_ga".into()));
        assert_eq!(a.cookies[1].purpose.as_ref().unwrap().get(Lang::Ko), "방문자 구분");
        assert_eq!(a.cookies[1].party, Some(Party::Third));
        assert_eq!(a.cookies[2].name, CookieName::Pattern { source: "^_hj".into(), flags: "i".into() });
        let ids: Vec<_> = a.services.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["ga", "hotjar"]);
        assert_eq!(a.services[0].cookies[0].party, Some(Party::First));
        assert_eq!(a.services[1].name.get(Lang::En), "hotjar", "a service without a name shows its id");
    }

    #[test]
    fn a_bad_service_or_cookie_falls_back_alone_and_is_named() {
        let (c, diags) = read(
            r#"{"revision":2,"categories":[{"id":"necessary"},{"id":"ads","name":"Ads","services":[{"id":"px","colour":1}]}]}"#,
        );
        assert_eq!(fields(&diags, true), ["categories[1].services[0].colour"]);
        assert_eq!(c.categories[1].services[0].id.as_str(), "px");
        for (json, field) in [
            (r#"{"categories":[{"id":"a","name":"A","services":[{"id":"Bad"}]}]}"#, "categories[0].services[0].id"),
            (
                r#"{"categories":[{"id":"a","name":"A","services":[{"id":"x"},{"id":"x"}]}]}"#,
                "categories[0].services[1].id",
            ),
            (r#"{"categories":[{"id":"a","name":"A","cookies":["/^a/z"]}]}"#, "categories[0].cookies[0]"),
            (r#"{"categories":[{"id":"a","name":"A","cookies":["//"]}]}"#, "categories[0].cookies[0]"),
            (r#"{"categories":[{"id":"a","name":"A","cookies":["/abc"]}]}"#, "categories[0].cookies[0]"),
            (
                r#"{"categories":[{"id":"a","name":"A","cookies":[{"name":"x","party":"fourth"}]}]}"#,
                "categories[0].cookies[0].party",
            ),
            (
                r#"{"categories":[{"id":"a","name":"A","services":[{"id":"s","cookies":["a b"]}]}]}"#,
                "categories[0].services[0].cookies[0]",
            ),
        ] {
            let err = Config::parse(raw(json)).unwrap_err();
            assert_eq!(err.field, field, "{json}: {err}");
        }
    }

    #[test]
    fn blocked_scripts_wait_ten_seconds_unless_the_site_says_otherwise() {
        assert_eq!(Config::default().script_timeout_ms, 10_000);
        assert_eq!(Config::parse(raw(r#"{"scriptTimeout":2500}"#)).unwrap().script_timeout_ms, 2500);
    }

    #[test]
    fn errors_quote_the_id_at_fault() {
        let message = |json: &str| Config::parse(raw(json)).unwrap_err().message;
        assert_eq!(
            message(r#"{"categories":[{"id":"necessary"},{"id":"Bad"}]}"#),
            r#"a category id "Bad" has a character that is not allowed"#
        );
        assert_eq!(
            message(r#"{"categories":[{"id":"a","name":"A"},{"id":"a","name":"A"}]}"#),
            r#""a" is declared twice"#
        );
        assert_eq!(message(r#"{"loginCategories":["nope"]}"#), r#"no category "nope" is declared"#);
        // Display, not Debug: the nightly bundle prints no Debug text (`-Z fmt-debug=none`, scripts/build-wasm.sh).
        assert_eq!(message(r#"{"lang":"fr"}"#), "kuki has no texts in fr: give them under texts.fr");
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"lang":"fr"}"#, "lang"),
            (r#"{"lang":"french"}"#, "lang"),
            (r#"{"site":{"name":{"xx1":"A"}}}"#, "site.name.xx1"),
            (r#"{"texts":{"fr":{"nope":"A"}}}"#, "texts.fr.nope"),
            (r#"{"policyUrl":"javascript:x"}"#, "policyUrl"),
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
            let doc = c.policy_document(lang).unwrap();
            assert_eq!((doc.title.as_str(), doc.lang), ("Privacy", Lang::En));
        }
        let d = Config::default();
        assert_eq!(d.policy_document(Lang::Ko).unwrap().title, "개인정보 처리방침");
        assert_eq!(d.policy_document(Lang::En).unwrap().title, "Privacy Policy");
    }

    #[test]
    fn the_next_policy_may_carry_its_own_text_of_its_own_version() {
        let next = |v: &str| {
            let doc = SITE_DOC.replace("\"v3\"", &["\"", v, "\""].concat());
            format!(
                r#"{{"policyVersion":"v1","nextPolicy":{{"version":"v4","effectiveDate":"2026-12-01","policy":{{"en":{doc}}}}}}}"#
            )
        };
        let c = Config::parse(raw(&next("v4"))).unwrap();
        let doc = c.next_policy.as_ref().unwrap().policy.as_ref().unwrap().document(Lang::Ko);
        assert_eq!((doc.version.as_str(), doc.title.as_str()), ("v4", "Privacy"));
        assert_eq!(c.policy_version.as_str(), "v1", "the policy in force is still the old one");
        assert_eq!(Config::parse(raw(&next("v3"))).unwrap_err().field, "nextPolicy.policy.en.version");
    }

    #[test]
    fn gui_options_are_read_and_an_unknown_v3_option_inside_them_is_only_a_warning() {
        let (c, diags) = Config::read(&crate::value::from_json(
            r#"{"guiOptions":{"theme":"light","consentModal":{"layout":"bar","position":"top","flipButtons":true}},"disablePageInteraction":true}"#,
        ));
        assert_eq!(
            (c.gui.theme, c.gui.layout, c.gui.position.v),
            (gui::Theme::Light, gui::Layout::Bar, gui::Vertical::Top)
        );
        assert!(c.disable_page_interaction);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!((diags[0].warning, diags[0].field.as_str()), (true, "guiOptions.consentModal.flipButtons"));
        // A wrong value: only guiOptions falls back, with an error naming the field.
        let (c, diags) = Config::read(&crate::value::from_json(r#"{"revision":3,"guiOptions":{"theme":"sepia"}}"#));
        assert_eq!((c.revision, c.gui), (3, gui::Gui::default()));
        assert_eq!((diags[0].warning, diags[0].field.as_str()), (false, "guiOptions.theme"));
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

//! The policy document as plain data. Every string is text to be shown as it is, never markup; the only active
//! part is a [`Href`], whose one constructor admits `https:`, `http:` and `mailto:` and nothing else.
//!
//! Values come from [`PolicyDocument::parse`](super::parse) (site JSON) or the built-in sources; both check every
//! rule on the way in. Serializing a document gives the JSON format back (see the module doc of [`super`]).

use crate::token::PolicyVersion;
use crate::Lang;
use serde::{Serialize, Serializer};

/// One privacy policy in one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDocument {
    /// The language the text is written in (the key it was supplied under; not part of the JSON document).
    #[serde(skip)]
    pub lang: Lang,
    pub title: String,
    pub version: PolicyVersion,
    pub effective_date: PolicyDate,
    /// Blocks before the first section (the source opens with a paragraph and no heading).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub intro: Vec<Block>,
    pub sections: Vec<Section>,
    /// Who answers questions about personal information (the privacy officer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// A titled part of the policy. `id` is a stable anchor (`items`, `officer`), the same in every language, so
/// `kuki.showPolicy("officer")` and `/privacy#officer` reach the same part in Korean and English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: String,
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Block {
    Paragraph(Text),
    /// An unordered list ("•"; a list inside a bullet is the second level, "◦").
    Bullets(Vec<Item>),
    /// An ordered list ("1.", "2.", ...).
    Numbered(Vec<Item>),
}

/// A list item: its own text, then any nested lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub text: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Block>,
}

/// A run of text with inline links. The links are the email addresses and `http(s)://` URLs found in the text,
/// so a link's words are its target and serializing the plain text loses nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(pub Vec<Span>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    Plain(String),
    Link { text: String, href: Href },
}

/// The privacy officer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub name: String,
    /// A checked address (`local@domain.tld`); [`Contact::mailto`] makes the link.
    pub email: String,
}

/// A link target: `https://...`, `http://...` or `mailto:...`. The field is private so no other scheme
/// (`javascript:`, `data:`) can be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Href(String);

/// A calendar date written `YYYY-MM-DD` (UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDate(String);

impl Text {
    /// The words without links: what a reader sees.
    pub fn plain(&self) -> String {
        let mut s = String::new();
        for span in &self.0 {
            s.push_str(span.text());
        }
        s
    }
}

impl Span {
    pub fn text(&self) -> &str {
        match self {
            Span::Plain(t) | Span::Link { text: t, .. } => t,
        }
    }
}

impl Contact {
    pub fn mailto(&self) -> Href {
        Href(["mailto:", &self.email].concat())
    }
}

impl Href {
    /// Accepts `https://host...`, `http://host...` (scheme in any case) and `mailto:` with one address. Nothing
    /// with whitespace or control characters: browsers drop those, which is how `java\tscript:` tricks work.
    pub fn parse(s: &str) -> Result<Href, &'static str> {
        if s.len() > 2048 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("a link must be at most 2048 characters without spaces");
        }
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            &s[8..]
        } else if lower.starts_with("http://") {
            &s[7..]
        } else if lower.starts_with("mailto:") {
            return if is_email(&s[7..]) { Ok(Href(s.into())) } else { Err("a mailto: link needs one email address") };
        } else {
            return Err("a link must start with https://, http:// or mailto:");
        };
        if rest.is_empty() || rest.starts_with('/') {
            return Err("a link needs a host");
        }
        Ok(Href(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

impl Serialize for Href {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl PolicyDate {
    pub fn parse(s: &str) -> Option<PolicyDate> {
        crate::config::parse_date(s).map(|_| PolicyDate(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Unix seconds at UTC midnight.
    pub fn unix(&self) -> u64 {
        crate::config::parse_date(&self.0).unwrap_or(0)
    }

    /// (year, month, day), for writing the date the way each language does.
    pub fn ymd(&self) -> (&str, u32, u32) {
        let n = |r: std::ops::Range<usize>| self.0[r].parse().unwrap_or(0);
        (&self.0[..4], n(5..7), n(8..10))
    }
}

impl Serialize for PolicyDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

pub(crate) fn is_email_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-".contains(&b)
}

pub(crate) fn is_email_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// `local@domain.tld` with the characters addresses use in practice; no quoted or IP-literal forms.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && local.bytes().all(is_email_local)
        && domain.len() <= 253
        && domain.bytes().all(is_email_domain)
        && domain.contains('.')
        && domain.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn only_web_and_mail_links_are_hrefs() {
        for ok in ["https://example.com/a?b=c#d", "HTTP://example.com", "mailto:talk-withme@naver.com"] {
            assert!(Href::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            " https://example.com",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "//example.com",
            "/relative",
            "https://",
            "https:///path",
            "mailto:",
            "mailto:a@b",
            "mailto:a@b.com?subject=x",
            "ftp://example.com",
        ] {
            assert!(Href::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn email_addresses_need_a_local_part_and_a_dotted_domain() {
        assert!(is_email("talk-withme@naver.com"));
        assert!(is_email("a.b+c@mail.example.co.kr"));
        assert!(!is_email("@naver.com"));
        assert!(!is_email("a@naver"));
        assert!(!is_email("a@-naver.com"));
        assert!(!is_email("a@naver..com"));
        assert!(!is_email("a b@naver.com"));
    }

    #[test]
    fn dates_are_checked_and_split() {
        let d = PolicyDate::parse("2026-11-24").unwrap();
        assert_eq!(d.ymd(), ("2026", 11, 24));
        assert_eq!(d.unix(), 1_795_478_400);
        assert!(PolicyDate::parse("2026-02-30").is_none());
    }
}

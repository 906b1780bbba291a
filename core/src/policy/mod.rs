//! The privacy policy: a document model, the default policy in Korean and English, a site's own policy, the
//! HTML page the server serves at `/privacy`, and the advance-notice rules.
//!
//! # Layout
//! - [`model`]: the document as plain data: title, version, effective date, sections of paragraphs and lists
//!   (numbered items, bullets, second-level bullets), inline links, the privacy officer's contact.
//! - [`parse`]: the JSON a site supplies ([`RawDocument`]) and its validation ([`PolicyDocument::parse`]).
//! - [`source`] (feature `builtin-policy`): the compact text format of the built-in policies (`core/policy/ko.txt`,
//!   `en.txt`).
//! - [`render`]: the standalone HTML page ([`render_page`], [`render_document`]).
//! - [`notice`](mod@notice): when to announce a coming change (7 days ahead, 30 when material).
//!
//! # The default policy
//! [`default_document`] is 나와의 대화's privacy policy. `core/policy/original.ko.txt` is the source exactly as
//! received; `ko.txt` is the same text, sentence for sentence and in the same structure, in the [`source`] format
//! (the tests rebuild the original's layout from the parsed document and compare); `en.txt` is a faithful English
//! translation with the same sections, anchors and list shape (also tested).
//!
//! Only with the `builtin-policy` feature (the default; the server and `kuki-frames`): the browser app leaves the
//! text and its parser out of the wasm and fetches the same documents, written by `kuki-frames` as `policy.json`
//! beside the bundle (this module's JSON format), when the viewer opens. What it needs before then is here
//! without the text: [`DEFAULT_POLICY_VERSION`] and [`default_contact`].
//!
//! # A site's own policy
//! A site passes its policy in the config as `policy`, one document per language; at least one. A language
//! without its own document shows the other one. The documents' `version` is the policy version consents are
//! recorded under: it must equal the config's `policyVersion` when both are given, and becomes it otherwise.
//!
//! ```json
//! "policy": {
//!   "ko": {
//!     "title": "개인정보 처리방침",
//!     "version": "2025-03-01",                 // letters, digits, - and _ (a PolicyVersion)
//!     "effectiveDate": "2025-03-01",           // YYYY-MM-DD
//!     "intro": [ { "paragraph": "..." } ],     // optional: blocks before the first section
//!     "sections": [                            // 1 to 64
//!       { "id": "items",                       // optional anchor: a-z first, then a-z 0-9 -; default s1, s2, ...
//!         "heading": "수집하는 개인정보 항목",
//!         "blocks": [
//!           { "paragraph": "회사는 ... 수집합니다." },
//!           { "numbered": [ { "text": "...", "children": [ { "bullets": [ { "text": "..." } ] } ] } ] },
//!           { "bullets": [ { "text": "문의: https://example.com/help" } ] }
//!         ] }
//!     ],
//!     "contact": { "name": "홍길동", "email": "privacy@example.com" }   // optional: the privacy officer
//!   },
//!   "en": { ... }
//! }
//! ```
//! - A block is `{"paragraph": text}`, `{"bullets": [item, ...]}` or `{"numbered": [item, ...]}`; an item is
//!   `{"text": text, "children": [block, ...]}`. Lists nest at most 3 deep (numbered > bullets > bullets).
//! - A text is a string. Email addresses and `http(s)://` URLs in it become links (`mailto:`, `https:`,
//!   `http:`); nothing else does, and there is no markup: `<b>` and `<a href=...>` show as those characters.
//!   (Explicit link spans were left out on purpose: their deserializer cost 1.3 KB brotli in the wasm.)
//! - No control characters (one paragraph per block); at most 4000 bytes per text, 300 per heading, 256 KiB
//!   per document.
//! - A complete config with both languages: `core/policy/example.json` (a test parses it).
//! - Errors name the field: `policy.en.sections[2].blocks[0].bullets[1].text: must not be empty`.
//!
//! Serializing a [`PolicyDocument`] with serde gives this format back.

pub mod model;
pub mod notice;
pub mod parse;
pub mod render;
#[cfg(feature = "builtin-policy")]
pub mod source;

pub use model::{Block, Contact, Href, Item, PolicyDate, PolicyDocument, Section, Span, Text};
pub use notice::{notice, Notice, MATERIAL_NOTICE_DAYS, NOTICE_DAYS};
pub use parse::{PolicyError, RawDocument};
pub use render::render_document;

use crate::value::{Obj, Value, ValueError};
use crate::Lang;

/// The version of the default policy: the date the text took effect in kuki, `YYYY-MM-DD` (the received text
/// carries no date of its own). Consents record it, so change it whenever `ko.txt` or `en.txt` changes in
/// substance, and keep it equal to their `version:` and `effective:` headers (a test checks).
pub const DEFAULT_POLICY_VERSION: &str = "2026-11-24";

/// The default policy's privacy officer (its `contact:` headers), which the preferences show before any document
/// is fetched. A test checks it against the text.
pub fn default_contact(lang: Lang) -> Contact {
    let name = match lang {
        Lang::Ko => "조영상",
        _ => "Jo Yeong-sang (조영상)",
    };
    Contact { name: name.into(), email: "talk-withme@naver.com".into() }
}

/// The default policy (나와의 대화's) in `lang`, parsed once from the built-in text.
#[cfg(feature = "builtin-policy")]
pub fn default_document(lang: Lang) -> &'static PolicyDocument {
    use std::sync::OnceLock;
    static KO: OnceLock<PolicyDocument> = OnceLock::new();
    static EN: OnceLock<PolicyDocument> = OnceLock::new();
    let (cell, src) = match lang {
        Lang::Ko => (&KO, include_str!("../../policy/ko.txt")),
        _ => (&EN, include_str!("../../policy/en.txt")),
    };
    // Not `Result::expect`: it would bring the error's Debug formatting into the wasm.
    cell.get_or_init(|| match source::parse_source(src, lang) {
        Ok(doc) => doc,
        Err(_) => panic!("the built-in policy parses (a test checks)"),
    })
}

/// A site's own policy as it arrives in the config's `policy` field: a document per language, at least one.
#[derive(Clone, Debug)]
pub struct RawSitePolicy {
    pub ko: Option<RawDocument>,
    pub en: Option<RawDocument>,
}

impl RawSitePolicy {
    /// Reads the JSON shape at `path` (the config's `policy`).
    pub fn from_value(v: &Value, path: &str) -> Result<RawSitePolicy, ValueError> {
        let o = Obj::new(v, path, &["ko", "en"])?;
        Ok(RawSitePolicy { ko: o.opt("ko", RawDocument::from_value)?, en: o.opt("en", RawDocument::from_value)? })
    }
}

/// A site's own policy, checked: at least one language, and one version across languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SitePolicy {
    ko: Option<PolicyDocument>,
    en: Option<PolicyDocument>,
}

impl SitePolicy {
    /// Validates both documents. Error fields start with the language (`en.sections[0].heading`); an empty
    /// policy is an error with an empty field.
    pub fn parse(raw: RawSitePolicy) -> Result<SitePolicy, PolicyError> {
        let doc = |raw: Option<RawDocument>, lang: Lang| {
            raw.map(|r| PolicyDocument::parse(r, lang))
                .transpose()
                .map_err(|e| PolicyError::new([lang.as_str(), ".", &e.field].concat(), e.message))
        };
        let site = SitePolicy { ko: doc(raw.ko, Lang::Ko)?, en: doc(raw.en, Lang::En)? };
        match (&site.ko, &site.en) {
            (None, None) => Err(PolicyError::new("", "needs a document in ko or en")),
            (Some(ko), Some(en)) if ko.version != en.version => {
                Err(PolicyError::new("en.version", "must equal ko.version (one policy, two languages)"))
            }
            _ => Ok(site),
        }
    }

    /// The document in `lang`, or in the other language when the site wrote only one.
    pub fn document(&self, lang: Lang) -> &PolicyDocument {
        let (first, second) = match lang {
            Lang::Ko => (&self.ko, &self.en),
            _ => (&self.en, &self.ko),
        };
        first.as_ref().or(second.as_ref()).expect("parse() keeps at least one document")
    }
}

/// The default policy as a standalone HTML page for the server's `/privacy` (`/privacy?lang=en`).
#[cfg(feature = "builtin-policy")]
pub fn render_page(lang: Lang) -> String {
    render_document(default_document(lang), lang)
}

// Nearly every test here reads the built-in text; `cargo test -p kuki-core` has it (the default feature).
#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ORIGINAL: &str = include_str!("../../policy/original.ko.txt");

    /// Writes a document back in the original's layout: a line per heading and paragraph; a numbered item as
    /// `N.` on its own line, then its text; a bullet as `•` (first level) or `◦` (inside a bullet), then its text.
    fn original_layout(doc: &PolicyDocument) -> String {
        fn blocks(out: &mut Vec<String>, list: &[Block], bullet_level: usize) {
            for b in list {
                let (items, numbered) = match b {
                    Block::Paragraph(t) => {
                        out.push(t.plain());
                        continue;
                    }
                    Block::Bullets(items) => (items, false),
                    Block::Numbered(items) => (items, true),
                };
                for (i, item) in items.iter().enumerate() {
                    out.push(match (numbered, bullet_level) {
                        (true, _) => format!("{}.", i + 1),
                        (false, 0) => "•".into(),
                        (false, _) => "◦".into(),
                    });
                    out.push(item.text.plain());
                    blocks(out, &item.children, bullet_level + usize::from(!numbered));
                }
            }
        }
        let mut out = vec![];
        blocks(&mut out, &doc.intro, 0);
        for s in &doc.sections {
            out.push(s.heading.clone());
            blocks(&mut out, &s.blocks, 0);
        }
        out.join("\n")
    }

    /// The text a reader reads, markers dropped and whitespace collapsed.
    fn normalised(layout: &str) -> Vec<String> {
        layout
            .lines()
            .filter(|l| !matches!(l.trim(), "•" | "◦") && l.trim().trim_end_matches('.').parse::<u32>().is_err())
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// The document's skeleton: section anchors, block kinds, item counts and nesting; no words.
    fn shape(doc: &PolicyDocument) -> String {
        fn blocks(out: &mut String, list: &[Block]) {
            for b in list {
                let (items, tag) = match b {
                    Block::Paragraph(_) => {
                        out.push('p');
                        continue;
                    }
                    Block::Bullets(items) => (items, "ul["),
                    Block::Numbered(items) => (items, "ol["),
                };
                out.push_str(tag);
                for item in items {
                    out.push_str("li(");
                    blocks(out, &item.children);
                    out.push(')');
                }
                out.push(']');
            }
        }
        let mut out = String::new();
        blocks(&mut out, &doc.intro);
        for s in &doc.sections {
            out.push_str(&format!(" #{}:", s.id));
            blocks(&mut out, &s.blocks);
        }
        out
    }

    #[test]
    fn the_korean_policy_is_the_original_sentence_for_sentence_and_in_its_structure() {
        let doc = default_document(Lang::Ko);
        assert_eq!(original_layout(doc), ORIGINAL.trim_end());
    }

    #[test]
    fn every_sentence_of_the_original_appears_in_order() {
        let doc_text = normalised(&original_layout(default_document(Lang::Ko))).join(" ");
        let mut rest = doc_text.as_str();
        let original = normalised(ORIGINAL);
        let sentences: Vec<&str> = original.iter().flat_map(|line| line.split_inclusive(". ")).collect();
        assert_eq!(sentences.len(), 51, "the original's sentences, headings and list items");
        for sentence in sentences {
            let sentence = sentence.trim();
            let at = rest.find(sentence).unwrap_or_else(|| panic!("missing or out of order: {sentence}"));
            rest = &rest[at + sentence.len()..];
        }
    }

    #[test]
    fn the_english_policy_has_the_same_shape_as_the_korean() {
        let (ko, en) = (default_document(Lang::Ko), default_document(Lang::En));
        assert_eq!(shape(en), shape(ko));
        assert_eq!(en.sections.len(), 6);
        assert_eq!((en.lang, ko.lang), (Lang::En, Lang::Ko));
        assert_eq!(en.version, ko.version);
        assert_eq!(en.effective_date, ko.effective_date);
        assert_eq!(en.contact.as_ref().map(|c| &c.email), ko.contact.as_ref().map(|c| &c.email));
        // Every text was translated: no Korean sentence left over in English, apart from proper names.
        let en_text = normalised(&original_layout(en));
        for line in &en_text {
            let hangul = line.chars().filter(|c| ('가'..='힣').contains(c)).count();
            assert!(hangul <= 10, "untranslated: {line}");
        }
    }

    #[test]
    fn the_default_version_matches_the_sources() {
        for lang in Lang::ALL {
            let doc = default_document(lang);
            assert_eq!(doc.version.as_str(), DEFAULT_POLICY_VERSION);
            assert_eq!(doc.effective_date.as_str(), DEFAULT_POLICY_VERSION);
        }
    }

    #[test]
    fn the_contact_is_the_privacy_officer_named_in_the_text() {
        let doc = default_document(Lang::Ko);
        let c = doc.contact.as_ref().unwrap();
        assert_eq!((c.name.as_str(), c.email.as_str()), ("조영상", "talk-withme@naver.com"));
        let officer = doc.sections.iter().find(|s| s.id == "officer").unwrap();
        let Block::Bullets(items) = &officer.blocks[1] else { panic!("the officer's bullets") };
        assert_eq!(items[0].text.plain(), "이름 : 조영상");
        assert_eq!(c.mailto().as_str(), "mailto:talk-withme@naver.com");
    }

    #[test]
    fn the_default_contact_is_the_one_in_each_text() {
        for lang in Lang::ALL {
            assert_eq!(default_document(lang).contact, Some(default_contact(lang)));
        }
    }

    #[test]
    fn the_address_in_the_text_is_a_mailto_link() {
        let doc = default_document(Lang::Ko);
        let retention = doc.sections.iter().find(|s| s.id == "retention").unwrap();
        let Block::Bullets(items) = &retention.blocks[0] else { panic!("bullets") };
        let hrefs: Vec<&str> = items[1]
            .text
            .0
            .iter()
            .filter_map(|s| match s {
                Span::Link { href, .. } => Some(href.as_str()),
                Span::Plain(_) => None,
            })
            .collect();
        assert_eq!(hrefs, ["mailto:talk-withme@naver.com"]);
    }

    #[test]
    fn a_serialized_document_parses_back_to_itself() {
        for lang in Lang::ALL {
            let doc = default_document(lang);
            let json = serde_json::to_string(doc).unwrap();
            let raw = RawDocument::from_value(&crate::value::from_json(&json), "").unwrap();
            assert_eq!(&PolicyDocument::parse(raw, lang).unwrap(), doc);
        }
    }

    #[test]
    fn the_page_has_contents_headings_and_the_other_language() {
        let ko = render_page(Lang::Ko);
        assert!(ko.starts_with("<!doctype html><html lang=\"ko\">"));
        assert!(ko.contains("<h1>개인정보 처리방침</h1>"));
        assert!(ko.contains("<nav aria-labelledby=\"toc\"><h2 id=\"toc\">목차</h2><ol><li><a href=\"#items\">"));
        assert!(ko.contains("<section id=\"officer\"><h2>개인정보 보호책임자 안내</h2>"));
        assert!(ko.contains("<a href=\"?lang=en\" hreflang=\"en\" lang=\"en\">English</a>"));
        assert!(ko.contains("시행일 <time datetime=\"2026-11-24\">2026년 11월 24일</time>"));
        assert!(ko.contains("<a href=\"mailto:talk-withme@naver.com\">talk-withme@naver.com</a> 으로"));
        assert!(ko.contains("word-break:keep-all"));
        assert!(!ko.contains("<script"));
        let en = render_page(Lang::En);
        assert!(en.contains("<a href=\"?lang=ko\" hreflang=\"ko\" lang=\"ko\">한국어</a>"));
        assert!(en.contains("Effective <time datetime=\"2026-11-24\">24 November 2026</time>"));
        assert_eq!(en.matches("<section id=").count(), 6);
        assert_eq!(en.matches("<h2").count(), 7);
    }

    #[test]
    fn every_sentence_is_on_the_page() {
        let page = render_page(Lang::Ko);
        let mut escaped = String::new();
        for line in normalised(ORIGINAL) {
            escaped.clear();
            render::escape(&mut escaped, &line);
            // The address is a link inside the sentence; compare the words around it.
            for part in escaped.split("talk-withme@naver.com") {
                assert!(page.contains(part), "not on the page: {part}");
            }
        }
    }

    #[test]
    fn the_documented_example_config_parses() {
        let raw =
            crate::config::RawConfig::from_value(&crate::value::from_json(include_str!("../../policy/example.json")))
                .unwrap();
        let config = crate::Config::parse(raw).unwrap();
        assert_eq!(config.policy_version.as_str(), "2025-03-01");
        let (ko, en) = (config.policy_document(Lang::Ko).unwrap(), config.policy_document(Lang::En).unwrap());
        assert_eq!((ko.lang, en.lang), (Lang::Ko, Lang::En));
        assert_eq!(shape(ko), shape(en));
        assert_eq!(shape(ko), "p #items:pol[li(ul[li(ul[li()])])li()] #contact:ul[li()li()]");
        let page = render_document(en, Lang::En);
        assert!(page.contains("Help: <a href=\"https://example.com/help\">https://example.com/help</a>"));
    }

    #[test]
    fn markup_in_a_policy_is_shown_as_text() {
        let json = r#"{"title":"<script>alert(1)</script>","version":"v1","effectiveDate":"2026-01-01",
            "intro":[{"paragraph":"<img src=x onerror=alert(1)> & \"quoted\" 'single'"}],
            "sections":[{"id":"a","heading":"</h2><script>x()</script>","blocks":[{"bullets":[{"text":
            "<b>see</b> https://example.com/?a=1&b=<script>"}]}]}],
            "contact":{"name":"<i>N</i>","email":"a@b.co"}}"#;
        let doc = PolicyDocument::parse(RawDocument::from_value(&crate::value::from_json(json), "").unwrap(), Lang::En)
            .unwrap();
        let page = render_document(&doc, Lang::En);
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("<img"));
        assert!(!page.contains("<b>") && !page.contains("<i>"));
        assert!(page.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;"));
        assert!(page.contains("<h2>&lt;/h2&gt;&lt;script&gt;x()&lt;/script&gt;</h2>"));
        assert!(page.contains(
            "<li>&lt;b&gt;see&lt;/b&gt; <a href=\"https://example.com/?a=1&amp;b=\">https://example.com/?a=1&amp;b=</a>\
             &lt;script&gt;</li>"
        ));
        assert!(page.contains("&lt;i&gt;N&lt;/i&gt;"));
    }

    #[test]
    fn only_allowed_schemes_become_links_on_the_page() {
        let json = r#"{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":[{"heading":"H",
            "blocks":[{"paragraph":"javascript:alert(1) data:text/html,x vbscript:y https://ok.example mail a@b.co"}]}]}"#;
        let doc = PolicyDocument::parse(RawDocument::from_value(&crate::value::from_json(json), "").unwrap(), Lang::En)
            .unwrap();
        let page = render_document(&doc, Lang::En);
        let hrefs: Vec<&str> = page.split("href=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
        assert_eq!(hrefs, ["#policy", "?lang=ko", "#s1", "https://ok.example", "mailto:a@b.co"]);
    }
}

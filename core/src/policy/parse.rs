//! The edge where a policy comes in: [`RawDocument`] mirrors the JSON a site writes and only checks types;
//! [`PolicyDocument::parse`] checks every rule and names the field at fault
//! (`sections[2].blocks[0].bullets[1].text: must not be empty`). Links are made here, from the addresses and
//! URLs in the text (`autolink`), so no other scheme can get in.
//! The built-in text sources ([`super::source`]) are turned into a `RawDocument` and pass through the same checks.

use super::model::{
    is_email, is_email_domain, is_email_local, Block, Contact, Href, Item, PolicyDate, Section, Span, Text,
};
use super::PolicyDocument;
use crate::token::PolicyVersion;
use crate::value::{index, Obj, Value, ValueError};
use crate::Lang;

// The limits are written out in the error messages below too (no formatting machinery in the wasm for them).
/// Longest title or heading, in bytes.
const MAX_HEADING: usize = 300;
/// Longest paragraph or item, in bytes (the longest in the default policy is about 510).
const MAX_TEXT: usize = 4000;
/// The whole document's text, in bytes: a long policy is 50 KB; this stops a config from carrying megabytes.
const MAX_TOTAL: usize = 256 * 1024;
const MAX_SECTIONS: usize = 64;
const MAX_ITEMS: usize = 200;
/// Numbered items, bullets and second-level bullets: three levels of lists, as in the default policy.
pub const MAX_DEPTH: usize = 3;

/// A policy that was refused, with the path of the field at fault (or `line N` for a text source).
pub type PolicyError = crate::error::FieldError;

/// A policy document as a site writes it (camelCase JSON). See the module doc of [`super`] for the format.
#[derive(Clone, Debug)]
pub struct RawDocument {
    pub title: String,
    pub version: String,
    /// `YYYY-MM-DD`.
    pub effective_date: String,
    pub intro: Vec<RawBlock>,
    pub sections: Vec<RawSection>,
    pub contact: Option<RawContact>,
}

#[derive(Clone, Debug)]
pub struct RawSection {
    pub id: Option<String>,
    pub heading: String,
    pub blocks: Vec<RawBlock>,
}

/// `{"paragraph": text}`, `{"bullets": [item, ...]}` or `{"numbered": [item, ...]}`.
#[derive(Clone, Debug)]
pub enum RawBlock {
    Paragraph(String),
    Bullets(Vec<RawItem>),
    Numbered(Vec<RawItem>),
}

#[derive(Clone, Debug)]
pub struct RawItem {
    pub text: String,
    pub children: Vec<RawBlock>,
}

#[derive(Clone, Debug)]
pub struct RawContact {
    pub name: String,
    pub email: String,
}

fn string(v: &Value, path: &str) -> Result<String, ValueError> {
    v.as_str(path).map(str::to_owned)
}

fn read_list<T>(v: &Value, path: &str, read: fn(&Value, &str) -> Result<T, ValueError>) -> Result<Vec<T>, ValueError> {
    v.as_arr(path)?.iter().enumerate().map(|(i, x)| read(x, &index(path, i))).collect()
}

impl RawDocument {
    /// Reads the JSON shape at `path`: types and known fields; [`PolicyDocument::parse`] checks the rules.
    pub fn from_value(v: &Value, path: &str) -> Result<RawDocument, ValueError> {
        let o = Obj::new(v, path, &["title", "version", "effectiveDate", "intro", "sections", "contact"])?;
        Ok(RawDocument {
            title: o.req("title", string)?,
            version: o.req("version", string)?,
            effective_date: o.req("effectiveDate", string)?,
            intro: o.opt("intro", |v, p| read_list(v, p, RawBlock::from_value))?.unwrap_or_default(),
            sections: o.req("sections", |v, p| read_list(v, p, RawSection::from_value))?,
            contact: o.opt("contact", |v, p| {
                let c = Obj::new(v, p, &["name", "email"])?;
                Ok(RawContact { name: c.req("name", string)?, email: c.req("email", string)? })
            })?,
        })
    }
}

impl RawSection {
    fn from_value(v: &Value, path: &str) -> Result<RawSection, ValueError> {
        let o = Obj::new(v, path, &["id", "heading", "blocks"])?;
        Ok(RawSection {
            id: o.opt_string("id")?,
            heading: o.req("heading", string)?,
            blocks: o.opt("blocks", |v, p| read_list(v, p, RawBlock::from_value))?.unwrap_or_default(),
        })
    }
}

impl RawBlock {
    /// `{"paragraph": text}`, `{"bullets": [...]}` or `{"numbered": [...]}`: exactly one key.
    fn from_value(v: &Value, path: &str) -> Result<RawBlock, ValueError> {
        let o = Obj::new(v, path, &["paragraph", "bullets", "numbered"])?;
        let block = match (o.get("paragraph"), o.get("bullets"), o.get("numbered")) {
            (Some(t), None, None) => RawBlock::Paragraph(string(t, &o.path("paragraph"))?),
            (None, Some(l), None) => RawBlock::Bullets(read_list(l, &o.path("bullets"), RawItem::from_value)?),
            (None, None, Some(l)) => RawBlock::Numbered(read_list(l, &o.path("numbered"), RawItem::from_value)?),
            _ => return Err(ValueError::new(path, "must have exactly one of paragraph, bullets or numbered")),
        };
        Ok(block)
    }
}

impl RawItem {
    fn from_value(v: &Value, path: &str) -> Result<RawItem, ValueError> {
        let o = Obj::new(v, path, &["text", "children"])?;
        Ok(RawItem {
            text: o.req("text", string)?,
            children: o.opt("children", |v, p| read_list(v, p, RawBlock::from_value))?.unwrap_or_default(),
        })
    }
}

impl PolicyDocument {
    /// Validates a raw document written in `lang`. Every rule broken is reported with the field's path.
    pub fn parse(raw: RawDocument, lang: Lang) -> Result<PolicyDocument, PolicyError> {
        let mut budget = MAX_TOTAL;
        let b = &mut budget;
        let title = heading(&At::top("title"), raw.title, b)?;
        let version = PolicyVersion::parse(&raw.version).map_err(|m| At::top("version").err(m))?;
        let effective_date = PolicyDate::parse(&raw.effective_date)
            .ok_or_else(|| At::top("effectiveDate").err("must be a date written YYYY-MM-DD"))?;
        let intro = blocks(&At::top("intro"), raw.intro, 0, b)?;
        if raw.sections.is_empty() || raw.sections.len() > MAX_SECTIONS {
            return Err(At::top("sections").err("must have 1 to 64 sections"));
        }
        let mut sections: Vec<Section> = Vec::with_capacity(raw.sections.len());
        for (i, s) in raw.sections.into_iter().enumerate() {
            let at = At::top("sections").index(i);
            let id = match s.id {
                Some(id) if is_section_id(&id) => id,
                Some(_) => {
                    return Err(at
                        .field("id")
                        .err("must be 1 to 40 lowercase letters, digits or -, starting with a letter"))
                }
                // Position-based anchors are stable as long as the site does not reorder its sections.
                None => ["s", &(i + 1).to_string()].concat(),
            };
            if sections.iter().any(|o| o.id == id) {
                return Err(at.field("id").err(["\"", &id, "\" is used twice"].concat()));
            }
            let heading = heading(&at.field("heading"), s.heading, b)?;
            let blocks = blocks(&at.field("blocks"), s.blocks, 0, b)?;
            sections.push(Section { id, heading, blocks });
        }
        let contact = match raw.contact {
            None => None,
            Some(c) => {
                let at = At::top("contact");
                let name = heading(&at.field("name"), c.name, b)?;
                if !is_email(&c.email) {
                    return Err(at.field("email").err("is not an email address"));
                }
                Some(Contact { name, email: c.email })
            }
        };
        Ok(PolicyDocument { lang, title, version, effective_date, intro, sections, contact })
    }
}

/// Where a check is in the document: a chain of fields and indexes on the stack, written out as
/// `sections[2].blocks[0].bullets[1].text` only when there is an error to report.
struct At<'a> {
    up: Option<&'a At<'a>>,
    name: &'static str,
    index: Option<usize>,
}

impl<'a> At<'a> {
    fn top(name: &'static str) -> At<'static> {
        At { up: None, name, index: None }
    }

    fn field(&'a self, name: &'static str) -> At<'a> {
        At { up: Some(self), name, index: None }
    }

    /// The same field with an index: `blocks` becomes `blocks[3]`.
    fn index(&self, i: usize) -> At<'a> {
        At { up: self.up, name: self.name, index: Some(i) }
    }

    fn write(&self, out: &mut String) {
        if let Some(up) = self.up {
            up.write(out);
            out.push('.');
        }
        out.push_str(self.name);
        if let Some(i) = self.index {
            out.push('[');
            out.push_str(&i.to_string());
            out.push(']');
        }
    }

    fn err(&self, message: impl Into<String>) -> PolicyError {
        let mut field = String::new();
        self.write(&mut field);
        PolicyError::new(field, message)
    }
}

fn is_section_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_lowercase()
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Takes `n` bytes from the document's budget.
fn spend(at: &At, n: usize, budget: &mut usize) -> Result<(), PolicyError> {
    *budget = budget.checked_sub(n).ok_or_else(|| at.err("the document is longer than 256 KiB"))?;
    Ok(())
}

/// Text that is shown as it is: no control characters (one paragraph is one block, not a line break).
fn check_text(at: &At, s: &str, max: usize, budget: &mut usize) -> Result<(), PolicyError> {
    if s.len() > max {
        return Err(at.err(["is longer than ", &max.to_string(), " bytes"].concat()));
    }
    if s.chars().any(char::is_control) {
        return Err(at.err("has a control character (write one paragraph per block)"));
    }
    spend(at, s.len(), budget)
}

fn heading(at: &At, s: String, budget: &mut usize) -> Result<String, PolicyError> {
    if s.trim().is_empty() {
        return Err(at.err("must not be empty"));
    }
    check_text(at, &s, MAX_HEADING, budget)?;
    Ok(s)
}

fn blocks(at: &At, raw: Vec<RawBlock>, depth: usize, budget: &mut usize) -> Result<Vec<Block>, PolicyError> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, b) in raw.into_iter().enumerate() {
        let at = at.index(i);
        out.push(match b {
            RawBlock::Paragraph(t) => Block::Paragraph(text(&at.field("paragraph"), t, budget)?),
            RawBlock::Bullets(items) => Block::Bullets(list(&at.field("bullets"), items, depth, budget)?),
            RawBlock::Numbered(items) => Block::Numbered(list(&at.field("numbered"), items, depth, budget)?),
        });
    }
    Ok(out)
}

fn list(at: &At, raw: Vec<RawItem>, depth: usize, budget: &mut usize) -> Result<Vec<Item>, PolicyError> {
    if depth >= MAX_DEPTH {
        return Err(at.err("lists nest at most 3 levels deep"));
    }
    if raw.is_empty() || raw.len() > MAX_ITEMS {
        return Err(at.err("a list has 1 to 200 items"));
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, item) in raw.into_iter().enumerate() {
        let at = at.index(i);
        out.push(Item {
            text: text(&at.field("text"), item.text, budget)?,
            children: blocks(&at.field("children"), item.children, depth + 1, budget)?,
        });
    }
    Ok(out)
}

/// A text: links are made of the addresses and URLs in it, so a link always shows where it goes.
fn text(at: &At, raw: String, budget: &mut usize) -> Result<Text, PolicyError> {
    if raw.trim().is_empty() {
        return Err(at.err("must not be empty"));
    }
    check_text(at, &raw, MAX_TEXT, budget)?;
    let mut spans = Vec::new();
    autolink(&raw, &mut spans);
    Ok(Text(spans))
}

/// Splits plain text into spans, making links of `http(s)://` URLs and email addresses. A URL ends at whitespace,
/// a non-ASCII character (Korean particles follow URLs without a space: `https://a.kr에서`) or a quote or bracket,
/// and loses trailing punctuation (`see https://a.kr.`).
pub(crate) fn autolink(s: &str, out: &mut Vec<Span>) {
    let b = s.as_bytes();
    let mut done = 0; // bytes of `s` already emitted
    let mut i = 0;
    while i < b.len() {
        let found = url_at(s, i).or_else(|| email_at(b, i, done));
        let Some((start, end, href)) = found else {
            i += 1;
            continue;
        };
        push_plain(out, &s[done..start]);
        out.push(Span::Link { text: s[start..end].into(), href });
        done = end;
        i = end;
    }
    push_plain(out, &s[done..]);
}

fn push_plain(out: &mut Vec<Span>, s: &str) {
    if s.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(Span::Plain(prev)) => prev.push_str(s),
        _ => out.push(Span::Plain(s.into())),
    }
}

fn url_at(s: &str, i: usize) -> Option<(usize, usize, Href)> {
    // Only an ASCII `h` can start a URL; checking it first keeps `i` on a character boundary.
    if s.as_bytes()[i] != b'h' {
        return None;
    }
    let rest = &s[i..];
    if !(rest.starts_with("https://") || rest.starts_with("http://")) {
        return None;
    }
    let len = rest.bytes().position(|c| !c.is_ascii_graphic() || b"\"'<>()[]{}`".contains(&c)).unwrap_or(rest.len());
    let url = rest[..len].trim_end_matches(['.', ',', ';', ':', '!', '?']);
    Href::parse(url).ok().map(|h| (i, i + url.len(), h))
}

/// An address around the `@` at `i`, not reaching back before `floor` (text already emitted).
fn email_at(b: &[u8], i: usize, floor: usize) -> Option<(usize, usize, Href)> {
    if b[i] != b'@' {
        return None;
    }
    let mut start = i;
    while start > floor && is_email_local(b[start - 1]) {
        start -= 1;
    }
    let mut end = i + 1;
    while end < b.len() && is_email_domain(b[end]) {
        end += 1;
    }
    while end > i + 1 && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    // Everything in start..end is ASCII, so these are character boundaries.
    let addr = std::str::from_utf8(&b[start..end]).ok()?;
    if !is_email(addr) {
        return None;
    }
    let href = Href::parse(&["mailto:", addr].concat()).ok()?;
    Some((start, end, href))
}

#[cfg(test)]
mod tests {
    /// The JSON text read as the browser reads it.
    fn raw(json: &str) -> Result<RawDocument, crate::value::ValueError> {
        RawDocument::from_value(&crate::value::from_json(json), "")
    }
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn spans(s: &str) -> Vec<Span> {
        let mut out = vec![];
        autolink(s, &mut out);
        out
    }

    fn link(text: &str, href: &str) -> Span {
        Span::Link { text: text.into(), href: Href::parse(href).unwrap() }
    }

    fn parse(json: &str) -> Result<PolicyDocument, PolicyError> {
        PolicyDocument::parse(raw(json).expect("the raw shape parses"), Lang::En)
    }

    const MINIMAL: &str = r#"{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":[{"heading":"H"}]}"#;

    #[test]
    fn an_email_address_in_korean_text_becomes_a_mailto_link() {
        assert_eq!(
            spans("기재하여 talk-withme@naver.com 으로 이메일을"),
            [
                Span::Plain("기재하여 ".into()),
                link("talk-withme@naver.com", "mailto:talk-withme@naver.com"),
                Span::Plain(" 으로 이메일을".into())
            ]
        );
        assert_eq!(spans("이메일 : a@b.kr"), [Span::Plain("이메일 : ".into()), link("a@b.kr", "mailto:a@b.kr")]);
    }

    #[test]
    fn urls_stop_at_korean_text_and_trailing_punctuation() {
        assert_eq!(
            spans("(https://a.kr/x?y=1에서 보세요. http://b.com.)"),
            [
                Span::Plain("(".into()),
                link("https://a.kr/x?y=1", "https://a.kr/x?y=1"),
                Span::Plain("에서 보세요. ".into()),
                link("http://b.com", "http://b.com"),
                Span::Plain(".)".into())
            ]
        );
    }

    #[test]
    fn other_schemes_and_half_addresses_stay_text() {
        for s in ["javascript:alert(1)", "data:text/html,x", "user@localhost", "@twitter", "ftp://a.com", "https://"] {
            assert_eq!(spans(s), [Span::Plain(s.into())], "{s}");
        }
    }

    #[test]
    fn a_minimal_document_parses_and_sections_get_anchors() {
        let d = parse(MINIMAL).unwrap();
        assert_eq!(d.sections[0].id, "s1");
        assert_eq!(d.effective_date.as_str(), "2026-01-01");
        assert!(d.contact.is_none());
    }

    #[test]
    fn links_come_only_from_addresses_and_web_urls_in_the_text() {
        let json = r#"{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":[{"heading":"H",
            "blocks":[{"paragraph":"Write a@b.co, not javascript:alert(1)"}]}]}"#;
        let d = parse(json).unwrap();
        let Block::Paragraph(t) = &d.sections[0].blocks[0] else { panic!("a paragraph") };
        assert_eq!(
            t.0,
            [
                Span::Plain("Write ".into()),
                link("a@b.co", "mailto:a@b.co"),
                Span::Plain(", not javascript:alert(1)".into())
            ]
        );
        // A text is a string: the model's spans are not an input format.
        let spans =
            json.replace(r#""Write a@b.co, not javascript:alert(1)""#, r#"[{"text":"x","href":"javascript:y"}]"#);
        assert!(raw(&spans).is_err());
    }

    #[test]
    fn errors_name_the_field() {
        let doc = |sections: &str| {
            format!(r#"{{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":{sections}}}"#)
        };
        let deep = r#"[{"heading":"H","blocks":[{"numbered":[{"text":"a","children":[{"bullets":[{"text":"b",
            "children":[{"bullets":[{"text":"c","children":[{"bullets":[{"text":"d"}]}]}]}]}]}]}]}]}]"#;
        let cases = [
            (r#"{"title":" ","version":"v1","effectiveDate":"2026-01-01","sections":[{"heading":"H"}]}"#, "title"),
            (r#"{"title":"T","version":"1.0","effectiveDate":"2026-01-01","sections":[{"heading":"H"}]}"#, "version"),
            (r#"{"title":"T","version":"v1","effectiveDate":"26-1-1","sections":[{"heading":"H"}]}"#, "effectiveDate"),
            (&doc("[]"), "sections"),
            (&doc(r#"[{"id":"Bad Id","heading":"H"}]"#), "sections[0].id"),
            (&doc(r#"[{"id":"a","heading":"H"},{"id":"a","heading":"H"}]"#), "sections[1].id"),
            (&doc(r#"[{"heading":""}]"#), "sections[0].heading"),
            (&doc(r#"[{"heading":"H","blocks":[{"bullets":[]}]}]"#), "sections[0].blocks[0].bullets"),
            (&doc(r#"[{"heading":"H","blocks":[{"paragraph":"a\nb"}]}]"#), "sections[0].blocks[0].paragraph"),
            (
                &doc(r#"[{"heading":"H","blocks":[{"bullets":[{"text":"ok"},{"text":"  "}]}]}]"#),
                "sections[0].blocks[0].bullets[1].text",
            ),
            (
                &doc(deep),
                "sections[0].blocks[0].numbered[0].children[0].bullets[0].children[0].bullets[0].children[0].bullets",
            ),
            (
                r#"{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":[{"heading":"H"}],
                "contact":{"name":"N","email":"not-an-address"}}"#,
                "contact.email",
            ),
        ];
        for (json, field) in cases {
            let err = parse(json).unwrap_err();
            assert_eq!(err.field, field, "{json}: {err}");
        }
    }

    #[test]
    fn the_limits_in_the_messages_are_the_limits_applied() {
        let sections = |n: usize| vec![r#"{"heading":"H"}"#; n].join(",");
        let items = |n: usize| vec![r#"{"text":"x"}"#; n].join(",");
        let doc = |sections: String| {
            format!(r#"{{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":[{sections}]}}"#)
        };
        assert!(parse(&doc(sections(MAX_SECTIONS))).is_ok());
        let err = parse(&doc(sections(MAX_SECTIONS + 1))).unwrap_err();
        assert!(err.message.contains(&MAX_SECTIONS.to_string()), "{err}");
        let list = |n: usize| doc(format!(r#"{{"heading":"H","blocks":[{{"bullets":[{}]}}]}}"#, items(n)));
        assert!(parse(&list(MAX_ITEMS)).is_ok());
        let err = parse(&list(MAX_ITEMS + 1)).unwrap_err();
        assert!(err.message.contains(&MAX_ITEMS.to_string()), "{err}");
        let long = doc(format!(r#"{{"heading":"{}"}}"#, "x".repeat(MAX_HEADING + 1)));
        assert!(parse(&long).unwrap_err().message.contains(&MAX_HEADING.to_string()));
        assert!(parse(&doc(format!(r#"{{"heading":"{}"}}"#, "x".repeat(MAX_HEADING)))).is_ok());
    }

    #[test]
    fn a_document_of_megabytes_is_refused() {
        let item = format!(r#"{{"text":"{}"}}"#, "x".repeat(3000));
        let list = format!(r#"{{"bullets":[{}]}}"#, vec![item; 100].join(","));
        let json = format!(
            r#"{{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":[{{"heading":"H","blocks":[{}]}}]}}"#,
            vec![list; 2].join(",")
        );
        assert!(parse(&json).unwrap_err().message.contains("256 KiB"));
    }

    #[test]
    fn unknown_fields_are_refused_by_the_raw_shape() {
        let json =
            r#"{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":[{"heading":"H","html":"<b>"}]}"#;
        assert_eq!(raw(json).unwrap_err().field, "sections[0].html");
    }

    #[test]
    fn a_block_has_exactly_one_kind() {
        let json = r#"{"title":"T","version":"v1","effectiveDate":"2026-01-01","sections":[{"heading":"H",
            "blocks":[{"paragraph":"a","bullets":[]}]}]}"#;
        assert_eq!(raw(json).unwrap_err().field, "sections[0].blocks[0]");
    }
}

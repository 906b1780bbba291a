//! The text format the built-in policies are written in (`core/policy/ko.txt`, `core/policy/en.txt`): compact,
//! readable in a diff, and close to the layout of the original policy. It is parsed at run time because the text
//! compresses far better than the same document as Rust data in the wasm binary.
//!
//! ```text
//! # A comment: a line that is `#` or starts with `# `.
//! title: 개인정보 처리방침                       <- header: `key: value` lines up to the first blank line;
//! version: 2026-11-24                             title, version, effective (YYYY-MM-DD) are required,
//! effective: 2026-11-24                           contact (`Name <address>`) is optional
//! contact: 조영상 <talk-withme@naver.com>
//!
//! A line of text is one paragraph.              <- before the first section: the introduction
//! ## items 수집하는 개인정보 항목                <- a section: `## <anchor id> <heading>`
//! 1. A numbered item.                           <- `N. `: numbered; N counts 1, 2, 3 within its list
//!   - A bullet inside item 1.                   <- `- `: a bullet; two spaces of indent per level
//!     - A second-level bullet.
//! 2. The next numbered item.
//! A paragraph again (it closes the lists).
//! \1. A backslash makes the rest of the line a paragraph, whatever it starts with.
//! ```
//!
//! Blank lines are ignored. Email addresses and `http(s)://` URLs in the text become links. Errors name the line.

use super::parse::{PolicyError, RawBlock, RawContact, RawDocument, RawItem, RawSection};
use super::PolicyDocument;
use crate::Lang;

enum Kind<'a> {
    Section(&'a str, &'a str),
    Paragraph(&'a str),
    Bullet(&'a str),
    Numbered(u32, &'a str),
}

struct Line<'a> {
    no: usize,
    depth: usize,
    kind: Kind<'a>,
}

fn at(no: usize) -> String {
    ["line ", &no.to_string()].concat()
}

/// Parses a policy written in the text format.
pub fn parse_source(src: &str, lang: Lang) -> Result<PolicyDocument, PolicyError> {
    let mut lines = src.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end()));
    let (mut title, mut version, mut effective, mut contact) = (None, None, None, None);
    for (no, line) in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if is_comment(line) {
            continue;
        }
        // Char patterns, not `": "`: a string pattern brings a substring searcher into the wasm.
        let (key, value) = line.split_once(':').ok_or_else(|| PolicyError::new(at(no), "expected `key: value`"))?;
        let slot = match key {
            "title" => &mut title,
            "version" => &mut version,
            "effective" => &mut effective,
            "contact" => &mut contact,
            _ => return Err(PolicyError::new(at(no), "unknown header (title, version, effective, contact)")),
        };
        *slot = Some(value.trim().to_owned());
    }
    let missing = |what: &str| PolicyError::new(["header ", what].concat(), "is missing");
    let contact = match contact {
        None => None,
        Some(c) => {
            let (name, email) = c
                .strip_suffix('>')
                .and_then(|c| c.rsplit_once('<'))
                .ok_or_else(|| PolicyError::new("header contact", "write it as `Name <address>`"))?;
            Some(RawContact { name: name.trim().into(), email: email.into() })
        }
    };

    let mut body = Vec::new();
    for (no, l) in lines {
        if !l.is_empty() && !is_comment(l) {
            body.push(line(no, l)?);
        }
    }
    let mut i = 0;
    let intro = blocks(&body, &mut i, 0)?;
    let mut sections = Vec::new();
    while let Some(l) = body.get(i) {
        let Kind::Section(id, heading) = l.kind else { unreachable!("blocks() stops only at a section") };
        i += 1;
        sections.push(RawSection { id: Some(id.into()), heading: heading.into(), blocks: blocks(&body, &mut i, 0)? });
    }
    let raw = RawDocument {
        title: title.ok_or_else(|| missing("title"))?,
        version: version.ok_or_else(|| missing("version"))?,
        effective_date: effective.ok_or_else(|| missing("effective"))?,
        intro,
        sections,
        contact,
    };
    PolicyDocument::parse(raw, lang)
}

fn is_comment(line: &str) -> bool {
    line == "#" || line.starts_with("# ")
}

fn line(no: usize, raw: &str) -> Result<Line<'_>, PolicyError> {
    let text = raw.trim_start_matches(' ');
    let indent = raw.len() - text.len();
    if indent % 2 == 1 || text.starts_with('\t') {
        return Err(PolicyError::new(at(no), "indent with two spaces per level"));
    }
    let kind = if let Some(rest) = text.strip_prefix("## ") {
        let (id, heading) =
            rest.split_once(' ').ok_or_else(|| PolicyError::new(at(no), "a section is `## <id> <heading>`"))?;
        Kind::Section(id, heading.trim())
    } else if let Some(rest) = text.strip_prefix("- ") {
        Kind::Bullet(rest)
    } else if let Some(rest) = text.strip_prefix('\\') {
        Kind::Paragraph(rest)
    } else if let Some((n, rest)) = numbered(text) {
        Kind::Numbered(n, rest)
    } else {
        Kind::Paragraph(text)
    };
    if indent > 0 && matches!(kind, Kind::Section(..) | Kind::Paragraph(_)) {
        return Err(PolicyError::new(at(no), "only list items are indented"));
    }
    Ok(Line { no, depth: indent / 2, kind })
}

/// `12. text` to (12, "text").
fn numbered(text: &str) -> Option<(u32, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let rest = text[digits..].strip_prefix('.')?.strip_prefix(' ')?;
    Some((text[..digits].parse().ok()?, rest))
}

/// Reads the blocks at `depth` from `lines[*i..]`: up to a section, or a line less indented than `depth`.
fn blocks(lines: &[Line], i: &mut usize, depth: usize) -> Result<Vec<RawBlock>, PolicyError> {
    let mut out: Vec<RawBlock> = Vec::new();
    while let Some(l) = lines.get(*i) {
        if matches!(l.kind, Kind::Section(..)) || l.depth < depth {
            break;
        }
        if l.depth > depth {
            return Err(PolicyError::new(at(l.no), "indented deeper than the item above"));
        }
        *i += 1;
        let (text, numbered) = match l.kind {
            Kind::Paragraph(t) => {
                out.push(RawBlock::Paragraph(t.into()));
                continue;
            }
            Kind::Bullet(t) => (t, None),
            Kind::Numbered(n, t) => (t, Some(n)),
            Kind::Section(..) => unreachable!("checked above"),
        };
        let item = RawItem { text: text.into(), children: blocks(lines, i, depth + 1)? };
        // An item continues the list just before it if that list is of the same kind.
        let list = match (out.last_mut(), numbered) {
            (Some(RawBlock::Bullets(items)), None) | (Some(RawBlock::Numbered(items)), Some(_)) => items,
            _ => {
                out.push(if numbered.is_some() { RawBlock::Numbered(vec![]) } else { RawBlock::Bullets(vec![]) });
                match out.last_mut() {
                    Some(RawBlock::Bullets(items) | RawBlock::Numbered(items)) => items,
                    _ => unreachable!("just pushed a list"),
                }
            }
        };
        if let Some(n) = numbered {
            if n as usize != list.len() + 1 {
                return Err(PolicyError::new(
                    at(l.no),
                    ["expected item number ", &(list.len() + 1).to_string()].concat(),
                ));
            }
        }
        list.push(item);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Block, Span};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const HEAD: &str = "title: T\nversion: v1\neffective: 2026-01-01\n\n";

    fn parse(body: &str) -> Result<PolicyDocument, PolicyError> {
        parse_source(&[HEAD, body].concat(), Lang::Ko)
    }

    #[test]
    fn lists_nest_by_indent_and_paragraphs_close_them() {
        let d = parse("intro\n## a A\n1. one\n  - b1\n    - c1\n  - b2\n2. two\nafter\n- x\n").unwrap();
        assert_eq!(d.intro.len(), 1);
        let s = &d.sections[0];
        assert_eq!((s.id.as_str(), s.heading.as_str()), ("a", "A"));
        let Block::Numbered(items) = &s.blocks[0] else { panic!("numbered first") };
        assert_eq!(items.len(), 2);
        let Block::Bullets(bullets) = &items[0].children[0] else { panic!("bullets inside item 1") };
        assert_eq!(bullets.len(), 2);
        assert_eq!(bullets[0].children.len(), 1);
        assert!(matches!(&s.blocks[1], Block::Paragraph(_)));
        assert!(matches!(&s.blocks[2], Block::Bullets(b) if b.len() == 1));
    }

    #[test]
    fn a_backslash_escapes_a_line_that_looks_like_an_item() {
        let d = parse("## a A\n\\1. not a list\n").unwrap();
        let Block::Paragraph(t) = &d.sections[0].blocks[0] else { panic!("a paragraph") };
        assert_eq!(t.0, [Span::Plain("1. not a list".into())]);
    }

    #[test]
    fn the_header_gives_title_version_date_and_contact() {
        let d = parse_source(
            "# comment\ntitle: T\nversion: v1\neffective: 2026-01-01\ncontact: 조영상 <a@b.kr>\n\n## a A\n",
            Lang::Ko,
        )
        .unwrap();
        assert_eq!(d.title, "T");
        let c = d.contact.unwrap();
        assert_eq!((c.name.as_str(), c.email.as_str()), ("조영상", "a@b.kr"));
    }

    #[test]
    fn mistakes_name_the_line() {
        let cases = [
            ("## a A\n   - odd indent\n", "line 6"),
            ("## a A\n- one\n    - two levels down\n", "line 7"),
            ("## a A\n1. one\n3. three\n", "line 7"),
            ("## a A\n  indented paragraph\n", "line 6"),
            ("## nohead\n", "line 5"),
            ("## Bad A\n", "sections[0].id"),
        ];
        for (body, field) in cases {
            assert_eq!(parse(body).unwrap_err().field, field, "{body:?}");
        }
        assert_eq!(parse_source("title: T\n\n## a A\n", Lang::Ko).unwrap_err().field, "header version");
        assert_eq!(parse_source("titel: T\n", Lang::Ko).unwrap_err().field, "line 1");
    }
}

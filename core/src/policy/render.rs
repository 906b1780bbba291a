//! The policy as one standalone HTML page (the server's `/privacy`): no script, one small inline stylesheet,
//! readable from 320 px phones to desktops. Every text of the document goes through [`escape`]; the only
//! attributes taken from the document are section anchors (checked slugs, escaped anyway) and [`Href`]s.

use super::model::{Block, Href, Item, PolicyDocument, Span, Text};
use crate::Lang;

/// The page's own words (the document brings the rest).
struct Chrome {
    skip: &'static str,
    contents: &'static str,
    version: &'static str,
    effective: &'static str,
    officer: &'static str,
    /// The link to the other language, written in that language.
    other: &'static str,
    other_lang: Lang,
}

const KO: Chrome = Chrome {
    skip: "본문 바로가기",
    contents: "목차",
    version: "버전",
    effective: "시행일",
    officer: "개인정보 보호책임자",
    other: "English",
    other_lang: Lang::En,
};

const EN: Chrome = Chrome {
    skip: "Skip to the policy",
    contents: "Contents",
    version: "Version",
    effective: "Effective",
    officer: "Privacy officer",
    other: "한국어",
    other_lang: Lang::Ko,
};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Korean text needs `word-break: keep-all` (break between words, not syllables) and more leading than Latin;
/// `overflow-wrap: anywhere` still lets a long address wrap on a 320 px screen.
const CSS: &str = "\
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5b5b66;--bg:#fff;--line:#d9d9e0;--link:#0b57d0}\
@media(prefers-color-scheme:dark){:root{--fg:#e8e8ed;--muted:#a8a8b3;--bg:#16161a;--line:#3a3a42;--link:#8ab4f8}}\
*{box-sizing:border-box}\
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\
body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.8 system-ui,-apple-system,\"Apple SD Gothic Neo\",\
\"Malgun Gothic\",\"Noto Sans KR\",sans-serif;word-break:keep-all;overflow-wrap:anywhere}\
body:lang(en){line-height:1.65}\
.page{max-width:44rem;margin:0 auto;padding:1.25rem 1rem 3rem}\
@media(min-width:40rem){.page{padding:2.5rem 2rem 4rem}}\
h1{font-size:1.75rem;line-height:1.3;margin:.25rem 0 .5rem}\
h2{font-size:1.25rem;line-height:1.4;margin:2.5rem 0 .75rem;padding-top:1.25rem;border-top:1px solid var(--line)}\
nav{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1.25rem;margin:1.5rem 0}\
nav h2{font-size:1rem;margin:0;padding:0;border:0}\
p{margin:.75rem 0}ol,ul{padding-left:1.5rem;margin:.5rem 0}li{margin:.4rem 0}\
@media(max-width:24rem){ol,ul{padding-left:1.2rem}}\
ul{list-style:disc}ul ul{list-style:circle}\
a{color:var(--link);text-underline-offset:.15em}\
a:focus-visible{outline:2px solid var(--link);outline-offset:2px;border-radius:2px}\
section{scroll-margin-top:1rem}\
.lang{text-align:right;margin:0}.meta,.lang,footer{color:var(--muted);font-size:.9375rem}\
footer{margin-top:3rem;padding-top:1rem;border-top:1px solid var(--line)}address{font-style:normal}\
.skip{position:absolute;left:-100vw}.skip:focus{left:1rem;top:1rem;padding:.5rem 1rem;background:var(--bg)}\
@media print{nav,.lang,.skip{display:none}}";

/// A complete page for `doc`, with `lang` for the page's own words.
pub fn render_document(doc: &PolicyDocument, lang: Lang) -> String {
    let c = match lang {
        Lang::Ko => &KO,
        _ => &EN,
    };
    let mut h = String::with_capacity(32 * 1024);
    h.push_str("<!doctype html><html lang=\"");
    h.push_str(lang.as_str());
    h.push_str(
        "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
    );
    h.push_str("<title>");
    escape(&mut h, &doc.title);
    h.push_str("</title><style>");
    h.push_str(CSS);
    h.push_str("</style></head><body><a class=\"skip\" href=\"#policy\">");
    h.push_str(c.skip);
    h.push_str("</a><div class=\"page\"><header><p class=\"lang\"><a href=\"?lang=");
    let other = c.other_lang.as_str();
    h.push_str(other);
    h.push_str("\" hreflang=\"");
    h.push_str(other);
    h.push_str("\" lang=\"");
    h.push_str(other);
    h.push_str("\">");
    h.push_str(c.other);
    h.push_str("</a></p><h1>");
    escape(&mut h, &doc.title);
    h.push_str("</h1><p class=\"meta\">");
    h.push_str(c.version);
    h.push(' ');
    escape(&mut h, doc.version.as_str());
    h.push_str(" · ");
    h.push_str(c.effective);
    h.push_str(" <time datetime=\"");
    escape(&mut h, doc.effective_date.as_str());
    h.push_str("\">");
    let (y, m, d) = doc.effective_date.ymd();
    match lang {
        Lang::Ko => {
            for (n, unit) in [(y, "년 "), (&m.to_string(), "월 "), (&d.to_string(), "일")] {
                h.push_str(n);
                h.push_str(unit);
            }
        }
        _ => {
            h.push_str(&d.to_string());
            h.push(' ');
            h.push_str(MONTHS[(m as usize).clamp(1, 12) - 1]);
            h.push(' ');
            h.push_str(y);
        }
    }
    h.push_str("</time></p></header><nav aria-labelledby=\"toc\"><h2 id=\"toc\">");
    h.push_str(c.contents);
    h.push_str("</h2><ol>");
    for s in &doc.sections {
        h.push_str("<li><a href=\"#");
        escape(&mut h, &s.id);
        h.push_str("\">");
        escape(&mut h, &s.heading);
        h.push_str("</a></li>");
    }
    h.push_str("</ol></nav><main id=\"policy\" lang=\"");
    h.push_str(doc.lang.as_str());
    h.push_str("\">");
    blocks(&mut h, &doc.intro);
    for s in &doc.sections {
        h.push_str("<section id=\"");
        escape(&mut h, &s.id);
        h.push_str("\"><h2>");
        escape(&mut h, &s.heading);
        h.push_str("</h2>");
        blocks(&mut h, &s.blocks);
        h.push_str("</section>");
    }
    h.push_str("</main>");
    if let Some(contact) = &doc.contact {
        h.push_str("<footer><address>");
        h.push_str(c.officer);
        h.push_str(": ");
        escape(&mut h, &contact.name);
        h.push_str(", ");
        link(&mut h, &contact.email, &contact.mailto());
        h.push_str("</address></footer>");
    }
    h.push_str("</div></body></html>\n");
    h
}

fn blocks(h: &mut String, blocks: &[Block]) {
    for b in blocks {
        match b {
            Block::Paragraph(t) => {
                h.push_str("<p>");
                text(h, t);
                h.push_str("</p>");
            }
            Block::Bullets(items) => list(h, "ul", items),
            Block::Numbered(items) => list(h, "ol", items),
        }
    }
}

fn list(h: &mut String, tag: &str, items: &[Item]) {
    h.push('<');
    h.push_str(tag);
    h.push('>');
    for item in items {
        h.push_str("<li>");
        text(h, &item.text);
        blocks(h, &item.children);
        h.push_str("</li>");
    }
    h.push_str("</");
    h.push_str(tag);
    h.push('>');
}

fn text(h: &mut String, t: &Text) {
    for span in &t.0 {
        match span {
            Span::Plain(s) => escape(h, s),
            Span::Link { text, href } => link(h, text, href),
        }
    }
}

fn link(h: &mut String, text: &str, href: &Href) {
    h.push_str("<a href=\"");
    escape(h, href.as_str());
    h.push_str("\">");
    escape(h, text);
    h.push_str("</a>");
}

/// Escapes text for both element content and double- or single-quoted attribute values.
pub fn escape(h: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '&' => h.push_str("&amp;"),
            '<' => h.push_str("&lt;"),
            '>' => h.push_str("&gt;"),
            '"' => h.push_str("&quot;"),
            '\'' => h.push_str("&#39;"),
            _ => h.push(ch),
        }
    }
}

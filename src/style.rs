//! kuki's stylesheet (`kuki.css`), minified while compiling: the source keeps its comments and layout, the bundle
//! carries neither (every first visit downloads it, in the wasm and with the loader's first frame).
//!
//! A `const fn` rather than a build script or a crate: comments go, runs of white space become one space, and
//! that space goes too beside `{ } ; : , !` where CSS never needs it (never before `:`, which may start a
//! pseudo-class after a descendant combinator); a `;` just before `}` goes. Quoted strings are kept as written.

/// The stylesheet as the browser gets it.
pub const CSS: &str = match core::str::from_utf8(MINIFIED) {
    Ok(css) => css,
    Err(_) => panic!("kuki.css: minifying broke UTF-8"),
};

const SOURCE: &[u8] = include_bytes!("kuki.css");
const LEN: usize = minify::<0>(SOURCE).1;
const MINIFIED: &[u8] = &minify::<LEN>(SOURCE).0;

/// `src` minified into `N` bytes (those past `N` are counted, not written) and the minified length.
const fn minify<const N: usize>(src: &[u8]) -> ([u8; N], usize) {
    let mut out = [0u8; N];
    let mut n = 0;
    // The last byte written (0: none yet), and whether white space (or a comment) came since.
    let mut last = 0u8;
    let mut space = false;
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        if c == b'/' && i + 1 < src.len() && src[i + 1] == b'*' {
            i += 2;
            while i < src.len() && !(src[i] == b'*' && i + 1 < src.len() && src[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
            space = true;
            continue;
        }
        if c.is_ascii_whitespace() {
            space = true;
            i += 1;
            continue;
        }
        if space
            && last != 0
            && !matches!(last, b'{' | b'}' | b';' | b':' | b',')
            && !matches!(c, b'{' | b'}' | b';' | b',' | b'!')
        {
            if n < N {
                out[n] = b' ';
            }
            n += 1;
        }
        space = false;
        if c == b'}' && last == b';' {
            n -= 1;
        }
        // A quoted string, escapes included, goes through as written.
        let end = if c == b'"' || c == b'\'' {
            let mut j = i + 1;
            while j < src.len() && src[j] != c {
                j += if src[j] == b'\\' { 2 } else { 1 };
            }
            j + 1
        } else {
            i + 1
        };
        while i < end && i < src.len() {
            if n < N {
                out[n] = src[i];
            }
            n += 1;
            i += 1;
        }
        last = src[i - 1];
    }
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minified(css: &str) -> String {
        let (out, len) = minify::<256>(css.as_bytes());
        String::from_utf8(out[..len].to_vec()).unwrap()
    }

    #[test]
    fn comments_and_needless_spaces_go() {
        assert_eq!(
            minified("/* a */ .x ,\n .y > .z {\n  color: red !important; /* b */\n  margin: 0 auto;\n}\n"),
            ".x,.y > .z{color:red!important;margin:0 auto}"
        );
    }

    #[test]
    fn a_descendant_pseudo_class_and_quoted_strings_keep_their_spaces() {
        assert_eq!(minified(".a :focus { font: 1em \"Segoe  UI, x\" }"), ".a :focus{font:1em \"Segoe  UI, x\"}");
        assert_eq!(minified("[x='a ; b'] { }"), "[x='a ; b']{}");
    }

    #[test]
    fn the_stylesheet_keeps_every_rule() {
        let source = std::str::from_utf8(SOURCE).unwrap();
        assert!(CSS.len() < source.len() * 3 / 4, "{} of {}", CSS.len(), source.len());
        assert!(!CSS.contains("/*") && !CSS.contains('\n'));
        // Outside comments, only white space and the `;` before a `}` are dropped.
        let mut stripped = String::new();
        let mut rest = source;
        while let Some(open) = rest.find("/*") {
            stripped.push_str(&rest[..open]);
            rest = &rest[open + rest[open..].find("*/").unwrap() + 2..];
        }
        stripped.push_str(rest);
        let dense = |s: &str| s.split_whitespace().collect::<String>().replace(";}", "}");
        assert_eq!(dense(CSS), dense(&stripped));
        assert_eq!(CSS.matches('{').count(), stripped.matches('{').count());
    }
}

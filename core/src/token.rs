//! Small validated strings. Each has one constructor, `parse`, so a value of the type is known to be well formed.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! token {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, first = $first:expr, rest = $rest:expr, what = $what:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = $max;

            pub fn parse(s: &str) -> Result<Self, String> {
                let first: fn(u8) -> bool = $first;
                let rest: fn(u8) -> bool = $rest;
                let b = s.as_bytes();
                if b.is_empty() || b.len() > $max {
                    return Err(format!("{} must be 1 to {} characters", $what, $max));
                }
                if !first(b[0]) || !b[1..].iter().all(|&c| rest(c)) {
                    // Not `{:?}`: str's Debug (escaping) would come into the wasm for one message.
                    return Err([$what, " \"", s, "\" has a character that is not allowed"].concat());
                }
                Ok(Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(t: $name) -> String {
                t.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

token!(
    /// A category id: a lowercase ASCII letter, then lowercase letters, digits or `_`; at most 32 characters.
    /// The narrow alphabet keeps the cookie format unambiguous.
    CategoryId,
    max = 32,
    first = |c| c.is_ascii_lowercase(),
    rest = |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_',
    what = "a category id"
);

token!(
    /// A service id inside a category (`ga`, `youtube`): the same alphabet as a category id, so the cookie format
    /// stays unambiguous.
    ServiceId,
    max = 32,
    first = |c| c.is_ascii_lowercase(),
    rest = |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_',
    what = "a service id"
);

token!(
    /// A policy version such as `2025-01-01` or `v3`: ASCII letters, digits, `-` and `_`; at most 32 characters.
    PolicyVersion,
    max = 32,
    first = |c| c.is_ascii_alphanumeric(),
    rest = |c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_',
    what = "a policy version"
);

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn category_ids_are_lowercase_slugs() {
        assert!(CategoryId::parse("analytics").is_ok());
        assert!(CategoryId::parse("social_media2").is_ok());
        assert!(CategoryId::parse("Analytics").is_err());
        assert!(CategoryId::parse("2fa").is_err());
        assert!(CategoryId::parse("a.b").is_err());
        assert!(CategoryId::parse("").is_err());
        assert!(CategoryId::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn policy_versions_have_no_dots() {
        assert!(PolicyVersion::parse("2025-01-01").is_ok());
        assert!(PolicyVersion::parse("v1.2").is_err());
    }

    #[test]
    fn deserializing_validates() {
        let bad: Result<CategoryId, _> = serde_json::from_str("\"Bad Id\"");
        assert!(bad.is_err());
    }
}

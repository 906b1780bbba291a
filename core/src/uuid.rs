//! Consent ids: random UUIDs (version 4). The caller supplies the 16 random bytes (the browser's
//! `crypto.getRandomValues`), so this crate needs no source of randomness.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A UUID v4, the unguessable key of one visitor's consent history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConsentId([u8; 16]);

impl ConsentId {
    /// Makes a v4 id from 16 random bytes, setting the version and variant bits.
    pub fn from_random(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        ConsentId(bytes)
    }

    /// Parses the hyphenated form (`8-4-4-4-12`, any case) or the 32 hex digits without hyphens.
    /// Only version 4, RFC 4122 variant ids are accepted.
    pub fn parse(s: &str) -> Result<Self, String> {
        let hex: Vec<u8> = match s.len() {
            36 => {
                let b = s.as_bytes();
                if [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
                    return Err("a consent id must look like xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".into());
                }
                b.iter().copied().filter(|&c| c != b'-').collect()
            }
            32 => s.as_bytes().to_vec(),
            _ => return Err("a consent id must be a UUID (36 characters)".into()),
        };
        if hex.len() != 32 {
            return Err("a consent id must be a UUID".into());
        }
        let mut bytes = [0u8; 16];
        for (i, pair) in hex.chunks(2).enumerate() {
            let hi = hex_val(pair[0]).ok_or("a consent id must be hexadecimal")?;
            let lo = hex_val(pair[1]).ok_or("a consent id must be hexadecimal")?;
            bytes[i] = hi << 4 | lo;
        }
        if bytes[6] >> 4 != 4 || bytes[8] >> 6 != 0b10 {
            return Err("a consent id must be a version 4 UUID".into());
        }
        Ok(ConsentId(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The 32 lowercase hex digits without hyphens (the cookie's compact form).
    pub fn to_simple(&self) -> String {
        let mut s = String::with_capacity(32);
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.to_simple();
        write!(f, "{}-{}-{}-{}-{}", &s[0..8], &s[8..12], &s[12..16], &s[16..20], &s[20..32])
    }
}

impl TryFrom<String> for ConsentId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        ConsentId::parse(&s)
    }
}

impl From<ConsentId> for String {
    fn from(id: ConsentId) -> String {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn random_bytes_become_a_version_4_id() {
        let id = ConsentId::from_random([0xff; 16]);
        let s = id.to_string();
        assert_eq!(s, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(ConsentId::parse(&s), Ok(id));
        assert_eq!(ConsentId::parse(&id.to_simple()), Ok(id));
        assert_eq!(ConsentId::parse(&s.to_uppercase()), Ok(id));
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "",
            "not-a-uuid",
            "ffffffff-ffff-1fff-bfff-ffffffffffff",
            "ffffffff-ffff-4fff-7fff-ffffffffffff",
            "ffffffffxffffx4fffxbfffxffffffffffff",
            "gfffffff-ffff-4fff-bfff-ffffffffffff",
        ] {
            assert!(ConsentId::parse(bad).is_err(), "{bad}");
        }
    }
}

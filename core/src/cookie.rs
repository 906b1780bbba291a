//! The stored form of a [`Consent`]: one compact, versioned, checksummed cookie value.
//!
//! ```text
//! 1.<id>.<seq>.<rev>.<policy>.<given>.<updated>.<lang><gpc>.<accepted>.<refused>.<crc>
//! 1.9f0c6c1e5b2a4d7e8f001122334455aa.2.0.2025-01-01.1790000000.1790000100.ko0.necessary|analytics.functional|marketing.1a2b3c4d
//! ```
//! - `1` is the format version; a value of any other version is not read.
//! - `id` is the consent id as 32 lowercase hex digits; `seq` and `rev` are decimal `u32`.
//! - `policy` is the policy version the choice was given under (letters, digits, `-`, `_`).
//! - `given` and `updated` are unix seconds.
//! - `lang` is `ko` or `en`, followed directly by the GPC flag `0` or `1`.
//! - `accepted` and `refused` list category ids separated by `|` (either may be empty).
//! - `crc` is the CRC-32 (IEEE) of everything before its dot, as 8 lowercase hex digits.
//!
//!
//! A choice with services (a category lists `services`) is written in format `2`: format `1` with one more field
//! before the checksum, the services by category: `analytics:+ga-hotjar|marketing:-pixel`, each service after `+`
//! (accepted) or `-` (refused). A choice without services is still written in format `1`, byte for byte as
//! before, and both formats are read.
//!
//! A choice made on the banner's first frame before the app was there is written by the loader (`www/kuki.js`)
//! in format `0`, [`FrameChoice`]: which of the two buttons, when, in which language. The app carries it out as
//! that click and writes the full record in its place.
//!
//! ```text
//! 0.<accept|reject>.<given>.<lang>
//! 0.reject.1790000000.ko
//! ```
//!
//! Every character is a valid cookie octet, so the value needs no escaping. A value that is garbled, edited by
//! hand (the checksum no longer matches) or lists a category twice does not decode: kuki then treats the visitor
//! as having made no choice and asks again.

use crate::category::{CategoryId, ServiceId};
use crate::config::CookieOptions;
use crate::consent::{Consent, Decision, ServiceDecision};
use crate::token::PolicyVersion;
use crate::{ConsentId, Lang};

pub const FORMAT_VERSION: &str = "1";
/// The format of a choice with services.
pub const FORMAT_WITH_SERVICES: &str = "2";
/// The format of a choice made on the first frame, before the app ran.
pub const FORMAT_FRAME: &str = "0";
/// Longer values are not read; a browser keeps 4 KiB per cookie (32 services of 32 characters fit).
pub const MAX_LEN: usize = 3072;

/// Why a stored value was not read. It is never shown to visitors; the app logs it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    TooLong,
    UnknownVersion,
    Malformed(&'static str),
    Checksum,
}

/// A choice the visitor made on the banner's first frame, which the loader stored before the app was there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameChoice {
    /// "Accept all" (else "reject all").
    pub accept_all: bool,
    /// Unix seconds.
    pub given_at: u64,
    /// The language the frame was shown in.
    pub lang: Lang,
}

/// What a stored value holds: a record, or a first frame's choice the app has yet to carry out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    Consent(Consent),
    Frame(FrameChoice),
}

/// The attributes of the consent cookie after its `name=value`: for the whole site, sent on top-level navigations
/// (`SameSite=Lax`), kept `max_age_secs`. `Secure` is the page's to add, on https. The loader writes a first
/// frame's choice with the same attributes (`crate` users: `kuki::frame`).
pub fn attributes(opts: &CookieOptions, max_age_secs: u64) -> String {
    let mut out = ["; Path=/; SameSite=Lax; Max-Age=", &max_age_secs.to_string()].concat();
    if let Some(domain) = &opts.domain {
        out.push_str("; Domain=");
        out.push_str(domain);
    }
    out
}

pub fn encode(c: &Consent) -> String {
    let join = |granted: bool| {
        c.decisions.iter().filter(|d| d.granted == granted).map(|d| d.category.as_str()).collect::<Vec<_>>().join("|")
    };
    let mut fields = vec![
        if c.has_services() { FORMAT_WITH_SERVICES } else { FORMAT_VERSION }.to_string(),
        c.id.to_simple(),
        c.seq.to_string(),
        c.revision.to_string(),
        c.policy_version.to_string(),
        c.given_at.to_string(),
        c.updated_at.to_string(),
        [c.lang.as_str(), if c.gpc { "1" } else { "0" }].concat(),
        join(true),
        join(false),
    ];
    if c.has_services() {
        let by_category: Vec<String> = c
            .decisions
            .iter()
            .filter(|d| !d.services.is_empty())
            .map(|d| {
                let mut one = [d.category.as_str(), ":"].concat();
                for s in &d.services {
                    one.push(if s.granted { '+' } else { '-' });
                    one.push_str(s.service.as_str());
                }
                one
            })
            .collect();
        fields.push(by_category.join("|"));
    }
    let body = fields.join(".");
    let crc = crc32(body.as_bytes());
    let mut out = body;
    out.push('.');
    push_hex32(&mut out, crc);
    out
}

pub fn decode(value: &str) -> Result<Consent, DecodeError> {
    use DecodeError::*;
    if value.len() > MAX_LEN {
        return Err(TooLong);
    }
    let (body, crc) = value.rsplit_once('.').ok_or(Malformed("no checksum"))?;
    let fields: Vec<&str> = body.split('.').collect();
    let with_services = match fields.first() {
        Some(&FORMAT_VERSION) => false,
        Some(&FORMAT_WITH_SERVICES) => true,
        _ => return Err(UnknownVersion),
    };
    if crc.len() != 8 || u32::from_str_radix(crc, 16).ok() != Some(crc32(body.as_bytes())) {
        return Err(Checksum);
    }
    let (fields, services) = match (with_services, fields.split_last()) {
        (true, Some((last, rest))) => (rest, Some(*last)),
        _ => (&fields[..], None),
    };
    let [_, id, seq, rev, policy, given, updated, lang_gpc, accepted, refused] = fields[..] else {
        return Err(Malformed("wrong number of fields"));
    };
    let num = |s: &str, what| s.parse::<u64>().map_err(|_| Malformed(what));
    let id = ConsentId::parse(id).map_err(|_| Malformed("id"))?;
    let seq = u32::try_from(num(seq, "seq")?).map_err(|_| Malformed("seq"))?;
    let revision = u32::try_from(num(rev, "revision")?).map_err(|_| Malformed("revision"))?;
    let policy_version = PolicyVersion::parse(policy).map_err(|_| Malformed("policy version"))?;
    let (given_at, updated_at) = (num(given, "given")?, num(updated, "updated")?);
    if updated_at < given_at {
        return Err(Malformed("updated before given"));
    }
    // The language's tag (two or three letters), then the GPC digit.
    let (lang, gpc) = lang_gpc.split_at_checked(lang_gpc.len().saturating_sub(1)).ok_or(Malformed("lang"))?;
    let lang = Lang::from_tag(lang).filter(|l| l.as_str() == lang).ok_or(Malformed("lang"))?;
    let gpc = match gpc {
        "0" => false,
        "1" => true,
        _ => return Err(Malformed("gpc")),
    };
    let mut decisions: Vec<Decision> = Vec::new();
    for (list, granted) in [(accepted, true), (refused, false)] {
        for raw in list.split('|').filter(|s| !s.is_empty()) {
            let category = CategoryId::parse(raw).map_err(|_| Malformed("category"))?;
            if decisions.iter().any(|d| d.category == category) {
                return Err(Malformed("category listed twice"));
            }
            decisions.push(Decision { category, granted, services: Vec::new() });
        }
    }
    if let Some(services) = services {
        decode_services(services, &mut decisions)?;
    }
    Ok(Consent { id, seq, decisions, policy_version, revision, given_at, updated_at, lang, gpc })
}

/// A stored value of any format: a record ([`decode`]) or a first frame's choice (format `0`).
pub fn decode_stored(value: &str) -> Result<Stored, DecodeError> {
    let Some(rest) = value.strip_prefix("0.") else { return decode(value).map(Stored::Consent) };
    let malformed = DecodeError::Malformed("first frame's choice");
    let [action, given, lang] = rest.split('.').collect::<Vec<_>>()[..] else { return Err(malformed) };
    let accept_all = match action {
        "accept" => true,
        "reject" => false,
        _ => return Err(malformed),
    };
    let given_at = given.parse::<u64>().map_err(|_| malformed)?;
    let lang = Lang::from_tag(lang).filter(|l| l.as_str() == lang).ok_or(malformed)?;
    Ok(Stored::Frame(FrameChoice { accept_all, given_at, lang }))
}

/// `analytics:+ga-hotjar|marketing:-pixel` into the decisions it belongs to. Each category at most once, each
/// service at most once in it, and at least one service: format `2` is only written for choices with services.
fn decode_services(field: &str, decisions: &mut [Decision]) -> Result<(), DecodeError> {
    use DecodeError::Malformed;
    if field.is_empty() {
        return Err(Malformed("services"));
    }
    for part in field.split('|') {
        let (category, list) = part.split_once(':').ok_or(Malformed("services"))?;
        let d = decisions.iter_mut().find(|d| d.category.as_str() == category).ok_or(Malformed("service category"))?;
        if !d.services.is_empty() || list.is_empty() {
            return Err(Malformed("services"));
        }
        let mut rest = list;
        while !rest.is_empty() {
            let granted = match rest.as_bytes()[0] {
                b'+' => true,
                b'-' => false,
                _ => return Err(Malformed("service")),
            };
            let end = rest[1..].find(['+', '-']).map_or(rest.len(), |i| i + 1);
            let service = ServiceId::parse(&rest[1..end]).map_err(|_| Malformed("service"))?;
            if d.services.iter().any(|s| s.service == service) {
                return Err(Malformed("service listed twice"));
            }
            d.services.push(ServiceDecision { service, granted });
            rest = &rest[end..];
        }
        // A category is granted exactly when one of its services is (necessary ones: all of them).
        if d.granted != d.services.iter().any(|s| s.granted) {
            return Err(Malformed("category and services disagree"));
        }
    }
    Ok(())
}

/// Puts decoded decisions back in configuration order (the cookie groups them by accepted and refused).
/// [`crate::consent::status`] compares this order with the configuration's.
pub fn in_config_order(mut c: Consent, config: &crate::Config) -> Consent {
    c.decisions.sort_by_key(|d| config.categories.iter().position(|cat| cat.id == d.category).unwrap_or(usize::MAX));
    // Services by picking them out in the configuration's order (no second sort in the bundle); any the
    // configuration does not know stay at the end, so `status` sees the difference.
    for d in &mut c.decisions {
        if let Some(cat) = config.category(d.category.as_str()) {
            let mut ordered = Vec::with_capacity(d.services.len());
            for s in &cat.services {
                if let Some(at) = d.services.iter().position(|x| x.service == s.id) {
                    ordered.push(d.services.remove(at));
                }
            }
            ordered.append(&mut d.services);
            d.services = ordered;
        }
    }
    c
}

fn push_hex32(out: &mut String, v: u32) {
    for shift in (0..8).rev() {
        let nibble = (v >> (shift * 4)) & 15;
        out.push(char::from_digit(nibble, 16).expect("a nibble is a hex digit"));
    }
}

/// CRC-32 (IEEE 802.3), bit by bit: a few dozen bytes of code instead of a 1 KiB table.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{status, Choice, Context, Status};
    use crate::consent::{Decision, ServiceDecision};
    use crate::Config;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn sample() -> Consent {
        let ctx = Context { now: 1_790_000_000, lang: Lang::En, gpc: true, new_id: ConsentId::from_random([0xab; 16]) };
        Consent::decide(&Config::default(), &Choice::Only(vec![CategoryId::parse("analytics").unwrap()]), None, ctx)
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_consent_survives_the_round_trip() {
        let c = sample();
        let s = encode(&c);
        assert!(s.starts_with("1.abababababab4babababababababab"), "{s}");
        assert!(s.contains(".en1.necessary|analytics.functional|marketing."), "{s}");
        let back = in_config_order(decode(&s).unwrap(), &Config::default());
        assert_eq!(back, c);
        assert_eq!(status(Some(&back), &Config::default(), 1_790_000_001), Status::Valid);
    }

    #[test]
    fn every_character_is_a_cookie_octet() {
        let s = encode(&sample());
        assert!(s.bytes().all(|b| b.is_ascii_graphic() && !b"\",;\\".contains(&b)), "{s}");
    }

    #[test]
    fn a_first_frames_choice_is_read_strictly() {
        assert_eq!(
            decode_stored("0.reject.1790000000.ko"),
            Ok(Stored::Frame(FrameChoice { accept_all: false, given_at: 1_790_000_000, lang: Lang::Ko }))
        );
        assert_eq!(
            decode_stored("0.accept.1790000000.en"),
            Ok(Stored::Frame(FrameChoice { accept_all: true, given_at: 1_790_000_000, lang: Lang::En }))
        );
        for bad in [
            "0.",
            "0.reject",
            "0.reject.1790000000",
            "0.maybe.1790000000.ko",
            "0.reject.-1.ko",
            "0.reject.17e8.ko",
            "0.reject.1790000000.KO",
            "0.reject.1790000000.k",
            "0.reject.1790000000.ko.1",
            "0.reject..ko",
        ] {
            assert!(decode_stored(bad).is_err(), "{bad}");
        }
        let c = sample();
        assert_eq!(decode_stored(&encode(&c)).map(|s| matches!(s, Stored::Consent(_))), Ok(true));
    }

    #[test]
    fn the_cookie_attributes_keep_the_domain() {
        let mut opts = CookieOptions::default();
        assert_eq!(attributes(&opts, 60), "; Path=/; SameSite=Lax; Max-Age=60");
        opts.domain = Some("example.com".into());
        assert_eq!(attributes(&opts, 0), "; Path=/; SameSite=Lax; Max-Age=0; Domain=example.com");
    }

    #[test]
    fn an_edited_value_fails_its_checksum() {
        let s = encode(&sample()).replace("functional|marketing", "marketing|functional");
        assert_eq!(decode(&s), Err(DecodeError::Checksum));
        let s = encode(&sample()).replacen(".necessary|analytics.functional|", ".necessary|analytics|functional.", 1);
        assert_eq!(decode(&s), Err(DecodeError::Checksum));
    }

    fn with_services() -> Config {
        let json = r#"{"categories":[{"id":"necessary","services":[{"id":"csrf"}]},{"id":"analytics",
            "services":[{"id":"ga"},{"id":"hotjar"}]},{"id":"marketing"}]}"#;
        Config::from_value(&crate::value::from_json(json)).unwrap()
    }

    fn services_choice(config: &Config) -> Consent {
        let pick = Decision {
            category: CategoryId::parse("analytics").unwrap(),
            granted: true,
            services: vec![ServiceDecision { service: ServiceId::parse("hotjar").unwrap(), granted: true }],
        };
        let ctx = Context { now: 1_790_000_000, lang: Lang::Ko, gpc: false, new_id: ConsentId::from_random([3; 16]) };
        Consent::decide(config, &Choice::Custom(vec![pick]), None, ctx)
    }

    #[test]
    fn a_choice_with_services_survives_the_round_trip_in_format_2() {
        let config = with_services();
        let c = services_choice(&config);
        let s = encode(&c);
        assert!(s.starts_with("2."), "{s}");
        assert!(s.contains(".ko0.necessary|analytics.marketing.necessary:+csrf|analytics:-ga+hotjar."), "{s}");
        let back = in_config_order(decode(&s).unwrap(), &config);
        assert_eq!(back, c);
        assert!(back.service_granted("analytics", "hotjar") && !back.service_granted("analytics", "ga"));
        assert_eq!(status(Some(&back), &config, 1_790_000_001), Status::Valid);
    }

    /// A value as the format-1 bundle (before services existed) wrote it, checksum included.
    #[test]
    fn a_value_of_the_previous_format_is_still_read() {
        let value = "1.03030303030343038303030303030303.1.0.2026-11-24.1790000000.1790000000.ko0.necessary|analytics.functional|marketing.e9c11631";
        let c = in_config_order(decode(value).unwrap(), &Config::default());
        assert_eq!(c.accepted().map(CategoryId::as_str).collect::<Vec<_>>(), ["necessary", "analytics"]);
        assert!(!c.has_services());
        assert_eq!(encode(&c), value, "a choice without services is still written in format 1");
    }

    #[test]
    fn an_edited_or_inconsistent_services_field_is_not_read() {
        let config = with_services();
        let s = encode(&services_choice(&config));
        assert_eq!(decode(&s.replace("-ga+hotjar", "+ga+hotjar")), Err(DecodeError::Checksum));
        let forge = |body: &str| [body, ".", &format!("{:08x}", crc32(body.as_bytes()))].concat();
        let body = s.rsplit_once('.').unwrap().0;
        assert!(decode(&forge(body)).is_ok());
        for bad in [
            body.replace("-ga+hotjar", "-ga-hotjar"),
            body.replace("-ga+hotjar", "-ga+ga"),
            body.replace("-ga+hotjar", "*ga+hotjar"),
            body.replace("-ga+hotjar", "-Ga+hotjar"),
            body.replace("analytics:", "nosuch:"),
            body.replace("|analytics:-ga+hotjar", "|analytics:"),
            body.replace("|analytics:-ga+hotjar", "|analytics:-ga|analytics:+hotjar"),
            body.replacen("2.", "1.", 1),
            body.rsplit_once('.').unwrap().0.to_owned() + ".",
        ] {
            assert!(decode(&forge(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn garbage_is_not_read() {
        for bad in ["", "1", "2.abc.00000000", "garbage", "1.x.y.z.12345678", &"1.".repeat(1600)] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_well_checksummed_but_inconsistent_value_is_not_read() {
        let forge = |body: &str| {
            let mut s = body.to_string();
            s.push('.');
            push_hex32(&mut s, crc32(body.as_bytes()));
            s
        };
        let id = ConsentId::from_random([1; 16]).to_simple();
        let ok = format!("1.{id}.1.0.v1.10.20.ko0.necessary.analytics");
        assert!(decode(&forge(&ok)).is_ok());
        for bad in [
            format!("1.{id}.1.0.v1.20.10.ko0.necessary."),
            format!("1.{id}.1.0.v1.10.20.fren0.necessary."),
            format!("1.{id}.1.0.v1.10.20.ko2.necessary."),
            format!("1.{id}.1.0.v1.10.20.ko0.necessary.necessary"),
            format!("1.{id}.1.0.v1.10.20.ko0.Necessary."),
            format!("1.{id}.99999999999.0.v1.10.20.ko0.necessary."),
            format!("1.{id}.1.0.v1.10.20.ko0.necessary..extra"),
        ] {
            assert!(decode(&forge(&bad)).is_err(), "{bad}");
        }
    }
}

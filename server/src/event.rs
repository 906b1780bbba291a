//! The consent event at the API edge: raw JSON in, a validated [`ConsentEvent`] out.
//!
//! Two stages give the statuses the contract asks for: [`RawEvent`] checks only the JSON shape (a failure is
//! 400 `malformed_body`), then [`parse_event`] checks every rule with kuki-core's own parsers (a failure is 422
//! `invalid_field`, naming the field) and, when the operator set one, the server's allow-list of categories
//! (`KUKI_CATEGORIES`; a category outside it is 422 `category_not_allowed`, naming the category).
//!
//! Category ids follow [`CategoryId`]'s grammar: a lowercase ASCII letter, then lowercase letters, digits or `_`,
//! 1 to 32 bytes in all; an event decides 1 to [`MAX_EVENT_CATEGORIES`] of them.

use kuki_core::category::{CategoryId, ServiceId};
use kuki_core::token::PolicyVersion;
use kuki_core::wire::{ConsentAction, ConsentEvent, ServiceDecisions, MAX_EVENT_CATEGORIES, MAX_EVENT_SERVICES};
use kuki_core::{ConsentId, Lang};
use serde::Deserialize;
use std::collections::BTreeMap;

/// [`CategoryId`]'s grammar in words, for error messages: `^[a-z][a-z0-9_]{0,31}$`.
pub const CATEGORY_ID_GRAMMAR: &str =
    "a lowercase ASCII letter, then lowercase ASCII letters, digits or _; 1 to 32 characters";

/// The JSON shape of `POST /api/v1/consents`, with strings left unchecked.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawEvent {
    consent_id: String,
    seq: u32,
    action: String,
    categories: BTreeMap<String, bool>,
    policy_version: String,
    config_revision: u32,
    lang: String,
    gpc: bool,
    client_time: i64,
    /// Optional: bundles whose config declares no services (and older bundles) leave it out.
    #[serde(default)]
    services: Option<BTreeMap<String, BTreeMap<String, bool>>>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum EventError {
    /// Not JSON or not the shape: 400.
    Malformed(String),
    /// A field breaks a rule: 422 `invalid_field`.
    Invalid(String),
    /// Well-formed categories the allow-list leaves out: 422 `category_not_allowed`.
    NotAllowed(String),
}

/// Decodes a request body into a valid event. `allowed` is the operator's allow-list (`KUKI_CATEGORIES`):
/// `None` records any well-formed category id, `Some(list)` only those in the list.
pub fn parse_event(body: &[u8], allowed: Option<&[CategoryId]>) -> Result<ConsentEvent, EventError> {
    let raw: RawEvent = serde_json::from_slice(body).map_err(|e| EventError::Malformed(e.to_string()))?;
    let event = validate(raw).map_err(EventError::Invalid)?;
    if let Some(allowed) = allowed {
        let refused: Vec<&str> =
            event.categories.keys().filter(|id| !allowed.contains(id)).map(CategoryId::as_str).collect();
        if !refused.is_empty() {
            return Err(EventError::NotAllowed(not_allowed_message(&refused)));
        }
    }
    Ok(event)
}

fn not_allowed_message(refused: &[&str]) -> String {
    let names = refused.iter().map(|id| format!("{id:?}")).collect::<Vec<_>>().join(", ");
    let (verb, it) = if refused.len() == 1 { ("is", "it") } else { ("are", "them") };
    format!(
        "categories: {names} {verb} not in this server's allow-list: to record consent for {it}, the \
         server's operator must add {it} to KUKI_CATEGORIES (or unset KUKI_CATEGORIES to accept every category)"
    )
}

fn validate(raw: RawEvent) -> Result<ConsentEvent, String> {
    let consent_id = ConsentId::parse(&raw.consent_id).map_err(|e| format!("consentId: {e}"))?;
    let action = ConsentAction::parse(&raw.action).ok_or_else(|| format!("action: unknown action {:?}", raw.action))?;
    if raw.categories.is_empty() {
        return Err("categories: at least one decision is needed".into());
    }
    if raw.categories.len() > MAX_EVENT_CATEGORIES {
        return Err(format!(
            "categories: {} categories, at most {MAX_EVENT_CATEGORIES} in one event",
            raw.categories.len()
        ));
    }
    let mut categories = BTreeMap::new();
    for (id, granted) in raw.categories {
        let id = CategoryId::parse(&id).map_err(|_| {
            let shown: String = id.chars().take(40).collect();
            let cut = if shown.len() < id.len() { "..." } else { "" };
            format!("categories: {shown:?}{cut} is not a valid category id ({CATEGORY_ID_GRAMMAR})")
        })?;
        categories.insert(id, granted);
    }
    let services = raw.services.map(|s| validate_services(s, &categories)).transpose()?;
    let policy_version = PolicyVersion::parse(&raw.policy_version).map_err(|e| format!("policyVersion: {e}"))?;
    // Any language a site brings texts in: its primary subtag, as the browser records it.
    let lang = Lang::from_tag(&raw.lang)
        .filter(|l| l.as_str() == raw.lang)
        .ok_or_else(|| format!("lang: {:?} is not a language tag (two or three lowercase letters)", raw.lang))?;
    Ok(ConsentEvent {
        consent_id,
        seq: raw.seq,
        action,
        categories,
        policy_version,
        config_revision: raw.config_revision,
        lang,
        gpc: raw.gpc,
        client_time: raw.client_time,
        services,
    })
}

/// The services by category: each category one the event decides, whose decision agrees with its services (a
/// category is granted exactly when one of its services is), each service id well formed.
fn validate_services(
    raw: BTreeMap<String, BTreeMap<String, bool>>,
    categories: &BTreeMap<CategoryId, bool>,
) -> Result<ServiceDecisions, String> {
    if raw.is_empty() {
        return Err("services: leave the field out when no category has services".into());
    }
    let count: usize = raw.values().map(BTreeMap::len).sum();
    if count > MAX_EVENT_SERVICES {
        return Err(format!("services: {count} services, at most {MAX_EVENT_SERVICES} in one event"));
    }
    let mut out = ServiceDecisions::new();
    for (category, list) in raw {
        let id = CategoryId::parse(&category).ok().filter(|id| categories.contains_key(id)).ok_or_else(|| {
            let shown: String = category.chars().take(40).collect();
            format!("services: {shown:?} is not one of the event's categories")
        })?;
        if list.is_empty() {
            return Err(format!("services.{id}: at least one service is needed"));
        }
        let mut decided = BTreeMap::new();
        for (service, granted) in list {
            let sid = ServiceId::parse(&service).map_err(|_| {
                let shown: String = service.chars().take(40).collect();
                format!("services.{id}: {shown:?} is not a valid service id ({CATEGORY_ID_GRAMMAR})")
            })?;
            decided.insert(sid, granted);
        }
        if categories[&id] != decided.values().any(|g| *g) {
            return Err(format!("services.{id}: the category is granted exactly when one of its services is"));
        }
        out.insert(id, decided);
    }
    Ok(out)
}

/// The canonical JSON of an event: what is hashed, stored and compared for idempotency. serde_json writes struct
/// fields in declaration order and `BTreeMap` keys sorted, so equal events give equal bytes.
pub fn canonical_json(e: &ConsentEvent) -> String {
    serde_json::to_string(e).expect("a consent event always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"consentId":"02020202-0202-4202-8202-020202020202","seq":1,"action":"custom",
        "categories":{"necessary":true,"analytics":false},"policyVersion":"v1","configRevision":0,"lang":"ko",
        "gpc":false,"clientTime":1}"#;

    fn defaults() -> Vec<CategoryId> {
        kuki_core::category::defaults().into_iter().map(|c| c.id).collect()
    }

    #[test]
    fn a_good_event_parses() {
        let e = parse_event(GOOD.as_bytes(), Some(&defaults())).unwrap();
        assert_eq!(e.seq, 1);
        assert_eq!(e.categories.len(), 2);
    }

    #[test]
    fn broken_json_and_wrong_types_are_malformed() {
        for bad in [
            "",
            "{",
            "[]",
            "null",
            &GOOD.replace("\"seq\":1", "\"seq\":\"1\""),
            &GOOD.replace("\"seq\":1", "\"seq\":-1"),
        ] {
            assert!(matches!(parse_event(bad.as_bytes(), Some(&defaults())), Err(EventError::Malformed(_))), "{bad}");
        }
        let extra = GOOD.replace("\"gpc\":false", "\"gpc\":false,\"x\":1");
        assert!(matches!(parse_event(extra.as_bytes(), Some(&defaults())), Err(EventError::Malformed(_))));
    }

    #[test]
    fn rule_breaking_fields_are_invalid_and_named() {
        for (from, to, field) in [
            ("02020202-0202-4202", "zz020202-0202-4202", "consentId"),
            ("\"custom\"", "\"dance\"", "action"),
            ("\"analytics\"", "\"Not Valid\"", "categories"),
            ("\"v1\"", &format!("\"{}\"", "v".repeat(33)), "policyVersion"),
            ("\"ko\"", "\"french\"", "lang"),
        ] {
            let bad = GOOD.replace(from, to);
            match parse_event(bad.as_bytes(), Some(&defaults())) {
                Err(EventError::Invalid(m)) => assert!(m.starts_with(field), "{m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let none = GOOD.replace(r#""necessary":true,"analytics":false"#, "");
        assert!(matches!(parse_event(none.as_bytes(), Some(&defaults())), Err(EventError::Invalid(_))));
    }

    fn with_categories(ids: &[String]) -> String {
        let decisions = ids.iter().map(|id| format!("{id:?}:true")).collect::<Vec<_>>().join(",");
        GOOD.replace(r#""necessary":true,"analytics":false"#, &decisions)
    }

    #[test]
    fn without_an_allow_list_any_well_formed_category_is_recorded() {
        let body = with_categories(&["necessary".into(), "ads".into(), "social_media2".into()]);
        let e = parse_event(body.as_bytes(), None).unwrap();
        let ids: Vec<&str> = e.categories.keys().map(CategoryId::as_str).collect();
        assert_eq!(ids, ["ads", "necessary", "social_media2"]);
    }

    #[test]
    fn a_category_outside_the_allow_list_is_refused_by_name_with_what_the_operator_must_do() {
        let body = with_categories(&["necessary".into(), "ads".into(), "video".into()]);
        match parse_event(body.as_bytes(), Some(&defaults())) {
            Err(EventError::NotAllowed(m)) => {
                assert!(m.starts_with("categories: \"ads\", \"video\" are not"), "{m}");
                assert!(m.contains("add them to KUKI_CATEGORIES"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        let one = with_categories(&["necessary".into(), "ads".into()]);
        match parse_event(one.as_bytes(), Some(&defaults())) {
            Err(EventError::NotAllowed(m)) => assert!(m.starts_with("categories: \"ads\" is not"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_event_decides_at_most_32_categories() {
        let ids: Vec<String> = (0..MAX_EVENT_CATEGORIES).map(|i| format!("c{i}")).collect();
        assert!(parse_event(with_categories(&ids).as_bytes(), None).is_ok());
        let too_many: Vec<String> = (0..=MAX_EVENT_CATEGORIES).map(|i| format!("c{i}")).collect();
        match parse_event(with_categories(&too_many).as_bytes(), None) {
            Err(EventError::Invalid(m)) => assert!(m.starts_with("categories: 33 categories, at most 32"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_malformed_category_id_is_named_with_the_grammar() {
        for bad in ["Ads", "2fa", "a-b", "a.b", &"a".repeat(33)] {
            let body = with_categories(&["necessary".into(), bad.into()]);
            match parse_event(body.as_bytes(), None) {
                Err(EventError::Invalid(m)) => {
                    assert!(m.starts_with("categories: \""), "{m}");
                    assert!(m.contains(&bad[..bad.len().min(40)]), "{m}");
                    assert!(m.contains(CATEGORY_ID_GRAMMAR), "{m}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        let huge = with_categories(&["x".repeat(1000).to_uppercase()]);
        match parse_event(huge.as_bytes(), None) {
            Err(EventError::Invalid(m)) => assert!(m.len() < 300, "the id is cut in the message: {m}"),
            other => panic!("{other:?}"),
        }
    }

    /// The fuzz target's property (`server/fuzz`), over cheap deterministic mutations of a good body, so plain
    /// `cargo test` exercises it too: no panic, and an accepted event survives its canonical form.
    #[test]
    fn mutated_bodies_never_panic_and_accepted_ones_round_trip() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"{}[]\":,0123456789-.eEtrufalsn \\u";
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut body = GOOD.as_bytes().to_vec();
            for _ in 0..(next() % 4 + 1) {
                let i = (next() as usize) % body.len();
                match next() % 3 {
                    0 => body[i] = alphabet[(next() as usize) % alphabet.len()],
                    1 => drop(body.remove(i)),
                    _ => body.insert(i, alphabet[(next() as usize) % alphabet.len()]),
                }
            }
            if let Ok(event) = parse_event(&body, Some(&defaults())) {
                accepted += 1;
                let again = parse_event(canonical_json(&event).as_bytes(), Some(&defaults())).unwrap();
                assert_eq!(again, event);
            }
        }
        assert!(accepted > 0, "some mutations (in whitespace, digits) stay valid");
    }

    const WITH_SERVICES: &str = r#"{"consentId":"02020202-0202-4202-8202-020202020202","seq":1,"action":"custom",
        "categories":{"necessary":true,"analytics":true},"policyVersion":"v1","configRevision":0,"lang":"ko",
        "gpc":false,"clientTime":1,"services":{"analytics":{"ga":false,"hotjar":true}}}"#;

    #[test]
    fn an_event_with_services_parses_and_its_canonical_form_keeps_them() {
        let e = parse_event(WITH_SERVICES.as_bytes(), Some(&defaults())).unwrap();
        let services = e.services.as_ref().unwrap();
        assert!(services[&CategoryId::parse("analytics").unwrap()][&ServiceId::parse("hotjar").unwrap()]);
        let json = canonical_json(&e);
        assert!(json.ends_with(r#""services":{"analytics":{"ga":false,"hotjar":true}}}"#), "{json}");
        assert_eq!(parse_event(json.as_bytes(), None).unwrap(), e);
        // Without services the canonical form is what it always was: old records keep their hashes.
        let old = canonical_json(&parse_event(GOOD.as_bytes(), None).unwrap());
        assert!(!old.contains("services"), "{old}");
    }

    #[test]
    fn bad_services_are_invalid_and_named() {
        for (from, to, start) in [
            (r#""ga":false"#, r#""Bad Id":false"#, "services.analytics: \"Bad Id\""),
            (r#"{"analytics":{"ga""#, r#"{"marketing":{"ga""#, "services: \"marketing\""),
            (r#""hotjar":true"#, r#""hotjar":false"#, "services.analytics: the category"),
            (r#"{"analytics":{"ga":false,"hotjar":true}}"#, "{}", "services: leave"),
            (r#"{"analytics":{"ga":false,"hotjar":true}}"#, r#"{"analytics":{}}"#, "services.analytics: at least"),
        ] {
            let bad = WITH_SERVICES.replace(from, to);
            match parse_event(bad.as_bytes(), None) {
                Err(EventError::Invalid(m)) => assert!(m.starts_with(start), "{m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let wrong_type = WITH_SERVICES.replace(r#""ga":false"#, r#""ga":"no""#);
        assert!(matches!(parse_event(wrong_type.as_bytes(), None), Err(EventError::Malformed(_))));
    }

    #[test]
    fn equal_events_have_equal_canonical_json() {
        let a = parse_event(GOOD.as_bytes(), Some(&defaults())).unwrap();
        let reordered = GOOD.replace(r#""necessary":true,"analytics":false"#, r#""analytics":false,"necessary":true"#);
        let b = parse_event(reordered.as_bytes(), Some(&defaults())).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }
}

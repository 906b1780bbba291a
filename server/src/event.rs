//! The consent event at the API edge: raw JSON in, a validated [`ConsentEvent`] out.
//!
//! Two stages give the two statuses the contract asks for: [`RawEvent`] checks only the JSON shape (a failure is
//! 400 `malformed_body`), then [`parse_event`] checks every rule with kuki-core's own parsers and the server's
//! category list (a failure is 422 `invalid_field`, naming the field).

use kuki_core::category::CategoryId;
use kuki_core::token::PolicyVersion;
use kuki_core::wire::{ConsentAction, ConsentEvent};
use kuki_core::{ConsentId, Lang};
use serde::Deserialize;
use std::collections::BTreeMap;

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
}

#[derive(Debug, PartialEq, Eq)]
pub enum EventError {
    /// Not JSON or not the shape: 400.
    Malformed(String),
    /// A field breaks a rule: 422.
    Invalid(String),
}

/// Decodes a request body into a valid event for a server that accepts `categories`.
pub fn parse_event(body: &[u8], categories: &[CategoryId]) -> Result<ConsentEvent, EventError> {
    let raw: RawEvent = serde_json::from_slice(body).map_err(|e| EventError::Malformed(e.to_string()))?;
    validate(raw, categories).map_err(EventError::Invalid)
}

fn validate(raw: RawEvent, accepted: &[CategoryId]) -> Result<ConsentEvent, String> {
    let consent_id = ConsentId::parse(&raw.consent_id).map_err(|e| format!("consentId: {e}"))?;
    let action = ConsentAction::parse(&raw.action).ok_or_else(|| format!("action: unknown action {:?}", raw.action))?;
    if raw.categories.is_empty() {
        return Err("categories: at least one decision is needed".into());
    }
    if raw.categories.len() > accepted.len() {
        return Err(format!("categories: at most {} categories", accepted.len()));
    }
    let mut categories = BTreeMap::new();
    for (id, granted) in raw.categories {
        let id = CategoryId::parse(&id).map_err(|e| format!("categories: {e}"))?;
        if !accepted.contains(&id) {
            return Err(format!("categories: {id:?} is not a category this server accepts"));
        }
        categories.insert(id, granted);
    }
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
    })
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
        let e = parse_event(GOOD.as_bytes(), &defaults()).unwrap();
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
            assert!(matches!(parse_event(bad.as_bytes(), &defaults()), Err(EventError::Malformed(_))), "{bad}");
        }
        let extra = GOOD.replace("\"gpc\":false", "\"gpc\":false,\"x\":1");
        assert!(matches!(parse_event(extra.as_bytes(), &defaults()), Err(EventError::Malformed(_))));
    }

    #[test]
    fn rule_breaking_fields_are_invalid_and_named() {
        for (from, to, field) in [
            ("02020202-0202-4202", "zz020202-0202-4202", "consentId"),
            ("\"custom\"", "\"dance\"", "action"),
            ("\"analytics\"", "\"ads\"", "categories"),
            ("\"analytics\"", "\"Not Valid\"", "categories"),
            ("\"v1\"", &format!("\"{}\"", "v".repeat(33)), "policyVersion"),
            ("\"ko\"", "\"fr\"", "lang"),
        ] {
            let bad = GOOD.replace(from, to);
            match parse_event(bad.as_bytes(), &defaults()) {
                Err(EventError::Invalid(m)) => assert!(m.starts_with(field), "{m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let none = GOOD.replace(r#""necessary":true,"analytics":false"#, "");
        assert!(matches!(parse_event(none.as_bytes(), &defaults()), Err(EventError::Invalid(_))));
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
            if let Ok(event) = parse_event(&body, &defaults()) {
                accepted += 1;
                let again = parse_event(canonical_json(&event).as_bytes(), &defaults()).unwrap();
                assert_eq!(again, event);
            }
        }
        assert!(accepted > 0, "some mutations (in whitespace, digits) stay valid");
    }

    #[test]
    fn equal_events_have_equal_canonical_json() {
        let a = parse_event(GOOD.as_bytes(), &defaults()).unwrap();
        let reordered = GOOD.replace(r#""necessary":true,"analytics":false"#, r#""analytics":false,"necessary":true"#);
        let b = parse_event(reordered.as_bytes(), &defaults()).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }
}

//! The HTTP contract between the browser and `kuki-server` (`/api/v1`). JSON, camelCase.
//!
//! Both sides use these types, so a change here is a change to the API: the server's OpenAPI document describes
//! exactly these shapes.

use crate::category::{CategoryId, ServiceId};
use crate::consent::Consent;
use crate::token::PolicyVersion;
use crate::{ConsentId, Lang};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The largest request body the server reads.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// The most categories one event may decide. A site's config declares at most 16, so every event a valid config
/// produces fits, with room to grow; the server refuses more (422 `invalid_field`, naming `categories`).
pub const MAX_EVENT_CATEGORIES: usize = 32;

/// The most services one event may decide (a config declares at most 32).
pub const MAX_EVENT_SERVICES: usize = 64;

/// The decision per service, by category: `{"analytics": {"ga": true, "hotjar": false}}`.
pub type ServiceDecisions = BTreeMap<CategoryId, BTreeMap<ServiceId, bool>>;

/// What a visitor did: the event's name in the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentAction {
    AcceptAll,
    RejectAll,
    /// Saved from the preferences dialog.
    Custom,
    /// One category accepted on its own (the login warning's "allow and continue", `kuki.acceptCategory`).
    AcceptCategory,
    /// Consent withdrawn: back to no choice (`kuki.reset()`), optional categories refused.
    Withdraw,
}

impl ConsentAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentAction::AcceptAll => "accept_all",
            ConsentAction::RejectAll => "reject_all",
            ConsentAction::Custom => "custom",
            ConsentAction::AcceptCategory => "accept_category",
            ConsentAction::Withdraw => "withdraw",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::AcceptAll, Self::RejectAll, Self::Custom, Self::AcceptCategory, Self::Withdraw]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// `POST /api/v1/consents`: one consent event. Idempotent on (`consentId`, `seq`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsentEvent {
    pub consent_id: ConsentId,
    pub seq: u32,
    pub action: ConsentAction,
    /// The decision per category, necessary included.
    pub categories: BTreeMap<CategoryId, bool>,
    pub policy_version: PolicyVersion,
    pub config_revision: u32,
    pub lang: Lang,
    pub gpc: bool,
    /// The browser's clock, unix milliseconds (informative only: the server records its own time).
    pub client_time: i64,
    /// The decision per service, for the categories that have services; absent when none has (so events of
    /// bundles without services, and their stored form and hash, are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<ServiceDecisions>,
}

/// The services of a consent by category (`None` when no category has any).
pub fn service_decisions(c: &Consent) -> Option<ServiceDecisions> {
    c.has_services().then(|| {
        c.decisions
            .iter()
            .filter(|d| !d.services.is_empty())
            .map(|d| (d.category.clone(), d.services.iter().map(|s| (s.service.clone(), s.granted)).collect()))
            .collect()
    })
}

impl ConsentEvent {
    pub fn from_consent(c: &Consent, action: ConsentAction, client_time_ms: i64) -> Self {
        ConsentEvent {
            consent_id: c.id,
            seq: c.seq,
            action,
            categories: c.decisions.iter().map(|d| (d.category.clone(), d.granted)).collect(),
            policy_version: c.policy_version.clone(),
            config_revision: c.revision,
            lang: c.lang,
            gpc: c.gpc,
            client_time: client_time_ms,
            services: service_decisions(c),
        }
    }
}

/// `201 Created` (and the replay of the same event): proof that the server stored the event.
///
/// Two kinds, told apart by `inclusion`: a batched receipt (the server signs one tree head per group commit)
/// carries the signed head and the record's audit path, and `signature` is the head's; a receipt without it
/// (issued before batching, or for a replay of a record stored in an earlier batch) has `signature` over `hash`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub consent_id: ConsentId,
    pub seq: u32,
    /// Server time the event was stored, unix milliseconds.
    pub received_at: i64,
    /// SHA-256 (hex) of this record, chained to the previous record of the same consent id.
    pub hash: String,
    /// Ed25519 signature (hex) by the server's key (`GET /api/v1/receipt-key`): over `inclusion`'s tree head
    /// when there is one, else over the 32 bytes of `hash`.
    pub signature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion: Option<Inclusion>,
}

/// Where a record is in the server's log: a signed tree head (the checkpoint of `GET /api/v1/checkpoint` at the
/// end of the record's batch) and the RFC 6962 audit path from the record's leaf (`SHA-256(0x00 || hash bytes)`)
/// to that head's root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inclusion {
    /// The record's leaf index, from 0.
    pub leaf_index: u64,
    /// The signed head: leaves in the tree, its root hash (hex), when it was signed (unix milliseconds).
    pub tree_size: u64,
    pub root_hash: String,
    pub timestamp: i64,
    /// The audit path, from the leaf up: 32-byte node hashes, hex.
    pub proof: Vec<String>,
}

/// One stored event, as `GET /api/v1/consents/{id}` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    pub seq: u32,
    pub action: ConsentAction,
    pub categories: BTreeMap<CategoryId, bool>,
    pub policy_version: PolicyVersion,
    pub config_revision: u32,
    pub lang: Lang,
    pub gpc: bool,
    pub client_time: i64,
    pub received_at: i64,
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<ServiceDecisions>,
}

/// `GET /api/v1/consents/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentHistory {
    pub consent_id: ConsentId,
    pub events: Vec<StoredEvent>,
}

/// The machine-readable part of every error the API sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON, or not the expected shape.
    MalformedBody,
    /// 422: a field breaks a rule (bad id, malformed category id, too many categories, string too long).
    InvalidField,
    /// 422: a well-formed category the server's allow-list (`KUKI_CATEGORIES`) leaves out. Only the server's
    /// operator can fix it (by adding the category to `KUKI_CATEGORIES`); the message names the categories.
    CategoryNotAllowed,
    /// 413
    PayloadTooLarge,
    /// 415
    UnsupportedMediaType,
    /// 403: the `Origin` is not allowed to write.
    ForbiddenOrigin,
    /// 401
    Unauthorized,
    /// 404
    NotFound,
    /// 408: the request took longer than the server's limit; retry.
    Timeout,
    /// 409: the same (consentId, seq) was stored with a different body.
    Conflict,
    /// 409: the consent id has as many events as the server keeps for one id (not retried: it will not change).
    HistoryFull,
    /// 429
    RateLimited,
    /// 503: the record could not be committed (database down, disk full); retry later.
    Unavailable,
    /// 500
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::MalformedBody => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::ForbiddenOrigin => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Timeout => 408,
            ErrorCode::Conflict | ErrorCode::HistoryFull => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::InvalidField | ErrorCode::CategoryNotAllowed => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }

    /// Should a client try the same request again later? (The browser outbox drops the others.)
    pub fn retryable(status: u16) -> bool {
        !(400..500).contains(&status) || status == 408 || status == 429
    }
}

/// The body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

/// `GET /api/v1/stats` (admin): event counts and opt-in rates by day (UTC), action and category. The counts are
/// aggregates without ids, so they outlive an erasure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub total_events: u64,
    /// Ordered by day, then action.
    pub rows: Vec<StatsRow>,
}

/// The events of one day and action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsRow {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub action: ConsentAction,
    pub events: u64,
    pub categories: BTreeMap<CategoryId, CategoryStats>,
}

/// How often one category was granted among the events of a row that mention it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryStats {
    pub granted: u64,
    pub refused: u64,
    /// `granted / (granted + refused)`, 0 when there were none.
    pub opt_in_rate: f64,
}

/// `GET /api/v1/receipt-key`: the key that signs receipts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptKey {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, hex.
    pub public_key: String,
    /// What is signed: for a receipt with `inclusion`, its tree head (as a checkpoint is signed); for one
    /// without, the 32 bytes of the receipt's SHA-256 `hash` (decoded from hex).
    pub signed_message: String,
}

/// The browser's side of the contract, without serde (which the wasm bundle leaves out for size): the same
/// JSON shapes as the serde types above, written and read through [`Value`]. Tests hold the two to each other.
pub mod browser {
    use super::*;
    use crate::value::{Obj, Value};

    /// The `POST /api/v1/consents` body for a consent: what `ConsentEvent::from_consent` serializes to.
    pub fn event(c: &Consent, action: ConsentAction, client_time_ms: i64) -> Value {
        let mut categories: Vec<(String, Value)> =
            c.decisions.iter().map(|d| (d.category.to_string(), Value::Bool(d.granted))).collect();
        sort_keys(&mut categories);
        let mut fields = vec![
            ("consentId".into(), Value::Str(c.id.to_string())),
            ("seq".into(), Value::Num(f64::from(c.seq))),
            ("action".into(), Value::Str(action.as_str().into())),
            ("categories".into(), Value::Obj(categories)),
            ("policyVersion".into(), Value::Str(c.policy_version.to_string())),
            ("configRevision".into(), Value::Num(f64::from(c.revision))),
            ("lang".into(), Value::Str(c.lang.as_str().into())),
            ("gpc".into(), Value::Bool(c.gpc)),
            ("clientTime".into(), Value::Num(client_time_ms as f64)),
        ];
        if c.has_services() {
            // Built as `Value`s with one sort for every level: no BTreeMap nor another sort in the bundle.
            let mut by_category: Vec<(String, Value)> = Vec::new();
            for d in c.decisions.iter().filter(|d| !d.services.is_empty()) {
                let mut list: Vec<(String, Value)> =
                    d.services.iter().map(|x| (x.service.to_string(), Value::Bool(x.granted))).collect();
                sort_keys(&mut list);
                by_category.push((d.category.to_string(), Value::Obj(list)));
            }
            sort_keys(&mut by_category);
            fields.push(("services".into(), Value::Obj(by_category)));
        }
        Value::Obj(fields)
    }

    /// serde writes a BTreeMap: keys in order.
    fn sort_keys(fields: &mut [(String, Value)]) {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
    }

    pub fn receipt_value(r: &Receipt) -> Value {
        let mut fields = vec![
            ("consentId".into(), Value::Str(r.consent_id.to_string())),
            ("seq".into(), Value::Num(f64::from(r.seq))),
            ("receivedAt".into(), Value::Num(r.received_at as f64)),
            ("hash".into(), Value::Str(r.hash.clone())),
            ("signature".into(), Value::Str(r.signature.clone())),
        ];
        if let Some(i) = &r.inclusion {
            fields.push((
                "inclusion".into(),
                Value::Obj(vec![
                    ("leafIndex".into(), Value::Num(i.leaf_index as f64)),
                    ("treeSize".into(), Value::Num(i.tree_size as f64)),
                    ("rootHash".into(), Value::Str(i.root_hash.clone())),
                    ("timestamp".into(), Value::Num(i.timestamp as f64)),
                    ("proof".into(), Value::Arr(i.proof.iter().cloned().map(Value::Str).collect())),
                ]),
            ));
        }
        Value::Obj(fields)
    }

    /// A receipt as the server sends it; `None` if it is not one.
    pub fn receipt(v: &Value) -> Option<Receipt> {
        // Lenient: a field a newer server adds is ignored.
        let o = Obj::lenient(v, "").ok()?;
        Some(Receipt {
            consent_id: ConsentId::parse(o.req("consentId", Value::as_str).ok()?).ok()?,
            seq: o.req("seq", Value::as_u32).ok()?,
            received_at: o.req("receivedAt", Value::as_i64).ok()?,
            hash: o.req("hash", Value::as_str).ok()?.to_owned(),
            signature: o.req("signature", Value::as_str).ok()?.to_owned(),
            // Present but unreadable is no receipt: its signature would be taken to be over `hash`.
            inclusion: match o.get("inclusion") {
                None | Some(Value::Null) => None,
                Some(v) => Some(inclusion(v)?),
            },
        })
    }

    fn inclusion(v: &Value) -> Option<Inclusion> {
        let o = Obj::lenient(v, "inclusion").ok()?;
        let count = |v: &Value, path: &str| v.as_i64(path).map(|n| u64::try_from(n).unwrap_or(u64::MAX));
        let (leaf_index, tree_size) = (o.req("leafIndex", count).ok()?, o.req("treeSize", count).ok()?);
        if leaf_index == u64::MAX || tree_size == u64::MAX {
            return None;
        }
        Some(Inclusion {
            leaf_index,
            tree_size,
            root_hash: o.req("rootHash", Value::as_str).ok()?.to_owned(),
            timestamp: o.req("timestamp", Value::as_i64).ok()?,
            proof: o.req("proof", Value::as_strings).ok()?,
        })
    }

    /// One line of a visitor's history, as the preferences dialog lists it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct HistoryEntry {
        pub seq: u32,
        pub action: ConsentAction,
        pub accepted: Vec<CategoryId>,
        /// Server time, unix milliseconds.
        pub received_at: i64,
    }

    /// `GET /api/v1/consents/{id}`'s events, oldest first; `None` if the answer is not a history.
    pub fn history(v: &Value) -> Option<Vec<HistoryEntry>> {
        v.get("events")?
            .as_arr("events")
            .ok()?
            .iter()
            .map(|e| {
                let categories = match e.get("categories")? {
                    Value::Obj(fields) => fields,
                    _ => return None,
                };
                let accepted = categories
                    .iter()
                    .filter(|(_, granted)| *granted == Value::Bool(true))
                    .map(|(id, _)| CategoryId::parse(id).ok())
                    .collect::<Option<Vec<_>>>()?;
                Some(HistoryEntry {
                    seq: e.get("seq")?.as_u32("seq").ok()?,
                    action: ConsentAction::parse(e.get("action")?.as_str("action").ok()?)?,
                    accepted,
                    received_at: e.get("receivedAt")?.as_i64("receivedAt").ok()?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{Choice, Context};
    use crate::Config;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn an_event_has_the_documented_json_shape() {
        let ctx = Context { now: 100, lang: Lang::Ko, gpc: false, new_id: ConsentId::from_random([2; 16]) };
        let c = Consent::decide(&Config::default(), &Choice::RejectAll, None, ctx);
        let e = ConsentEvent::from_consent(&c, ConsentAction::RejectAll, 100_000);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["consentId"], "02020202-0202-4202-8202-020202020202");
        assert_eq!(json["action"], "reject_all");
        assert_eq!(json["categories"]["necessary"], true);
        assert_eq!(json["categories"]["marketing"], false);
        let back: ConsentEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn bad_events_do_not_deserialize() {
        let good = r#"{"consentId":"02020202-0202-4202-8202-020202020202","seq":1,"action":"custom",
            "categories":{"necessary":true},"policyVersion":"v1","configRevision":0,"lang":"ko","gpc":false,"clientTime":1}"#;
        assert!(serde_json::from_str::<ConsentEvent>(good).is_ok());
        for (from, to) in [
            ("02020202-0202-4202", "nope-0202-4202"),
            ("\"custom\"", "\"dance\""),
            ("\"necessary\"", "\"Not A Category\""),
            ("\"ko\"", "\"french\""),
            ("\"seq\":1", "\"seq\":-1"),
            ("\"gpc\":false", "\"gpc\":false,\"extra\":1"),
        ] {
            let bad = good.replace(from, to);
            assert!(serde_json::from_str::<ConsentEvent>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_browser_writes_events_exactly_as_serde_does() {
        let ctx = Context { now: 100, lang: Lang::En, gpc: true, new_id: ConsentId::from_random([5; 16]) };
        let c = Consent::decide(
            &Config::default(),
            &Choice::Only(vec![CategoryId::parse("marketing").unwrap()]),
            None,
            ctx,
        );
        let by_serde = serde_json::to_string(&ConsentEvent::from_consent(&c, ConsentAction::Custom, 1234)).unwrap();
        let by_browser = crate::value::to_json(&browser::event(&c, ConsentAction::Custom, 1234));
        assert_eq!(by_browser, by_serde);
        let back: ConsentEvent = serde_json::from_str(&by_browser).unwrap();
        assert_eq!(back.seq, 1);
    }

    #[test]
    fn an_event_with_services_carries_them_and_one_without_has_no_services_field() {
        let config = Config::from_value(&crate::value::from_json(
            r#"{"categories":[{"id":"necessary"},{"id":"analytics","services":[{"id":"ga"},{"id":"hotjar"}]}]}"#,
        ))
        .unwrap();
        let pick = crate::consent::Decision {
            category: CategoryId::parse("analytics").unwrap(),
            granted: true,
            services: vec![crate::consent::ServiceDecision { service: ServiceId::parse("ga").unwrap(), granted: true }],
        };
        let ctx = Context { now: 100, lang: Lang::Ko, gpc: false, new_id: ConsentId::from_random([5; 16]) };
        let c = Consent::decide(&config, &Choice::Custom(vec![pick]), None, ctx);
        let by_serde = serde_json::to_string(&ConsentEvent::from_consent(&c, ConsentAction::Custom, 1)).unwrap();
        assert!(by_serde.ends_with(r#","services":{"analytics":{"ga":true,"hotjar":false}}}"#), "{by_serde}");
        assert_eq!(crate::value::to_json(&browser::event(&c, ConsentAction::Custom, 1)), by_serde);
        let plain = Consent::decide(&Config::default(), &Choice::AcceptAll, None, ctx);
        let json = crate::value::to_json(&browser::event(&plain, ConsentAction::AcceptAll, 1));
        assert!(!json.contains("services"), "{json}");
        assert_eq!(serde_json::from_str::<ConsentEvent>(&json).unwrap().services, None);
    }

    #[test]
    fn the_browser_reads_receipts_and_histories_the_server_writes() {
        let id = ConsentId::from_random([6; 16]);
        let receipt = Receipt {
            consent_id: id,
            seq: 3,
            received_at: 1_700_000_000_123,
            hash: "ab".into(),
            signature: "cd".into(),
            inclusion: None,
        };
        let text = serde_json::to_string(&receipt).unwrap();
        assert!(!text.contains("inclusion"), "a receipt signed over its hash is written as before batching");
        assert_eq!(browser::receipt(&crate::value::from_json(&text)), Some(receipt.clone()));
        assert_eq!(crate::value::to_json(&browser::receipt_value(&receipt)), text);
        assert_eq!(browser::receipt(&crate::value::from_json(r#"{"seq":1}"#)), None);
        // A field a newer server adds does not stop a deployed bundle from reading the receipt.
        let grown = text.replacen('{', r#"{"inclusionProof":["ef"],"#, 1);
        assert_eq!(browser::receipt(&crate::value::from_json(&grown)), Some(receipt.clone()));

        // A batched receipt: read and written back the same, and readable by the fields alone as before.
        let batched = Receipt {
            inclusion: Some(Inclusion {
                leaf_index: 41,
                tree_size: 1024,
                root_hash: "ef".into(),
                timestamp: 1_700_000_000_124,
                proof: vec!["01".into(), "02".into()],
            }),
            ..receipt.clone()
        };
        let text = serde_json::to_string(&batched).unwrap();
        assert_eq!(browser::receipt(&crate::value::from_json(&text)), Some(batched.clone()));
        assert_eq!(crate::value::to_json(&browser::receipt_value(&batched)), text);
        let broken = text.replace(r#""leafIndex":41"#, r#""leafIndex":-1"#);
        assert_eq!(browser::receipt(&crate::value::from_json(&broken)), None, "a proof it cannot read");
        assert_eq!(browser::receipt(&crate::value::from_json(&text.replace("\"proof\":[", "\"proof\":[1,"))), None);

        let stored = StoredEvent {
            seq: 1,
            action: ConsentAction::RejectAll,
            categories: [("necessary", true), ("analytics", false)]
                .into_iter()
                .map(|(k, v)| (CategoryId::parse(k).unwrap(), v))
                .collect(),
            policy_version: PolicyVersion::parse("v1").unwrap(),
            config_revision: 0,
            lang: Lang::Ko,
            gpc: false,
            client_time: 5,
            received_at: 6,
            hash: "h".into(),
            services: None,
        };
        let history = ConsentHistory { consent_id: id, events: vec![stored] };
        let lines = browser::history(&crate::value::from_json(&serde_json::to_string(&history).unwrap())).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].action, ConsentAction::RejectAll);
        assert_eq!(lines[0].accepted, [CategoryId::parse("necessary").unwrap()]);
        assert_eq!(lines[0].received_at, 6);
    }

    #[test]
    fn error_codes_are_snake_case_in_json() {
        assert_eq!(serde_json::to_string(&ErrorCode::CategoryNotAllowed).unwrap(), "\"category_not_allowed\"");
        assert_eq!(ErrorCode::CategoryNotAllowed.status(), 422);
        assert!(!ErrorCode::retryable(ErrorCode::CategoryNotAllowed.status()));
    }

    #[test]
    fn only_timeouts_throttling_and_server_errors_are_retried() {
        assert!(ErrorCode::retryable(503));
        assert!(ErrorCode::retryable(429));
        assert!(ErrorCode::retryable(408));
        assert!(!ErrorCode::retryable(422));
        assert!(!ErrorCode::retryable(409));
    }
}

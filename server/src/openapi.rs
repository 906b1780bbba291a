//! The OpenAPI 3.1 description of `/api/v1`, written out by hand from `kuki_core::wire` (the tests check that
//! every route the router serves is described and that the schemas name the wire types' fields).

use serde_json::{json, Value};

pub fn document() -> Value {
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}});
    let id_param = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"},
        "description": "The consent id (UUID v4), an unguessable capability held by the visitor's browser."});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "kuki consent records", "version": "1",
            "description": "Stores every consent choice as tamper-evident proof: records are hash-chained per consent id and receipts are signed with Ed25519."},
        "paths": {
            "/api/v1/consents": {"post": {
                "operationId": "consents_create",
                "summary": "Store one consent event. Idempotent on (consentId, seq).",
                "description": "Accepts application/json and text/plain (navigator.sendBeacon) bodies of at most 8 KiB. A POST whose Origin is neither the server's own nor in KUKI_ALLOWED_ORIGINS is refused with 403; a request without Origin (not a browser) is accepted. Rate limited per client IP.",
                "requestBody": {"required": true, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ConsentEvent"}},
                    "text/plain": {"schema": {"$ref": "#/components/schemas/ConsentEvent"}}}},
                "responses": {
                    "201": {"description": "Committed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}},
                    "200": {"description": "A replay of an event already stored: a receipt for the stored record (batched when it was stored by the same group commit, else signed over its hash).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}},
                    "400": error("malformed_body: not JSON or not the shape of ConsentEvent"),
                    "403": error("forbidden_origin"),
                    "408": error("timeout: the request ran past the server's limit, retry"),
                    "409": error("conflict: this (consentId, seq) was stored with a different event; history_full: the consent id has KUKI_MAX_EVENTS_PER_ID events already"),
                    "413": error("payload_too_large"),
                    "415": error("unsupported_media_type"),
                    "422": error("invalid_field: a malformed id or category id, more than 32 categories, an oversized string; category_not_allowed: a category outside KUKI_CATEGORIES (set by the operator)"),
                    "429": error("rate_limited (Retry-After)"),
                    "503": error("unavailable: not committed, retry (Retry-After)")}}},
            "/api/v1/consents/{id}": {
                "get": {"operationId": "consents_read", "summary": "A page of the consent id's events in stored order.",
                    "parameters": [id_param.clone(),
                        {"name": "after", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "default": 0},
                            "description": "Start after this chain position: the `next` of the previous page."},
                        {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                    "responses": {"200": {"description": "The page.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConsentHistory"}}}},
                        "404": error("not_found"), "422": error("invalid_field: a bad after or limit")}},
                "delete": {"operationId": "consents_erase", "summary": "Erase every record of the consent id.", "description": "The request must carry an Origin that is the server's own (KUKI_PUBLIC_URL) or in KUKI_ALLOWED_ORIGINS: without one, or with another, it is refused with 403.",
                    "parameters": [id_param],
                    "responses": {"204": {"description": "Erased; a GET now answers 404."}, "403": error("forbidden_origin"), "404": error("not_found"), "503": error("unavailable")}}},
            "/api/v1/stats": {"get": {"operationId": "stats_read", "summary": "Counts and opt-in rates by day (UTC), action and category.",
                "security": [{"bearer": []}],
                "responses": {"200": {"description": "The stats.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}},
                    "401": error("unauthorized")}}},
            "/api/v1/receipt-key": {"get": {"operationId": "receipt_key_read", "summary": "The Ed25519 public key that signs receipts.",
                "responses": {"200": {"description": "The key.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReceiptKey"}}}}}}},
            "/api/v1/checkpoint": {"get": {"operationId": "checkpoint_read", "summary": "The log's signed tree head (RFC 6962 Merkle tree hash over every record and erasure), for auditors to keep.",
                "responses": {"200": {"description": "The checkpoint.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Checkpoint"}}}},
                    "503": error("unavailable")}}},
            "/api/v1/openapi.json": {"get": {"operationId": "openapi_read", "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1"}}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "KUKI_ADMIN_TOKEN"}},
            "schemas": {
                "ConsentEvent": {"type": "object", "additionalProperties": false,
                    "required": ["consentId", "seq", "action", "categories", "policyVersion", "configRevision", "lang", "gpc", "clientTime"],
                    "properties": {
                        "consentId": {"type": "string", "format": "uuid"},
                        "seq": {"type": "integer", "minimum": 0, "maximum": 4294967295u64},
                        "action": {"$ref": "#/components/schemas/ConsentAction"},
                        "categories": {"type": "object", "additionalProperties": {"type": "boolean"},
                            "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,31}$"}, "minProperties": 1, "maxProperties": 32,
                            "description": "The decision per category, necessary included: any category id the site declares (only those in KUKI_CATEGORIES when the operator set it)."},
                        "policyVersion": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"},
                        "configRevision": {"type": "integer", "minimum": 0, "maximum": 4294967295u64},
                        "lang": {"type": "string", "enum": ["ko", "en"]},
                        "gpc": {"type": "boolean"},
                        "clientTime": {"type": "integer", "description": "The browser's clock, unix ms (informative)."},
                        "services": {"$ref": "#/components/schemas/ServiceDecisions"}}},
                "ServiceDecisions": {"type": "object", "minProperties": 1,
                    "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,31}$"},
                    "additionalProperties": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "boolean"},
                        "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,31}$"}},
                    "description": "Optional: the decision per service, by category, for the categories that have services (at most 64 in all); each category one of `categories`, granted exactly when one of its services is. Absent when the site declares no services."},
                "ConsentAction": {"type": "string", "enum": ["accept_all", "reject_all", "custom", "accept_category", "withdraw"]},
                "Receipt": {"type": "object", "required": ["consentId", "seq", "receivedAt", "hash", "signature"],
                    "properties": {"consentId": {"type": "string", "format": "uuid"}, "seq": {"type": "integer"},
                        "receivedAt": {"type": "integer", "description": "Server time, unix ms."},
                        "hash": {"type": "string", "description": "SHA-256 (hex) of the record, chained to the previous record of the consent id."},
                        "signature": {"type": "string", "description": "Ed25519 (hex) by the key at /api/v1/receipt-key: over inclusion's tree head (signed as a checkpoint) when inclusion is present, else over the 32 hash bytes."},
                        "inclusion": {"$ref": "#/components/schemas/Inclusion"}}},
                "Inclusion": {"type": "object", "required": ["leafIndex", "treeSize", "rootHash", "timestamp", "proof"],
                    "description": "The record's place in the log: the tree head signed at the end of its group commit and the RFC 6962 audit path from its leaf (SHA-256(0x00 || hash bytes)) to that root.",
                    "properties": {"leafIndex": {"type": "integer", "description": "From 0."}, "treeSize": {"type": "integer"},
                        "rootHash": {"type": "string"}, "timestamp": {"type": "integer", "description": "When the head was signed, unix ms."},
                        "proof": {"type": "array", "items": {"type": "string"}, "description": "Node hashes (hex), from the leaf up."}}},
                "StoredEvent": {"type": "object", "required": ["seq", "action", "categories", "policyVersion", "configRevision", "lang", "gpc", "clientTime", "receivedAt", "hash"],
                    "properties": {"seq": {"type": "integer"}, "action": {"$ref": "#/components/schemas/ConsentAction"},
                        "categories": {"type": "object", "additionalProperties": {"type": "boolean"}},
                        "policyVersion": {"type": "string"}, "configRevision": {"type": "integer"},
                        "lang": {"type": "string", "enum": ["ko", "en"]}, "gpc": {"type": "boolean"},
                        "clientTime": {"type": "integer"}, "receivedAt": {"type": "integer"}, "hash": {"type": "string"},
                        "services": {"$ref": "#/components/schemas/ServiceDecisions"}}},
                "ConsentHistory": {"type": "object", "required": ["consentId", "events"],
                    "properties": {"consentId": {"type": "string", "format": "uuid"},
                        "events": {"type": "array", "items": {"$ref": "#/components/schemas/StoredEvent"}},
                        "next": {"type": ["integer", "null"], "description": "Pass as `after` for the next page; null on the last."}}},
                "Checkpoint": {"type": "object", "required": ["treeSize", "rootHash", "timestamp", "publicKey", "signature"],
                    "properties": {"treeSize": {"type": "integer"}, "rootHash": {"type": "string", "description": "hex"},
                        "timestamp": {"type": "integer", "description": "unix ms"}, "publicKey": {"type": "string"},
                        "signature": {"type": "string", "description": "Ed25519 (hex) over \"kuki-checkpoint-v1\\0\" || timestamp (8 bytes BE) || treeSize (8 bytes BE) || root (32 bytes)"}}},
                "Stats": {"type": "object", "required": ["totalEvents", "rows"],
                    "properties": {"totalEvents": {"type": "integer"}, "rows": {"type": "array", "items": {"type": "object",
                        "required": ["day", "action", "events", "categories"],
                        "properties": {"day": {"type": "string", "format": "date"}, "action": {"$ref": "#/components/schemas/ConsentAction"},
                            "events": {"type": "integer"},
                            "categories": {"type": "object", "additionalProperties": {"type": "object",
                                "required": ["granted", "refused", "optInRate"],
                                "properties": {"granted": {"type": "integer"}, "refused": {"type": "integer"}, "optInRate": {"type": "number"}}}}}}}}},
                "ReceiptKey": {"type": "object", "required": ["algorithm", "publicKey", "signedMessage"],
                    "properties": {"algorithm": {"const": "Ed25519"}, "publicKey": {"type": "string"}, "signedMessage": {"type": "string"}}},
                "ApiError": {"type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string", "enum": ["malformed_body", "invalid_field", "category_not_allowed", "payload_too_large", "unsupported_media_type",
                        "forbidden_origin", "unauthorized", "not_found", "timeout", "conflict", "history_full", "rate_limited", "unavailable", "internal"]},
                        "message": {"type": "string"}}}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_is_described() {
        let doc = document();
        for (path, method) in [
            ("/api/v1/consents", "post"),
            ("/api/v1/consents/{id}", "get"),
            ("/api/v1/consents/{id}", "delete"),
            ("/api/v1/stats", "get"),
            ("/api/v1/receipt-key", "get"),
            ("/api/v1/checkpoint", "get"),
            ("/api/v1/openapi.json", "get"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        }
    }

    #[test]
    fn the_event_schema_names_exactly_the_wire_fields() {
        let good = r#"{"consentId":"02020202-0202-4202-8202-020202020202","seq":1,"action":"custom",
            "categories":{"necessary":true},"policyVersion":"v1","configRevision":0,"lang":"ko","gpc":false,"clientTime":1,
            "services":{"necessary":{"csrf":true}}}"#;
        let event: kuki_core::wire::ConsentEvent = serde_json::from_str(good).unwrap();
        let wire = serde_json::to_value(event).unwrap();
        let mut wire_fields: Vec<&String> = wire.as_object().unwrap().keys().collect();
        let doc = document();
        let mut documented: Vec<&String> =
            doc["components"]["schemas"]["ConsentEvent"]["properties"].as_object().unwrap().keys().collect();
        wire_fields.sort();
        documented.sort();
        assert_eq!(wire_fields, documented);
    }

    #[test]
    fn the_error_codes_and_the_category_bound_match_the_wire() {
        use kuki_core::wire::ErrorCode::*;
        let doc = document();
        let codes = &doc["components"]["schemas"]["ApiError"]["properties"]["code"]["enum"];
        for code in [MalformedBody, InvalidField, CategoryNotAllowed, PayloadTooLarge, HistoryFull, Unavailable] {
            assert!(codes.as_array().unwrap().contains(&serde_json::to_value(code).unwrap()), "{code:?}");
        }
        let categories = &doc["components"]["schemas"]["ConsentEvent"]["properties"]["categories"];
        assert_eq!(categories["maxProperties"], kuki_core::wire::MAX_EVENT_CATEGORIES);
    }
}

use crate::helpers::{error_code, event, new_id, spawn_app, ALLOWED_ORIGIN};
use kuki_core::wire::{ConsentHistory, Receipt, ReceiptKey};

#[tokio::test]
async fn a_valid_event_is_stored_and_answered_with_a_signed_receipt() {
    let app = spawn_app().await;
    let id = new_id();
    let res = app.post_event(&event(&id, 1, true)).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let receipt: Receipt = res.json().await.unwrap();
    assert_eq!(receipt.consent_id.to_string(), id);
    assert_eq!(receipt.seq, 1);
    assert_eq!(receipt.hash.len(), 64);

    let key: ReceiptKey = app.client.get(app.url("/api/v1/receipt-key")).send().await.unwrap().json().await.unwrap();
    assert_eq!(key.algorithm, "Ed25519");
    // A batched receipt: the tree head of its group commit is signed, and the audit path ties the hash to it.
    let inclusion = receipt.inclusion.as_ref().expect("a new record's receipt is batched");
    assert_eq!((inclusion.leaf_index, inclusion.tree_size), (0, 1), "the first record of an empty log");
    assert_eq!(kuki_server::verify::receipt_problem(&key.public_key, &receipt), None);
    let other = kuki_server::chain::ReceiptSigner::generate().public_hex();
    assert!(kuki_server::verify::receipt_problem(&other, &receipt).is_some(), "another key's receipt");
}

async fn receipt_key(app: &crate::helpers::TestApp) -> String {
    let key: ReceiptKey = app.client.get(app.url("/api/v1/receipt-key")).send().await.unwrap().json().await.unwrap();
    key.public_key
}

#[tokio::test]
async fn the_history_lists_events_in_order_with_their_hashes() {
    let app = spawn_app().await;
    let id = new_id();
    let first: Receipt = app.post_event(&event(&id, 1, true)).await.json().await.unwrap();
    let second: Receipt = app.post_event(&event(&id, 2, false)).await.json().await.unwrap();
    let res = app.get_history(&id).await;
    assert_eq!(res.status(), 200);
    let history: ConsentHistory = res.json().await.unwrap();
    assert_eq!(history.events.len(), 2);
    assert_eq!(history.events[0].hash, first.hash);
    assert_eq!(history.events[1].hash, second.hash);
    assert!(history.events[0].categories.iter().any(|(c, g)| c.as_str() == "analytics" && *g));
    assert!(history.events[1].categories.iter().any(|(c, g)| c.as_str() == "analytics" && !*g));
    assert_eq!(history.events[1].received_at, second.received_at);
}

#[tokio::test]
async fn an_unknown_or_malformed_id_is_404() {
    let app = spawn_app().await;
    let res = app.get_history(&new_id()).await;
    assert_eq!(res.status(), 404);
    assert_eq!(error_code(res).await, "not_found");
    assert_eq!(app.get_history("not-an-id").await.status(), 404);
}

#[tokio::test]
async fn a_replay_gets_the_original_receipt_with_200() {
    let app = spawn_app().await;
    let id = new_id();
    let original: Receipt = app.post_event(&event(&id, 1, true)).await.json().await.unwrap();
    let again = app.post_event(&event(&id, 1, true)).await;
    assert_eq!(again.status(), 200);
    let replayed: Receipt = again.json().await.unwrap();
    // The same record; stored by an earlier batch, its receipt is now signed over the hash by itself.
    assert_eq!((&replayed.hash, replayed.received_at), (&original.hash, original.received_at));
    assert_eq!(replayed.inclusion, None);
    assert_eq!(kuki_server::verify::receipt_problem(&receipt_key(&app).await, &replayed), None);
    let third: Receipt = app.post_event(&event(&id, 1, true)).await.json().await.unwrap();
    assert_eq!(third, replayed, "Ed25519 is deterministic: each later replay gets the same bytes");
    let history: ConsentHistory = app.get_history(&id).await.json().await.unwrap();
    assert_eq!(history.events.len(), 1, "a replay stores nothing");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_409_conflict() {
    let app = spawn_app().await;
    let id = new_id();
    assert_eq!(app.post_event(&event(&id, 1, true)).await.status(), 201);
    let res = app.post_event(&event(&id, 1, false)).await;
    assert_eq!(res.status(), 409);
    assert_eq!(error_code(res).await, "conflict");
}

#[tokio::test]
async fn concurrent_duplicates_store_one_record_and_all_get_the_same_receipt() {
    let app = std::sync::Arc::new(spawn_app().await);
    let id = new_id();
    let posts = (0..20).map(|_| {
        let (app, body) = (app.clone(), event(&id, 7, true));
        tokio::spawn(async move {
            let res = app.post_event(&body).await;
            (res.status().as_u16(), res.json::<Receipt>().await.unwrap())
        })
    });
    let results: Vec<(u16, Receipt)> = futures_join(posts).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 1);
    assert!(results.iter().all(|(s, _)| *s == 201 || *s == 200));
    assert!(results.windows(2).all(|w| (&w[0].1.hash, w[0].1.received_at) == (&w[1].1.hash, w[1].1.received_at)));
    let key = receipt_key(&app).await;
    for (_, r) in &results {
        assert_eq!(kuki_server::verify::receipt_problem(&key, r), None, "{r:?}");
    }
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn an_erased_history_is_gone() {
    let app = spawn_app().await;
    let id = new_id();
    app.post_event(&event(&id, 1, true)).await;
    app.post_event(&event(&id, 2, false)).await;
    let url = app.url(&format!("/api/v1/consents/{id}"));
    let res = app.client.delete(&url).header("origin", ALLOWED_ORIGIN).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(app.get_history(&id).await.status(), 404);
    let again = app.client.delete(&url).header("origin", ALLOWED_ORIGIN).send().await.unwrap();
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn a_text_plain_body_from_send_beacon_is_accepted() {
    let app = spawn_app().await;
    let id = new_id();
    let res = app
        .client
        .post(app.url("/api/v1/consents"))
        .header("origin", ALLOWED_ORIGIN)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(event(&id, 1, true).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(app.get_history(&id).await.status(), 200);
}

#[tokio::test]
async fn malformed_json_and_wrong_types_are_400() {
    let app = spawn_app().await;
    for body in ["{", "[]", "not json", r#"{"consentId": 5}"#] {
        let res = app
            .client
            .post(app.url("/api/v1/consents"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(error_code(res).await, "malformed_body");
    }
    let mut wrong = event(&new_id(), 1, true);
    wrong["seq"] = serde_json::json!("one");
    assert_eq!(app.post_event(&wrong).await.status(), 400);
}

#[tokio::test]
async fn rule_breaking_fields_are_422() {
    let app = spawn_app().await;
    let mut malformed_category = event(&new_id(), 1, true);
    malformed_category["categories"]["Tracking"] = serde_json::json!(true);
    let mut bad_id = event(&new_id(), 1, true);
    bad_id["consentId"] = serde_json::json!("12345678-1234-1234-1234-123456789abc");
    let mut long_version = event(&new_id(), 1, true);
    long_version["policyVersion"] = serde_json::json!("v".repeat(40));
    for body in [malformed_category, bad_id, long_version] {
        let res = app.post_event(&body).await;
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(error_code(res).await, "invalid_field");
    }
}

#[tokio::test]
async fn a_body_over_8_kib_is_413() {
    let app = spawn_app().await;
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(9000));
    let res = app
        .client
        .post(app.url("/api/v1/consents"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(error_code(res).await, "payload_too_large");
}

#[tokio::test]
async fn another_media_type_is_415() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/consents"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(error_code(res).await, "unsupported_media_type");
}

#[tokio::test]
async fn a_write_the_database_cannot_commit_is_503_and_not_stored() {
    let app = spawn_app().await;
    let id = new_id();
    // Another process holding the write lock past the writer's busy timeout (5 s) makes the commit fail.
    let locker = rusqlite::Connection::open(app.dir.path().join("kuki.db")).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let res = app.post_event(&event(&id, 1, true)).await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
    assert!(!body["message"].as_str().unwrap().contains("lock"), "the internal cause is not sent: {body}");
    locker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(app.get_history(&id).await.status(), 404, "nothing was stored");
    assert_eq!(app.post_event(&event(&id, 1, true)).await.status(), 201, "the retry succeeds");
}

#[tokio::test]
async fn events_with_and_without_services_are_recorded_and_the_services_are_in_what_is_hashed() {
    let app = spawn_app().await;
    let id = new_id();
    let plain = event(&id, 1, false);
    assert_eq!(app.post_event(&plain).await.status(), 201);
    let mut with = event(&id, 2, true);
    with["services"] = serde_json::json!({"analytics": {"ga": false, "hotjar": true}});
    let receipt: Receipt = app.post_event(&with).await.json().await.unwrap();
    // The same (id, seq) with other services is another event: the stored one is not silently replaced.
    let mut other = with.clone();
    other["services"] = serde_json::json!({"analytics": {"ga": true, "hotjar": true}});
    let res = app.post_event(&other).await;
    assert_eq!(res.status(), 409);
    assert_eq!(error_code(res).await, "conflict");

    let history: ConsentHistory = app.get_history(&id).await.json().await.unwrap();
    assert_eq!(history.events.len(), 2);
    assert_eq!(history.events[0].services, None);
    let services = history.events[1].services.as_ref().expect("the services are kept");
    let analytics: Vec<(&str, bool)> =
        services.values().next().unwrap().iter().map(|(s, g)| (s.as_str(), *g)).collect();
    assert_eq!(analytics, [("ga", false), ("hotjar", true)]);
    assert_eq!(history.events[1].hash, receipt.hash);
    let raw: serde_json::Value = app.get_history(&id).await.json().await.unwrap();
    assert!(raw["events"][0].get("services").is_none(), "absent, not null, without services");
}

#[tokio::test]
async fn services_that_disagree_with_their_category_are_422() {
    let app = spawn_app().await;
    let mut bad = event(&new_id(), 1, false);
    bad["services"] = serde_json::json!({"analytics": {"ga": true}});
    let res = app.post_event(&bad).await;
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, "invalid_field");
}

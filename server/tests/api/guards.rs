//! What stands before the handlers: Origin checks, CORS, the rate limit, the admin token.

use crate::helpers::{error_code, event, new_id, spawn_app, spawn_app_with, ADMIN_TOKEN, ALLOWED_ORIGIN};

#[tokio::test]
async fn a_post_from_a_foreign_origin_is_403_even_as_text_plain() {
    let app = spawn_app().await;
    let id = new_id();
    let res = app
        .client
        .post(app.url("/api/v1/consents"))
        .header("origin", "https://evil.example")
        .header("content-type", "text/plain")
        .body(event(&id, 1, true).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_code(res).await, "forbidden_origin");
    assert_eq!(app.get_history(&id).await.status(), 404, "nothing was stored");

    let null = app.client.post(app.url("/api/v1/consents")).header("origin", "null").json(&event(&id, 1, true));
    assert_eq!(null.send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_delete_from_a_foreign_origin_is_403_and_erases_nothing() {
    let app = spawn_app().await;
    let id = new_id();
    app.post_event(&event(&id, 1, true)).await;
    let url = app.url(&format!("/api/v1/consents/{id}"));
    let res = app.client.delete(&url).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.get_history(&id).await.status(), 200);
}

#[tokio::test]
async fn a_delete_without_any_origin_is_403_in_the_error_shape_and_erases_nothing() {
    let app = spawn_app().await;
    let id = new_id();
    app.post_event(&event(&id, 1, true)).await;
    let res = app.client.delete(app.url(&format!("/api/v1/consents/{id}"))).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_code(res).await, "forbidden_origin");
    assert_eq!(app.get_history(&id).await.status(), 200);
}

#[tokio::test]
async fn an_origin_equal_to_a_forged_host_is_not_the_servers_own() {
    let app = spawn_app().await;
    let id = new_id();
    let forged =
        |req: reqwest::RequestBuilder| req.header("host", "evil.example").header("origin", "http://evil.example");
    let post = forged(app.client.post(app.url("/api/v1/consents")).json(&event(&id, 1, true)));
    assert_eq!(post.send().await.unwrap().status(), 403);
    app.post_event(&event(&id, 1, true)).await;
    let delete = forged(app.client.delete(app.url(&format!("/api/v1/consents/{id}"))));
    assert_eq!(delete.send().await.unwrap().status(), 403);
    assert_eq!(app.get_history(&id).await.status(), 200);
}

#[tokio::test]
async fn the_servers_own_origin_may_erase() {
    let app = spawn_app().await;
    let id = new_id();
    app.post_event(&event(&id, 1, true)).await;
    let own = format!("http://{}", app.addr);
    let res = app.client.delete(app.url(&format!("/api/v1/consents/{id}"))).header("origin", own).send().await;
    assert_eq!(res.unwrap().status(), 204);
}

#[tokio::test]
async fn the_servers_own_origin_and_no_origin_may_write() {
    let app = spawn_app().await;
    let own = format!("http://{}", app.addr);
    let res = app.client.post(app.url("/api/v1/consents")).header("origin", own).json(&event(&new_id(), 1, true));
    assert_eq!(res.send().await.unwrap().status(), 201);
    let none = app.client.post(app.url("/api/v1/consents")).json(&event(&new_id(), 1, true));
    assert_eq!(none.send().await.unwrap().status(), 201, "not a browser: no cross-site request to refuse");
}

#[tokio::test]
async fn an_allowed_origin_passes_the_preflight_and_others_do_not() {
    let app = spawn_app().await;
    let preflight = |origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/consents"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight(ALLOWED_ORIGIN).await.unwrap();
    assert!(ok.status().is_success());
    assert_eq!(ok.headers()["access-control-allow-origin"], ALLOWED_ORIGIN);
    let evil = preflight("https://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn past_the_rate_limit_a_client_gets_429_with_retry_after() {
    let app = spawn_app_with(&[("KUKI_RATE_LIMIT", "3")]).await;
    for seq in 1..=3 {
        assert_eq!(app.post_event(&event(&new_id(), seq, true)).await.status(), 201);
    }
    let res = app.post_event(&event(&new_id(), 4, true)).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(error_code(res).await, "rate_limited");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200, "health is not limited");
}

#[tokio::test]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let untrusted = spawn_app_with(&[("KUKI_RATE_LIMIT", "1")]).await;
    let post = |app: &crate::helpers::TestApp, client_ip: &str| {
        app.client
            .post(app.url("/api/v1/consents"))
            .header("x-forwarded-for", client_ip)
            .json(&event(&new_id(), 1, true))
            .send()
    };
    assert_eq!(post(&untrusted, "203.0.113.1").await.unwrap().status(), 201);
    assert_eq!(post(&untrusted, "203.0.113.2").await.unwrap().status(), 429, "the header is ignored: same peer");

    let trusted = spawn_app_with(&[("KUKI_RATE_LIMIT", "1"), ("KUKI_TRUSTED_PROXIES", "127.0.0.1")]).await;
    assert_eq!(post(&trusted, "203.0.113.1").await.unwrap().status(), 201);
    assert_eq!(post(&trusted, "203.0.113.2").await.unwrap().status(), 201, "another client behind the proxy");
    assert_eq!(post(&trusted, "203.0.113.1").await.unwrap().status(), 429);
}

#[tokio::test]
async fn stats_need_the_admin_token_and_count_by_day_action_and_category() {
    let app = spawn_app().await;
    app.post_event(&event(&new_id(), 1, true)).await;
    app.post_event(&event(&new_id(), 1, false)).await;
    let mut reject = event(&new_id(), 1, false);
    reject["action"] = serde_json::json!("reject_all");
    app.post_event(&reject).await;

    let url = app.url("/api/v1/stats");
    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(error_code(none).await, "unauthorized");
    let wrong = app.client.get(&url).bearer_auth("not-the-token-at-all").send().await.unwrap();
    assert_eq!(wrong.status(), 401);

    let res = app.client.get(&url).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let stats: kuki_core::wire::Stats = res.json().await.unwrap();
    assert_eq!(stats.total_events, 3);
    let custom = stats.rows.iter().find(|r| r.action == kuki_core::wire::ConsentAction::Custom).unwrap();
    assert_eq!(custom.events, 2);
    let analytics = &custom.categories.iter().find(|(c, _)| c.as_str() == "analytics").unwrap().1;
    assert_eq!((analytics.granted, analytics.refused), (1, 1));
    assert!((analytics.opt_in_rate - 0.5).abs() < 1e-9);
    assert_eq!(custom.day, kuki_server::time::utc_day(kuki_server::time::now_ms()));
}

#[tokio::test]
async fn without_a_configured_token_stats_are_closed_to_everyone() {
    let app = spawn_app_with(&[("KUKI_ADMIN_TOKEN", "")]).await;
    let res = app.client.get(app.url("/api/v1/stats")).bearer_auth("").send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn readyz_metrics_and_openapi_answer() {
    let app = spawn_app().await;
    app.post_event(&event(&new_id(), 1, true)).await;
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);

    let open = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(open.status(), 401, "metrics are for the operator");
    assert_eq!(error_code(open).await, "unauthorized");
    let wrong = app.client.get(app.url("/metrics")).bearer_auth("not-the-token-at-all").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let metrics = app.client.get(app.url("/metrics")).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = metrics.text().await.unwrap();
    assert!(text.contains("kuki_events_stored_total 1"), "{text}");
    assert!(text.contains("kuki_store_batch_commands_total 1\n"), "{text}");

    let doc: serde_json::Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/consents"]["post"].is_object());
}

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/v1/nothing")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    // Every API answer, errors too, is uncacheable data that may load nothing and be framed nowhere.
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(error_code(res).await, "not_found");
}

#[tokio::test]
async fn the_stored_ip_is_cut_to_its_network_or_dropped() {
    use kuki_server::store::Store;
    for (store_ip, want) in [("prefix", Some("127.0.0.0/24")), ("none", None)] {
        let app = spawn_app_with(&[("KUKI_STORE_IP", store_ip)]).await;
        app.post_event(&event(&new_id(), 1, true)).await;
        let db = kuki_server::config::DbUrl::Sqlite(app.dir.path().join("kuki.db"));
        let store = Store::open(&db).await.unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        store.scan(move |row| sink.lock().unwrap().push(row.ip_prefix)).await.unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![want.map(String::from)], "{store_ip}");
    }
}

#[tokio::test]
async fn another_method_on_an_api_path_is_a_json_405() {
    let app = spawn_app().await;
    let res = app.client.put(app.url("/api/v1/consents")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(error_code(res).await, "not_found");
}

#[tokio::test]
async fn a_request_past_the_time_limit_gets_408_in_the_error_shape() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(&[("KUKI_REQUEST_TIMEOUT_SECS", "1")]).await;
    // A body that never arrives in full: the server waits for it until the limit.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/consents HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"consentId\"",
        app.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(read.is_ok(), "the server answered within the limit plus slack");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"timeout""#), "{answer}");
}

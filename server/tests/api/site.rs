use crate::helpers::spawn_app;

#[tokio::test]
async fn the_root_serves_the_site_index() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.text().await.unwrap().contains("demo host"));
}

#[tokio::test]
async fn everything_under_kuki_is_open_to_every_origin() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/kuki/kuki.js")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert!(res.headers()["content-type"].to_str().unwrap().contains("javascript"));

    let wasm = app.client.get(app.url("/kuki/pkg/kuki_bg.wasm")).send().await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["access-control-allow-origin"], "*");
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["cross-origin-resource-policy"], "cross-origin");
}

#[tokio::test]
async fn a_missing_file_is_404_and_the_root_has_no_wildcard_cors() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/nothing-here.js")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let root = app.client.get(app.url("/")).send().await.unwrap();
    assert!(root.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_privacy_page_speaks_the_asked_language() {
    let app = spawn_app().await;
    let en = app.client.get(app.url("/privacy?lang=en")).send().await.unwrap();
    assert_eq!(en.status(), 200);
    assert!(en.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(en.text().await.unwrap(), kuki_core::policy::render_page(kuki_core::Lang::En));

    let ko = app.client.get(app.url("/privacy")).send().await.unwrap();
    assert_eq!(ko.text().await.unwrap(), kuki_core::policy::render_page(kuki_core::Lang::Ko));

    let browser_en = app.client.get(app.url("/privacy")).header("accept-language", "en-US,en;q=0.9").send().await;
    assert_eq!(browser_en.unwrap().text().await.unwrap(), kuki_core::policy::render_page(kuki_core::Lang::En));
}

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

#[tokio::test]
async fn a_name_the_filesystem_refuses_is_404_not_500() {
    let app = spawn_app().await;
    let long = "a".repeat(300);
    for path in [
        format!("/{long}"),
        format!("/{long}.html"),
        format!("/kuki/{long}.js"),
        format!("/kuki/pkg/{long}"),
        format!("/demo/{long}/x"),
        "/index.html/x".to_owned(),
        "/kuki/kuki.js/x".to_owned(),
    ] {
        let res = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{}", &path[..path.len().min(40)]);
    }
}

#[tokio::test]
async fn html_pages_carry_a_csp_a_permissions_policy_and_coop() {
    let app = spawn_app().await;
    for path in ["/", "/index.html", "/privacy", "/privacy?lang=en"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors"), "{path}: {csp}");
        assert!(h["permissions-policy"].to_str().unwrap().contains("camera=()"), "{path}");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
    }
    let site = app.client.get(app.url("/")).send().await.unwrap();
    let csp = site.headers()["content-security-policy"].to_str().unwrap().to_owned();
    // What the demo needs: its scripts and the wasm, its stylesheet, the API and the config from the same server.
    for directive in ["script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "connect-src 'self'"] {
        assert!(csp.contains(directive), "{csp}");
    }
    let privacy = app.client.get(app.url("/privacy")).send().await.unwrap();
    let csp = privacy.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.starts_with("default-src 'none'") && csp.contains("style-src 'sha256-"), "{csp}");

    let js = app.client.get(app.url("/kuki/kuki.js")).send().await.unwrap();
    assert!(js.headers().get("cross-origin-opener-policy").is_none(), "only pages get the page headers");
}

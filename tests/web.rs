//! The app in a real browser (wasm-bindgen-test in headless Chromium): `run` mounts the island, the components
//! render and answer clicks, and each side effect lands where it should. Tests await yew's scheduler instead of
//! sleeping.

use js_sys::Reflect;
use kuki::api;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlDocument, HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn cookies() -> String {
    document().dyn_into::<HtmlDocument>().unwrap().cookie().unwrap()
}

/// A clean page: no kuki cookie, no stored outbox or record, no leftover islands or test scripts.
fn fresh() {
    let doc = document().dyn_into::<HtmlDocument>().unwrap();
    for name in ["kuki_consent", "_ga", "_ga_X", "site_pref", "kuki_test"] {
        doc.set_cookie(&[name, "=; Path=/; Max-Age=0"].concat()).unwrap();
    }
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let list = document()
        .query_selector_all("[data-kuki-host], [data-kuki-placeholder], script[data-test], iframe[data-test]")
        .unwrap();
    for i in 0..list.length() {
        list.item(i).unwrap().dyn_into::<Element>().unwrap().remove();
    }
}

async fn settle() {
    yew::scheduler::flush().await;
}

/// `kuki.run()`, awaited: kuki has rendered and taken the page's blocked iframes.
async fn run(config: JsValue, options: JsValue) {
    wasm_bindgen_futures::JsFuture::from(api::run(config, options)).await.expect("run() resolves");
}

fn shadow() -> ShadowRoot {
    document().query_selector("[data-kuki-host]").unwrap().expect("kuki mounted its host").shadow_root().unwrap()
}

fn find(selector: &str) -> Option<Element> {
    shadow().query_selector(selector).unwrap()
}

/// The button (or switch) whose text or accessible label is `name`.
fn button(name: &str) -> HtmlElement {
    let list = shadow().query_selector_all("button").unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .find(|b| {
            b.text_content().unwrap_or_default().trim() == name
                || b.get_attribute("aria-label").as_deref() == Some(name)
        })
        .unwrap_or_else(|| panic!("no button {name:?}"))
}

fn switch(category_name: &str) -> HtmlElement {
    let list = shadow().query_selector_all("[role=switch]").unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .find(|s| {
            let id = s.get_attribute("aria-labelledby").unwrap();
            shadow().get_element_by_id(&id).unwrap().text_content().unwrap() == category_name
        })
        .unwrap_or_else(|| panic!("no switch {category_name:?}"))
}

fn options(lang: &str) -> JsValue {
    let o = js_sys::Object::new();
    Reflect::set(&o, &"lang".into(), &lang.into()).unwrap();
    o.into()
}

fn json(s: &str) -> JsValue {
    js_sys::JSON::parse(s).unwrap()
}

/// Records every `name` event's detail on `window.__events`.
fn record_events(name: &str) -> js_sys::Array {
    let seen = js_sys::Array::new();
    let sink = seen.clone();
    let cb = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
        sink.push(&e.detail());
    });
    web_sys::window().unwrap().add_event_listener_with_callback(name, cb.as_ref().unchecked_ref()).unwrap();
    cb.forget();
    seen
}

#[wasm_bindgen_test]
async fn a_first_visit_shows_three_equal_buttons_in_korean() {
    fresh();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    let banner = find("[role=dialog]").expect("the banner shows");
    let title_id = banner.get_attribute("aria-labelledby").unwrap();
    assert_eq!(shadow().get_element_by_id(&title_id).unwrap().text_content().unwrap(), "쿠키 사용 동의");
    let classes: Vec<String> = ["모두 동의", "모두 거부", "설정"].iter().map(|n| button(n).class_name()).collect();
    assert!(classes.iter().all(|c| c == &classes[0]), "equal weight: {classes:?}");
    assert!(!cookies().contains("kuki_consent"), "nothing is written before a choice");
    assert!(!api::accepted_category("analytics"));
    assert!(api::get_consent().is_null());
}

#[wasm_bindgen_test]
async fn the_english_banner_follows_the_language_option() {
    fresh();
    run(JsValue::UNDEFINED, options("en-GB")).await;
    settle().await;
    button("Accept all");
    button("Reject all");
    button("Customise");
    assert_eq!(find(".kuki-root").unwrap().get_attribute("lang").as_deref(), Some("en"));
}

#[wasm_bindgen_test]
async fn rejecting_all_stores_the_choice_fires_the_event_and_warns_about_login() {
    fresh();
    let events = record_events("kuki:consent");
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    button("모두 거부").click();
    settle().await;
    assert!(find(".kuki-banner").is_none(), "the banner closes");
    assert!(cookies().contains("kuki_consent=1."), "{}", cookies());
    assert!(api::accepted_category("necessary"));
    assert!(!api::accepted_category("functional"));
    assert_eq!(events.length(), 1);
    let detail = events.get(0);
    let cats = Reflect::get(&detail, &"categories".into()).unwrap();
    assert_eq!(Reflect::get(&cats, &"marketing".into()).unwrap(), JsValue::FALSE);
    let toast = find(".kuki-toast").expect("the login notice shows after reject all");
    assert!(toast.text_content().unwrap().contains("로그인"));
}

#[wasm_bindgen_test]
async fn a_stored_choice_survives_a_restart_and_a_tampered_one_does_not() {
    fresh();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    button("모두 동의").click();
    settle().await;
    let id = Reflect::get(&api::get_consent(), &"consentId".into()).unwrap();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    assert!(find(".kuki-banner").is_none(), "a valid stored choice keeps the banner closed");
    assert_eq!(Reflect::get(&api::get_consent(), &"consentId".into()).unwrap(), id);

    let doc = document().dyn_into::<HtmlDocument>().unwrap();
    let value = cookies().split("kuki_consent=").nth(1).unwrap().split(';').next().unwrap().to_string();
    let tampered = value.replace("|marketing", "|marketinh");
    doc.set_cookie(&["kuki_consent=", &tampered, "; Path=/"].concat()).unwrap();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    assert!(find(".kuki-banner").is_some(), "a tampered cookie counts as no choice");
    assert!(api::get_consent().is_null());
}

#[wasm_bindgen_test]
async fn a_reject_all_the_loader_stored_from_the_first_frame_is_carried_out_at_its_time() {
    fresh();
    let doc = document().dyn_into::<HtmlDocument>().unwrap();
    let given = (js_sys::Date::now() / 1000.0) as u64 - 30;
    doc.set_cookie(&["kuki_consent=0.reject.", &given.to_string(), ".en; Path=/"].concat()).unwrap();
    // The tag asks for Korean; the visitor chose on an English frame: the app goes on in English.
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    assert!(find(".kuki-banner").is_none(), "the choice is made: no banner");
    let consent = api::get_consent();
    let accepted = Reflect::get(&consent, &"acceptedCategories".into()).unwrap();
    assert_eq!(js_sys::Array::from(&accepted).to_vec(), [JsValue::from_str("necessary")]);
    assert_eq!(Reflect::get(&consent, &"givenAt".into()).unwrap().as_f64(), Some(given as f64 * 1000.0));
    assert_eq!(Reflect::get(&consent, &"lang".into()).unwrap().as_string().as_deref(), Some("en"));
    assert!(cookies().contains("kuki_consent=1."), "the full record replaced the frame's: {}", cookies());
    let toast = find(".kuki-toast").expect("the login warning right after reject all");
    assert!(toast.text_content().unwrap().to_lowercase().contains("log"), "{:?}", toast.text_content());

    // A garbled one is no choice: the banner asks.
    fresh();
    doc.set_cookie("kuki_consent=0.reject.soon.ko; Path=/").unwrap();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    assert!(find(".kuki-banner").is_some());
    assert!(api::get_consent().is_null());
}

#[wasm_bindgen_test]
async fn the_preferences_dialog_saves_exactly_what_was_switched_on() {
    fresh();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    button("설정").click();
    settle().await;
    let dialog = find("[aria-modal=true]").expect("the preferences dialog opens");
    assert_eq!(dialog.get_attribute("role").as_deref(), Some("dialog"));
    let necessary = switch("필수");
    assert_eq!(necessary.get_attribute("aria-checked").as_deref(), Some("true"));
    assert_eq!(necessary.get_attribute("aria-disabled").as_deref(), Some("true"));
    for name in ["기능 (로그인 유지)", "분석 및 통계", "마케팅"] {
        assert_eq!(switch(name).get_attribute("aria-checked").as_deref(), Some("false"), "{name} is not pre-ticked");
    }
    assert!(find("#kuki-warn-functional").is_some(), "refusing login's category warns before saving");
    necessary.click();
    switch("분석 및 통계").click();
    settle().await;
    assert_eq!(switch("분석 및 통계").get_attribute("aria-checked").as_deref(), Some("true"));
    button("저장").click();
    settle().await;
    assert!(find("[aria-modal=true]").is_none());
    assert!(api::accepted_category("analytics"));
    assert!(api::accepted_category("necessary"));
    assert!(!api::accepted_category("marketing"));
}

#[wasm_bindgen_test]
async fn withdrawing_deletes_the_cookies_of_revoked_categories_and_asks_again() {
    fresh();
    let config = json(r#"{"categories":[{"id":"necessary"},{"id":"analytics","cookies":["_ga*"]}]}"#);
    run(config, options("en")).await;
    settle().await;
    api::accept_category("all".into(), JsValue::UNDEFINED);
    let doc = document().dyn_into::<HtmlDocument>().unwrap();
    doc.set_cookie("_ga=1; Path=/").unwrap();
    doc.set_cookie("_ga_X=2; Path=/").unwrap();
    doc.set_cookie("site_pref=3; Path=/").unwrap();
    let changes = record_events("kuki:change");
    api::reset();
    settle().await;
    let jar = cookies();
    assert!(!jar.contains("_ga"), "{jar}");
    assert!(jar.contains("site_pref=3"), "other cookies stay: {jar}");
    assert!(!jar.contains("kuki_consent"), "{jar}");
    assert!(find(".kuki-banner").is_some());
    assert_eq!(changes.length(), 1);
    assert!(changes.get(0).is_null());
}

#[wasm_bindgen_test]
async fn a_blocked_script_runs_once_when_its_category_is_accepted() {
    fresh();
    Reflect::set(&web_sys::window().unwrap(), &"__kukiRuns".into(), &JsValue::from_f64(0.0)).unwrap();
    let script = document().create_element("script").unwrap();
    script.set_attribute("type", "text/plain").unwrap();
    script.set_attribute("data-category", "analytics").unwrap();
    script.set_attribute("data-test", "").unwrap();
    script.set_text_content(Some("window.__kukiRuns += 1;"));
    document().body().unwrap().append_child(&script).unwrap();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    let runs = || Reflect::get(&web_sys::window().unwrap(), &"__kukiRuns".into()).unwrap().as_f64().unwrap();
    api::accept_category(JsValue::from_str("marketing"), JsValue::UNDEFINED);
    settle().await;
    assert_eq!(runs(), 0.0, "not before its category is accepted");
    api::accept_category(js_sys::Array::of2(&"analytics".into(), &"marketing".into()).into(), JsValue::UNDEFINED);
    settle().await;
    api::accept_category("all".into(), JsValue::UNDEFINED);
    settle().await;
    assert_eq!(runs(), 1.0, "exactly once");
    assert!(!api::accepted_category("functional") || api::accepted_category("analytics"));
}

#[wasm_bindgen_test]
async fn a_returning_visitors_accepted_scripts_start_before_kuki_renders_and_the_api_answers_at_once() {
    fresh();
    run(JsValue::UNDEFINED, options("en")).await;
    api::accept_category("analytics".into(), JsValue::UNDEFINED);
    let stored =
        cookies().split("; ").find(|c| c.starts_with("kuki_consent=")).expect("the choice is stored").to_owned();
    // The visitor comes back: the same stored choice, a blocked analytics script in the page, kuki started again.
    api::reset();
    document().dyn_into::<HtmlDocument>().unwrap().set_cookie(&[&stored, "; Path=/"].concat()).unwrap();
    let script = document().create_element("script").unwrap();
    script.set_attribute("type", "text/plain").unwrap();
    script.set_attribute("data-category", "analytics").unwrap();
    script.set_attribute("data-test", "").unwrap();
    script.set_text_content(Some("window.__kukiRenderedFirst = document.querySelector('[data-kuki-host]') !== null;"));
    document().body().unwrap().append_child(&script).unwrap();
    settle().await;
    let ran = || Reflect::get(&web_sys::window().unwrap(), &"__kukiRenderedFirst".into()).unwrap();
    assert!(ran().is_undefined(), "not while the choice is withdrawn");
    let started = api::run(JsValue::UNDEFINED, options("en"));
    assert!(api::accepted_category("analytics"), "the stored choice answers as soon as run() returns");
    assert!(document().query_selector("[data-kuki-host]").unwrap().is_none(), "nothing rendered yet");
    wasm_bindgen_futures::JsFuture::from(started).await.unwrap();
    assert_eq!(ran().as_bool(), Some(false), "the accepted script ran before kuki mounted anything");
    assert!(document().query_selector("[data-kuki-host]").unwrap().is_some(), "kuki is mounted once run() resolves");
}

#[wasm_bindgen_test]
async fn a_config_that_does_not_parse_falls_back_to_the_defaults() {
    fresh();
    run(json(r#"{"categories":[{"id":"Not Valid"}]}"#), options("en")).await;
    settle().await;
    button("Customise").click();
    settle().await;
    switch("Marketing");
    switch("Analytics and statistics");
}

#[wasm_bindgen_test]
async fn escape_closes_the_preferences_dialog() {
    fresh();
    run(JsValue::UNDEFINED, options("en")).await;
    settle().await;
    api::show_preferences();
    settle().await;
    let dialog = find("[aria-modal=true]").unwrap();
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let esc = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    dialog.dispatch_event(&esc).unwrap();
    settle().await;
    assert!(find("[aria-modal=true]").is_none());
    assert!(find(".kuki-banner").is_some(), "back to the banner: no choice was made");
}

#[wasm_bindgen_test]
async fn the_island_uses_a_constructed_stylesheet_and_no_inline_styles() {
    fresh();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    let sheets = Reflect::get(&shadow(), &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(js_sys::Array::from(&sheets).length(), 1);
    assert!(shadow().query_selector("style, [style]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_blocked_iframe_waits_behind_a_placeholder_styled_by_constructed_sheets_only() {
    fresh();
    let frame = document().create_element("iframe").unwrap();
    frame.set_attribute("data-category", "functional").unwrap();
    frame.set_attribute("data-src", "about:blank#blocked").unwrap();
    frame.set_attribute("title", "A map").unwrap();
    frame.set_attribute("data-test", "").unwrap();
    document().body().unwrap().append_child(&frame).unwrap();
    run(JsValue::UNDEFINED, options("en")).await;
    settle().await;
    let host = frame.previous_element_sibling().expect("a placeholder before the iframe");
    assert!(host.has_attribute("data-kuki-placeholder"));
    let shadow = host.shadow_root().unwrap();
    let sheets = Reflect::get(&shadow, &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(js_sys::Array::from(&sheets).length(), 2, "kuki's sheet and the placeholder's size");
    assert!(shadow.query_selector("style, [style]").unwrap().is_none());
    assert!(!frame.has_attribute("src") && !frame.has_attribute("style"));
    let title = shadow.get_element_by_id("kuki-embed-title").unwrap();
    assert_eq!(title.text_content().unwrap(), "A map");
    api::accept_category(JsValue::from_str("functional"), JsValue::UNDEFINED);
    settle().await;
    assert_eq!(frame.get_attribute("src").as_deref(), Some("about:blank#blocked"));
    assert!(!host.is_connected(), "the placeholder is gone");
    frame.remove();
}

/// `YYYY-MM-DD`, `days` from now (UTC).
fn date_in(days: i64) -> String {
    let d = js_sys::Date::new_0();
    d.set_time(d.get_time() + days as f64 * 86_400_000.0);
    d.to_iso_string().as_string().unwrap()[..10].to_string()
}

#[wasm_bindgen_test]
async fn a_site_policy_is_shown_as_text_never_as_html() {
    fresh();
    let config = json(
        r#"{"policy":{"en":{"title":"<script>alert(1)</script> Policy","version":"v9","effectiveDate":"2026-01-01",
        "sections":[{"id":"data","heading":"<img src=x onerror=alert(2)>","blocks":[{"paragraph":"Write to a@b.co, not javascript:alert(3)"}]}]}}}"#,
    );
    run(config, options("en")).await;
    settle().await;
    api::show_policy(Some("data".into()));
    settle().await;
    let viewer = find(".kuki-policy").expect("the policy viewer opens");
    assert!(viewer.query_selector("script, img").unwrap().is_none(), "no element came from the document's text");
    let text = viewer.text_content().unwrap();
    assert!(text.contains("<script>alert(1)</script> Policy"), "{text}");
    assert!(text.contains("<img src=x onerror=alert(2)>"), "{text}");
    let links = viewer.query_selector_all("a[href]").unwrap();
    let hrefs: Vec<String> = (0..links.length())
        .map(|i| links.item(i).unwrap().dyn_into::<Element>().unwrap().get_attribute("href").unwrap())
        .collect();
    assert!(hrefs.contains(&"mailto:a@b.co".to_string()), "{hrefs:?}");
    assert!(hrefs.iter().all(|h| !h.to_ascii_lowercase().contains("javascript")), "{hrefs:?}");
}

#[wasm_bindgen_test]
async fn the_default_policy_opens_with_its_table_of_contents_and_closes_back() {
    fresh();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    find(".kuki-banner a").unwrap().dyn_into::<HtmlElement>().unwrap().click();
    settle().await;
    let viewer = find(".kuki-policy").expect("the banner's link opens the policy");
    let title_id = viewer.get_attribute("aria-labelledby").unwrap();
    assert_eq!(shadow().get_element_by_id(&title_id).unwrap().text_content().unwrap(), "개인정보 처리방침");
    assert!(viewer.query_selector("nav ol li a").unwrap().is_some(), "a table of contents");
    assert!(viewer.text_content().unwrap().contains("talk-withme@naver.com"));
    assert_eq!(viewer.query_selector_all("section h3").unwrap().length(), 6);
    button("닫기").click();
    settle().await;
    assert!(find(".kuki-policy").is_none());
    assert!(find(".kuki-banner").is_some(), "back to the banner, which still waits for a choice");
}

#[wasm_bindgen_test]
async fn a_coming_material_change_is_announced_thirty_days_ahead_and_not_before() {
    fresh();
    let config = |days: i64| {
        json(
            &[
                r#"{"policyVersion":"v1","nextPolicy":{"version":"v2","effectiveDate":""#,
                &date_in(days),
                r#"","material":true,"summary":{"ko":"수집 항목 추가","en":"New items collected"}}}"#,
            ]
            .concat(),
        )
    };
    run(config(20), options("en")).await;
    settle().await;
    let notice = find(".kuki-banner .kuki-notice").expect("20 days before a material change, the banner says so");
    let text = notice.text_content().unwrap();
    assert!(text.contains("New items collected") && text.contains("(v2)"), "{text}");
    run(config(40), options("en")).await;
    settle().await;
    assert!(find(".kuki-notice").is_none(), "40 days before, not yet");
}

#[wasm_bindgen_test]
async fn require_category_asks_and_resolves_with_the_answer() {
    fresh();
    run(JsValue::UNDEFINED, options("en")).await;
    settle().await;
    api::accept_category(JsValue::from(js_sys::Array::new()), JsValue::UNDEFINED);
    settle().await;
    let asked = wasm_bindgen_futures::JsFuture::from(api::require_category("functional".into()));
    settle().await;
    let dialog = find("[role=alertdialog]").expect("the login warning asks");
    let title_id = dialog.get_attribute("aria-labelledby").unwrap();
    assert_eq!(shadow().get_element_by_id(&title_id).unwrap().text_content().unwrap(), "Login may not work");
    button("Allow and continue").click();
    assert_eq!(asked.await.unwrap(), JsValue::TRUE);
    assert!(api::accepted_category("functional"));
    assert!(!api::accepted_category("marketing"), "only the category login needs");

    let granted = wasm_bindgen_futures::JsFuture::from(api::require_category("functional".into()));
    assert_eq!(granted.await.unwrap(), JsValue::TRUE, "already granted: no question");
    let unknown = wasm_bindgen_futures::JsFuture::from(api::require_category("nope".into()));
    assert_eq!(unknown.await.unwrap(), JsValue::FALSE);
}

#[wasm_bindgen_test]
async fn cancelling_the_login_warning_keeps_the_refusal() {
    fresh();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    button("모두 거부").click();
    settle().await;
    let asked = wasm_bindgen_futures::JsFuture::from(api::require_category("functional".into()));
    settle().await;
    button("취소").click();
    assert_eq!(asked.await.unwrap(), JsValue::FALSE);
    assert!(!api::accepted_category("functional"));
    settle().await;
    assert!(find("[role=alertdialog]").is_none());
}

fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

/// The `i`-th dataLayer entry as [command, action, params].
fn data_layer_entry(i: u32) -> (String, String, JsValue) {
    let layer = js_sys::Array::from(&Reflect::get(&window(), &"dataLayer".into()).unwrap());
    let entry = layer.get(i);
    let at = |k: u32| Reflect::get(&entry, &JsValue::from(k)).unwrap();
    (at(0).as_string().unwrap(), at(1).as_string().unwrap(), at(2))
}

fn param(params: &JsValue, key: &str) -> Option<String> {
    Reflect::get(params, &key.into()).unwrap().as_string()
}

#[wasm_bindgen_test]
async fn consent_mode_sends_the_default_first_and_an_update_on_each_choice() {
    fresh();
    Reflect::delete_property(&window(), &"gtag".into()).unwrap();
    Reflect::set(&window(), &"dataLayer".into(), &js_sys::Array::new()).unwrap();
    run(JsValue::UNDEFINED, options("ko")).await;
    settle().await;
    let (command, action, params) = data_layer_entry(0);
    assert_eq!((command.as_str(), action.as_str()), ("consent", "default"));
    for ty in [
        "ad_storage",
        "ad_user_data",
        "ad_personalization",
        "analytics_storage",
        "functionality_storage",
        "personalization_storage",
    ] {
        assert_eq!(param(&params, ty).as_deref(), Some("denied"), "{ty}");
    }
    assert_eq!(param(&params, "security_storage").as_deref(), Some("granted"));
    assert!(Reflect::get(&params, &"wait_for_update".into()).unwrap().as_f64().is_some());

    api::accept_category(JsValue::from_str("analytics"), JsValue::UNDEFINED);
    let (_, action, params) = data_layer_entry(1);
    assert_eq!(action, "update");
    assert_eq!(param(&params, "analytics_storage").as_deref(), Some("granted"));
    assert_eq!(param(&params, "ad_storage").as_deref(), Some("denied"));
    assert_eq!(param(&params, "functionality_storage").as_deref(), Some("denied"));
    Reflect::delete_property(&window(), &"dataLayer".into()).unwrap();
    Reflect::delete_property(&window(), &"gtag".into()).unwrap();
}

#[wasm_bindgen_test]
async fn global_privacy_control_is_explained_and_recorded() {
    fresh();
    let nav = window().navigator();
    let desc = js_sys::Object::new();
    Reflect::set(&desc, &"value".into(), &JsValue::TRUE).unwrap();
    Reflect::set(&desc, &"configurable".into(), &JsValue::TRUE).unwrap();
    let nav_obj: &js_sys::Object = nav.unchecked_ref();
    js_sys::Object::define_property(nav_obj, &"globalPrivacyControl".into(), &desc);
    run(JsValue::UNDEFINED, options("en")).await;
    settle().await;
    api::show_preferences();
    settle().await;
    assert_eq!(switch("Marketing").get_attribute("aria-checked").as_deref(), Some("false"));
    let note = find(".kuki-note").expect("the dialog says why marketing starts off");
    assert!(note.text_content().unwrap().contains("Global Privacy Control"));
    switch("Marketing").click();
    settle().await;
    button("Save").click();
    settle().await;
    assert!(api::accepted_category("marketing"), "an explicit choice still wins");
    assert_eq!(Reflect::get(&api::get_consent(), &"gpc".into()).unwrap(), JsValue::TRUE);
    Reflect::delete_property(nav_obj, &"globalPrivacyControl".into()).unwrap();
}

//! Any category a site declares is recorded (issue 9), on every database available: `KUKI_CATEGORIES` is only an
//! optional allow-list, and the errors name the category or field and what to do.

use crate::helpers::{event, new_id, spawn_app_with, TestApp, ADMIN_TOKEN};
use kuki_core::wire::{ConsentHistory, Stats};

/// Runs `test` against a fresh app per database (SQLite, and PostgreSQL when available), with `vars` set.
async fn each_database<F, Fut>(vars: &[(&str, &str)], test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    for db in crate::helpers::databases(dir.path()).await {
        let mut all = vec![("KUKI_DB", db.as_str())];
        all.extend_from_slice(vars);
        let app = spawn_app_with(&all).await;
        eprintln!("categories test on {}", db.split(':').next().unwrap());
        test(app).await;
    }
}

/// The default event with `ads` decided as `granted` besides the four defaults.
fn with_ads(id: &str, granted: bool) -> serde_json::Value {
    let mut e = event(id, 1, true);
    e["categories"]["ads"] = serde_json::json!(granted);
    e
}

async fn error_body(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.expect("error bodies are JSON");
    (status, body["code"].as_str().unwrap_or_default().into(), body["message"].as_str().unwrap_or_default().into())
}

#[tokio::test]
async fn an_ads_category_is_recorded_and_counted_without_kuki_categories() {
    each_database(&[], |app| async move {
        let (id, other) = (new_id(), new_id());
        assert_eq!(app.post_event(&with_ads(&id, true)).await.status(), 201);
        assert_eq!(app.post_event(&with_ads(&other, false)).await.status(), 201);

        let history: ConsentHistory = app.get_history(&id).await.json().await.unwrap();
        let ads = history.events[0].categories.iter().find(|(c, _)| c.as_str() == "ads");
        assert_eq!(ads.map(|(_, granted)| *granted), Some(true), "the ads decision is part of the record");

        let res = app.client.get(app.url("/api/v1/stats")).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
        let stats: Stats = res.json().await.unwrap();
        let ads = stats.rows[0].categories.iter().find(|(c, _)| c.as_str() == "ads").expect("ads counted").1;
        assert_eq!((ads.granted, ads.refused), (1, 1));
        assert!((ads.opt_in_rate - 0.5).abs() < 1e-9);
    })
    .await;
}

#[tokio::test]
async fn a_category_outside_the_allow_list_is_422_naming_it_and_kuki_categories() {
    each_database(&[("KUKI_CATEGORIES", "necessary,functional,analytics,marketing")], |app| async move {
        let id = new_id();
        let (status, code, message) = error_body(app.post_event(&with_ads(&id, true)).await).await;
        assert_eq!((status, code.as_str()), (422, "category_not_allowed"), "{message}");
        assert!(message.contains("\"ads\""), "names the category: {message}");
        assert!(message.contains("add it to KUKI_CATEGORIES"), "says what the operator must do: {message}");
        assert_eq!(app.get_history(&id).await.status(), 404, "nothing stored");
        assert_eq!(app.post_event(&event(&id, 1, true)).await.status(), 201, "listed categories still pass");
    })
    .await;
}

#[tokio::test]
async fn an_allow_list_that_names_the_category_records_it() {
    let app = spawn_app_with(&[("KUKI_CATEGORIES", "necessary, functional, analytics, marketing, ads")]).await;
    assert_eq!(app.post_event(&with_ads(&new_id(), false)).await.status(), 201);
}

#[tokio::test]
async fn too_many_categories_and_a_malformed_id_are_422_naming_the_field() {
    each_database(&[], |app| async move {
        let mut many = event(&new_id(), 1, true);
        for i in 0..kuki_core::wire::MAX_EVENT_CATEGORIES {
            many["categories"][format!("extra{i}")] = serde_json::json!(false);
        }
        let (status, code, message) = error_body(app.post_event(&many).await).await;
        assert_eq!((status, code.as_str()), (422, "invalid_field"), "{message}");
        assert!(message.starts_with("categories:") && message.contains("at most 32"), "{message}");

        for bad in ["Ads", "2fa", "a-b", "ads!"] {
            let mut e = event(&new_id(), 1, true);
            e["categories"][bad] = serde_json::json!(true);
            let (status, code, message) = error_body(app.post_event(&e).await).await;
            assert_eq!((status, code.as_str()), (422, "invalid_field"), "{bad}: {message}");
            assert!(message.starts_with("categories:") && message.contains(bad), "{message}");
            assert!(message.contains("lowercase ASCII letter"), "gives the grammar: {message}");
        }
    })
    .await;
}

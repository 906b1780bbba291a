//! The store's behaviour through the API, on every database available (see `helpers::databases`).

use crate::helpers::{event, new_id, spawn_app_with, ADMIN_TOKEN, ALLOWED_ORIGIN};
use kuki_core::wire::{ConsentHistory, Receipt, Stats};

async fn each_database<F, Fut>(test: F)
where
    F: Fn(crate::helpers::TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    for db in crate::helpers::databases(dir.path()).await {
        let app = spawn_app_with(&[("KUKI_DB", &db)]).await;
        eprintln!("store test on {}", db.split(':').next().unwrap());
        test(app).await;
    }
}

#[tokio::test]
async fn events_are_stored_replayed_and_refused_alike_on_every_database() {
    each_database(|app| async move {
        let id = new_id();
        let first = app.post_event(&event(&id, 1, true)).await;
        assert_eq!(first.status(), 201);
        let receipt: Receipt = first.json().await.unwrap();
        let replay = app.post_event(&event(&id, 1, true)).await;
        assert_eq!(replay.status(), 200);
        let replayed = replay.json::<Receipt>().await.unwrap();
        assert_eq!((&replayed.hash, replayed.received_at), (&receipt.hash, receipt.received_at));
        assert!(receipt.inclusion.is_some() && replayed.inclusion.is_none(), "batched, then signed by itself");
        assert_eq!(app.post_event(&event(&id, 1, false)).await.status(), 409);
        assert_eq!(app.post_event(&event(&id, 2, false)).await.status(), 201);
        let history: ConsentHistory = app.get_history(&id).await.json().await.unwrap();
        assert_eq!(history.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(history.events[0].hash, receipt.hash);
    })
    .await;
}

#[tokio::test]
async fn an_erasure_removes_the_history_on_every_database() {
    each_database(|app| async move {
        let (id, other) = (new_id(), new_id());
        app.post_event(&event(&id, 1, true)).await;
        app.post_event(&event(&other, 1, true)).await;
        let url = app.url(&format!("/api/v1/consents/{id}"));
        let res = app.client.delete(&url).header("origin", ALLOWED_ORIGIN).send().await.unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(app.get_history(&id).await.status(), 404);
        assert_eq!(app.get_history(&other).await.status(), 200, "only that id is erased");
        assert_eq!(app.post_event(&event(&id, 1, false)).await.status(), 201, "a new chain may start");
    })
    .await;
}

#[tokio::test]
async fn concurrent_posts_all_commit_with_unbroken_chains_on_every_database() {
    each_database(|app| async move {
        let app = std::sync::Arc::new(app);
        let ids: Vec<String> = (0..8).map(|_| new_id()).collect();
        let mut tasks = Vec::new();
        for seq in 1..=25u32 {
            for id in &ids {
                let (app, body) = (app.clone(), event(id, seq, seq % 2 == 0));
                tasks.push(tokio::spawn(async move { app.post_event(&body).await.status().as_u16() }));
            }
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 201);
        }
        for id in &ids {
            let history: ConsentHistory = app.get_history(id).await.json().await.unwrap();
            assert_eq!(history.events.len(), 25);
        }
        let db = kuki_server::config::DbUrl::parse(&app_db(&app)).unwrap();
        let store = kuki_server::store::Store::open(&db).await.unwrap();
        let report = kuki_server::verify::verify(&store).await.unwrap();
        assert_eq!(report.records, 200);
        assert_eq!(report.chains, 8);
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
        let stats: Stats = app
            .client
            .get(app.url("/api/v1/stats"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stats.total_events, 200);
        assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    })
    .await;
}

fn app_db(app: &crate::helpers::TestApp) -> String {
    app.db.clone()
}

#[tokio::test]
async fn verify_finds_an_altered_record() {
    let dir = tempfile::tempdir().unwrap();
    for db in crate::helpers::databases(dir.path()).await {
        let app = spawn_app_with(&[("KUKI_DB", &db)]).await;
        let id = new_id();
        for seq in 1..=3 {
            app.post_event(&event(&id, seq, true)).await;
        }
        app.stop().await;
        tamper(&db, &id).await;
        let store = kuki_server::store::Store::open(&kuki_server::config::DbUrl::parse(&db).unwrap()).await.unwrap();
        let report = kuki_server::verify::verify(&store).await.unwrap();
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert_eq!(report.breaks[0].pos, 2);
        assert!(report.breaks[0].reason.contains("altered"));
    }
}

/// Rewrites the second event of `id` as someone with database access might: granting what was refused.
async fn tamper(db: &str, id: &str) {
    let sql = "UPDATE events SET event = replace(event, '\"analytics\":true', '\"analytics\":false') WHERE consent_id = $1 AND pos = 2";
    if let Some(path) = db.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        assert_eq!(conn.execute(&sql.replace("$1", "?1"), [id]).unwrap(), 1);
    } else {
        let (client, conn) = tokio_postgres::connect(db, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        assert_eq!(client.execute(sql, &[&id]).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn when_postgres_goes_away_writes_and_readiness_are_503() {
    let Ok(admin) = std::env::var("KUKI_TEST_POSTGRES_URL") else {
        eprintln!("NOTICE: KUKI_TEST_POSTGRES_URL is not set: the PostgreSQL outage test is skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = crate::helpers::databases(dir.path()).await.pop().unwrap();
    let app = spawn_app_with(&[("KUKI_DB", &db)]).await;
    assert_eq!(app.post_event(&event(&new_id(), 1, true)).await.status(), 201);

    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let name = db.rsplit('/').next().unwrap();
    client.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();

    let res = app.post_event(&event(&new_id(), 1, true)).await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(crate::helpers::error_code(res).await, "unavailable");
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 503);
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200, "the process itself is fine");
}

#[tokio::test]
async fn two_concurrent_appends_at_one_seq_cannot_both_succeed_on_every_database() {
    each_database(|app| async move {
        let app = std::sync::Arc::new(app);
        for _ in 0..8 {
            let id = new_id();
            // Posted at once, so both are usually in one batch; either may come first.
            let posts: Vec<_> = [true, false]
                .map(|analytics| {
                    let (app, body) = (app.clone(), event(&id, 1, analytics));
                    tokio::spawn(async move { app.post_event(&body).await.status().as_u16() })
                })
                .into_iter()
                .collect();
            let mut codes = Vec::new();
            for p in posts {
                codes.push(p.await.unwrap());
            }
            codes.sort();
            assert_eq!(codes, [201, 409], "one record at (id, 1), the other refused");
            let history: ConsentHistory = app.get_history(&id).await.json().await.unwrap();
            assert_eq!(history.events.len(), 1);
        }
    })
    .await;
}

/// On SQLite both keys of a record live in `record_keys`, filed by a trigger: a row written around the server
/// cannot take a stored (consent_id, seq) or (consent_id, pos) either.
#[tokio::test]
async fn on_sqlite_no_insert_can_take_a_stored_seq_or_position_of_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("keys.db").display());
    let app = spawn_app_with(&[("KUKI_DB", &db)]).await;
    let id = new_id();
    for seq in 1..=2 {
        assert_eq!(app.post_event(&event(&id, seq, true)).await.status(), 201);
    }
    app.stop().await;
    let conn = rusqlite::Connection::open(db.strip_prefix("sqlite://").unwrap()).unwrap();
    let insert = |seq: i64, pos: i64| {
        conn.execute(
            "INSERT INTO events (id, consent_id, seq, pos, format, event, received_at, prev_hash, hash)
             VALUES ((SELECT max(id) + 1 FROM events), ?1, ?2, ?3, 2, '{}', 0, '', '')",
            rusqlite::params![id, seq, pos],
        )
    };
    assert!(insert(2, 3).is_err(), "a stored seq");
    assert!(insert(3, 2).is_err(), "a stored position: a fork");
    assert!(conn.execute("UPDATE events SET seq = 1 WHERE consent_id = ?1 AND seq = 2", [&id]).is_err());
    insert(3, 3).expect("the next seq at the next position is a row like any other");
    conn.execute("DELETE FROM events WHERE consent_id = ?1 AND seq = 3", [&id]).unwrap();
    let keys: i64 = conn.query_row("SELECT count(*) FROM record_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(keys, 4, "two keys per record, gone with the row");
}

/// The writer stores a new id's first record without probing for a chain, and reads an insert refused by a key as
/// "this id has a chain". A refusal for any other reason must fail the batch, not pass for a chain: here the leaf
/// the log would give next is taken by a row written around the server (the log's edge no longer matches it).
#[tokio::test]
async fn on_sqlite_an_insert_refused_for_another_reason_fails_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("refused.db").display());
    let key = dir.path().join("kuki.key").display().to_string();
    let vars = [("KUKI_DB", db.as_str()), ("KUKI_KEY_FILE", key.as_str())];
    let app = spawn_app_with(&vars).await;
    assert_eq!(app.post_event(&event(&new_id(), 1, true)).await.status(), 201);
    app.stop().await;
    let conn = rusqlite::Connection::open(db.strip_prefix("sqlite://").unwrap()).unwrap();
    conn.execute(
        "INSERT INTO events (id, consent_id, seq, pos, format, event, received_at, prev_hash, hash)
         VALUES (2, ?1, 1, 1, 2, '{}', 0, '', '')",
        [new_id()],
    )
    .unwrap();
    drop(conn);
    let app = spawn_app_with(&vars).await;
    let id = new_id();
    assert_eq!(app.post_event(&event(&id, 1, true)).await.status(), 503, "leaf 2 is taken");
    assert_eq!(app.get_history(&id).await.status(), 404);
}

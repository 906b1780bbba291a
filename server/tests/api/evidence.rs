//! Bounded work per visitor, readiness that tells the truth, and evidence an insider cannot quietly rewrite: the
//! cap, pagination, a database file deleted under the server, tampering caught against a saved checkpoint, and
//! the signing key outside the database. On SQLite, and on PostgreSQL where `KUKI_TEST_POSTGRES_URL` is set.

use crate::helpers::{error_code, event, new_id, spawn_app_with, TestApp, ALLOWED_ORIGIN};
use kuki_server::chain::{unhex, Link};
use kuki_server::config::DbUrl;
use kuki_server::merkle::{Checkpoint, Frontier};
use kuki_server::store::{Row, Store};
use kuki_server::verify::{verify_with, Evidence, Report};
use std::time::{Duration, Instant};

async fn each_database<F, Fut>(vars: &[(&str, &str)], test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    for db in crate::helpers::databases(dir.path()).await {
        let mut all = vars.to_vec();
        all.push(("KUKI_DB", &db));
        let app = spawn_app_with(&all).await;
        eprintln!("evidence test on {}", db.split(':').next().unwrap());
        test(app).await;
    }
}

#[tokio::test]
async fn a_consent_id_past_its_cap_gets_409_history_full_on_every_database() {
    each_database(&[("KUKI_MAX_EVENTS_PER_ID", "5")], |app| async move {
        let id = new_id();
        for seq in 1..=5 {
            assert_eq!(app.post_event(&event(&id, seq, true)).await.status(), 201);
        }
        let res = app.post_event(&event(&id, 6, true)).await;
        assert_eq!(res.status(), 409);
        assert_eq!(error_code(res).await, "history_full");
        assert_eq!(app.post_event(&event(&id, 3, true)).await.status(), 200, "a replay is still answered");
        assert_eq!(app.post_event(&event(&new_id(), 1, true)).await.status(), 201, "other ids are not affected");
        let history: serde_json::Value = app.get_history(&id).await.json().await.unwrap();
        assert_eq!(history["events"].as_array().unwrap().len(), 5, "nothing past the cap was stored");

        let url = app.url(&format!("/api/v1/consents/{id}"));
        let erased = app.client.delete(&url).header("origin", ALLOWED_ORIGIN).send().await.unwrap();
        assert_eq!(erased.status(), 204);
        assert_eq!(app.post_event(&event(&id, 7, true)).await.status(), 201, "an erased id starts again");
    })
    .await;
}

#[tokio::test]
async fn a_history_is_read_in_bounded_pages_that_follow_the_next_cursor_on_every_database() {
    each_database(&[], |app| async move {
        let id = new_id();
        // 105 events: the default page (100) does not hold them all.
        let app = std::sync::Arc::new(app);
        let posts: Vec<_> = (1..=105u32)
            .map(|seq| {
                let (app, body) = (app.clone(), event(&id, seq, seq % 2 == 0));
                tokio::spawn(async move { app.post_event(&body).await.status().as_u16() })
            })
            .collect();
        for p in posts {
            assert_eq!(p.await.unwrap(), 201);
        }
        let page = |query: String| {
            let (app, id) = (app.clone(), id.clone());
            async move {
                let res = app.client.get(app.url(&format!("/api/v1/consents/{id}{query}"))).send().await.unwrap();
                (res.status().as_u16(), res.json::<serde_json::Value>().await.unwrap())
            }
        };
        let (status, first) = page(String::new()).await;
        assert_eq!(status, 200);
        assert_eq!(first["events"].as_array().unwrap().len(), 100, "the default page is 100");
        assert_eq!(first["next"], 100);
        assert_eq!(first["consentId"], id.as_str());
        let (_, rest) = page("?after=100".into()).await;
        assert_eq!(rest["events"].as_array().unwrap().len(), 5);
        assert!(rest["next"].is_null(), "the last page has no next");

        // Walking with small pages gives every event once, in stored order.
        let (mut seen, mut after) = (Vec::new(), 0i64);
        for _ in 0..20 {
            let (_, p) = page(format!("?after={after}&limit=30")).await;
            seen.extend(p["events"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()));
            match p["next"].as_i64() {
                Some(n) => after = n,
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!((seen.len(), sorted.len()), (105, 105));

        // The browser bundle's reader still reads a page as a history.
        let lines = kuki_core::wire::browser::history(&browser_value(first.clone()));
        assert_eq!(lines.expect("the browser reads the page").len(), 100);

        for bad in ["?limit=0", "?limit=1001", "?after=-1", "?limit=many"] {
            let (status, body) = page(bad.into()).await;
            assert_eq!((status, body["code"].as_str()), (422, Some("invalid_field")), "{bad}");
        }
        assert_eq!(page("?after=500".into()).await.0, 200, "past the end of a history that exists: an empty page");
        let unknown = app.client.get(app.url(&format!("/api/v1/consents/{}?after=5", new_id()))).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
    })
    .await;
}

/// serde_json's value as the browser bundle's JSON value (what its fetch hands to `wire::browser`).
fn browser_value(v: serde_json::Value) -> kuki_core::value::Value {
    use kuki_core::value::Value;
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap()),
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Array(a) => Value::Arr(a.into_iter().map(browser_value).collect()),
        serde_json::Value::Object(o) => Value::Obj(o.into_iter().map(|(k, v)| (k, browser_value(v))).collect()),
    }
}

#[tokio::test]
async fn a_database_file_deleted_under_the_server_makes_it_unready_and_no_write_succeeds() {
    let app = spawn_app_with(&[]).await;
    assert_eq!(app.post_event(&event(&new_id(), 1, true)).await.status(), 201);
    std::fs::remove_file(app.dir.path().join("kuki.db")).unwrap();

    for _ in 0..20 {
        let res = app.post_event(&event(&new_id(), 1, true)).await;
        assert!(!res.status().is_success(), "a write after the file was deleted got {}", res.status());
        assert_eq!(res.status(), 503);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = app.client.get(app.url("/readyz")).send().await.unwrap().status();
        if status == 503 {
            break;
        }
        assert!(Instant::now() < deadline, "/readyz still says {status} after the database file was deleted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200, "the process lives on");
}

#[tokio::test]
async fn a_database_file_replaced_under_the_server_makes_writes_503() {
    let app = spawn_app_with(&[]).await;
    assert_eq!(app.post_event(&event(&new_id(), 1, true)).await.status(), 201);
    let path = app.dir.path().join("kuki.db");
    let other = app.dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    std::fs::rename(&other, &path).unwrap();
    let res = app.post_event(&event(&new_id(), 1, true)).await;
    assert_eq!(res.status(), 503);
    tokio::time::sleep(Duration::from_millis(1100)).await; // past the cached probe
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 503);
}

#[tokio::test]
async fn a_write_ahead_log_deleted_under_the_server_makes_writes_503() {
    // SQLite would go on committing into the deleted log's open file, and every such commit would be gone at the
    // next start: none may be acknowledged.
    let app = spawn_app_with(&[]).await;
    assert_eq!(app.post_event(&event(&new_id(), 1, true)).await.status(), 201);
    std::fs::remove_file(app.dir.path().join("kuki.db-wal")).unwrap();
    for _ in 0..20 {
        let res = app.post_event(&event(&new_id(), 1, true)).await;
        assert_eq!(res.status(), 503, "a write after the log was deleted");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await; // past the cached probe
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 503);
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200, "the process lives on");
}

#[tokio::test]
async fn readyz_is_a_real_write_that_fails_while_the_database_is_locked() {
    // A write lock held past the busy timeout stands in for a disk that refuses writes: reads still work.
    let app = spawn_app_with(&[]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await; // past the probe spawn_app's wait cached
    let locker = rusqlite::Connection::open(app.dir.path().join("kuki.db")).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    locker.execute_batch("ROLLBACK").unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200, "ready again");
}

/// Three ids with three events each, a checkpoint saved by an "auditor", then one more event; the app stopped.
async fn log_with_checkpoint(db: &str) -> (Vec<String>, Checkpoint, tempfile::TempDir) {
    let app = spawn_app_with(&[("KUKI_DB", db)]).await;
    let ids: Vec<String> = (0..3).map(|_| new_id()).collect();
    for seq in 1..=3 {
        for id in &ids {
            assert_eq!(app.post_event(&event(id, seq, true)).await.status(), 201);
        }
    }
    let res = app.client.get(app.url("/api/v1/checkpoint")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let checkpoint: Checkpoint = res.json().await.unwrap();
    assert_eq!(checkpoint.tree_size, 9);
    let key: kuki_core::wire::ReceiptKey =
        app.client.get(app.url("/api/v1/receipt-key")).send().await.unwrap().json().await.unwrap();
    assert!(checkpoint.signature_holds(&key.public_key));
    let again: Checkpoint = app.client.get(app.url("/api/v1/checkpoint")).send().await.unwrap().json().await.unwrap();
    assert_eq!(again, checkpoint, "the same tree gets the same checkpoint");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(app.dir.path().join("kuki.key"), dir.path().join("kuki.key")).unwrap();
    app.stop().await;
    (ids, checkpoint, dir)
}

async fn verify_db(db: &str, checkpoints: Vec<Checkpoint>) -> Report {
    let store = Store::open(&DbUrl::parse(db).unwrap()).await.unwrap();
    verify_with(&store, &Evidence { checkpoints, ..Evidence::default() }).await.unwrap()
}

/// Every stored row, as an insider would dump it.
async fn rows(db: &str) -> Vec<Row> {
    let store = Store::open(&DbUrl::parse(db).unwrap()).await.unwrap();
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = out.clone();
    store.scan(move |r| sink.lock().unwrap().push(r)).await.unwrap();
    let rows = out.lock().unwrap().clone();
    rows
}

/// Runs one statement with positional parameters on either database.
async fn exec(db: &str, sql: &str, params: Vec<Param>) {
    if let Some(path) = db.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let values: Vec<rusqlite::types::Value> = params
            .into_iter()
            .map(|p| match p {
                Param::Int(i) => rusqlite::types::Value::Integer(i),
                Param::Text(s) => rusqlite::types::Value::Text(s),
                Param::Bytes(b) => rusqlite::types::Value::Blob(b),
            })
            .collect();
        conn.execute(sql, rusqlite::params_from_iter(values)).unwrap();
    } else {
        let (client, conn) = tokio_postgres::connect(db, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        let boxed: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = params
            .into_iter()
            .map(|p| -> Box<dyn tokio_postgres::types::ToSql + Sync + Send> {
                match p {
                    Param::Int(i) => Box::new(i),
                    Param::Text(s) => Box::new(s),
                    Param::Bytes(b) => Box::new(b),
                }
            })
            .collect();
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            boxed.iter().map(|b| b.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        client.execute(sql, &refs).await.unwrap();
    }
}

enum Param {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// What a fully informed insider does after changing records: recompute every chain hash and the log's stored
/// tree edge, so that nothing inside the database disagrees any more.
async fn cover_tracks(db: &str) {
    let mut rows = rows(db).await;
    let mut prev: Option<(String, String)> = None;
    for row in rows.iter_mut() {
        let want_prev = match &prev {
            Some((id, hash)) if *id == row.consent_id => hash.clone(),
            _ => kuki_server::chain::GENESIS.to_owned(),
        };
        let fixed = Link { prev_hash: &want_prev, ..row.link() }.hash();
        if fixed != row.hash || want_prev != row.prev_hash {
            row.prev_hash = want_prev;
            row.hash = fixed;
            exec(
                db,
                "UPDATE events SET prev_hash = $1, hash = $2 WHERE id = $3",
                vec![Param::Text(row.prev_hash.clone()), Param::Text(row.hash.clone()), Param::Int(row.id)],
            )
            .await;
        }
        prev = Some((row.consent_id.clone(), row.hash.clone()));
    }
    let store = Store::open(&DbUrl::parse(db).unwrap()).await.unwrap();
    let leaves = std::sync::Arc::new(std::sync::Mutex::new(Frontier::default()));
    let sink = leaves.clone();
    store.scan_leaves(move |l| sink.lock().unwrap().push(&unhex(&l.hash).unwrap())).await.unwrap();
    let frontier = leaves.lock().unwrap().clone();
    exec(
        db,
        "UPDATE log_state SET size = $1, frontier = $2 WHERE id = 1",
        vec![Param::Int(frontier.size() as i64), Param::Bytes(frontier.to_bytes())],
    )
    .await;
}

#[tokio::test]
async fn verify_catches_an_informed_rewrite_a_truncation_and_a_seq_edit_against_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    for db in crate::helpers::databases(dir.path()).await {
        eprintln!("tamper test on {}", db.split(':').next().unwrap());
        // An untouched log verifies, alone and against its checkpoint.
        let (ids, checkpoint, _keys) = log_with_checkpoint(&db).await;
        let clean = verify_db(&db, vec![checkpoint.clone()]).await;
        assert!(clean.breaks.is_empty(), "{:?}", clean.breaks);
        assert_eq!((clean.records, clean.leaves, clean.checkpoints), (9, 9, 1));

        // 1. An informed rewrite: refuse analytics in the second record of the first id, recompute everything.
        let target = rows(&db).await.into_iter().find(|r| r.consent_id == ids[0] && r.pos == 2).unwrap();
        exec(
            &db,
            "UPDATE events SET event = $1 WHERE id = $2",
            vec![Param::Text(target.event.replace("\"analytics\":true", "\"analytics\":false")), Param::Int(target.id)],
        )
        .await;
        cover_tracks(&db).await;
        assert!(verify_db(&db, vec![]).await.breaks.is_empty(), "the database alone cannot tell: that is the attack");
        let report = verify_db(&db, vec![checkpoint.clone()]).await;
        assert!(
            report.breaks.iter().any(|b| b.consent_id == "(checkpoint)" && b.reason.contains("rewritten")),
            "{:?}",
            report.breaks
        );
    }
}

#[tokio::test]
async fn verify_catches_a_truncated_log_against_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    for db in crate::helpers::databases(dir.path()).await {
        let (_, checkpoint, _keys) = log_with_checkpoint(&db).await;
        // The last record of the log (the last of its chain), deleted and the tree edge recomputed.
        let last = rows(&db).await.into_iter().max_by_key(|r| r.id).unwrap();
        exec(&db, "DELETE FROM events WHERE id = $1", vec![Param::Int(last.id)]).await;
        cover_tracks(&db).await;
        assert!(verify_db(&db, vec![]).await.breaks.is_empty(), "the database alone cannot tell");
        let report = verify_db(&db, vec![checkpoint.clone()]).await;
        assert!(
            report.breaks.iter().any(|b| b.consent_id == "(checkpoint)" && b.reason.contains("fewer")),
            "{:?}",
            report.breaks
        );
        // A record removed from the middle of the log leaves a gap even without a checkpoint.
        let middle = rows(&db).await.into_iter().find(|r| r.id == 4).unwrap();
        exec(&db, "DELETE FROM events WHERE id = $1", vec![Param::Int(middle.id)]).await;
        let report = verify_db(&db, vec![]).await;
        assert!(report.breaks.iter().any(|b| b.reason.contains("leaf 4 is missing")), "{:?}", report.breaks);
    }
}

#[tokio::test]
async fn verify_catches_a_seq_edit_alone_and_an_informed_one_against_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    for db in crate::helpers::databases(dir.path()).await {
        let (ids, checkpoint, _keys) = log_with_checkpoint(&db).await;
        let target = rows(&db).await.into_iter().find(|r| r.consent_id == ids[1] && r.pos == 2).unwrap();
        // The seq column alone: inside the hash now.
        exec(&db, "UPDATE events SET seq = $1 WHERE id = $2", vec![Param::Int(99), Param::Int(target.id)]).await;
        let report = verify_db(&db, vec![]).await;
        assert!(report.breaks.iter().any(|b| b.consent_id == ids[1] && b.pos == 2), "{:?}", report.breaks);
        // The seq in the event too, with every hash recomputed: only the checkpoint tells.
        exec(
            &db,
            "UPDATE events SET event = $1 WHERE id = $2",
            vec![Param::Text(target.event.replace("\"seq\":2", "\"seq\":99")), Param::Int(target.id)],
        )
        .await;
        cover_tracks(&db).await;
        assert!(verify_db(&db, vec![]).await.breaks.is_empty(), "{:?}", verify_db(&db, vec![]).await.breaks);
        let report = verify_db(&db, vec![checkpoint]).await;
        assert!(report.breaks.iter().any(|b| b.consent_id == "(checkpoint)"), "{:?}", report.breaks);
    }
}

#[tokio::test]
async fn an_erasure_stays_in_the_log_and_the_log_still_verifies_against_an_earlier_checkpoint() {
    each_database(&[], |app| async move {
        let (id, other) = (new_id(), new_id());
        for seq in 1..=3 {
            app.post_event(&event(&id, seq, true)).await;
            app.post_event(&event(&other, seq, true)).await;
        }
        let before: Checkpoint =
            app.client.get(app.url("/api/v1/checkpoint")).send().await.unwrap().json().await.unwrap();
        let url = app.url(&format!("/api/v1/consents/{id}"));
        assert_eq!(app.client.delete(&url).header("origin", ALLOWED_ORIGIN).send().await.unwrap().status(), 204);
        app.post_event(&event(&id, 1, false)).await;
        let after: Checkpoint =
            app.client.get(app.url("/api/v1/checkpoint")).send().await.unwrap().json().await.unwrap();
        assert_eq!((before.tree_size, after.tree_size), (6, 8), "an erasure and a new record are leaves");
        let report = verify_db(&app.db, vec![before, after]).await;
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
        assert_eq!((report.records, report.erasures), (4, 1));
    })
    .await;
}

#[tokio::test]
async fn the_signing_key_lives_in_a_private_file_and_never_in_the_database() {
    let app = spawn_app_with(&[]).await;
    let id = new_id();
    assert_eq!(app.post_event(&event(&id, 1, true)).await.status(), 201);
    let key_path = app.dir.path().join("kuki.key");
    let secret = std::fs::read_to_string(&key_path).unwrap().trim().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let signer = kuki_server::chain::ReceiptSigner::from_secret_hex(&secret).unwrap();
    let key: kuki_core::wire::ReceiptKey =
        app.client.get(app.url("/api/v1/receipt-key")).send().await.unwrap().json().await.unwrap();
    assert_eq!(key.public_key, signer.public_hex());
    // Every byte of the database, its log included, read while the server runs (stopping removes the temp dir).
    let mut bytes = Vec::new();
    for file in ["kuki.db", "kuki.db-wal"] {
        bytes.extend(std::fs::read(app_path(&key_path, file)).unwrap_or_default());
    }
    assert!(bytes.len() > 4096, "the database files were read");
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&secret), "the secret is somewhere in the database files");
    assert!(text.contains(&signer.public_hex()), "the database records the public key");
}

fn app_path(key: &std::path::Path, name: &str) -> std::path::PathBuf {
    key.with_file_name(name)
}

#[tokio::test]
async fn an_old_database_keeps_its_records_verifiable_and_its_key_moves_to_the_file_once() {
    // A database as the server before issue 12 left it: schema version 1, the secret in server_keys, records in
    // the first hash format.
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("old.db");
    let old = kuki_server::chain::ReceiptSigner::generate();
    let id = new_id();
    {
        let conn = rusqlite::Connection::open(&db_path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
             INSERT INTO schema_migrations VALUES (1, 0);
             CREATE TABLE events (id INTEGER PRIMARY KEY, consent_id TEXT NOT NULL, seq INTEGER NOT NULL,
                 pos INTEGER NOT NULL, event TEXT NOT NULL, received_at INTEGER NOT NULL, origin TEXT, ip_prefix TEXT,
                 prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (consent_id, seq));
             CREATE TABLE daily_stats (day TEXT NOT NULL, action TEXT NOT NULL, category TEXT NOT NULL,
                 events INTEGER NOT NULL, granted INTEGER NOT NULL, PRIMARY KEY (day, action, category)) WITHOUT ROWID;
             CREATE TABLE server_keys (name TEXT PRIMARY KEY, secret TEXT NOT NULL, created_at INTEGER NOT NULL);",
        )
        .unwrap();
        conn.execute("INSERT INTO server_keys VALUES ('receipt', ?1, 0)", [old.secret_hex()]).unwrap();
        let mut prev = kuki_server::chain::GENESIS.to_owned();
        for seq in 1..=2i64 {
            let body = serde_json::from_value::<kuki_core::wire::ConsentEvent>(event(&id, seq as u32, true)).unwrap();
            let json = kuki_server::event::canonical_json(&body);
            let link = Link {
                format: kuki_server::chain::FORMAT_V1,
                prev_hash: &prev,
                consent_id: &id,
                pos: seq,
                seq,
                event: &json,
                received_at: 1000 + seq,
                origin: None,
                ip_prefix: None,
            };
            let hash = link.hash();
            conn.execute(
                "INSERT INTO events (id, consent_id, seq, pos, event, received_at, prev_hash, hash)
                 VALUES (?1 * 10, ?2, ?1, ?1, ?3, ?4, ?5, ?6)",
                rusqlite::params![seq, id, json, 1000 + seq, prev, hash],
            )
            .unwrap();
            prev = hash;
        }
    }
    let db = format!("sqlite://{}", db_path.display());
    let app = spawn_app_with(&[("KUKI_DB", &db)]).await;
    let key: kuki_core::wire::ReceiptKey =
        app.client.get(app.url("/api/v1/receipt-key")).send().await.unwrap().json().await.unwrap();
    assert_eq!(key.public_key, old.public_hex(), "receipts already given keep verifying");
    let file = std::fs::read_to_string(app.dir.path().join("kuki.key")).unwrap();
    assert_eq!(file.trim(), old.secret_hex(), "the old key moved to the key file");
    let tables: i64 = rusqlite::Connection::open(&db_path)
        .unwrap()
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'server_keys'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 0, "and left the database");

    assert_eq!(app.post_event(&event(&id, 1, true)).await.status(), 200, "an old record is found by its key");
    assert_eq!(app.post_event(&event(&id, 2, false)).await.status(), 409, "and its seq stays taken");
    assert_eq!(app.post_event(&event(&id, 3, false)).await.status(), 201, "the old chain goes on");
    let history: serde_json::Value = app.get_history(&id).await.json().await.unwrap();
    assert_eq!(history["events"].as_array().unwrap().len(), 3);
    let checkpoint: Checkpoint =
        app.client.get(app.url("/api/v1/checkpoint")).send().await.unwrap().json().await.unwrap();
    assert_eq!(checkpoint.tree_size, 3, "old records are leaves too");
    app.stop().await;
    let report = verify_db(&db, vec![checkpoint]).await;
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
    assert_eq!(report.records, 3);
}

/// Twelve records posted at once (so batches hold several), and their receipts.
async fn batched_receipts(app: &TestApp) -> Vec<kuki_core::wire::Receipt> {
    let posts: Vec<_> = (0..12)
        .map(|_| {
            let (client, url, body) = (app.client.clone(), app.url("/api/v1/consents"), event(&new_id(), 1, true));
            tokio::spawn(async move {
                let res = client.post(url).header("origin", ALLOWED_ORIGIN).json(&body).send().await.unwrap();
                assert_eq!(res.status(), 201);
                res.json::<kuki_core::wire::Receipt>().await.unwrap()
            })
        })
        .collect();
    let mut receipts = Vec::new();
    for p in posts {
        receipts.push(p.await.unwrap());
    }
    receipts
}

async fn verify_receipts(db: &str, key: &str, receipts: Vec<kuki_core::wire::Receipt>) -> Report {
    let store = Store::open(&DbUrl::parse(db).unwrap()).await.unwrap();
    let evidence = Evidence { receipts, public_key: Some(key.to_owned()), ..Evidence::default() };
    verify_with(&store, &evidence).await.unwrap()
}

fn receipt_breaks(report: &Report) -> Vec<&str> {
    report.breaks.iter().filter(|b| b.consent_id == "(receipt)").map(|b| b.reason.as_str()).collect()
}

#[tokio::test]
async fn a_batched_receipt_verifies_and_a_forged_proof_or_head_signature_does_not() {
    each_database(&[], |app| async move {
        let key: kuki_core::wire::ReceiptKey =
            app.client.get(app.url("/api/v1/receipt-key")).send().await.unwrap().json().await.unwrap();
        let receipts = batched_receipts(&app).await;
        assert!(receipts.iter().all(|r| r.inclusion.is_some()), "every new record's receipt is batched");
        let heads: std::collections::BTreeSet<u64> =
            receipts.iter().map(|r| r.inclusion.as_ref().unwrap().tree_size).collect();
        eprintln!("12 receipts from {} signed heads", heads.len());

        let report = verify_receipts(&app.db, &key.public_key, receipts.clone()).await;
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
        assert_eq!(report.receipts, 12);

        // A forged proof: one node of the audit path changed (a receipt for a record the log does not hold).
        let mut forged = receipts[3].clone();
        let inc = forged.inclusion.as_mut().unwrap();
        if inc.proof.is_empty() {
            inc.proof.push("00".repeat(32));
        } else {
            inc.proof[0] = "00".repeat(32);
        }
        let report = verify_receipts(&app.db, &key.public_key, vec![forged]).await;
        assert!(receipt_breaks(&report).iter().any(|r| r.contains("inclusion proof")), "{:?}", report.breaks);

        // Another hash with the genuine proof and head: the path no longer leads to the signed root.
        let mut swapped = receipts[4].clone();
        swapped.hash = receipts[5].hash.clone();
        let report = verify_receipts(&app.db, &key.public_key, vec![swapped]).await;
        assert!(receipt_breaks(&report).iter().any(|r| r.contains("inclusion proof")), "{:?}", report.breaks);

        // A forged head: another root (or size) under the genuine signature, and a signature by another key.
        let mut forged = receipts[6].clone();
        forged.inclusion.as_mut().unwrap().root_hash = "11".repeat(32);
        let report = verify_receipts(&app.db, &key.public_key, vec![forged]).await;
        assert!(receipt_breaks(&report).iter().any(|r| r.contains("not signed")), "{:?}", report.breaks);
        let mut forged = receipts[7].clone();
        forged.inclusion.as_mut().unwrap().tree_size += 1;
        let report = verify_receipts(&app.db, &key.public_key, vec![forged]).await;
        assert!(receipt_breaks(&report).iter().any(|r| r.contains("not signed")), "{:?}", report.breaks);
        let other = kuki_server::chain::ReceiptSigner::generate();
        let report = verify_receipts(&app.db, &other.public_hex(), vec![receipts[8].clone()]).await;
        assert!(receipt_breaks(&report).iter().any(|r| r.contains("not signed")), "{:?}", report.breaks);

        // Without its inclusion the signature is read as one over the hash, and it is not.
        let stripped = kuki_core::wire::Receipt { inclusion: None, ..receipts[9].clone() };
        let report = verify_receipts(&app.db, &key.public_key, vec![stripped]).await;
        assert!(receipt_breaks(&report).iter().any(|r| r.contains("not signed")), "{:?}", report.breaks);
    })
    .await;
}

#[tokio::test]
async fn a_batched_receipt_is_a_checkpoint_an_informed_rewrite_cannot_pass() {
    let dir = tempfile::tempdir().unwrap();
    for db in crate::helpers::databases(dir.path()).await {
        let app = spawn_app_with(&[("KUKI_DB", &db)]).await;
        let key: kuki_core::wire::ReceiptKey =
            app.client.get(app.url("/api/v1/receipt-key")).send().await.unwrap().json().await.unwrap();
        let receipts = batched_receipts(&app).await;
        let key_file = app.dir.path().join("kuki.key");
        let keys = tempfile::tempdir().unwrap();
        std::fs::copy(&key_file, keys.path().join("kuki.key")).unwrap();
        app.stop().await;

        // `kuki-server verify --receipts FILE` takes them as the POSTs answered them, one JSON value per line.
        let file = keys.path().join("receipts.jsonl");
        let lines: Vec<String> = receipts.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
        std::fs::write(&file, lines.join("\n")).unwrap();
        let cli = |file: &std::path::Path| {
            std::process::Command::new(env!("CARGO_BIN_EXE_kuki-server"))
                .args(["verify", "--receipts"])
                .arg(file)
                .env("KUKI_DB", &db)
                .env("KUKI_KEY_FILE", keys.path().join("kuki.key"))
                .output()
                .unwrap()
        };
        let out = cli(&file);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("12 receipts, 0 breaks: ok"), "{stdout}");

        // The oldest record rewritten and every chain and the tree edge recomputed: the database agrees with
        // itself, but no longer with the roots the receipts were signed over.
        let first = rows(&db).await.into_iter().find(|r| r.id == 1).unwrap();
        exec(
            &db,
            "UPDATE events SET event = $1 WHERE id = $2",
            vec![Param::Text(first.event.replace("\"analytics\":true", "\"analytics\":false")), Param::Int(1)],
        )
        .await;
        cover_tracks(&db).await;
        assert!(verify_db(&db, vec![]).await.breaks.is_empty(), "the database alone cannot tell");
        let others: Vec<_> = receipts.iter().filter(|r| r.hash != first.hash).cloned().collect();
        let report = verify_receipts(&db, &key.public_key, others).await;
        assert!(receipt_breaks(&report).iter().any(|r| r.contains("rewritten")), "{:?}", report.breaks);

        let mut forged: kuki_core::wire::Receipt = receipts[0].clone();
        forged.signature = forged.signature.replacen(&forged.signature[..2], "00", 1);
        std::fs::write(&file, serde_json::to_string(&forged).unwrap()).unwrap();
        let out = cli(&file);
        assert!(!out.status.success(), "a forged receipt passes the command line");
    }
}

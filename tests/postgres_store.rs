//! The PostgreSQL store against a real PostgreSQL (`POSTGRES_URL`; scripts/start-postgres.sh
//! starts one): the `SessionStore` contract the Redis and memory stores keep (compare-and-set,
//! creates that never overwrite, rotation that never resurrects, expiry, the user index), the
//! bounded cleanup, the schema-version check, and PostgreSQL down at start and coming back.
//! The end-to-end tests run on it too, through the backend matrix (tests/common/backends.rs).

#[path = "common/backends.rs"]
mod backends;

use std::sync::Arc;
use std::time::Duration;

use session_runtime::backend::{Record, SaveMode, SessionStore, Written};
use session_runtime::{Keys, PostgresStore, SecretKey, ServerSideSessionInterface, StoreError, Tracked};

const TTL: Duration = Duration::from_secs(60);

fn create<'a>(id: &'a str, payload: &'a [u8]) -> Record<'a> {
    Record::new(id, payload, TTL, SaveMode::Create)
}

fn update<'a>(id: &'a str, payload: &'a [u8], expected: Option<&'a [u8]>) -> Record<'a> {
    Record::new(id, payload, TTL, SaveMode::Update).with_expected(expected)
}

/// Runs SQL on the store's own pool (the tests' view of the table).
async fn sql(store: &PostgresStore, statement: &str) {
    sqlx::raw_sql(statement).execute(store.pool()).await.expect(statement);
}

async fn rows(store: &PostgresStore) -> i64 {
    let query = format!("SELECT count(*) FROM {}", store.table());
    sqlx::query_scalar(&query).fetch_one(store.pool()).await.expect("count")
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn compare_and_set_creates_and_updates() {
    let store = backends::postgres_store();
    assert_eq!(store.save(update("a", b"1", None)).await.unwrap(), Written::Absent, "update of nothing");
    assert_eq!(store.save(create("a", b"1")).await.unwrap(), Written::Saved);
    assert_eq!(store.save(create("a", b"2")).await.unwrap(), Written::Conflict, "a create never overwrites");
    assert_eq!(store.save(update("a", b"2", Some(b"0"))).await.unwrap(), Written::Conflict);
    assert_eq!(store.load("a").await.unwrap(), Some(b"1".to_vec()), "a refused write changes nothing");
    assert_eq!(store.save(update("a", b"2", Some(b"1"))).await.unwrap(), Written::Saved);
    assert_eq!(store.save(update("a", b"3", None)).await.unwrap(), Written::Saved, "no CAS: last write");
    assert_eq!(store.load("a").await.unwrap(), Some(b"3".to_vec()));
    assert!(store.touch("a", TTL, None).await.unwrap());
    store.delete("a", None).await.unwrap();
    assert_eq!(store.load("a").await.unwrap(), None);
    assert!(!store.touch("a", TTL, None).await.unwrap());
    assert_eq!(store.save(update("a", b"4", Some(b"3"))).await.unwrap(), Written::Absent, "no resurrection");
    store.delete("a", None).await.unwrap();
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn a_rotation_needs_the_old_row_and_removes_it_in_the_same_step() {
    let store = backends::postgres_store();
    assert_eq!(store.save(create("old", b"1").with_user(Some("ann"))).await.unwrap(), Written::Saved);
    let moved = |new| create(new, b"1").replacing(Some("old")).with_user(Some("ann"));
    assert_eq!(store.save(moved("new").with_expected(Some(b"0"))).await.unwrap(), Written::Conflict);
    assert_eq!(store.load("old").await.unwrap(), Some(b"1".to_vec()), "a refused rotation keeps the old row");
    assert_eq!(store.load("new").await.unwrap(), None);

    // The new id is taken: nothing happens, the old session stays.
    assert_eq!(store.save(create("taken", b"x")).await.unwrap(), Written::Saved);
    assert_eq!(store.save(moved("taken")).await.unwrap(), Written::Conflict);
    assert_eq!(store.load("old").await.unwrap(), Some(b"1".to_vec()));
    assert_eq!(store.load("taken").await.unwrap(), Some(b"x".to_vec()));

    assert_eq!(store.save(moved("new").with_expected(Some(b"1"))).await.unwrap(), Written::Saved);
    assert_eq!(store.load("old").await.unwrap(), None);
    assert_eq!(store.load("new").await.unwrap(), Some(b"1".to_vec()));
    // A second rotation of the same old id (another tab) finds it moved: no second session.
    assert_eq!(store.save(moved("other")).await.unwrap(), Written::Moved);
    assert_eq!(store.load("other").await.unwrap(), None);
    assert_eq!(store.revoke_user("ann").await.unwrap(), 1, "the index moved with the session");
}

/// A rotation keeps the user on its forwarding row, so a revocation of that user that finds the
/// row follows it to the session the id became, even when the rotation changed the user (an
/// account switch racing an administrator's revocation), and counts the session it ended.
#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn a_revocation_follows_a_rotation_and_counts_the_session_it_ended() {
    let store = backends::postgres_store();
    assert_eq!(store.save(create("old", b"1").with_user(Some("kim"))).await.unwrap(), Written::Saved);
    let switched =
        create("new", b"2").replacing(Some("old")).with_user(Some("lee")).with_previous_user(Some("kim"));
    assert_eq!(store.save(switched).await.unwrap(), Written::Saved);
    assert_eq!(store.revoke_user("kim").await.unwrap(), 1, "the session the forwarding row led to");
    assert_eq!(store.load("new").await.unwrap(), None);
    assert_eq!(rows(&store).await, 0);
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn revoke_user_ends_every_session_of_that_user_only() {
    let store = backends::postgres_store();
    for (id, user) in [("a1", "ann"), ("a2", "ann"), ("b1", "bob")] {
        assert_eq!(store.save(create(id, b"x").with_user(Some(user))).await.unwrap(), Written::Saved);
    }
    // a2 changes hands: no longer ann's.
    let moved = update("a2", b"y", Some(b"x")).with_user(Some("bob")).with_previous_user(Some("ann"));
    assert_eq!(store.save(moved).await.unwrap(), Written::Saved);
    assert_eq!(store.revoke_user("ann").await.unwrap(), 1);
    assert_eq!(store.load("a1").await.unwrap(), None);
    assert!(store.load("a2").await.unwrap().is_some());
    assert_eq!(store.revoke_user("bob").await.unwrap(), 2);
    assert_eq!(store.revoke_user("bob").await.unwrap(), 0);
    assert_eq!(rows(&store).await, 0);
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn expired_rows_are_never_read_and_are_cleaned_up_in_bounded_batches() {
    let store = PostgresStore::builder(backends::postgres_url())
        .table(format!("test_{}", backends::random_hex()))
        .cleanup_every(0)
        .cleanup_batch(2)
        .build()
        .unwrap();
    let short = Duration::from_millis(50);
    for id in ["e1", "e2", "e3", "e4", "e5"] {
        let record = Record::new(id, b"x", short, SaveMode::Create).with_user(Some("eve"));
        assert_eq!(store.save(record).await.unwrap(), Written::Saved);
    }
    assert_eq!(store.save(create("live", b"y")).await.unwrap(), Written::Saved);
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(store.load("e1").await.unwrap(), None);
    assert!(!store.touch("e1", TTL, None).await.unwrap());
    assert_eq!(store.save(update("e1", b"z", Some(b"x"))).await.unwrap(), Written::Absent);
    assert_eq!(rows(&store).await, 6, "expired rows stay until a cleanup");
    assert_eq!(store.cleanup().await.unwrap(), 2, "one batch at most");
    // A create over an expired row that is still there takes its place.
    assert_eq!(store.save(create("e5", b"new")).await.unwrap(), Written::Saved);
    assert_eq!(store.cleanup().await.unwrap(), 2);
    assert_eq!(store.cleanup().await.unwrap(), 0);
    assert_eq!(store.load("e5").await.unwrap(), Some(b"new".to_vec()));
    assert_eq!(store.revoke_user("eve").await.unwrap(), 0, "expired sessions do not count as ended");
    assert_eq!(rows(&store).await, 2);
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn saves_start_a_background_cleanup_every_so_often() {
    let store = PostgresStore::builder(backends::postgres_url())
        .table(format!("test_{}", backends::random_hex()))
        .cleanup_every(3)
        .build()
        .unwrap();
    for id in ["e1", "e2"] {
        let record = Record::new(id, b"x", Duration::from_millis(20), SaveMode::Create);
        assert_eq!(store.save(record).await.unwrap(), Written::Saved);
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(rows(&store).await, 2);
    assert_eq!(store.save(create("third", b"x")).await.unwrap(), Written::Saved, "the third save");
    let mut left = 2;
    for _ in 0..100 {
        left = rows(&store).await;
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, 1, "the expired rows were removed in the background");
}

/// Many tasks each add their own entry to one record by load → save with the loaded bytes
/// expected, retrying on conflict: every entry is there at the end, so the digest comparison in
/// the `UPDATE` is atomic under concurrent writers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn concurrent_compare_and_set_loses_nothing() {
    let store = Arc::new(backends::postgres_store());
    assert_eq!(store.save(create("shared", b"")).await.unwrap(), Written::Saved);
    let mut tasks = Vec::new();
    for writer in 0..32u8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut conflicts = 0;
            loop {
                let current = store.load("shared").await.unwrap().unwrap();
                let mut next = current.clone();
                next.push(writer);
                match store.save(update("shared", &next, Some(&current))).await.unwrap() {
                    Written::Saved => return conflicts,
                    Written::Conflict => conflicts += 1,
                    other => panic!("the record vanished: {other:?}"),
                }
            }
        }));
    }
    let mut conflicts = 0;
    for task in tasks {
        conflicts += task.await.unwrap();
    }
    let mut written = store.load("shared").await.unwrap().unwrap();
    written.sort_unstable();
    assert_eq!(written, (0..32).collect::<Vec<u8>>(), "every writer's byte is there ({conflicts} retries)");
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn the_schema_is_created_once_checked_and_never_misread() {
    let url = backends::postgres_url();
    let table = format!("test_{}", backends::random_hex());
    // Without create_schema the store says what to apply instead of creating anything.
    let manual = PostgresStore::builder(&url).table(&table).create_schema(false).build().unwrap();
    let error = manual.load("a").await.unwrap_err();
    assert!(error.to_string().contains("sql/postgres-sessions.sql"), "{error}");
    // The operators' file, applied as psql would (table renamed), makes it usable.
    let file = include_str!("../session-runtime/sql/postgres-sessions.sql").replace("sessions", &table);
    sql(&manual, &file).await;
    let manual = PostgresStore::builder(&url).table(&table).create_schema(false).connect().await.unwrap();
    assert_eq!(manual.save(create("a", b"1")).await.unwrap(), Written::Saved);
    // A second store creating the same table finds it as it is, rows kept.
    let again = PostgresStore::builder(&url).table(&table).connect().await.unwrap();
    assert_eq!(again.load("a").await.unwrap(), Some(b"1".to_vec()));

    // A newer schema version, or a table that is not ours, is refused rather than misread.
    sql(&again, &format!("COMMENT ON TABLE {table} IS 'session-runtime schema 2'")).await;
    let error = PostgresStore::builder(&url).table(&table).connect().await.unwrap_err();
    assert!(error.to_string().contains("newer"), "{error}");
    sql(&again, &format!("COMMENT ON TABLE {table} IS NULL")).await;
    let error = PostgresStore::builder(&url).table(&table).connect().await.unwrap_err();
    assert!(error.to_string().contains("not a session-runtime session table"), "{error}");

    // A schema-qualified table.
    let schema = format!("s_{}", backends::random_hex());
    sql(&again, &format!("CREATE SCHEMA {schema}")).await;
    let qualified = PostgresStore::builder(&url).table(format!("{schema}.sessions")).connect().await.unwrap();
    assert_eq!(qualified.save(create("a", b"2")).await.unwrap(), Written::Saved);
    assert_eq!(again.load("a").await.unwrap(), Some(b"1".to_vec()), "another table");
}

/// Stores created concurrently for one new table all come up (the DDL runs under a lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn concurrent_first_uses_create_the_table_once() {
    let (url, table) = (backends::postgres_url(), format!("test_{}", backends::random_hex()));
    let starts: Vec<_> = (0..8)
        .map(|_| tokio::spawn(PostgresStore::builder(url.clone()).table(table.clone()).connect()))
        .collect();
    for start in starts {
        start.await.unwrap().unwrap();
    }
}

/// PostgreSQL unreachable (a closed port): the store is built anyway, sessions open empty with
/// `StoreUnavailable` and a save fails as unavailable (a 503 through the layers), quickly.
#[tokio::test]
async fn an_unreachable_postgres_is_unavailable_not_a_crash() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store = PostgresStore::builder(format!("postgres://app:s3cret@127.0.0.1:{port}/app"))
        .acquire_timeout(Duration::from_millis(300))
        .build()
        .expect("built lazily");
    let error = store.load("a").await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    assert!(!error.to_string().contains("s3cret"), "{error}");
    let keys = Keys::new(SecretKey::try_from(&[8u8; 32][..]).unwrap());
    let backend = Arc::new(ServerSideSessionInterface::new(keys, store));
    #[derive(serde::Serialize, serde::Deserialize, Default)]
    struct Visit {
        count: u32,
    }
    let config = session_runtime::CookieConfig::DEFAULT;
    let mut visit = Tracked::<Visit>::open_async(backend, config, &http::Request::new(())).await;
    visit.count = 1;
    let error = visit.save_async(&mut http::Response::new(())).await.unwrap_err();
    assert!(matches!(error, session_runtime::Error::Store(StoreError::Unavailable(_))), "{error:?}");
}

//! Secrets never appear in `Debug` output: every public type that can hold a credential (a key, a
//! Redis URL with a password) is formatted, `{:?}` and `{:#?}`, and searched for the secret. The
//! Redis store is built but never connects (its connections are lazy), so no Redis is needed.

use std::sync::Arc;

use session_runtime::{
    Keys, MemoryStore, RedisStore, SecretKey, SecureCookieSessionInterface, ServerSideSessionInterface,
    SessionInterface, SessionScope,
};

/// In every secret below, so one search finds any of them.
const MARK: &str = "Zq7SECRETzq7";

fn key() -> SecretKey {
    SecretKey::try_from(format!("{MARK}{MARK}{MARK}").as_bytes()).unwrap()
}

fn legacy_key() -> SecretKey {
    SecretKey::from_legacy(MARK.as_bytes()).unwrap()
}

fn keys() -> Keys {
    Keys::new(key()).with_fallbacks([legacy_key()])
}

/// The Redis URLs a deployment may write, each holding [`MARK`] as its password.
fn redis_urls() -> Vec<String> {
    vec![
        format!("redis://app:{MARK}@127.0.0.1:6392/0"),
        format!("rediss://app:{MARK}@127.0.0.1:6392/0"),
        format!("redis://:{MARK}@127.0.0.1:6392"),
        format!("redis+unix:///run/redis.sock?pass={MARK}"),
        format!("rediss://app:{MARK}@127.0.0.1:6392/0#insecure"),
        // Does not parse as a URL: an unescaped `/` in the password.
        format!("redis://app:{MARK}/x@127.0.0.1:6392/0"),
    ]
}

#[track_caller]
fn assert_hidden(what: &str, value: &dyn std::fmt::Debug) {
    for shown in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(!shown.contains(MARK), "{what} shows a secret: {shown}");
    }
}

#[test]
fn keys_and_the_cookie_backend_never_show_key_bytes() {
    assert_hidden("SecretKey", &key());
    assert_hidden("legacy SecretKey", &legacy_key());
    assert_hidden("Keys", &keys());
    let backend = SecureCookieSessionInterface::new(keys()).with_salt("salt");
    assert_hidden("SecureCookieSessionInterface", &backend);
    let shared: Arc<dyn SessionInterface> = Arc::new(backend);
    assert_hidden("dyn SessionInterface", &shared);
    assert_hidden("SessionScope", &SessionScope::new(Arc::clone(&shared)));
    assert_hidden(
        "tower SessionLayer",
        &session_runtime::tower::SessionLayer::with_interface(Arc::clone(&shared)),
    );
    assert_hidden(
        "actix SessionMiddleware",
        &session_runtime::actix::SessionMiddleware::with_interface(shared),
    );
}

#[test]
fn the_redis_builder_never_shows_the_password() {
    for url in redis_urls() {
        let builder = RedisStore::builder(url.as_str()).prefix("app:");
        assert_hidden("RedisStoreBuilder", &builder);
        assert!(format!("{builder:?}").contains("app:"), "the rest is still shown");
    }
}

#[test]
fn a_redis_url_that_fails_to_build_does_not_leak_in_the_error() {
    for url in [
        format!("redis://app:{MARK}@127.0.0.1:notaport/0"),
        format!("redis://app:{MARK}@127.0.0.1:6392/notadb"),
        format!("http://app:{MARK}@127.0.0.1:6392/0"),
        format!("app:{MARK}@127.0.0.1:6392"),
    ] {
        let error = RedisStore::builder(url.as_str()).build().unwrap_err();
        assert!(!error.to_string().contains(MARK), "{error}");
        assert_hidden("StoreError", &error);
    }
}

#[tokio::test]
async fn built_redis_stores_and_server_side_backends_never_show_secrets() {
    for url in redis_urls() {
        let Ok(store) = RedisStore::builder(url.as_str()).connections(1).build() else {
            // `redis+unix` and the unparsable URL are refused at build; their builders are
            // covered above.
            continue;
        };
        assert_hidden("RedisStore", &store);
        let backend = ServerSideSessionInterface::new(keys(), store);
        assert_hidden("ServerSideSessionInterface (Redis)", &backend);
        let shared: Arc<dyn SessionInterface> = Arc::new(backend);
        assert_hidden("SessionScope (Redis)", &SessionScope::new(shared));
    }
    assert_hidden(
        "ServerSideSessionInterface (memory)",
        &ServerSideSessionInterface::new(keys(), MemoryStore::new()),
    );
}

/// The PostgreSQL URLs a deployment may write, each holding [`MARK`] as its password.
fn postgres_urls() -> Vec<String> {
    vec![
        format!("postgres://app:{MARK}@127.0.0.1:6393/app"),
        format!("postgresql://app:{MARK}@127.0.0.1:6393/app?sslmode=require"),
        format!("postgres://:{MARK}@127.0.0.1:6393/app"),
        format!("postgres://app@127.0.0.1:6393/app?password={MARK}"),
        format!("postgresql://127.0.0.1:6393/app?password={MARK}#fragment"),
        // Does not parse as a URL: an unescaped `/` in the password.
        format!("postgres://app:{MARK}/x@127.0.0.1:6393/app"),
    ]
}

/// Builder, built store (lazy: no PostgreSQL needed), backend and a URL that fails to build.
#[tokio::test]
async fn postgres_stores_never_show_the_password() {
    for url in postgres_urls() {
        let builder = session_runtime::PostgresStore::builder(url.as_str()).table("app.sessions");
        assert_hidden("PostgresStoreBuilder", &builder);
        assert!(format!("{builder:?}").contains("app.sessions"), "the rest is still shown");
        match builder.build() {
            Ok(store) => {
                assert_hidden("PostgresStore", &store);
                let backend = ServerSideSessionInterface::new(keys(), store);
                assert_hidden("ServerSideSessionInterface (PostgreSQL)", &backend);
            }
            Err(error) => {
                assert!(!error.to_string().contains(MARK), "{error}");
                assert_hidden("StoreError", &error);
            }
        }
    }
    let error =
        session_runtime::PostgresStore::builder(format!("postgres://app:{MARK}@127.0.0.1:notaport/app"))
            .build()
            .unwrap_err();
    assert!(!error.to_string().contains(MARK), "{error}");
}

//! Key rotation that finishes, over loopback HTTP with a real cookie jar: after a rotation, a
//! client that comes back once is re-signed with the new key even though its session did not
//! change, the fallback key's count stops growing, and once the fallback is dropped nobody is
//! signed out. Against every backend (signed cookie, memory, Redis, the example file store).

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use server::{client, serve, set_cookies};
use session_runtime::test_util::SessionKit;
use session_runtime::tower::SessionLayer;
use session_runtime::{Keys, SecretKey, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "visit")]
struct Visit {
    count: u32,
}

async fn bump(mut visit: Tracked<Visit>) -> String {
    visit.count += 1;
    visit.count.to_string()
}

/// Reads only: nothing changes, so only a rotation sends a cookie.
async fn read(visit: Tracked<Visit>) -> String {
    visit.count.to_string()
}

fn key(byte: u8) -> SecretKey {
    SecretKey::try_from(&[byte; 32][..]).unwrap()
}

async fn serve_with(keys: Keys) -> String {
    let interface = backends::current().interface(keys);
    serve(
        Router::new()
            .route("/bump", post(bump))
            .route("/read", get(read))
            .layer(SessionLayer::with_interface(interface)),
    )
    .await
}

backends::each!(a_rotation_finishes_and_the_old_key_can_go);
async fn a_rotation_finishes_and_the_old_key_can_go() {
    let http = client();
    let before = serve_with(Keys::new(key(1))).await;
    assert_eq!(http.post(format!("{before}/bump")).send().await.unwrap().text().await.unwrap(), "1");

    // Deploy the new key, the old one as a fallback.
    let rotated = Keys::new(key(2)).with_fallbacks([key(1)]);
    let during = serve_with(rotated.clone()).await;
    let first = http.get(format!("{during}/read")).send().await.unwrap();
    assert_eq!(set_cookies(&first).len(), 1, "an unchanged session verified by the fallback is re-signed");
    assert!(first.headers().get_all("vary").iter().any(|v| v == "Cookie"));
    assert_eq!(first.text().await.unwrap(), "1");
    assert_eq!(rotated.verified_counts(), [0, 1]);

    // The client now holds a cookie signed with the new key: nothing more to re-sign.
    for _ in 0..3 {
        let again = http.get(format!("{during}/read")).send().await.unwrap();
        assert!(set_cookies(&again).is_empty(), "signed with the current key: nothing to send");
        assert_eq!(again.text().await.unwrap(), "1");
    }
    assert_eq!(rotated.verified_counts(), [3, 1], "the fallback's count stopped growing");

    // Drop the fallback: the client keeps its session.
    let after = serve_with(Keys::new(key(2))).await;
    assert_eq!(http.post(format!("{after}/bump")).send().await.unwrap().text().await.unwrap(), "2");
}

backends::each!(a_changed_session_under_a_fallback_is_saved_once_with_the_current_key);
async fn a_changed_session_under_a_fallback_is_saved_once_with_the_current_key() {
    let http = client();
    let before = serve_with(Keys::new(key(3))).await;
    http.post(format!("{before}/bump")).send().await.unwrap();
    let rotated = Keys::new(key(4)).with_fallbacks([key(3)]);
    let during = serve_with(rotated.clone()).await;
    let response = http.post(format!("{during}/bump")).send().await.unwrap();
    assert_eq!(set_cookies(&response).len(), 1, "one Set-Cookie, not a re-sign and a save");
    assert_eq!(response.text().await.unwrap(), "2");
    let after = serve_with(Keys::new(key(4))).await;
    assert_eq!(http.get(format!("{after}/read")).send().await.unwrap().text().await.unwrap(), "2");
}

/// Every wire format re-signs (or re-seals) a session opened under a fallback key: native,
/// encrypted, and Flask's (which Flask itself does not do: docs/flask-migration.md).
#[test]
fn every_format_rewrites_under_the_current_key() {
    use session_runtime::{CookieConfig, SecureCookieSessionInterface};
    use std::sync::Arc;

    let mut configs = vec![
        CookieConfig::builder().name("visit").build().unwrap(),
        CookieConfig::builder().name("visit").encrypted(true).build().unwrap(),
    ];
    #[cfg(feature = "flask")]
    configs
        .push(CookieConfig::builder().name("visit").format(session_runtime::Format::Flask).build().unwrap());
    for config in configs {
        let old = SessionKit::new(Arc::new(SecureCookieSessionInterface::new(Keys::new(key(5)))));
        let pair =
            old.with_config::<Visit>(config.clone()).cookie_with::<Visit>(|visit| visit.count = 7).unwrap();

        let rotated = Keys::new(key(6)).with_fallbacks([key(5)]);
        let backend = Arc::new(SecureCookieSessionInterface::new(rotated.clone()));
        let request = http::Request::builder().header("cookie", &pair).body(()).unwrap();
        let visit = Tracked::<Visit>::open_with(backend.clone(), config.clone(), &request);
        assert_eq!(visit.count, 7, "{config:?}");
        let mut response = http::Response::new(());
        visit.save(&mut response).unwrap();
        assert_eq!(rotated.verified_counts(), [0, 1], "{config:?}");

        // The response's cookie verifies under the current key alone (the kit fails otherwise).
        let current_only = SessionKit::new(Arc::new(SecureCookieSessionInterface::new(Keys::new(key(6)))));
        let current_only = current_only.with_config::<Visit>(config.clone());
        assert_eq!(current_only.read::<Visit>(&response).unwrap().count, 7, "{config:?}");
    }
}

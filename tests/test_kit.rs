//! The test kit (`session_runtime::test_util`, issue 18 §3): a cookie it makes is accepted by a
//! real layer over loopback HTTP, and the session the response set reads back, on every backend
//! (server-side: the kit writes and reads the store) and in every format; a response without a
//! readable session is a clear error, never a panic. `guide_example` is docs/guide.md's
//! "Testing your handlers" example.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use server::serve;
use session_runtime::test_util::{KitError, SessionKit};
use session_runtime::tower::SessionLayer;
use session_runtime::{Keys, Rejection, SecretKey, SecureCookieSessionInterface, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(name = "visit")]
struct Visit {
    count: u32,
}

#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(name = "sealed", encrypted)]
struct Sealed {
    count: u32,
}

#[cfg(feature = "flask")]
#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(name = "flask_visit", format = "flask")]
struct FlaskVisit {
    count: u32,
}

fn keys(byte: u8) -> Keys {
    Keys::new(SecretKey::try_from(&[byte; 32][..]).expect("32 bytes"))
}

async fn count(mut visit: Tracked<Visit>) -> String {
    visit.count += 1;
    visit.count.to_string()
}

async fn count_sealed(mut sealed: Tracked<Sealed>) -> String {
    sealed.count += 1;
    sealed.count.to_string()
}

async fn clear(mut visit: Tracked<Visit>) -> &'static str {
    visit.clear();
    "cleared"
}

fn app(layer: SessionLayer) -> Router {
    let router = Router::new()
        .route("/count", get(count))
        .route("/sealed", get(count_sealed))
        .route("/clear", get(clear));
    #[cfg(feature = "flask")]
    let router = router.route(
        "/flask",
        get(|mut visit: Tracked<FlaskVisit>| async move {
            visit.count += 1;
            visit.count.to_string()
        }),
    );
    router.layer(layer)
}

/// GET `path` with `cookie`; the status, the body and the response headers.
async fn get_with(base: &str, path: &str, cookie: &str) -> (u16, String, http::HeaderMap) {
    let r =
        reqwest::Client::new().get(format!("{base}{path}")).header("cookie", cookie).send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.text().await.unwrap(), headers)
}

backends::each!(a_kit_cookie_is_accepted_by_a_real_layer_and_the_response_reads_back);
async fn a_kit_cookie_is_accepted_by_a_real_layer_and_the_response_reads_back() {
    let layer = SessionLayer::with_interface(backends::current().interface(keys(3)));
    let kit = SessionKit::from(&layer);
    let base = serve(app(layer)).await;
    // The async calls work on every store, Redis included.
    let cookie = kit.cookie_async::<Visit>(|visit| visit.count = 41).await.unwrap();
    let (status, body, headers) = get_with(&base, "/count", &cookie).await;
    assert_eq!((status, body.as_str()), (200, "42"), "the layer accepted the kit's cookie");
    assert_eq!(kit.read_async::<Visit>(&headers).await.unwrap(), Visit { count: 42 });
    // Encrypted.
    let cookie = kit.cookie_async::<Sealed>(|sealed| sealed.count = 6).await.unwrap();
    let (_, body, headers) = get_with(&base, "/sealed", &cookie).await;
    assert_eq!(body, "7");
    assert_eq!(kit.read_async::<Sealed>(&headers).await.unwrap(), Sealed { count: 7 });
}

/// The synchronous calls, with the signed cookie and the memory store.
#[tokio::test]
async fn sync_calls_with_the_cookie_and_the_memory_store() {
    for backend in [backends::Backend::cookie(), backends::Backend::memory()] {
        let layer = SessionLayer::with_interface(backend.interface(keys(4)));
        let kit = SessionKit::from(&layer);
        let base = serve(app(layer)).await;
        let (_, body, headers) = get_with(&base, "/count", &kit.cookie(Visit { count: 1 }).unwrap()).await;
        assert_eq!(body, "2", "{}", backend.name());
        assert_eq!(kit.read::<Visit>(&headers).unwrap().count, 2);
        if backend.is_server_side() {
            let id = kit.cookie(Visit { count: 1 }).unwrap();
            assert!(!id.contains("count"), "server-side the cookie holds an id only");
        }
    }
}

#[cfg(feature = "flask")]
#[tokio::test]
async fn the_flask_format() {
    let layer = SessionLayer::with_interface(backends::Backend::cookie().interface(keys(5)));
    let kit = SessionKit::from(&layer);
    let base = serve(app(layer)).await;
    let cookie = kit.cookie(FlaskVisit { count: 10 }).unwrap();
    assert!(cookie.starts_with("flask_visit=ey"), "Flask's itsdangerous token: {cookie}");
    let (_, body, headers) = get_with(&base, "/flask", &cookie).await;
    assert_eq!(body, "11");
    assert_eq!(kit.read::<FlaskVisit>(&headers).unwrap(), FlaskVisit { count: 11 });
}

/// A layer's run-time config reaches the kit built from it.
#[tokio::test]
async fn a_kit_from_a_configured_layer_uses_its_config() {
    let layer = SessionLayer::with_interface(backends::Backend::cookie().interface(keys(6)))
        .configure::<Visit>(|c| c.name("renamed"))
        .unwrap();
    let kit = SessionKit::from(&layer);
    let cookie = kit.cookie(Visit { count: 1 }).unwrap();
    assert!(cookie.starts_with("renamed="), "{cookie}");
    let (_, body, headers) = get_with(&serve(app(layer)).await, "/count", &cookie).await;
    assert_eq!(body, "2");
    assert_eq!(kit.read::<Visit>(&headers).unwrap().count, 2);
    // A kit without the override looks for `visit=` and says so.
    let plain = SessionKit::new(backends::Backend::cookie().interface(keys(6)));
    assert!(matches!(plain.read::<Visit>(&headers), Err(KitError::NoCookie { name }) if name == "visit"));
}

#[tokio::test]
async fn responses_without_a_readable_session_are_clear_errors() {
    let layer = SessionLayer::with_interface(backends::Backend::cookie().interface(keys(7)));
    let kit = SessionKit::from(&layer);
    let base = serve(app(layer)).await;
    let cookie = kit.cookie(Visit { count: 1 }).unwrap();

    // No Set-Cookie at all.
    let err = kit.read::<Visit>(&http::Response::new(())).unwrap_err();
    assert!(matches!(&err, KitError::NoCookie { name } if name == "visit"), "{err:?}");
    assert!(err.to_string().contains("sets no `visit` cookie"), "{err}");
    // The handler cleared the session: a delete cookie.
    let (_, body, headers) = get_with(&base, "/clear", &cookie).await;
    assert_eq!(body, "cleared");
    let err = kit.read::<Visit>(&headers).unwrap_err();
    assert!(matches!(err, KitError::Deleted { .. }), "{err:?}");
    // Read with other keys: the cookie does not verify.
    let (_, _, headers) = get_with(&base, "/count", &cookie).await;
    let stranger = SessionKit::new(backends::Backend::cookie().interface(keys(8)));
    let err = stranger.read::<Visit>(&headers).unwrap_err();
    assert!(matches!(err, KitError::Rejected { rejection: Rejection::BadSignature, .. }), "{err:?}");
    assert!(err.to_string().contains("the app's backend"), "{err}");
    // Garbage in a Set-Cookie line for the name.
    let mut garbage = http::HeaderMap::new();
    garbage.append("set-cookie", "visit=not.a.cookie; Path=/".parse().unwrap());
    assert!(matches!(
        kit.read::<Visit>(&garbage),
        Err(KitError::Rejected { rejection: Rejection::Malformed, .. })
    ));
    // A default session has no cookie to make.
    assert!(matches!(kit.cookie(Visit::default()), Err(KitError::DefaultSession { .. })));
    // No key: saving fails, with the runtime's message.
    let keyless = SessionKit::new(Arc::new(SecureCookieSessionInterface::without_keys()));
    let err = keyless.cookie(Visit { count: 1 }).unwrap_err();
    assert!(matches!(err, KitError::Save(_)) && err.to_string().contains("secret key"), "{err}");
}

// ---- docs/guide.md, "Testing your handlers": the same code (rustfmt wraps two lines here) ----
mod guide_example {
    use axum::{Router, body::Body, routing::get};
    use serde::{Deserialize, Serialize};
    use session_runtime::test_util::SessionKit;
    use session_runtime::{
        Keys, SecretKey, SecureCookieSessionInterface, Session, Tracked, tower::SessionLayer,
    };
    use std::sync::Arc;
    use tower::ServiceExt; // oneshot

    #[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
    #[session(name = "visit")]
    struct Visit {
        user: Option<String>,
        count: u32,
    }

    async fn count(mut visit: Tracked<Visit>) -> String {
        visit.count += 1;
        format!("{} visits", visit.count)
    }

    fn app(layer: SessionLayer) -> Router {
        Router::new().route("/", get(count)).layer(layer)
    }

    #[tokio::test]
    async fn count_goes_up_from_the_session_we_gave() -> Result<(), Box<dyn std::error::Error>> {
        let backend = Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?)));
        let layer = SessionLayer::with_interface(backend);
        let kit = SessionKit::from(&layer); // same backend, same run-time configs

        // Like Flask's `session_transaction`: start from a session of our choosing.
        let request =
            kit.request_with(Visit { user: Some("ada".into()), count: 41 })?.uri("/").body(Body::empty())?;
        let response = app(layer).oneshot(request).await?;

        assert_eq!(response.status(), 200);
        assert_eq!(kit.read::<Visit>(&response)?, Visit { user: Some("ada".into()), count: 42 });
        Ok(())
    }
}

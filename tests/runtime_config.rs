//! Cookie settings chosen at run time (issue 18 §2): `configure::<T>` on the tower layer and the
//! actix middleware changes a derived type's `Domain`/`Secure` for every request, over real HTTP
//! on 127.0.0.1, on every backend; an override that breaks a cookie rule is an error when the
//! layer is built, with the derive's message; and `Session::configure` feeds `open_with`.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use server::{client, serve, set_cookies};
use session_runtime::actix::SessionMiddleware;
use session_runtime::tower::SessionLayer;
use session_runtime::{ConfigError, CookieConfigBuilder, Keys, SameSite, SecretKey, Session, Tracked};

/// As deployed: HTTPS only, host-only.
#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "visit", secure, same_site = "strict")]
struct Visit {
    count: u32,
}

/// A `__Host-` cookie: the prefix's rules hold for overrides too.
#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "__Host-account", secure)]
struct Account {
    user: String,
}

/// Another type on the same layer, not overridden.
#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "prefs", secure)]
struct Prefs {
    dark: bool,
}

async fn count(mut visit: Tracked<Visit>, mut prefs: Tracked<Prefs>) -> String {
    visit.count += 1;
    prefs.dark = true;
    visit.count.to_string()
}

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[18u8; 32][..]).expect("32 bytes"))
}

/// The `Set-Cookie` line of cookie `name`.
fn line<'a>(lines: &'a [String], name: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name}: {lines:?}"))
}

backends::each!(overridden_domain_and_secure_are_in_the_set_cookie);
async fn overridden_domain_and_secure_are_in_the_set_cookie() {
    let layer = SessionLayer::with_interface(backends::current().interface(keys()))
        .configure::<Visit>(|c| c.domain("example.com").secure(false))
        .expect("a valid override");
    let base = serve(Router::new().route("/", get(count)).layer(layer)).await;
    // No cookie jar: the Domain is not the loopback host, so a browser would not send it back;
    // the test looks at the header the server wrote.
    let r = reqwest::Client::new().get(&base).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let lines = set_cookies(&r);
    let visit = line(&lines, "visit");
    assert!(visit.contains("; Domain=example.com"), "{visit}");
    assert!(!visit.contains("Secure"), "secure(false) overrides #[session(secure)]: {visit}");
    assert!(visit.contains("; SameSite=Strict"), "what is not overridden stays: {visit}");
    let prefs = line(&lines, "prefs");
    assert!(prefs.contains("; Secure") && !prefs.contains("Domain="), "other types keep theirs: {prefs}");
}

// The override applies to eagerly opened sessions too, and the session reads back through it.
backends::each!(eager_sessions_use_the_override_and_read_back);
async fn eager_sessions_use_the_override_and_read_back() {
    let layer = SessionLayer::with_interface(backends::current().interface(keys()))
        .configure::<Visit>(|c| c.secure(false).permanent(true))
        .expect("valid")
        .eager::<Visit>();
    let base =
        serve(Router::new().route("/", get(count)).route("/idle", get(|| async { "idle" })).layer(layer))
            .await;
    let c = client();
    for expected in ["1", "2"] {
        assert_eq!(c.get(&base).send().await.unwrap().text().await.unwrap(), expected);
    }
    // An eager, permanent session is refreshed on a route that never touches it, with the
    // overridden attributes (no Secure, so the plain-HTTP jar kept sending it).
    let r = c.get(format!("{base}/idle")).send().await.unwrap();
    let lines = set_cookies(&r);
    let visit = line(&lines, "visit");
    assert!(visit.contains("; Expires=") && !visit.contains("Secure"), "{visit}");
}

#[test]
fn an_invalid_override_is_an_error_when_the_layer_is_built() {
    let host = |change: fn(CookieConfigBuilder) -> CookieConfigBuilder| {
        SessionLayer::new().configure::<Account>(change).unwrap_err()
    };
    assert_eq!(host(|c| c.domain("example.com")), ConfigError::HostPrefixWithDomain);
    assert_eq!(host(|c| c.secure(false)), ConfigError::HostPrefixNeedsSecure);
    assert_eq!(host(|c| c.path("/app")), ConfigError::HostPrefixWithPath);
    let visit = |change: fn(CookieConfigBuilder) -> CookieConfigBuilder| {
        SessionLayer::new().configure::<Visit>(change).unwrap_err()
    };
    assert_eq!(
        visit(|c| c.same_site(Some(SameSite::None)).secure(false)),
        ConfigError::SameSiteNoneNeedsSecure
    );
    assert_eq!(visit(|c| c.secure(false).partitioned(true)), ConfigError::PartitionedNeedsSecure);
    assert!(matches!(visit(|c| c.domain("evil.com; Secure")), ConfigError::Domain(..)));
    assert!(matches!(visit(|c| c.lifetime("401d")), ConfigError::LifetimeTooLong(_)));
    // The message is the derive's, and names the fix.
    let message = host(|c| c.domain("example.com")).to_string();
    assert!(message.contains("__Host-") && message.contains("domain"), "{message}");
    // The actix middleware checks the same rules.
    let err = SessionMiddleware::new().configure::<Account>(|c| c.domain("example.com")).unwrap_err();
    assert_eq!(err, ConfigError::HostPrefixWithDomain);
    // A valid override of a `__Host-` type: rename it to carry a domain.
    assert!(SessionLayer::new().configure::<Account>(|c| c.name("account").domain("example.com")).is_ok());
}

#[test]
fn session_configure_feeds_open_with() {
    let backend = backends::Backend::cookie().interface(keys());
    let config = Arc::new(Visit::configure(|c| c.domain("example.com").secure(false)).expect("valid"));
    let mut visit =
        Tracked::<Visit>::open_with(Arc::clone(&backend), Arc::clone(&config), &http::Request::new(()));
    visit.count = 7;
    let mut response = http::Response::new(());
    visit.save(&mut response).expect("saved");
    let line = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        line.starts_with("visit=") && line.contains("; Domain=example.com") && !line.contains("Secure"),
        "{line}"
    );
    let pair = line.split(';').next().unwrap();
    let request = http::Request::builder().header("cookie", pair).body(()).unwrap();
    assert_eq!(Tracked::<Visit>::open_with(backend, config, &request).count, 7);
}

/// The actix middleware over loopback HTTP: the override is in its `Set-Cookie` too.
#[test]
fn actix_middleware_applies_the_override() {
    let (sender, receiver) = std::sync::mpsc::channel();
    let backend = backends::Backend::cookie().interface(keys());
    let middleware = SessionMiddleware::with_interface(backend)
        .configure::<Visit>(|c| c.domain("example.com").secure(false))
        .expect("valid");
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                actix_web::App::new().wrap(middleware.clone()).route("/", actix_web::web::get().to(count))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .expect("bind loopback");
            sender.send(server.addrs()[0]).expect("send addr");
            server.run().await.expect("serve");
        });
    });
    let base = format!("http://{}", receiver.recv().unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let lines = runtime.block_on(async { set_cookies(&reqwest::get(&base).await.unwrap()) });
    let visit = line(&lines, "visit");
    assert!(visit.contains("; Domain=example.com") && !visit.contains("Secure"), "{visit}");
    assert!(line(&lines, "prefs").contains("; Secure"));
}

/// The demo app reads its cookie settings from the environment through the same override.
#[tokio::test]
async fn the_demo_reads_secure_and_domain_from_the_environment() {
    let env = |name: &str| match name {
        "SESSION_COOKIE_SECURE" => Some("true".to_owned()),
        "SESSION_COOKIE_DOMAIN" => Some("example.com".to_owned()),
        _ => None,
    };
    let backend = backends::Backend::cookie().interface(keys());
    let layer = session_workspace::demo::configured_layer(Arc::clone(&backend), env).expect("valid settings");
    let base = serve(session_workspace::demo::router_with(layer)).await;
    let r = client().post(format!("{base}/count")).send().await.unwrap();
    let lines = set_cookies(&r);
    let demo = line(&lines, "demo_session");
    assert!(demo.contains("; Domain=example.com") && demo.contains("; Secure"), "{demo}");
    // Unset, the demo keeps its plain-HTTP defaults; a bad value stops it before it serves.
    let plain = session_workspace::demo::configured_layer(Arc::clone(&backend), |_| None);
    assert!(plain.is_ok());
    let err = session_workspace::demo::configured_layer(backend, |name| {
        (name == "SESSION_COOKIE_DOMAIN").then(|| "bad domain".to_owned())
    })
    .unwrap_err();
    assert!(err.to_string().contains("domain"), "{err}");
}

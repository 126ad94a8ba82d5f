//! The process-wide key ring from the environment, end to end: `SESSION_SECRET_KEY` signs,
//! `SESSION_SECRET_KEY_FALLBACKS` still verifies, through every entry point that takes no explicit
//! interface — `Visit::open`/`save` on plain hyper, `SessionLayer::new()` under axum and
//! `SessionMiddleware::new()` under actix — over loopback HTTP with reqwest's cookie jar.
//!
//! The ring is read from the environment once per process, and setting a variable while other
//! test threads run is a data race, so each test runs itself again in a child process whose
//! environment holds the keys (its own test binary, so no other test can have opened a session
//! first). The parent passes only when the child ran that one test and it passed.

use std::convert::Infallible;
use std::process::Command;
use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use reqwest::cookie::{CookieStore, Jar};
use serde::{Deserialize, Serialize};
use session_runtime::actix::SessionMiddleware;
use session_runtime::tower::SessionLayer;
use session_runtime::{
    Keys, Rejection, SecretKey, SecureCookieSessionInterface, Session, SessionInterface, Tracked,
};

/// The keys the child gets: at least 32 bytes each, as the native format requires.
const CURRENT: &str = "global-ring-current-key-0123456789abcdef";
const OLD: &str = "global-ring-retired-key-0123456789abcdef";
/// Set in the child's environment: run the test's body instead of spawning.
const CHILD: &str = "SESSION_GLOBAL_KEYS_CHILD";

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "visit")]
struct Visit {
    count: u32,
}

/// In the parent: runs `test` alone in a child process with the keys in its environment, asserts
/// that it passed, and returns `false`. In the child: `true`, so the caller runs the body.
fn in_child_with_env_keys(test: &str) -> bool {
    if std::env::var_os(CHILD).is_some() {
        assert_eq!(std::env::var("SESSION_SECRET_KEY").as_deref(), Ok(CURRENT), "the child's key");
        return true;
    }
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("SESSION_SECRET_KEY", CURRENT)
        .env("SESSION_SECRET_KEY_FALLBACKS", format!("an-even-older-key-0123456789abcdef, {OLD}"))
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{test} failed in the child:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok. 1 passed"), "the child did not run {test}:\n{stdout}");
    false
}

fn key(text: &str) -> SecretKey {
    SecretKey::from_legacy(text.as_bytes()).expect("key")
}

/// The count in `cookie` (`name=value`) as a backend holding only `ring` reads it.
fn read_with(ring: Keys, cookie: &str) -> Result<u32, Rejection> {
    let backend: Arc<dyn SessionInterface> = Arc::new(SecureCookieSessionInterface::new(ring));
    let request = http::Request::builder().header("cookie", cookie).body(()).expect("request");
    let visit = Visit::open_with(&backend, &request);
    visit.rejection().map_or(Ok(visit.count), Err)
}

/// A cookie for `count` signed with the retired key, as a client that last visited before the
/// rotation holds it.
fn signed_with_old_key(count: u32) -> String {
    let backend: Arc<dyn SessionInterface> = Arc::new(SecureCookieSessionInterface::new(Keys::new(key(OLD))));
    let mut visit = Visit::open_with(&backend, &http::Request::new(()));
    visit.count = count;
    let mut response = http::Response::new(());
    visit.save(&mut response).expect("save");
    response.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("pair").to_owned()
}

/// The round trip every entry point must pass, against a server whose `/` increments the count
/// and answers `visit N`.
async fn round_trip(base: &str) {
    let url: reqwest::Url = base.parse().expect("url");
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder().cookie_provider(Arc::clone(&jar)).build().expect("client");
    let visit = || async { client.get(base).send().await.expect("request").text().await.expect("body") };

    assert_eq!(visit().await, "visit 1", "a first visit sets the cookie");
    assert_eq!(visit().await, "visit 2", "the jar sent it back and the count was read");
    let cookie = jar.cookies(&url).expect("a cookie in the jar");
    let cookie = cookie.to_str().expect("ascii");
    assert_eq!(read_with(Keys::new(key(CURRENT)), cookie), Ok(2), "signed with SESSION_SECRET_KEY");
    assert_eq!(read_with(Keys::new(key(OLD)), cookie), Err(Rejection::BadSignature));

    // A cookie from before the rotation verifies under the fallback and is re-signed.
    jar.add_cookie_str(&format!("{}; Path=/", signed_with_old_key(41)), &url);
    assert_eq!(visit().await, "visit 42", "SESSION_SECRET_KEY_FALLBACKS verifies");
    let cookie = jar.cookies(&url).expect("a cookie in the jar");
    assert_eq!(read_with(Keys::new(key(CURRENT)), cookie.to_str().expect("ascii")), Ok(42), "re-signed");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

async fn plain_handler(request: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let mut visit = Visit::open(&request);
    visit.count += 1;
    let mut response = http::Response::new(Full::new(Bytes::from(format!("visit {}", visit.count))));
    visit.save(&mut response).expect("save with the global ring");
    Ok(response)
}

#[test]
fn plain_open_and_save_use_the_ring_from_the_environment() {
    if !in_child_with_env_keys("plain_open_and_save_use_the_ring_from_the_environment") {
        return;
    }
    runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let base = format!("http://{}/", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let connection =
                    http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(plain_handler));
                tokio::spawn(connection);
            }
        });
        round_trip(&base).await;
    });
}

async fn tracked_handler(mut visit: Tracked<Visit>) -> String {
    visit.count += 1;
    format!("visit {}", visit.count)
}

#[test]
fn the_tower_layer_uses_the_ring_from_the_environment() {
    if !in_child_with_env_keys("the_tower_layer_uses_the_ring_from_the_environment") {
        return;
    }
    runtime().block_on(async {
        let app =
            axum::Router::new().route("/", axum::routing::get(tracked_handler)).layer(SessionLayer::new());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let base = format!("http://{}/", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        round_trip(&base).await;
    });
}

#[test]
fn the_actix_middleware_uses_the_ring_from_the_environment() {
    if !in_child_with_env_keys("the_actix_middleware_uses_the_ring_from_the_environment") {
        return;
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(|| {
                App::new().wrap(SessionMiddleware::new()).route("/", web::get().to(tracked_handler))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .expect("bind");
            sender.send(server.addrs()[0]).expect("send the address");
            server.run().await.expect("actix server");
        });
    });
    let base = format!("http://{}/", receiver.recv().expect("the server's address"));
    runtime().block_on(round_trip(&base));
}

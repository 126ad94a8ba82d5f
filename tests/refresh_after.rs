//! `refresh_after` over loopback HTTP with a real cookie jar: under steady traffic a permanent
//! session is re-sent (and, server-side, its record's life extended) only once its cookie is
//! older than the threshold, instead of on every request, and it never lapses. Against every
//! backend, with a clock the test moves one second per request.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use server::{client, serve, set_cookies};
use session_runtime::tower::SessionLayer;
use session_runtime::{
    Clock, Keys, SecretKey, SecureCookieSessionInterface, ServerSideSessionInterface, Session,
    SessionInterface, Tracked,
};

/// Permanent, 100 s lifetime, re-sent only when its cookie is 20 s old or more.
#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "visit", permanent, lifetime = "100s", refresh_after = "20%")]
struct Visit {
    count: u32,
}

/// The same without `refresh_after`: Flask's behaviour, re-sent on every request.
#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "visit", permanent, lifetime = "100s")]
struct EveryRequest {
    count: u32,
}

/// A clock the test moves.
#[derive(Debug, Clone, Default)]
struct TestClock(Arc<AtomicU64>);

impl Clock for TestClock {
    fn now_unix(&self) -> Option<u64> {
        Some(self.0.load(Ordering::Relaxed))
    }
}

async fn bump<T: Session + Send + 'static + std::ops::DerefMut<Target = u32>>(
    mut visit: Tracked<T>,
) -> String {
    **visit += 1;
    (**visit).to_string()
}

impl std::ops::Deref for Visit {
    type Target = u32;
    fn deref(&self) -> &u32 {
        &self.count
    }
}
impl std::ops::DerefMut for Visit {
    fn deref_mut(&mut self) -> &mut u32 {
        &mut self.count
    }
}
impl std::ops::Deref for EveryRequest {
    type Target = u32;
    fn deref(&self) -> &u32 {
        &self.count
    }
}
impl std::ops::DerefMut for EveryRequest {
    fn deref_mut(&mut self) -> &mut u32 {
        &mut self.count
    }
}

async fn read<T: Session + Send + 'static + std::ops::Deref<Target = u32>>(visit: Tracked<T>) -> String {
    (**visit).to_string()
}

/// The backend under test, with `clock`.
fn backend(clock: &TestClock) -> Arc<dyn SessionInterface> {
    let keys = Keys::new(SecretKey::try_from(&[4u8; 32][..]).unwrap());
    match backends::current().store() {
        None => Arc::new(SecureCookieSessionInterface::new(keys).with_clock(clock.clone())),
        Some(store) => {
            Arc::new(ServerSideSessionInterface::with_store(keys, store).with_clock(clock.clone()))
        }
    }
}

/// One visit that sets the session, then `requests` reads one second apart; how many responses
/// carried a `Set-Cookie`, and the count the last read saw.
async fn steady_traffic<T>(requests: u64) -> (usize, String)
where
    T: Session + Send + 'static + std::ops::DerefMut<Target = u32>,
{
    let clock = TestClock::default();
    clock.0.store(1_700_000_000, Ordering::Relaxed);
    let router = Router::new()
        .route("/bump", post(bump::<T>))
        .route("/read", get(read::<T>))
        .layer(SessionLayer::with_interface(backend(&clock)));
    let base = serve(router).await;
    let http = client();
    assert_eq!(http.post(format!("{base}/bump")).send().await.unwrap().text().await.unwrap(), "1");
    let (mut sent, mut last) = (0, String::new());
    for _ in 0..requests {
        clock.0.fetch_add(1, Ordering::Relaxed);
        let response = http.get(format!("{base}/read")).send().await.unwrap();
        sent += set_cookies(&response).len();
        last = response.text().await.unwrap();
    }
    (sent, last)
}

backends::each!(refresh_after_cuts_the_cookies_sent_under_steady_traffic);
async fn refresh_after_cuts_the_cookies_sent_under_steady_traffic() {
    let (every, last) = steady_traffic::<EveryRequest>(200).await;
    assert_eq!(
        (every, last.as_str()),
        (200, "1"),
        "without refresh_after every response re-sends the cookie"
    );
    let (after, last) = steady_traffic::<Visit>(200).await;
    assert_eq!(last, "1", "the session never lapsed");
    // One refresh every 20 s of a 100 s lifetime: 200 requests a second apart re-send it 10 times.
    assert_eq!(after, 10, "{after} cookies sent");
    let saved = 100.0 * (1.0 - after as f64 / every as f64);
    eprintln!(
        "{}: {after} of {every} responses carried a Set-Cookie ({saved:.0} % fewer)",
        backends::current().name()
    );
    assert!(saved >= 80.0);
}

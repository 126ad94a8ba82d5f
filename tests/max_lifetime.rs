//! `max_lifetime`, the absolute limit, over loopback HTTP with a real cookie jar, against every
//! backend and (for cookie sessions) both the signed and the encrypted format: a session used
//! every 50 s never idles out, yet ends `max_lifetime` after it was issued, to the second; its
//! cookie never claims to live past that end; `renew()` issues it anew; and the idle `lifetime`
//! keeps its own boundary. A clock the test moves stands in for time.

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
    Clock, Keys, Rejection, SecretKey, SecureCookieSessionInterface, ServerSideSessionInterface, Session,
    SessionInterface, Tracked,
};

/// Idle for 100 s at most, and 300 s after sign-in at most however busy.
#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "remember", permanent, lifetime = "100s", max_lifetime = "300s")]
struct Remember {
    user: Option<String>,
}

/// The same, encrypted.
#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "remember", permanent, lifetime = "100s", max_lifetime = "300s", encrypted)]
struct SealedRemember {
    user: Option<String>,
}

const T0: u64 = 1_700_000_000;

/// A clock the test moves.
#[derive(Debug, Clone, Default)]
struct TestClock(Arc<AtomicU64>);

impl TestClock {
    fn set(&self, now: u64) {
        self.0.store(now, Ordering::Relaxed);
    }
}

impl Clock for TestClock {
    fn now_unix(&self) -> Option<u64> {
        Some(self.0.load(Ordering::Relaxed))
    }
}

/// The field both session types have.
trait User: Session + Send + 'static {
    fn user(&mut self) -> &mut Option<String>;
}
impl User for Remember {
    fn user(&mut self) -> &mut Option<String> {
        &mut self.user
    }
}
impl User for SealedRemember {
    fn user(&mut self) -> &mut Option<String> {
        &mut self.user
    }
}

/// Signs in: sets the user and renews the session (a new issue time, server-side a new id).
async fn login<T: User>(mut session: Tracked<T>) {
    *session.user() = Some("ada".into());
    session.renew();
}

/// Who the session says is signed in, or why it was refused.
async fn whoami<T: User>(mut session: Tracked<T>) -> String {
    match session.rejection() {
        Some(rejection) => rejection.kind().to_owned(),
        None => session.user().clone().unwrap_or_else(|| "nobody".into()),
    }
}

/// The backend under test, with `clock`.
fn backend(clock: &TestClock) -> Arc<dyn SessionInterface> {
    let keys = Keys::new(SecretKey::try_from(&[5u8; 32][..]).unwrap());
    match backends::current().store() {
        None => Arc::new(SecureCookieSessionInterface::new(keys).with_clock(clock.clone())),
        Some(store) => {
            Arc::new(ServerSideSessionInterface::with_store(keys, store).with_clock(clock.clone()))
        }
    }
}

/// A server and a client with a cookie jar, and the clock they share.
struct Visit {
    base: String,
    http: reqwest::Client,
    clock: TestClock,
}

impl Visit {
    async fn start<T: User>() -> Visit {
        let clock = TestClock::default();
        clock.set(T0);
        let router = Router::new()
            .route("/login", post(login::<T>))
            .route("/whoami", get(whoami::<T>))
            .layer(SessionLayer::with_interface(backend(&clock)));
        Visit { base: serve(router).await, http: client(), clock }
    }

    /// `POST /login` at `at`; the `Max-Age` of the cookie it set.
    async fn login(&self, at: u64) -> u64 {
        self.clock.set(at);
        let response = self.http.post(format!("{}/login", self.base)).send().await.unwrap();
        max_age(&response).expect("a sign-in sets the cookie")
    }

    /// `GET /whoami` at `at`: the answer and the `Max-Age` of the refreshed cookie, if one came.
    async fn whoami(&self, at: u64) -> (String, Option<u64>) {
        self.clock.set(at);
        let response = self.http.get(format!("{}/whoami", self.base)).send().await.unwrap();
        let max_age = max_age(&response);
        (response.text().await.unwrap(), max_age)
    }
}

fn max_age(response: &reqwest::Response) -> Option<u64> {
    let line = set_cookies(response).into_iter().next()?;
    let value = line.split("; ").find_map(|attribute| attribute.strip_prefix("Max-Age="))?;
    Some(value.parse().expect("a number"))
}

/// Signed in at `T0`, used every 50 s: who it is at `T0 + 300 + offset`.
async fn busy_session_at<T: User>(offset: i64) -> String {
    let visit = Visit::start::<T>().await;
    assert_eq!(visit.login(T0).await, 100, "a fresh session gets the whole idle lifetime");
    for step in 1..=5 {
        let (user, max_age) = visit.whoami(T0 + 50 * step).await;
        assert_eq!(user, "ada");
        // Refreshed each time, but never past the absolute end at T0 + 300.
        assert_eq!(max_age, Some(100.min(300 - 50 * step)), "at T0 + {}", 50 * step);
    }
    visit.whoami(T0.saturating_add_signed(300 + offset)).await.0
}

async fn the_absolute_limit_holds_to_the_second<T: User>() {
    assert_eq!(busy_session_at::<T>(-1).await, "ada");
    assert_eq!(busy_session_at::<T>(0).await, "ada");
    assert_eq!(busy_session_at::<T>(1).await, Rejection::SessionTooOld.kind());
}

backends::each!(the_absolute_limit_holds_to_the_second_on_every_backend);
async fn the_absolute_limit_holds_to_the_second_on_every_backend() {
    the_absolute_limit_holds_to_the_second::<Remember>().await;
}

#[tokio::test]
async fn the_absolute_limit_holds_to_the_second_encrypted() {
    backends::run(backends::Backend::Cookie, the_absolute_limit_holds_to_the_second::<SealedRemember>())
        .await;
}

/// Idle `lifetime` boundaries, unchanged by `max_lifetime`: 100 s after the last refresh is
/// still valid, 101 s is `Expired`.
async fn the_idle_limit_holds_to_the_second<T: User>() {
    for (offset, expected) in [(-1, "ada"), (0, "ada"), (1, Rejection::Expired.kind())] {
        let visit = Visit::start::<T>().await;
        visit.login(T0).await;
        let (user, _) = visit.whoami(T0.saturating_add_signed(100 + offset)).await;
        assert_eq!(user, expected, "idle for 100 {offset:+} s");
    }
}

backends::each!(the_idle_limit_holds_to_the_second_on_every_backend);
async fn the_idle_limit_holds_to_the_second_on_every_backend() {
    the_idle_limit_holds_to_the_second::<Remember>().await;
}

#[tokio::test]
async fn the_idle_limit_holds_to_the_second_encrypted() {
    backends::run(backends::Backend::Cookie, the_idle_limit_holds_to_the_second::<SealedRemember>()).await;
}

/// Signing in again renews the session: the absolute limit counts from the new sign-in.
async fn renewal_restarts_the_absolute_limit<T: User>() {
    let visit = Visit::start::<T>().await;
    visit.login(T0).await;
    for at in [T0 + 90, T0 + 180, T0 + 270] {
        assert_eq!(visit.whoami(at).await.0, "ada");
    }
    assert_eq!(visit.login(T0 + 280).await, 100, "renewed: the whole idle lifetime again");
    for at in [T0 + 370, T0 + 460, T0 + 550] {
        assert_eq!(visit.whoami(at).await.0, "ada", "at T0 + {}", at - T0);
    }
    // The refresh 10 s before the new end lives 10 s, not the idle 100 s.
    assert_eq!(visit.whoami(T0 + 570).await, ("ada".to_owned(), Some(10)));
    assert_eq!(visit.whoami(T0 + 580).await.0, "ada", "at the new end");
    // That refresh said `Max-Age=0`, so the jar dropped the cookie: nobody is signed in.
    assert_eq!(visit.whoami(T0 + 581).await.0, "nobody");
}

/// A client that keeps its cookie past what `Max-Age` told it (a copied cookie) is refused by
/// the server one second after the absolute end.
async fn a_kept_cookie_is_refused_after_the_end<T: User>() {
    let visit = Visit::start::<T>().await;
    visit.login(T0).await;
    for at in [T0 + 90, T0 + 180, T0 + 270] {
        visit.whoami(at).await;
    }
    let copied = visit.http.get(format!("{}/whoami", visit.base)).send().await.unwrap();
    let kept = set_cookies(&copied).into_iter().next().expect("refreshed");
    let pair = kept.split(';').next().unwrap().to_owned();
    visit.clock.set(T0 + 301);
    let replayed =
        client().get(format!("{}/whoami", visit.base)).header("cookie", pair).send().await.unwrap();
    assert_eq!(replayed.text().await.unwrap(), Rejection::SessionTooOld.kind());
}

backends::each!(a_kept_cookie_is_refused_after_the_end_on_every_backend);
async fn a_kept_cookie_is_refused_after_the_end_on_every_backend() {
    a_kept_cookie_is_refused_after_the_end::<Remember>().await;
}

backends::each!(renewal_restarts_the_absolute_limit_on_every_backend);
async fn renewal_restarts_the_absolute_limit_on_every_backend() {
    renewal_restarts_the_absolute_limit::<Remember>().await;
}

#[tokio::test]
async fn renewal_restarts_the_absolute_limit_encrypted() {
    backends::run(backends::Backend::Cookie, renewal_restarts_the_absolute_limit::<SealedRemember>()).await;
}

backends::each!(a_session_past_its_end_starts_over_on_sign_in);
/// After the absolute end the user signs in again and gets a new session, not the old one back.
async fn a_session_past_its_end_starts_over_on_sign_in() {
    let visit = Visit::start::<Remember>().await;
    visit.login(T0).await;
    for at in [T0 + 90, T0 + 180, T0 + 270] {
        visit.whoami(at).await;
    }
    assert_eq!(visit.whoami(T0 + 301).await.0, "SessionTooOld");
    assert_eq!(visit.login(T0 + 302).await, 100);
    assert_eq!(visit.whoami(T0 + 390).await.0, "ada");
}

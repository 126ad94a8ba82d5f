//! What the epoch tests share: revocable session types (native, sealed, fail-open), a clock the
//! tests move, and one server per call sharing the key ring.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use session_runtime::epoch::Epochs;
use session_runtime::{Clock, Keys, SecretKey, SecureCookieSessionInterface, Session, Tracked};

pub const START: u64 = 1_700_000_000;

#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(name = "account", revocable = "user")]
pub struct Account {
    pub user: Option<String>,
    pub visits: u32,
}

#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(name = "sealed", revocable = "user", encrypted)]
pub struct SealedAccount {
    pub user: Option<String>,
    pub visits: u32,
}

#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(name = "lenient", revocable = "user", fail_open)]
pub struct Lenient {
    pub user: Option<String>,
    pub visits: u32,
}

/// The user field and a counter, for each revocable type.
pub trait Signed: Session + Default + Send + 'static {
    fn user(&self) -> Option<&str>;
    fn set_user(&mut self, user: Option<&str>);
    fn visit(&mut self);
}

macro_rules! signed {
    ($($ty:ty),*) => {$(
        impl Signed for $ty {
            fn user(&self) -> Option<&str> { self.user.as_deref() }
            fn set_user(&mut self, user: Option<&str>) { self.user = user.map(str::to_owned) }
            fn visit(&mut self) { self.visits += 1 }
        }
    )*};
}
signed!(Account, SealedAccount, Lenient);

/// A clock the test moves, shared by the servers and their caches.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<AtomicU64>);

impl TestClock {
    pub fn new() -> Self {
        TestClock(Arc::new(AtomicU64::new(START)))
    }
    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::Relaxed);
    }
}

impl Clock for TestClock {
    fn now_unix(&self) -> Option<u64> {
        Some(self.0.load(Ordering::Relaxed))
    }
}

pub fn keys() -> Keys {
    static KEY: std::sync::OnceLock<SecretKey> = std::sync::OnceLock::new();
    Keys::new(KEY.get_or_init(|| SecretKey::generate().expect("a key")).clone())
}

/// A server checking revocable sessions against `epochs`, on `clock`.
pub fn server(epochs: &Epochs, clock: &TestClock) -> Arc<SecureCookieSessionInterface> {
    Arc::new(SecureCookieSessionInterface::new(keys()).with_clock(clock.clone()).with_epochs(epochs.clone()))
}

fn request(cookie: &str) -> http::Request<()> {
    http::Request::builder().header("cookie", cookie).body(()).expect("a request")
}

/// The `name=value` pair of the response's cookie, if it set one.
pub fn cookie_of(response: &http::Response<()>) -> Option<String> {
    let line = response.headers().get("set-cookie")?.to_str().ok()?;
    Some(line.split(';').next()?.to_owned())
}

pub async fn open<T: Signed>(server: &Arc<SecureCookieSessionInterface>, cookie: &str) -> Tracked<T> {
    Tracked::<T>::open_async(server.clone(), T::config(), &request(cookie)).await
}

pub fn open_sync<T: Signed>(server: &Arc<SecureCookieSessionInterface>, cookie: &str) -> Tracked<T> {
    Tracked::<T>::open_with(server.clone(), T::config(), &request(cookie))
}

/// Saves and returns the cookie the response set.
pub async fn save<T: Signed>(session: Tracked<T>) -> String {
    let mut response = http::Response::new(());
    session.save_async(&mut response).await.expect("saved");
    cookie_of(&response).expect("a cookie")
}

/// Signs `user` in on a new device: its cookie.
pub async fn sign_in<T: Signed>(server: &Arc<SecureCookieSessionInterface>, user: &str) -> String {
    let mut session = open::<T>(server, "").await;
    session.set_user(Some(user));
    save(session).await
}

//! Shared by the hostile-input and property tests: a session type, a backend with a fixed key ring
//! and clock, a signer for valid-MAC-over-anything cookies, and ways to send raw header bytes.
#![allow(dead_code)] // each test binary uses a different part

use std::cell::Cell;
use std::ops::ControlFlow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::__testing::{RawSigner, b64, timestamp};
use session_runtime::CookieSource;
use session_runtime::{
    CookieConfig, FixedClock, Keys, Rejection, SecretKey, SecureCookieSessionInterface, Tracked,
};

/// The clock of every backend here.
pub const NOW: u64 = 1_700_000_000;
/// The salt of every backend here.
pub const SALT: &[u8] = b"hostile-tests";
/// The default lifetime (31 days), the maximum age of a session.
pub const LIFETIME: u64 = 31 * 24 * 60 * 60;

/// A strict session type: every field required, unknown fields ignored (serde's default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub user: Option<String>,
    pub count: u32,
    pub cart: Vec<u64>,
}

/// The data that the valid cookies carry.
pub fn sample() -> Visit {
    Visit { user: Some("ada".to_owned()), count: 7, cart: vec![1, 2, 3] }
}

pub fn key(byte: u8) -> SecretKey {
    SecretKey::try_from(&[byte; 32][..]).unwrap()
}

/// Current key `0x11`, fallback `0x22`.
pub fn keys() -> Keys {
    Keys::new(key(0x11)).with_fallbacks([key(0x22)])
}

pub fn backend_with(keys: Keys, clock: u64, skew: u64) -> Arc<SecureCookieSessionInterface> {
    Arc::new(
        SecureCookieSessionInterface::new(keys)
            .with_salt(SALT)
            .with_clock(FixedClock(clock))
            .with_future_skew(skew),
    )
}

/// The standard backend: [`keys`], clock at [`NOW`], no future skew.
pub fn backend() -> Arc<SecureCookieSessionInterface> {
    backend_with(keys(), NOW, 0)
}

/// A signer with the current key and the backend's salt.
pub fn signer() -> RawSigner {
    RawSigner::new(&keys(), SALT)
}

/// A cookie value for `json` (the envelope) signed at `at` for cookie `session`, as `save` writes it.
pub fn signed_json(json: &str, at: u64) -> String {
    signer().sign_json("session", json.as_bytes(), at).unwrap()
}

/// A valid cookie value for [`sample`], signed now, made by a real `save`.
pub fn valid_value() -> String {
    save_value(&sample())
}

/// The cookie value a real `save` writes for `data` (with the standard backend and config).
pub fn save_value<T>(data: &T) -> String
where
    T: Serialize + serde::de::DeserializeOwned + Default + Clone,
{
    let mut session = Tracked::<T>::open_with(backend(), CookieConfig::DEFAULT, &RawHeaders::none());
    *session = data.clone();
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    cookie_value(&response).expect("a changed session sets a cookie")
}

/// The value of the first `Set-Cookie` in `response`.
pub fn cookie_value<B>(response: &http::Response<B>) -> Option<String> {
    let line = response.headers().get(http::header::SET_COOKIE)?.to_str().ok()?;
    let pair = line.split(';').next()?;
    Some(pair.split_once('=')?.1.to_owned())
}

/// A valid MAC over the raw `payload` and `timestamp` parts, for cookie `session`.
pub fn sign_raw(payload: &[u8], timestamp: &[u8]) -> Vec<u8> {
    signer().sign("session", payload, timestamp).unwrap()
}

/// A valid MAC over `b64(json)` and the canonical timestamp of `at`.
pub fn sign_json_parts(json: &[u8], at: u64) -> Vec<u8> {
    sign_raw(b64(json).as_bytes(), timestamp(at).as_bytes())
}

/// Raw `Cookie` header bytes handed to the runtime as they are (a proxy may let bytes through
/// that `http::HeaderValue` would refuse). Counts the headers the runtime asked for.
pub struct RawHeaders {
    pub headers: Vec<Vec<u8>>,
    pub visited: Cell<usize>,
}

impl RawHeaders {
    pub fn new(headers: Vec<Vec<u8>>) -> Self {
        RawHeaders { headers, visited: Cell::new(0) }
    }
    pub fn none() -> Self {
        Self::new(Vec::new())
    }
    pub fn one(header: impl Into<Vec<u8>>) -> Self {
        Self::new(vec![header.into()])
    }
}

impl CookieSource for RawHeaders {
    fn for_each_cookie_header(&self, visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>) {
        for header in &self.headers {
            self.visited.set(self.visited.get() + 1);
            if visit(header).is_break() {
                return;
            }
        }
    }
}

/// Opens [`Visit`] from raw headers with the standard backend and config.
pub fn open_raw(source: &RawHeaders) -> Tracked<Visit> {
    Tracked::open_with(backend(), CookieConfig::DEFAULT, source)
}

/// Opens [`Visit`] from one `Cookie` header.
pub fn open_header(header: impl Into<Vec<u8>>) -> Tracked<Visit> {
    open_raw(&RawHeaders::one(header))
}

/// Opens [`Visit`] from `session=<value>`.
pub fn open_value(value: impl AsRef<[u8]>) -> Tracked<Visit> {
    open_header([b"session=".as_slice(), value.as_ref()].concat())
}

/// The outcome of opening: `Ok(data)` when a cookie was accepted, else the rejection (`None` when
/// there was no cookie at all). Also checks the invariant every outcome shares: a refused cookie
/// gives the default data.
pub fn outcome(session: &Tracked<Visit>) -> Result<Visit, Option<Rejection>> {
    if session.is_new() {
        assert_eq!(**session, Visit::default(), "a refused cookie must give the default data");
        Err(session.rejection())
    } else {
        assert_eq!(session.rejection(), None);
        Ok((**session).clone())
    }
}

/// Asserts that opening `value` is refused with `expected`.
#[track_caller]
pub fn assert_refused(value: impl AsRef<[u8]>, expected: Rejection) {
    let value = value.as_ref();
    assert_eq!(
        outcome(&open_value(value)),
        Err(Some(expected)),
        "value {:?}",
        String::from_utf8_lossy(value)
    );
}

/// Asserts that opening `value` gives `expected` data.
#[track_caller]
pub fn assert_accepted(value: impl AsRef<[u8]>, expected: &Visit) {
    let value = value.as_ref();
    assert_eq!(
        outcome(&open_value(value)),
        Ok(expected.clone()),
        "value {:?}",
        String::from_utf8_lossy(value)
    );
}

/// The three parts of a well-formed value.
pub fn parts(value: &str) -> (&str, &str, &str) {
    let mut it = value.rsplitn(3, '.');
    let signature = it.next().unwrap();
    let timestamp = it.next().unwrap();
    let payload = it.next().unwrap();
    (payload, timestamp, signature)
}

//! Shared helpers for the workspace tests: backends with frozen clocks, requests carrying a
//! cookie, and reading `Set-Cookie` back.
#![allow(dead_code)]

use std::sync::Arc;

use session_runtime::{FixedClock, Keys, SecretKey, SecureCookieSessionInterface};

/// 2023-11-14T22:13:20Z.
pub const NOW: u64 = 1_700_000_000;

pub fn key(byte: u8) -> SecretKey {
    SecretKey::try_from(&[byte; 32][..]).expect("32-byte key")
}

pub fn backend_at(keys: Keys, now: u64) -> Arc<SecureCookieSessionInterface> {
    Arc::new(SecureCookieSessionInterface::new(keys).with_clock(FixedClock(now)))
}

pub fn backend(now: u64) -> Arc<SecureCookieSessionInterface> {
    backend_at(Keys::new(key(1)), now)
}

pub fn request(cookie: Option<&str>) -> http::Request<()> {
    let mut builder = http::Request::builder();
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    builder.body(()).expect("request")
}

pub fn response() -> http::Response<()> {
    http::Response::new(())
}

/// Every `Set-Cookie` line of a response.
pub fn set_cookies(response: &http::Response<()>) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().expect("ascii").to_owned()).collect()
}

/// Every `Vary` line of a response.
pub fn varies(response: &http::Response<()>) -> Vec<String> {
    response.headers().get_all("vary").iter().map(|v| v.to_str().expect("ascii").to_owned()).collect()
}

/// The `name=value` pair of the only `Set-Cookie`, as a browser would send it back.
pub fn cookie_pair(response: &http::Response<()>) -> String {
    let lines = set_cookies(response);
    assert_eq!(lines.len(), 1, "expected exactly one Set-Cookie: {lines:?}");
    lines[0].split(';').next().expect("pair").to_owned()
}

/// The value part of the only `Set-Cookie`.
pub fn cookie_value(response: &http::Response<()>) -> String {
    cookie_pair(response).split_once('=').expect("name=value").1.to_owned()
}

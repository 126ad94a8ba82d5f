//! End to end through the derive: a first response's cookie goes back in the next request, the
//! session is read, changed and saved again, and every `Set-Cookie` attribute matches the
//! `#[session(...)]` attributes. The backend has its own key and a fixed clock (no process-wide
//! key ring, so tests stay independent).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::{
    Error, FixedClock, Keys, SecretKey, SecureCookieSessionInterface, Session, SessionInterface,
};

const NOW: u64 = 1_700_000_000; // Tue, 14 Nov 2023 22:13:20 GMT

fn backend() -> Arc<dyn SessionInterface> {
    let key = SecretKey::generate().expect("the OS has randomness");
    Arc::new(SecureCookieSessionInterface::new(Keys::new(key)).with_clock(FixedClock(NOW)))
}

/// The `Set-Cookie` headers of a response, as strings.
fn set_cookies(response: &http::Response<()>) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().expect("ASCII header").to_owned())
        .collect()
}

/// `name=value` of a `Set-Cookie` line, for the next request's `Cookie` header.
fn cookie_pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().expect("split yields at least one part")
}

/// The attributes after `name=value`, in order.
fn attributes(set_cookie: &str) -> Vec<&str> {
    set_cookie.split("; ").skip(1).collect()
}

fn request_with(cookie: &str) -> http::Request<()> {
    http::Request::builder().header("cookie", cookie).body(()).expect("valid request")
}

#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(
    name = "__Secure-visit",
    domain = "example.com",
    path = "/app",
    secure,
    http_only = false,
    same_site = "strict",
    partitioned,
    permanent,
    lifetime = "12h30m",
    refresh_each_request = false,
    max_size = 2048
)]
struct Visit {
    count: u32,
    cart: Vec<u64>,
}

#[test]
fn round_trip_with_every_attribute() -> Result<(), Error> {
    let backend = backend();

    // First visit: no cookie; a change makes one.
    let mut visit = Visit::open_with(&backend, &http::Request::new(()));
    assert!(visit.is_new());
    assert!(visit.is_permanent(), "`permanent` makes new sessions permanent");
    visit.count += 1;
    visit.cart.push(7);
    let mut response = http::Response::new(());
    visit.save(&mut response)?;
    let first = set_cookies(&response);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(response.headers()["vary"], "Cookie");

    // Second request carries that cookie: the data comes back, then changes again.
    let request = request_with(cookie_pair(&first[0]));
    let mut visit = Visit::open_with(&backend, &request);
    assert_eq!(visit.rejection(), None);
    assert!(!visit.is_new());
    assert_eq!(*visit, Visit { count: 1, cart: vec![7] });
    visit.count += 1;
    visit.cart.push(8);
    let mut response = http::Response::new(());
    visit.save(&mut response)?;
    let second = set_cookies(&response);
    assert_eq!(second.len(), 1, "{second:?}");
    let line = &second[0];
    assert!(line.starts_with("__Secure-visit="), "{line}");
    assert_eq!(
        attributes(line),
        [
            "Domain=example.com",
            "Expires=Wed, 15 Nov 2023 10:43:20 GMT", // NOW + 12h30m
            "Max-Age=45000",
            "Secure",
            "Path=/app",
            "SameSite=Strict",
            "Partitioned",
        ],
        "no HttpOnly (http_only = false): {line}"
    );

    // Third request: the second cookie holds both changes.
    let visit = Visit::open_with(&backend, &request_with(cookie_pair(line)));
    assert_eq!(visit.into_inner(), Visit { count: 2, cart: vec![7, 8] });
    Ok(())
}

#[test]
fn refresh_each_request_false_sends_nothing_for_a_read() -> Result<(), Error> {
    let backend = backend();
    let mut visit = Visit::open_with(&backend, &http::Request::new(()));
    visit.count = 5;
    let mut response = http::Response::new(());
    visit.save(&mut response)?;
    let cookie = set_cookies(&response).remove(0);

    let visit = Visit::open_with(&backend, &request_with(cookie_pair(&cookie)));
    assert_eq!(visit.count, 5);
    let mut response = http::Response::new(());
    visit.save(&mut response)?;
    assert!(set_cookies(&response).is_empty(), "permanent, unchanged, refresh off: no cookie");
    assert_eq!(response.headers()["vary"], "Cookie", "it was read");
    Ok(())
}

#[test]
fn max_size_is_enforced() {
    let backend = backend();
    let mut visit = Visit::open_with(&backend, &http::Request::new(()));
    visit.cart = (0..400).map(|n| n * 1_000_003).collect();
    let mut response = http::Response::new(());
    match visit.save(&mut response) {
        Err(Error::TooLarge { limit, .. }) => assert_eq!(limit, 2048),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(set_cookies(&response).is_empty());
}

#[derive(Session, Serialize, Deserialize, Default, Debug)]
struct Plain {
    user: Option<String>,
}

#[test]
fn defaults_round_trip() -> Result<(), Error> {
    let backend = backend();
    let mut plain = Plain::open_with(&backend, &http::Request::new(()));
    plain.user = Some("ada".to_owned());
    let mut response = http::Response::new(());
    plain.save(&mut response)?;
    let line = set_cookies(&response).remove(0);
    assert!(line.starts_with("session="), "{line}");
    assert_eq!(attributes(&line), ["HttpOnly", "Path=/", "SameSite=Lax"], "not permanent: no Expires");

    // Refresh is on by default but the session is not permanent: a read sends nothing.
    let plain = Plain::open_with(&backend, &request_with(cookie_pair(&line)));
    assert_eq!(plain.user.as_deref(), Some("ada"));
    let mut response = http::Response::new(());
    plain.save(&mut response)?;
    assert!(set_cookies(&response).is_empty());
    Ok(())
}

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(same_site = "unset", http_only, permanent, lifetime = 60)]
struct Refreshing {
    n: u8,
}

#[test]
fn unset_same_site_and_refresh_on_each_request() -> Result<(), Error> {
    let backend = backend();
    let mut session = Refreshing::open_with(&backend, &http::Request::new(()));
    session.n = 1;
    let mut response = http::Response::new(());
    session.save(&mut response)?;
    let line = set_cookies(&response).remove(0);
    assert_eq!(
        attributes(&line),
        ["Expires=Tue, 14 Nov 2023 22:14:20 GMT", "Max-Age=60", "HttpOnly", "Path=/"],
        "no SameSite attribute: {line}"
    );

    // Permanent with refresh on (the default): a mere read re-sends the cookie.
    let session = Refreshing::open_with(&backend, &request_with(cookie_pair(&line)));
    assert_eq!(session.n, 1);
    let mut response = http::Response::new(());
    session.save(&mut response)?;
    assert_eq!(set_cookies(&response).len(), 1);
    Ok(())
}

#[test]
fn a_cookie_of_another_session_type_is_not_read() -> Result<(), Error> {
    let backend = backend();
    let mut plain = Plain::open_with(&backend, &http::Request::new(()));
    plain.user = Some("ada".to_owned());
    let mut response = http::Response::new(());
    plain.save(&mut response)?;
    let line = set_cookies(&response).remove(0);

    // Same value under another session's cookie name: the MAC binds the name.
    let value = cookie_pair(&line).trim_start_matches("session=");
    let visit = Visit::open_with(&backend, &request_with(&format!("__Secure-visit={value}")));
    assert!(visit.is_new());
    assert!(visit.rejection().is_some());
    Ok(())
}

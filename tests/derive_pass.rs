//! `#[derive(Session)]` inputs that must compile, and the configs they produce: every attribute,
//! every boolean form, generics, raw identifiers, `crate = "..."`. Each derived config is compared
//! with the one the runtime builder makes from the same settings.

#![deny(warnings)]

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::{
    CookieConfig, Keys, SameSite, SecretKey, SecureCookieSessionInterface, Session, SessionInterface,
};

fn builder() -> session_runtime::CookieConfigBuilder {
    CookieConfig::builder()
}

#[derive(Session, Serialize, Deserialize, Default)]
struct Defaults {
    count: u32,
}

#[test]
fn no_attributes_is_the_runtime_default() {
    assert_eq!(Defaults::CONFIG, CookieConfig::DEFAULT);
    assert_eq!(*Defaults::config(), CookieConfig::DEFAULT);
    assert!(std::ptr::eq(Defaults::config(), Defaults::config()), "config() is one static");
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session()]
struct EmptyList {}

#[test]
fn empty_attribute_list_and_no_fields() {
    assert_eq!(EmptyList::CONFIG, CookieConfig::DEFAULT);
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(
    name = "__Secure-app",
    domain = "example.com",
    path = "/app",
    secure,
    http_only = false,
    same_site = "none",
    partitioned,
    permanent = true,
    lifetime = "12h30m",
    refresh_each_request = false,
    max_size = 2048,
    format = "native",
    encrypted,
    accept_signed,
    crate = "::session_runtime"
)]
struct Everything {
    user: Option<String>,
}

#[test]
fn every_attribute() {
    let expected = builder()
        .name("__Secure-app")
        .domain("example.com")
        .path("/app")
        .secure(true)
        .http_only(false)
        .same_site(Some(SameSite::None))
        .partitioned(true)
        .permanent(true)
        .lifetime_secs(12 * 3600 + 30 * 60)
        .refresh_each_request(false)
        .max_size(2048)
        .format(session_runtime::Format::Native)
        .encrypted(true)
        .accept_signed(true)
        .build()
        .unwrap();
    assert_eq!(Everything::CONFIG, expected);
    assert_eq!(*Everything::config(), expected);
}

// The same settings spread over several attributes, with the other boolean spellings.
#[derive(Session, Serialize, Deserialize, Default)]
#[session(secure = true)]
#[session(http_only, permanent = false, partitioned = false, refresh_each_request = true)]
#[session(same_site = "Strict", lifetime = 90)]
struct Spread {
    n: u8,
}

#[test]
fn attributes_spread_and_boolean_forms() {
    let expected =
        builder().secure(true).same_site(Some(SameSite::Strict)).lifetime_secs(90).build().unwrap();
    assert_eq!(Spread::CONFIG, expected);
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(encrypted = true, accept_signed = false)]
struct SealedOnly {
    n: u8,
}

#[test]
fn encrypted_alone_and_explicit_false() {
    assert_eq!(SealedOnly::CONFIG, builder().encrypted(true).build().unwrap());
    assert!(SealedOnly::CONFIG.encrypted() && !SealedOnly::CONFIG.accept_signed());
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(secure = false, http_only = false, same_site = "unset", lifetime = "1w2d", permanent)]
struct Unset {
    n: u8,
}

#[test]
fn same_site_unset_and_false_flags() {
    let expected = builder()
        .secure(false)
        .http_only(false)
        .same_site(None)
        .lifetime("1w2d")
        .permanent(true)
        .build()
        .unwrap();
    assert_eq!(Unset::CONFIG, expected);
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "__Host-id", secure, path = "/", same_site = "lax", lifetime = "400d")]
struct HostPrefixed {
    id: u64,
}

#[test]
fn host_prefix_with_its_requirements_and_the_longest_lifetime() {
    assert_eq!(HostPrefixed::CONFIG.name(), "__Host-id");
    assert_eq!(HostPrefixed::CONFIG.lifetime_secs(), 400 * 86_400);
    assert_eq!(HostPrefixed::CONFIG.same_site(), Some(SameSite::Lax));
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(lifetime = "1s", max_size = 1)]
struct Smallest {
    n: u8,
}

#[test]
fn smallest_values() {
    assert_eq!(Smallest::CONFIG.lifetime_secs(), 1);
    assert_eq!(Smallest::CONFIG.max_size(), 1);
}

#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(name = "cart")]
struct Cart<T> {
    items: Vec<T>,
}

#[derive(Session, Serialize, Deserialize, Default)]
struct Note<'a, const N: usize>
where
    [u8; N]: Default,
{
    text: Cow<'a, str>,
    #[serde(skip)]
    scratch: [u8; N],
}

fn backend() -> Arc<dyn SessionInterface> {
    let key = SecretKey::generate().unwrap();
    Arc::new(SecureCookieSessionInterface::new(Keys::new(key)))
}

#[test]
fn generic_structs() {
    assert_eq!(Cart::<u64>::CONFIG.name(), "cart");
    assert_eq!(Cart::<String>::config().name(), "cart");
    let mut cart = Cart::<u64>::open_with(&backend(), &http::Request::new(()));
    cart.items.push(3);
    assert_eq!(cart.into_inner(), Cart { items: vec![3] });

    let note = Note::<'static, 4>::open_with(&backend(), &http::Request::new(()));
    assert_eq!(note.text, "");
    assert_eq!(note.scratch, [0; 4]);
    assert_eq!(Note::<'static, 4>::CONFIG, CookieConfig::DEFAULT);
}

#[test]
fn generic_bounds_through_the_trait() {
    fn name_of<S: Session>() -> &'static str {
        S::config().name()
    }
    assert_eq!(name_of::<Cart<u8>>(), "cart");
    assert_eq!(name_of::<Defaults>(), "session");
}

#[allow(non_camel_case_types)]
#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "raw")]
struct r#match {
    r#type: u8,
    r#fn: String,
}

#[test]
fn raw_identifiers() {
    assert_eq!(r#match::CONFIG.name(), "raw");
    let mut session = r#match::open_with(&backend(), &http::Request::new(()));
    session.r#type = 1;
    session.r#fn.push('x');
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    assert!(response.headers().contains_key("set-cookie"));
}

/// A framework that re-exports the runtime under another path.
mod framework {
    pub use session_runtime as sessions;
}

#[derive(framework::sessions::Session, Serialize, Deserialize, Default)]
#[session(crate = "crate::framework::sessions", name = "via_framework")]
struct ThroughFramework {
    n: u8,
}

#[test]
fn crate_path() {
    assert_eq!(<ThroughFramework as Session>::CONFIG.name(), "via_framework");
}

/// Without the trait in scope: the inherent `open`/`open_with` still work.
mod without_trait_import {
    use serde::{Deserialize, Serialize};

    #[derive(session_runtime::Session, Serialize, Deserialize, Default)]
    #[session(name = "plain")]
    pub struct Plain {
        pub n: u8,
    }

    #[test]
    fn inherent_open() {
        let plain = Plain::open(&http::Request::new(()));
        assert_eq!(plain.n, 0);
        assert_eq!(plain.config().name(), "plain");
        let plain = Plain::open_with(&super::backend(), &http::Request::new(()));
        assert!(plain.is_new());
    }
}

#[derive(Session, Serialize, Deserialize, Default)]
struct Renamed {
    #[serde(rename = "permanent")]
    _permanent: bool,
    #[serde(skip)]
    _flashes: u8,
}

#[test]
fn reserved_names_are_fine_when_not_written_as_such() {
    assert_eq!(Renamed::CONFIG, CookieConfig::DEFAULT);
}

/// The native format keeps the data under its own key in the envelope, so Flask's reserved keys
/// are ordinary field names there (docs/design.md, "The reserved keys").
#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq)]
#[session(name = "native_reserved")]
struct NativeReserved {
    _permanent: bool,
    #[serde(rename = "_flashes")]
    flashes: u8,
}

#[test]
fn reserved_names_are_fine_in_the_native_format() {
    let backend = backend();
    let mut session = NativeReserved::open_with(&backend, &http::Request::new(()));
    session._permanent = true;
    session.flashes = 2;
    session.flash("a flash message");
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    let cookie = set_cookie.split(';').next().unwrap();
    let request = http::Request::builder().header("cookie", cookie).body(()).unwrap();
    let mut session = NativeReserved::open_with(&backend, &request);
    assert!(!session.is_permanent(), "the field is not the flag");
    assert_eq!(session.take_flashes().len(), 1, "nor are the flashes the field");
    assert_eq!(session.into_inner(), NativeReserved { _permanent: true, flashes: 2 });
}

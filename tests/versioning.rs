//! Versioned session types without a server: a chain v1 → v2 → v3 opens every older cookie as
//! the newest type (property-tested over the data), re-writes it once (with `Vary: Cookie`, even
//! when the handler never touches the session) and then leaves it alone; an older server refuses
//! a newer cookie as `NewerVersion`, leaves it alone when the handler only reads, replaces it
//! when the handler changes the session and deletes it when the handler empties it; and a cookie
//! older than the chain, or whose data does not fit, is `Payload`.

use std::sync::Arc;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use session_runtime::{
    Keys, Rejection, SecretKey, SecureCookieSessionInterface, ServerSideSessionInterface, Session,
    SessionInterface, Tracked,
};

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "chain")]
struct V1 {
    count: u32,
    name: String,
}

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "chain", version = 2, migrate_from = "V1")]
struct V2 {
    visits: u64,
    names: Vec<String>,
}

impl From<V1> for V2 {
    fn from(old: V1) -> V2 {
        V2 { visits: old.count.into(), names: vec![old.name] }
    }
}

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "chain", version = 3, migrate_from = "V2")]
struct V3 {
    visits: u64,
    names: Vec<String>,
    upgraded_from: u32,
}

impl From<V2> for V3 {
    fn from(old: V2) -> V3 {
        V3 { visits: old.visits * 10, names: old.names, upgraded_from: 2 }
    }
}

/// Version 3 after the types before it were dropped: it migrates from nothing.
#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "chain", version = 3)]
struct V3Alone {
    visits: u64,
}

/// Version 4 reads version 3 only: the oldest cookies are no longer covered.
#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "chain", version = 4, migrate_from = "V3Alone")]
struct V4 {
    visits: u64,
}

impl From<V3Alone> for V4 {
    fn from(old: V3Alone) -> V4 {
        V4 { visits: old.visits }
    }
}

fn backend() -> Arc<dyn SessionInterface> {
    Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&[7; 32][..]).unwrap())))
}

fn request(cookie: Option<&str>) -> http::Request<()> {
    let mut request = http::Request::new(());
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
    }
    request
}

/// Saves `session`; the `name=value` pair it set, if any, and whether it said `Vary: Cookie`.
fn save<T: Session>(session: Tracked<T>) -> (Option<String>, bool) {
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    let pair = response
        .headers()
        .get("set-cookie")
        .map(|line| line.to_str().unwrap().split(';').next().unwrap().to_owned());
    (pair, response.headers().get("vary").is_some_and(|vary| vary == "Cookie"))
}

/// A cookie written by `data`'s type.
fn cookie_of<T: Session>(backend: &Arc<dyn SessionInterface>, data: T) -> String {
    let mut session = T::open_with(backend, &request(None));
    *session = data;
    save(session).0.unwrap()
}

fn open<T: Session>(backend: &Arc<dyn SessionInterface>, cookie: &str) -> Tracked<T> {
    T::open_with(backend, &request(Some(cookie)))
}

#[test]
fn every_older_cookie_opens_as_the_newest_type_and_is_rewritten_once() {
    let backend = backend();
    let v1 = cookie_of(&backend, V1 { count: 4, name: "ada".into() });
    let v2 = cookie_of(&backend, V2 { visits: 4, names: vec!["ada".into()] });
    let expected = V3 { visits: 40, names: vec!["ada".into()], upgraded_from: 2 };
    for old in [&v1, &v2] {
        let session = open::<V3>(&backend, old);
        assert_eq!((session.rejection(), &*session), (None, &expected));
        // Untouched by the handler: still written again, in version 3, with `Vary: Cookie`.
        let session = open::<V3>(&backend, old);
        assert!(session.is_modified());
        let (rewritten, vary) = save(session);
        let rewritten = rewritten.expect("a migrated cookie is re-written");
        assert!(vary);
        // The new cookie opens without a migration and is not re-sent.
        let again = open::<V3>(&backend, &rewritten);
        assert_eq!((again.rejection(), again.is_modified(), &*again), (None, false, &expected));
        assert_eq!(save(again).0, None);
    }
    // A version-3 cookie is what it says.
    let v3 = cookie_of(&backend, expected.clone());
    assert_eq!(*open::<V3>(&backend, &v3), expected);
}

#[test]
fn an_older_server_refuses_a_newer_cookie_and_replaces_or_deletes_it_only_on_a_change() {
    let backend = backend();
    let v3 = cookie_of(&backend, V3 { visits: 9, names: vec![], upgraded_from: 0 });
    for rejection in [open::<V1>(&backend, &v3).rejection(), open::<V2>(&backend, &v3).rejection()] {
        assert_eq!(rejection, Some(Rejection::NewerVersion));
    }
    assert!(Rejection::NewerVersion.to_string().contains("finish the deploy"));
    // A handler that only reads sends nothing: the newer cookie stays.
    let old = open::<V1>(&backend, &v3);
    assert_eq!((&*old, old.is_new()), (&V1::default(), true));
    assert_eq!(save(old), (None, true));
    // A change replaces it (a sign-in on an old server): the newer data is lost, the old data
    // is what the newer server then migrates.
    let mut old = open::<V1>(&backend, &v3);
    old.count += 1;
    old.flash("kept");
    let replaced = save(old).0.expect("the newer cookie is replaced");
    assert_eq!(open::<V1>(&backend, &replaced).count, 1);
    assert_eq!(open::<V3>(&backend, &replaced).visits, 10);
    // Emptying it deletes it (a sign-out on an old server is honoured).
    let mut old = open::<V2>(&backend, &v3);
    old.clear();
    let deleted = save(old).0.expect("a delete cookie");
    assert!(deleted.ends_with('='), "{deleted}");
}

#[test]
fn cookies_the_chain_does_not_cover_are_payload() {
    let backend = backend();
    let v1 = cookie_of(&backend, V1 { count: 1, name: "x".into() });
    let v2 = cookie_of(&backend, V2 { visits: 1, names: vec![] });
    assert_eq!(open::<V4>(&backend, &v1).rejection(), Some(Rejection::Payload));
    assert_eq!(open::<V4>(&backend, &v2).rejection(), Some(Rejection::Payload));
    let v3 = cookie_of(&backend, V3 { visits: 5, names: vec![], upgraded_from: 0 });
    assert_eq!(*open::<V4>(&backend, &v3), V4 { visits: 5 });
    assert_eq!(open::<V3Alone>(&backend, &v1).rejection(), Some(Rejection::Payload));
    // Data of the right version that does not fit the type.
    let v3 = cookie_of(&backend, V3Alone { visits: 5 });
    let wrong = cookie_of(&backend, V3 { visits: 5, names: vec![], upgraded_from: 0 });
    assert_eq!(*open::<V3Alone>(&backend, &v3), V3Alone { visits: 5 });
    assert_eq!(open::<V3Alone>(&backend, &wrong).rejection(), None, "extra fields are ignored");
    assert_eq!(open::<V3>(&backend, &v3).rejection(), Some(Rejection::Payload));
}

#[test]
fn server_side_records_are_migrated_and_saved_in_the_new_version() {
    let backend: Arc<dyn SessionInterface> =
        Arc::new(ServerSideSessionInterface::memory(Keys::new(SecretKey::try_from(&[9; 32][..]).unwrap())));
    let id = cookie_of(&backend, V1 { count: 2, name: "bo".into() });
    let migrated = open::<V2>(&backend, &id);
    assert_eq!((migrated.rejection(), migrated.visits), (None, 2));
    save(migrated);
    // The record is version 2 now: the old type refuses it, the new one reads it unmigrated.
    assert_eq!(open::<V1>(&backend, &id).rejection(), Some(Rejection::NewerVersion));
    let again = open::<V2>(&backend, &id);
    assert_eq!((again.is_modified(), &again.names[..]), (false, &["bo".to_owned()][..]));
    // An old server's change to it replaces it (the newer data is lost): the record now holds
    // version 1 data, which the new type migrates.
    let mut old = open::<V1>(&backend, &id);
    old.count = 100;
    save(old);
    assert_eq!(open::<V1>(&backend, &id).count, 100);
    assert_eq!(open::<V2>(&backend, &id).visits, 100);
    // And emptying it there deletes the record.
    let mut old = open::<V1>(&backend, &cookie_of(&backend, V2 { visits: 3, names: vec![] }));
    let record_cookie = {
        old.clear();
        save(old).0.expect("a delete cookie")
    };
    assert!(record_cookie.ends_with('='), "{record_cookie}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any version-1 data opens as `From` applied along the chain, as a signed or an encrypted
    /// cookie would hold it (the migration sits above the wire format).
    #[test]
    fn the_chain_is_from_applied_step_by_step(count in any::<u32>(), name in ".{0,40}", permanent in any::<bool>()) {
        let backend = backend();
        let data = V1 { count, name };
        let mut session = V1::open_with(&backend, &request(None));
        *session = data.clone();
        session.set_permanent(permanent);
        let cookie = save(session).0.unwrap();
        let opened = open::<V3>(&backend, &cookie);
        prop_assert_eq!(opened.rejection(), None);
        prop_assert_eq!(opened.is_permanent(), permanent);
        prop_assert_eq!(&*opened, &V3::from(V2::from(data)));
    }
}

//! A tab that sends the old cookie after another tab's sign-in rotated the id (the request left
//! before the sign-in's response arrived): the old id opens nothing of the signed-in session, a
//! read sends no cookie, a write is refused with `Error::Rotated` (409) instead of starting an
//! anonymous session whose cookie would replace the new one (signing the user out), and a
//! sign-out ends the session the id became. On the memory store, Redis and PostgreSQL, whose
//! forwarding entries say the id moved (`SessionStore::moved`). `tests/interleavings.rs` runs
//! the same case among every order of store calls.

#[path = "common/backends.rs"]
mod backends;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::backend::{Record, SaveMode, Written};
use session_runtime::{Error, Keys, Rejection, SecretKey, ServerSideSessionInterface, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "sid", permanent)]
struct Account {
    user: Option<String>,
    cart: u32,
}

fn server() -> Arc<ServerSideSessionInterface> {
    let store = backends::current().store().expect("a server-side backend");
    let keys = Keys::new(SecretKey::try_from(&[4u8; 32][..]).unwrap());
    Arc::new(ServerSideSessionInterface::with_store(keys, store).with_user_index("user"))
}

fn request(cookie: Option<&str>) -> http::Request<()> {
    let mut request = http::Request::builder();
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.body(()).unwrap()
}

fn lines(response: &http::Response<()>) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

fn pair(response: &http::Response<()>) -> String {
    lines(response)[0].split(';').next().unwrap().to_owned()
}

/// A signed-in session, then a sign-in that rotates it: (old cookie, new cookie).
async fn rotated(server: &Arc<ServerSideSessionInterface>) -> (String, String) {
    let mut account = Tracked::<Account>::open_async(server.clone(), Account::CONFIG, &request(None)).await;
    account.user = Some("ann".into());
    account.cart = 3;
    let mut response = http::Response::new(());
    account.save_async(&mut response).await.unwrap();
    let old = pair(&response);
    let mut account =
        Tracked::<Account>::open_async(server.clone(), Account::CONFIG, &request(Some(&old))).await;
    account.renew();
    let mut response = http::Response::new(());
    account.save_async(&mut response).await.unwrap();
    (old, pair(&response))
}

backends::tests!(a_stale_tab_reads_nothing_and_sends_nothing [] memory redis postgres);
async fn a_stale_tab_reads_nothing_and_sends_nothing() {
    let server = server();
    let (old, new) = rotated(&server).await;
    let stale = Tracked::<Account>::open_async(server.clone(), Account::CONFIG, &request(Some(&old))).await;
    assert_eq!((stale.user.clone(), stale.cart), (None, 0), "nothing of the signed-in session");
    assert_eq!(stale.rejection(), Some(Rejection::UnknownSession));
    let mut response = http::Response::new(());
    stale.save_async(&mut response).await.unwrap();
    assert!(lines(&response).is_empty(), "no cookie for the old id, no delete: {:?}", lines(&response));
    let live = Tracked::<Account>::open_async(server, Account::CONFIG, &request(Some(&new))).await;
    assert_eq!((live.user.as_deref(), live.cart), (Some("ann"), 3));
}

backends::tests!(a_stale_tabs_write_is_refused_not_a_new_session [] memory redis postgres);
async fn a_stale_tabs_write_is_refused_not_a_new_session() {
    let server = server();
    let (old, new) = rotated(&server).await;
    let mut stale =
        Tracked::<Account>::open_async(server.clone(), Account::CONFIG, &request(Some(&old))).await;
    stale.cart = 9;
    let mut response = http::Response::new(());
    let refused = stale.save_async(&mut response).await;
    assert!(matches!(refused, Err(Error::Rotated)), "{refused:?}");
    assert!(lines(&response).is_empty(), "{:?}", lines(&response));
    let live = Tracked::<Account>::open_async(server, Account::CONFIG, &request(Some(&new))).await;
    assert_eq!((live.user.as_deref(), live.cart), (Some("ann"), 3), "the write did not follow the rotation");
}

backends::tests!(a_stale_tabs_sign_out_ends_the_rotated_session [] memory redis postgres);
async fn a_stale_tabs_sign_out_ends_the_rotated_session() {
    let server = server();
    let (old, new) = rotated(&server).await;
    let mut stale =
        Tracked::<Account>::open_async(server.clone(), Account::CONFIG, &request(Some(&old))).await;
    stale.destroy();
    let mut response = http::Response::new(());
    stale.save_async(&mut response).await.unwrap();
    assert!(lines(&response)[0].contains("Max-Age=0"), "{:?}", lines(&response));
    let after = Tracked::<Account>::open_async(server, Account::CONFIG, &request(Some(&new))).await;
    assert!(after.is_new(), "the signed-in session ended: {:?}", after.user);
}

backends::tests!(a_stale_tabs_sign_out_then_write_starts_an_anonymous_session [] memory redis postgres);
async fn a_stale_tabs_sign_out_then_write_starts_an_anonymous_session() {
    let server = server();
    let (old, new) = rotated(&server).await;
    let mut stale =
        Tracked::<Account>::open_async(server.clone(), Account::CONFIG, &request(Some(&old))).await;
    stale.destroy();
    stale.cart = 1;
    let mut response = http::Response::new(());
    stale.save_async(&mut response).await.unwrap();
    let fresh = pair(&response);
    assert!(
        fresh != old && fresh != new && !lines(&response)[0].contains("Max-Age=0"),
        "{:?}",
        lines(&response)
    );
    let after = Tracked::<Account>::open_async(server.clone(), Account::CONFIG, &request(Some(&new))).await;
    assert!(after.is_new(), "the signed-in session ended: {:?}", after.user);
    let anonymous = Tracked::<Account>::open_async(server, Account::CONFIG, &request(Some(&fresh))).await;
    assert_eq!((anonymous.user.clone(), anonymous.cart), (None, 1), "only what the handler wrote");
}

backends::tests!(a_stale_tabs_write_after_clear_is_refused [] memory redis postgres);
async fn a_stale_tabs_write_after_clear_is_refused() {
    let server = server();
    let (old, new) = rotated(&server).await;
    let mut stale =
        Tracked::<Account>::open_async(server.clone(), Account::CONFIG, &request(Some(&old))).await;
    stale.clear();
    stale.cart = 1;
    let mut response = http::Response::new(());
    let refused = stale.save_async(&mut response).await;
    assert!(matches!(refused, Err(Error::Rotated)), "{refused:?}");
    assert!(lines(&response).is_empty(), "no cookie, no delete: {:?}", lines(&response));
    let live = Tracked::<Account>::open_async(server, Account::CONFIG, &request(Some(&new))).await;
    assert_eq!((live.user.as_deref(), live.cart), (Some("ann"), 3), "the signed-in session lives on");
}

backends::tests!(a_rotation_from_a_moved_or_gone_id_says_so [] memory redis postgres);
/// At the store: a rotation from an id another rotation already moved (a second tab's sign-in)
/// answers `Moved`, one from an id that is gone `Absent`, and neither writes the new id; an
/// update of either answers the same.
async fn a_rotation_from_a_moved_or_gone_id_says_so() {
    let store = backends::current().store().expect("a server-side backend");
    let run = backends::random_hex();
    let [old, new, other, gone, fresh] =
        ["old", "new", "other", "gone", "fresh"].map(|name| format!("{run}-{name}"));
    let ttl = std::time::Duration::from_secs(60);
    let create = |id, payload| Record::new(id, payload, ttl, SaveMode::Create);
    assert_eq!(store.save(create(&old, b"1")).await.unwrap(), Written::Saved);
    assert_eq!(store.save(create(&new, b"1").replacing(Some(&old))).await.unwrap(), Written::Saved);
    assert_eq!(store.save(create(&other, b"1").replacing(Some(&old))).await.unwrap(), Written::Moved);
    assert_eq!(store.load(&other).await.unwrap(), None);
    assert_eq!(store.save(create(&fresh, b"1").replacing(Some(&gone))).await.unwrap(), Written::Absent);
    assert_eq!(store.load(&fresh).await.unwrap(), None);
    // An update says so too, with or without compare-and-set (a store that said `Conflict`
    // would cost the commit one more read to find the same).
    let update = |id, expected: Option<&'static [u8]>| {
        Record::new(id, b"2", ttl, SaveMode::Update).with_expected(expected).extensible(true)
    };
    for expected in [Some(&b"1"[..]), None] {
        assert_eq!(store.save(update(&old, expected)).await.unwrap(), Written::Moved, "{expected:?}");
        assert_eq!(store.save(update(&gone, expected)).await.unwrap(), Written::Absent, "{expected:?}");
    }
    assert_eq!(store.load(&old).await.unwrap(), None);
}

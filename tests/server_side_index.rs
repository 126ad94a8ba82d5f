//! The user index (`with_user_index`) follows the session's user through every kind of write,
//! on every server-side store: a user changed by a plain write or by a write merged onto another
//! request's (the retry after a compare-and-set conflict), and a user id that is a number.
//! `revoke_user` of the old user must not end the session now another user's, and that of the
//! new user must.

#[path = "common/backends.rs"]
mod backends;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::{CookieConfig, Keys, SecretKey, ServerSideSessionInterface, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid")]
struct Account {
    user: Option<String>,
    uid: Option<u64>,
    count: u32,
}

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[6u8; 32][..]).unwrap())
}

fn backend(field: &str) -> Arc<ServerSideSessionInterface> {
    let store = backends::current().store().expect("a server-side backend");
    Arc::new(ServerSideSessionInterface::with_store(keys(), store).with_user_index(field))
}

fn request(cookie: Option<&str>) -> http::Request<()> {
    let mut builder = http::Request::builder();
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    builder.body(()).unwrap()
}

async fn open(backend: &Arc<ServerSideSessionInterface>, cookie: Option<&str>) -> Tracked<Account> {
    Tracked::open_async(backend.clone(), CookieConfig::DEFAULT, &request(cookie)).await
}

async fn save(session: Tracked<Account>) -> (session_runtime::SaveReport, Option<String>) {
    let mut response = http::Response::new(());
    let report = session.save_async(&mut response).await.unwrap();
    let cookie = response.headers().get("set-cookie").map(|line| {
        let line = line.to_str().unwrap();
        line.split(';').next().unwrap().to_owned()
    });
    (report, cookie)
}

/// A session of `user` (a fresh one per test and store: the names are unique per run).
async fn start(backend: &Arc<ServerSideSessionInterface>, user: &str) -> String {
    let mut session = open(backend, None).await;
    session.user = Some(user.to_owned());
    save(session).await.1.expect("a new session sets its cookie")
}

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{name}-{}-{nanos}", backends::current().name())
}

backends::server_side!(a_user_changed_by_a_write_moves_the_index);
/// Ann's session becomes Bob's through a plain write (no id rotation, no other request): revoking
/// Ann leaves it alone, revoking Bob ends it.
async fn a_user_changed_by_a_write_moves_the_index() {
    let backend = backend("user");
    let (ann, bob) = (unique("ann"), unique("bob"));
    let cookie = start(&backend, &ann).await;
    let mut session = open(&backend, Some(&cookie)).await;
    session.user = Some(bob.clone());
    save(session).await;
    assert_eq!(backend.revoke_user(&ann).await.unwrap(), 0, "no longer Ann's");
    assert_eq!(open(&backend, Some(&cookie)).await.user.as_deref(), Some(bob.as_str()));
    assert_eq!(backend.revoke_user(&bob).await.unwrap(), 1);
    assert_eq!(open(&backend, Some(&cookie)).await.user, None, "revoked");
}

backends::server_side!(a_user_changed_by_a_merged_write_moves_the_index);
/// Open A, open B; A makes Ann's session Bob's, B counts; save B, then A: A's write conflicts,
/// is merged onto B's record and retried. The retry must move the index from the user of the
/// record it overwrites (Ann) to Bob, as the first try would have.
async fn a_user_changed_by_a_merged_write_moves_the_index() {
    let backend = backend("user");
    let (ann, bob) = (unique("ann"), unique("bob"));
    let cookie = start(&backend, &ann).await;
    let (mut a, mut b) = (open(&backend, Some(&cookie)).await, open(&backend, Some(&cookie)).await);
    a.user = Some(bob.clone());
    b.count += 1;
    assert!(!save(b).await.0.merged);
    assert!(save(a).await.0.merged, "A was merged onto B's record");
    let now = open(&backend, Some(&cookie)).await;
    assert_eq!((now.user.as_deref(), now.count), (Some(bob.as_str()), 1));
    assert_eq!(backend.revoke_user(&ann).await.unwrap(), 0, "no longer Ann's");
    assert_eq!(open(&backend, Some(&cookie)).await.count, 1, "Bob's session lives");
    assert_eq!(backend.revoke_user(&bob).await.unwrap(), 1);
    assert_eq!(open(&backend, Some(&cookie)).await.user, None, "revoked");
}

backends::server_side!(a_numeric_user_id_is_indexed_as_its_decimal_text);
/// A user id that is a number (a database key) indexes the session under its decimal text.
async fn a_numeric_user_id_is_indexed_as_its_decimal_text() {
    let backend = backend("uid");
    let id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut session = open(&backend, None).await;
    session.uid = Some(id);
    let cookie = save(session).await.1.expect("a new session sets its cookie");
    assert_eq!(backend.revoke_user(&id.to_string()).await.unwrap(), 1);
    assert_eq!(open(&backend, Some(&cookie)).await.uid, None, "revoked");
}

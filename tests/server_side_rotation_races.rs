//! Requests that overlap a rotation (`cycle_id`, `renew`: a sign-in) or a sign-out (`destroy`),
//! each race forced into one order by driving `open_async`/`save_async` (or the store) in that
//! order, on the memory store, Redis and PostgreSQL (issue 24, items 1, 2, 5 and 8):
//! - a request whose id was rotated away sends no cookie, and its write is refused visibly
//!   (`Error::Rotated`, 409 through the layers), never followed into the new session;
//! - a sign-out that opened the old id ends the rotated session, in both orders;
//! - `destroy()` then a write starts the new session from the handler's write alone;
//! - the forwarding entry's life is a setting of each store (the Redis retry's idempotence is in
//!   tests/redis_write_stamp.rs).

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::{Error, Keys, Rejection, SecretKey, ServerSideSessionInterface, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "sid")]
struct Account {
    user: Option<String>,
    count: u32,
    note: Option<String>,
}

/// The same data, as a permanent session (refreshed on every request).
#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "sid", permanent)]
struct Remembered {
    user: Option<String>,
    count: u32,
}

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[8u8; 32][..]).unwrap())
}

fn server() -> Arc<ServerSideSessionInterface> {
    let store = backends::current().store().expect("a server-side backend");
    Arc::new(ServerSideSessionInterface::with_store(keys(), store).with_user_index("user"))
}

fn request(cookie: &str) -> http::Request<()> {
    http::Request::builder().header("cookie", cookie).body(()).unwrap()
}

/// Every `Set-Cookie` line of a response.
fn lines(response: &http::Response<()>) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// The `name=value` pair of the response's only cookie.
fn pair(response: &http::Response<()>) -> String {
    let lines = lines(response);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].split(';').next().unwrap().to_owned()
}

async fn open<T: Session + Default>(server: &Arc<ServerSideSessionInterface>, cookie: &str) -> Tracked<T> {
    Tracked::<T>::open_async(server.clone(), T::config(), &request(cookie)).await
}

/// A new session holding `account`; its cookie.
async fn create<T: Session + Default>(
    server: &Arc<ServerSideSessionInterface>,
    set: impl FnOnce(&mut T),
) -> String {
    let mut session = Tracked::<T>::open_async(server.clone(), T::config(), &http::Request::new(())).await;
    set(&mut session);
    let mut response = http::Response::new(());
    session.save_async(&mut response).await.unwrap();
    pair(&response)
}

/// How a sign-in gives the session a new id.
#[derive(Clone, Copy, Debug)]
enum SignIn {
    CycleId,
    Renew,
}

/// Signs `user` in on `session` (a new id) and returns the new cookie.
async fn sign_in(mut session: Tracked<Account>, user: &str, how: SignIn) -> String {
    session.user = Some(user.to_owned());
    match how {
        SignIn::CycleId => session.cycle_id(),
        SignIn::Renew => session.renew(),
    }
    let mut response = http::Response::new(());
    session.save_async(&mut response).await.unwrap();
    pair(&response)
}

// Item 1: a rotation never signs the user out again.

backends::tests!(a_write_through_a_rotated_id_is_refused_and_sends_no_cookie [] memory redis postgres);
/// Open A, open B (both with the anonymous cookie), B signs in (a new id), A writes: A's save
/// fails with `Error::Rotated` and sends nothing (a delete would drop the new cookie in the
/// browser), the signed-in session does not get A's write, and nothing lives under the old id.
async fn a_write_through_a_rotated_id_is_refused_and_sends_no_cookie() {
    let server = server();
    for how in [SignIn::CycleId, SignIn::Renew] {
        let old = create::<Account>(&server, |a| a.count = 1).await;
        let mut writer = open::<Account>(&server, &old).await;
        let signing_in = open::<Account>(&server, &old).await;
        let new = sign_in(signing_in, "alice", how).await;

        writer.count += 10;
        let mut response = http::Response::new(());
        let error = writer.save_async(&mut response).await.unwrap_err();
        assert!(matches!(error, Error::Rotated), "{how:?}: {error:?}");
        assert_eq!(lines(&response), Vec::<String>::new(), "{how:?}: no cookie at all");

        let signed_in = open::<Account>(&server, &new).await;
        assert_eq!((signed_in.user.as_deref(), signed_in.count), (Some("alice"), 1), "{how:?}: not followed");
        let stale = open::<Account>(&server, &old).await;
        assert_eq!(stale.rejection(), Some(Rejection::UnknownSession), "{how:?}");
    }
}

backends::tests!(a_refresh_through_a_rotated_id_sends_nothing [] memory redis postgres);
/// A permanent session is refreshed on every request. A read-only request that opened the old
/// id before a sign-in rotated it answers without any `Set-Cookie`: no `Max-Age=0`, and no
/// refresh of the old id either.
async fn a_refresh_through_a_rotated_id_sends_nothing() {
    let server = server();
    let old = create::<Remembered>(&server, |r| r.count = 1).await;
    let reader = open::<Remembered>(&server, &old).await;
    assert_eq!(reader.count, 1);
    let mut signing_in = open::<Remembered>(&server, &old).await;
    signing_in.user = Some("alice".into());
    signing_in.cycle_id();
    let mut response = http::Response::new(());
    signing_in.save_async(&mut response).await.unwrap();
    let new = pair(&response);

    let mut response = http::Response::new(());
    let report = reader.save_async(&mut response).await.unwrap();
    assert_eq!(lines(&response), Vec::<String>::new(), "nothing for the old id");
    assert!(!report.ended, "the session did not end: it moved");
    let signed_in = open::<Remembered>(&server, &new).await;
    assert_eq!(signed_in.user.as_deref(), Some("alice"));
}

backends::tests!(two_sign_ins_of_one_session_make_one_session_and_no_delete [] memory redis postgres);
/// Two tabs sign in with the same anonymous cookie: the first rotation wins, the second is
/// refused (`Error::Rotated`, no cookie), so one session and no sign-out.
async fn two_sign_ins_of_one_session_make_one_session_and_no_delete() {
    let server = server();
    let old = create::<Account>(&server, |a| a.count = 1).await;
    let first = open::<Account>(&server, &old).await;
    let mut second = open::<Account>(&server, &old).await;
    let new = sign_in(first, "alice", SignIn::CycleId).await;
    second.user = Some("alice".into());
    second.cycle_id();
    let mut response = http::Response::new(());
    let error = second.save_async(&mut response).await.unwrap_err();
    assert!(matches!(error, Error::Rotated), "{error:?}");
    assert_eq!(lines(&response), Vec::<String>::new());
    assert_eq!(open::<Account>(&server, &new).await.user.as_deref(), Some("alice"));
}

backends::tests!(a_layer_answers_409_without_a_cookie_for_a_write_through_a_rotated_id [] memory redis postgres);
/// Through the tower layer: a handler that writes while another request signs in gets `409
/// Conflict` and no `Set-Cookie` (the order forced: the writer's handler waits for the sign-in).
async fn a_layer_answers_409_without_a_cookie_for_a_write_through_a_rotated_id() {
    use axum::routing::post;
    use session_runtime::tower::SessionLayer;
    use tokio::sync::Notify;

    let server = server();
    let (opened, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (on_open, on_release) = (opened.clone(), release.clone());
    let slow_write = move |mut s: Tracked<Account>| {
        let (on_open, on_release) = (on_open.clone(), on_release.clone());
        async move {
            on_open.notify_one();
            on_release.notified().await;
            s.count += 1;
        }
    };
    let login = |mut s: Tracked<Account>| async move {
        s.user = Some("alice".into());
        s.cycle_id();
    };
    let app = axum::Router::new()
        .route("/write", post(slow_write))
        .route("/login", post(login))
        .layer(SessionLayer::with_interface(server.clone()));
    let base = server::serve(app).await;
    let old = create::<Account>(&server, |a| a.count = 1).await;
    let http = reqwest::Client::new();
    let write = tokio::spawn(http.post(format!("{base}/write")).header("cookie", &old).send());
    opened.notified().await;
    let login = http.post(format!("{base}/login")).header("cookie", &old).send().await.unwrap();
    assert_eq!(login.status(), 200);
    let new = server::set_cookies(&login)[0].split(';').next().unwrap().to_owned();
    release.notify_one();
    let write = write.await.unwrap().unwrap();
    assert_eq!(write.status(), 409);
    assert_eq!(server::set_cookies(&write), Vec::<String>::new());
    let signed_in = open::<Account>(&server, &new).await;
    assert_eq!((signed_in.user.as_deref(), signed_in.count), (Some("alice"), 1));
}

backends::tests!(an_ended_session_still_gets_its_delete_cookie [] memory redis postgres);
/// Telling "moved" from "ended" keeps the delete for a session that really ended: a write
/// whose session was destroyed meanwhile answers with the delete cookie, as before.
async fn an_ended_session_still_gets_its_delete_cookie() {
    let server = server();
    let old = create::<Account>(&server, |a| a.count = 1).await;
    let mut writer = open::<Account>(&server, &old).await;
    let mut signing_out = open::<Account>(&server, &old).await;
    signing_out.destroy();
    signing_out.save_async(&mut http::Response::new(())).await.unwrap();
    writer.count += 1;
    let mut response = http::Response::new(());
    let report = writer.save_async(&mut response).await.unwrap();
    assert!(report.ended);
    assert!(lines(&response)[0].contains("Max-Age=0"), "{:?}", lines(&response));
}

// Item 2: a sign-out follows a rotation, on every store, in both orders.

backends::tests!(a_sign_out_that_opened_the_old_id_ends_the_rotated_session [] memory redis postgres);
/// Open the sign-out, open the sign-in (both with the anonymous cookie), the sign-in rotates,
/// then the sign-out deletes: the signed-in session ends too. And the other order: the sign-out
/// deletes first, and the sign-in's rotation then finds nothing to rotate.
async fn a_sign_out_that_opened_the_old_id_ends_the_rotated_session() {
    let server = server();
    for how in [SignIn::CycleId, SignIn::Renew] {
        // Rotation first, then the sign-out.
        let old = create::<Account>(&server, |a| a.count = 1).await;
        let mut signing_out = open::<Account>(&server, &old).await;
        let signing_in = open::<Account>(&server, &old).await;
        let new = sign_in(signing_in, "alice", how).await;
        signing_out.destroy();
        let mut response = http::Response::new(());
        signing_out.save_async(&mut response).await.unwrap();
        assert!(lines(&response)[0].contains("Max-Age=0"), "{how:?}");
        let after = open::<Account>(&server, &new).await;
        assert_eq!(after.rejection(), Some(Rejection::UnknownSession), "{how:?}: the rotated session ended");

        // The sign-out first, then the rotation.
        let old = create::<Account>(&server, |a| a.count = 1).await;
        let mut signing_out = open::<Account>(&server, &old).await;
        let mut signing_in = open::<Account>(&server, &old).await;
        signing_out.destroy();
        signing_out.save_async(&mut http::Response::new(())).await.unwrap();
        signing_in.user = Some("alice".into());
        match how {
            SignIn::CycleId => signing_in.cycle_id(),
            SignIn::Renew => signing_in.renew(),
        }
        let mut response = http::Response::new(());
        let report = signing_in.save_async(&mut response).await.unwrap();
        assert!(report.ended, "{how:?}: nothing to rotate");
        assert!(lines(&response)[0].contains("Max-Age=0"), "{how:?}");
        assert_eq!(open::<Account>(&server, &old).await.rejection(), Some(Rejection::UnknownSession));
    }
}

backends::tests!(a_sign_out_follows_several_rotations [] memory redis postgres);
/// A sign-out that opened the first id ends the session three rotations later.
async fn a_sign_out_follows_several_rotations() {
    let server = server();
    let first = create::<Account>(&server, |a| a.count = 1).await;
    let mut signing_out = open::<Account>(&server, &first).await;
    let mut cookie = first;
    for _ in 0..3 {
        cookie = sign_in(open::<Account>(&server, &cookie).await, "alice", SignIn::CycleId).await;
    }
    signing_out.destroy();
    signing_out.save_async(&mut http::Response::new(())).await.unwrap();
    assert_eq!(open::<Account>(&server, &cookie).await.rejection(), Some(Rejection::UnknownSession));
}

backends::tests!(a_revocation_reaches_a_rotated_session_once [] memory redis postgres);
/// `revoke_user` after a rotation ends the rotated session and counts it once (the forwarding
/// entry is not a session of its own).
async fn a_revocation_reaches_a_rotated_session_once() {
    let server = server();
    let old = create::<Account>(&server, |a| a.user = Some("bob".into())).await;
    let new = sign_in(open::<Account>(&server, &old).await, "bob", SignIn::Renew).await;
    assert_eq!(server.revoke_user("bob").await.unwrap(), 1);
    assert_eq!(open::<Account>(&server, &new).await.rejection(), Some(Rejection::UnknownSession));
    assert_eq!(server.revoke_user("bob").await.unwrap(), 0);
}

// Item 5: nothing crosses a destroy.

backends::tests!(a_write_after_destroy_starts_from_the_handlers_data_alone [] memory redis postgres);
/// Signed in as alice. Open the sign-out, open another request, the other request changes the
/// signed-in session (count 5), then the sign-out destroys and writes a "signed out" note: the
/// new anonymous session holds the note only (not alice, not count 5), and the signed-in session
/// is gone.
async fn a_write_after_destroy_starts_from_the_handlers_data_alone() {
    let server = server();
    let signed_in = create::<Account>(&server, |a| a.user = Some("alice".into())).await;
    let mut signing_out = open::<Account>(&server, &signed_in).await;
    let mut other = open::<Account>(&server, &signed_in).await;
    other.count = 5;
    other.save_async(&mut http::Response::new(())).await.unwrap();

    signing_out.destroy();
    signing_out.note = Some("signed out".into());
    let mut response = http::Response::new(());
    signing_out.save_async(&mut response).await.unwrap();
    let anonymous = pair(&response);
    assert_ne!(anonymous, signed_in);
    let fresh = open::<Account>(&server, &anonymous).await;
    let expected = Account { note: Some("signed out".into()), ..Account::default() };
    assert_eq!((*fresh).clone(), expected, "nothing of the signed-in session crossed the destroy");
    let old = open::<Account>(&server, &signed_in).await;
    assert_eq!(old.rejection(), Some(Rejection::UnknownSession), "the signed-in session is deleted");
    assert_eq!(server.revoke_user("alice").await.unwrap(), 0, "and out of the user index");
}

backends::tests!(a_write_after_destroy_writing_the_old_data_back_is_still_a_new_session [] memory redis postgres);
/// `destroy()` and then the very data it cleared written back (the handler's choice) still makes
/// a new session from that data, not a rotation that merges the old session's later changes.
async fn a_write_after_destroy_writing_the_old_data_back_is_still_a_new_session() {
    let server = server();
    let signed_in = create::<Account>(&server, |a| a.user = Some("alice".into())).await;
    let mut signing_out = open::<Account>(&server, &signed_in).await;
    let mut other = open::<Account>(&server, &signed_in).await;
    other.count = 5;
    other.save_async(&mut http::Response::new(())).await.unwrap();
    signing_out.destroy();
    signing_out.user = Some("alice".into());
    let mut response = http::Response::new(());
    signing_out.save_async(&mut response).await.unwrap();
    let next = open::<Account>(&server, &pair(&response)).await;
    assert_eq!((next.user.as_deref(), next.count), (Some("alice"), 0));
    assert_eq!(open::<Account>(&server, &signed_in).await.rejection(), Some(Rejection::UnknownSession));
}

// Item 8: the life of a forwarding entry is a setting (the idempotent retry on Redis:
// tests/redis_write_stamp.rs).

/// A store of the current backend's kind with its forwarding entries living `life` and followed
/// `hops` times (the memory store follows any number).
fn store_with(life: std::time::Duration, hops: usize) -> Arc<dyn session_runtime::backend::SessionStore> {
    match backends::current() {
        backends::Backend::Memory(_) => Arc::new(session_runtime::MemoryStore::new().forwarding(life)),
        backends::Backend::Redis(_) => Arc::new(
            session_runtime::RedisStore::builder(backends::redis_url())
                .prefix(format!("test:{}:", backends::random_hex()))
                .forwarding(life)
                .forwarding_hops(hops)
                .build()
                .unwrap(),
        ),
        backends::Backend::Postgres(_) => Arc::new(
            session_runtime::PostgresStore::builder(backends::postgres_url())
                .table(format!("test_{}", backends::random_hex()))
                .forwarding(life)
                .forwarding_hops(hops)
                .build()
                .unwrap(),
        ),
        other => panic!("no forwarding on {}", other.name()),
    }
}

backends::tests!(the_life_of_a_forwarding_entry_is_a_setting [] memory redis postgres);
/// With forwarding entries living 50 ms, a request that outlives that after a rotation finds
/// the old id simply gone (the delete cookie of an ended session), not moved; with 10 minutes it
/// is still told the session moved. A sign-out follows 20 rotations with 32 hops allowed, and
/// Redis and PostgreSQL refuse a chain longer than 2 with 2.
async fn the_life_of_a_forwarding_entry_is_a_setting() {
    use std::time::Duration;
    for (life, moved) in [(Duration::from_millis(50), false), (Duration::from_secs(600), true)] {
        let server = Arc::new(ServerSideSessionInterface::with_store(keys(), store_with(life, 16)));
        let old = create::<Account>(&server, |a| a.count = 1).await;
        let mut late = open::<Account>(&server, &old).await;
        sign_in(open::<Account>(&server, &old).await, "alice", SignIn::CycleId).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        late.count = 2;
        let mut response = http::Response::new(());
        match late.save_async(&mut response).await {
            Err(Error::Rotated) => assert!(moved, "{life:?}: the entry should have expired"),
            Ok(report) => assert!(!moved && report.ended, "{life:?}: {report:?}"),
            Err(error) => panic!("{life:?}: {error:?}"),
        }
    }

    for (hops, rotations, follows) in [(32, 20, true), (2, 3, false)] {
        let memory = matches!(backends::current(), backends::Backend::Memory(_));
        let store = store_with(Duration::from_secs(60), hops);
        let server = Arc::new(ServerSideSessionInterface::with_store(keys(), store));
        let first = create::<Account>(&server, |a| a.count = 1).await;
        let mut signing_out = open::<Account>(&server, &first).await;
        let mut cookie = first;
        for _ in 0..rotations {
            cookie = sign_in(open::<Account>(&server, &cookie).await, "alice", SignIn::CycleId).await;
        }
        signing_out.destroy();
        let saved = signing_out.save_async(&mut http::Response::new(())).await;
        if follows || memory {
            saved.unwrap();
            assert_eq!(open::<Account>(&server, &cookie).await.rejection(), Some(Rejection::UnknownSession));
        } else {
            assert!(matches!(saved, Err(Error::Store(_))), "{hops} hops: {saved:?}");
        }
    }
}

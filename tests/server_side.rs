//! Server-side sessions over loopback HTTP, against the in-memory store and a real Redis: id
//! rotation, destroy, revocation, the signed id cookie, and the failure modes (store down at
//! open and at save, timeouts).

#[path = "common/backends.rs"]
mod backends;
#[path = "common/redis_process.rs"]
mod redis_process;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use server::{client, serve, set_cookies};
use session_runtime::test_util::SessionKit;
use session_runtime::tower::SessionLayer;
use session_runtime::{
    CookieConfig, Keys, RedisStore, Rejection, SecretKey, SecureCookieSessionInterface,
    ServerSideSessionInterface, Session, SessionInterface, StoreError, Tracked,
};

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid")]
struct Account {
    user: Option<String>,
    count: u32,
}

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[8u8; 32][..]).unwrap())
}

async fn login(mut s: Tracked<Account>, user: String) {
    s.user = Some(user);
    s.cycle_id();
}

async fn logout(mut s: Tracked<Account>) {
    s.destroy();
}

async fn bump(mut s: Tracked<Account>) -> String {
    s.count += 1;
    s.count.to_string()
}

async fn whoami(s: Tracked<Account>) -> String {
    let rejection = s.rejection().map_or("-", Rejection::kind);
    format!("{} {} {rejection}", s.user.as_deref().unwrap_or("nobody"), s.count)
}

fn routes() -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/bump", post(bump))
        .route("/whoami", get(whoami))
}

fn pair(response: &reqwest::Response) -> String {
    let lines = set_cookies(response);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].split(';').next().unwrap().to_owned()
}

async fn text(request: reqwest::RequestBuilder) -> String {
    request.send().await.unwrap().text().await.unwrap()
}

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid", revocable = "user")]
struct RevocableAccount {
    user: Option<String>,
    count: u32,
}

backends::server_side!(a_revocable_type_ends_in_the_store_not_by_epoch);
/// A revocable type on a server-side backend: its sessions end in the store (`revoke_user`), so
/// it opens without an epoch source (the server-side backend has none: asking it would refuse
/// every session as `EpochUnavailable`), and its revocation still ends it.
async fn a_revocable_type_ends_in_the_store_not_by_epoch() {
    let backend = backends::current();
    let interface = Arc::new(backend.server_side(keys()).unwrap().as_ref().clone().with_user_index("user"));
    let request = |cookie: Option<&str>| {
        let mut request = http::Request::builder();
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.body(()).unwrap()
    };
    let mut session =
        Tracked::<RevocableAccount>::open_async(interface.clone(), RevocableAccount::CONFIG, &request(None))
            .await;
    session.user = Some("ann".into());
    session.count = 1;
    let mut response = http::Response::new(());
    session.save_async(&mut response).await.unwrap();
    let line = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = line.split(';').next().unwrap().to_owned();
    let again = Tracked::<RevocableAccount>::open_async(
        interface.clone(),
        RevocableAccount::CONFIG,
        &request(Some(&cookie)),
    )
    .await;
    assert_eq!(again.rejection(), None);
    assert_eq!((again.user.as_deref(), again.count), (Some("ann"), 1));
    assert_eq!(interface.revoke_user("ann").await.unwrap(), 1);
    let revoked =
        Tracked::<RevocableAccount>::open_async(interface, RevocableAccount::CONFIG, &request(Some(&cookie)))
            .await;
    assert_eq!(revoked.rejection(), Some(Rejection::UnknownSession));
}

backends::server_side!(cycle_id_moves_the_data_to_a_new_id);
/// `cycle_id()` on sign-in: a new id, the data kept, the old id dead (session fixation).
async fn cycle_id_moves_the_data_to_a_new_id() {
    let backend = backends::current();
    let base = serve(routes().layer(SessionLayer::with_interface(backend.interface(keys())))).await;
    let raw = reqwest::Client::new();
    let r = raw.post(format!("{base}/bump")).send().await.unwrap();
    let before = pair(&r);
    assert!(!before.contains("nobody") && before.len() < 120, "only a signed id: {before}");
    let r = raw.post(format!("{base}/login")).header("cookie", &before).body("alice").send().await.unwrap();
    let after = pair(&r);
    assert_ne!(before, after);
    assert_eq!(text(raw.get(format!("{base}/whoami")).header("cookie", &after)).await, "alice 1 -");
    assert_eq!(
        text(raw.get(format!("{base}/whoami")).header("cookie", &before)).await,
        "nobody 0 UnknownSession",
        "the fixated id is gone"
    );
}

backends::server_side!(destroy_deletes_the_entry_and_the_cookie);
/// `destroy()`: the entry is deleted and the cookie too; replaying the old cookie gets nothing.
async fn destroy_deletes_the_entry_and_the_cookie() {
    let backend = backends::current();
    let base = serve(routes().layer(SessionLayer::with_interface(backend.interface(keys())))).await;
    let raw = reqwest::Client::new();
    let r = raw.post(format!("{base}/login")).body("bob").send().await.unwrap();
    let cookie = pair(&r);
    let r = raw.post(format!("{base}/logout")).header("cookie", &cookie).send().await.unwrap();
    let line = set_cookies(&r).remove(0);
    assert!(line.starts_with("sid=;") && line.contains("Max-Age=0"), "{line}");
    let replay = text(raw.get(format!("{base}/whoami")).header("cookie", &cookie)).await;
    assert_eq!(replay, "nobody 0 UnknownSession", "a stolen copy of the cookie is worthless now");
}

backends::server_side!(revoke_user_signs_out_everywhere);
/// Revoking a user ends every session of that user and no other.
async fn revoke_user_signs_out_everywhere() {
    let backend = backends::current();
    let server = Arc::new(backend.server_side(keys()).unwrap().as_ref().clone().with_user_index("user"));
    let base = serve(routes().layer(SessionLayer::with_interface(server.clone()))).await;
    let (laptop, phone, other) = (client(), client(), client());
    for (c, user) in [(&laptop, "carol"), (&phone, "carol"), (&other, "dave")] {
        c.post(format!("{base}/login")).body(user).send().await.unwrap();
        c.post(format!("{base}/bump")).send().await.unwrap();
    }
    assert_eq!(server.revoke_user("carol").await.unwrap(), 2);
    assert_eq!(text(laptop.get(format!("{base}/whoami"))).await, "nobody 0 UnknownSession");
    assert_eq!(text(phone.get(format!("{base}/whoami"))).await, "nobody 0 UnknownSession");
    assert_eq!(text(other.get(format!("{base}/whoami"))).await, "dave 1 -");
    assert_eq!(server.revoke_user("carol").await.unwrap(), 0);
}

backends::server_side!(a_request_in_flight_does_not_resurrect_a_revoked_session);
/// A session revoked while a request was running is not written back by that request.
async fn a_request_in_flight_does_not_resurrect_a_revoked_session() {
    let backend = backends::current();
    let server = Arc::new(backend.server_side(keys()).unwrap().as_ref().clone().with_user_index("user"));
    let config = Account::config();
    let mut first = Tracked::<Account>::open_async(server.clone(), config, &http::Request::new(())).await;
    first.user = Some("erin".into());
    let mut response = http::Response::new(());
    first.save_async(&mut response).await.unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let request = http::Request::builder().header("cookie", &cookie).body(()).unwrap();

    let mut in_flight = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    assert_eq!(in_flight.user.as_deref(), Some("erin"));
    assert_eq!(server.revoke_user("erin").await.unwrap(), 1);
    in_flight.count += 1;
    let mut response = http::Response::new(());
    in_flight.save_async(&mut response).await.unwrap();
    let line = response.headers()["set-cookie"].to_str().unwrap();
    assert!(line.contains("Max-Age=0"), "the client is told to drop the cookie: {line}");
    let again = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    assert_eq!(again.rejection(), Some(Rejection::UnknownSession));
}

backends::server_side!(the_id_cookie_is_signed_and_name_bound);
/// The id cookie is signed, bound to its cookie name and salt: a forged, moved or signed-cookie
/// value is refused.
async fn the_id_cookie_is_signed_and_name_bound() {
    let backend = backends::current();
    let server = backend.interface(keys());
    let base = serve(routes().layer(SessionLayer::with_interface(server.clone()))).await;
    let raw = reqwest::Client::new();
    let cookie = pair(&raw.post(format!("{base}/bump")).send().await.unwrap());
    let value = cookie.strip_prefix("sid=").unwrap();
    let first = if value.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("sid={first}{}", &value[1..]);
    assert_eq!(
        text(raw.get(format!("{base}/whoami")).header("cookie", forged)).await,
        "nobody 0 BadSignature"
    );
    let mut chars: Vec<char> = value.chars().collect();
    let last = chars.len() - 1;
    chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
    let tampered = format!("sid={}", chars.into_iter().collect::<String>());
    let got = text(raw.get(format!("{base}/whoami")).header("cookie", tampered)).await;
    assert!(got.starts_with("nobody 0 "), "{got}");

    // The same value under another cookie name does not verify.
    let mut moved = Tracked::<Account>::open_with(server.clone(), CookieConfig::DEFAULT, &{
        http::Request::builder().header("cookie", format!("session={value}")).body(()).unwrap()
    });
    assert_eq!(moved.rejection(), Some(Rejection::BadSignature));
    moved.count = 0;

    // A signed-cookie session under the same key is not an id cookie (another salt).
    let cookie_backend: Arc<dyn SessionInterface> = Arc::new(SecureCookieSessionInterface::new(keys()));
    let signed = SessionKit::new(cookie_backend).cookie_with::<Account>(|account| account.count = 5).unwrap();
    assert_eq!(
        text(raw.get(format!("{base}/whoami")).header("cookie", signed)).await,
        "nobody 0 BadSignature"
    );
}

/// Redis down: sessions open empty with `StoreUnavailable` (reads answer), changes answer 503 and
/// never overwrite the real session; once Redis is back everything is as it was.
#[tokio::test]
#[cfg_attr(no_redis_server, ignore = "needs redis-server on PATH: apt-get install redis-server")]
async fn redis_down_gives_empty_sessions_and_503_then_recovers() {
    let mut redis = redis_process::RedisProcess::start();
    let store = RedisStore::builder(redis.url())
        .response_timeout(Duration::from_millis(300))
        .connection_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let server =
        Arc::new(ServerSideSessionInterface::new(keys(), store).with_timeout(Duration::from_millis(500)));
    let base = serve(routes().layer(SessionLayer::with_interface(server))).await;
    let c = client();
    c.post(format!("{base}/login")).body("frank").send().await.unwrap();
    assert_eq!(text(c.post(format!("{base}/bump"))).await, "1");

    redis.kill();
    let started = Instant::now();
    let r = c.get(format!("{base}/whoami")).send().await.unwrap();
    assert_eq!(r.status(), 200, "reading an unavailable session is not an error");
    assert_eq!(r.text().await.unwrap(), "nobody 0 StoreUnavailable");
    let r = c.post(format!("{base}/bump")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(set_cookies(&r).is_empty());
    let r = client().post(format!("{base}/bump")).send().await.unwrap();
    assert_eq!(r.status(), 503, "a new session cannot be stored either");
    assert!(started.elapsed() < Duration::from_secs(5), "bounded by the timeouts: {:?}", started.elapsed());

    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = text(c.get(format!("{base}/whoami"))).await;
        if got == "frank 1 -" {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {got}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(text(c.post(format!("{base}/bump"))).await, "2");
}

/// Every store call has a timeout: a Redis that stops answering (CLIENT PAUSE) costs a request at
/// most about the timeout, then 503 for a change.
#[tokio::test]
#[cfg_attr(no_redis_server, ignore = "needs redis-server on PATH: apt-get install redis-server")]
async fn a_stalled_redis_times_out() {
    let redis = redis_process::RedisProcess::start();
    let store = RedisStore::builder(redis.url()).response_timeout(Duration::from_secs(30)).build().unwrap();
    let server =
        Arc::new(ServerSideSessionInterface::new(keys(), store).with_timeout(Duration::from_millis(300)));
    let config = Account::config();
    let mut s = Tracked::<Account>::open_async(server.clone(), config, &http::Request::new(())).await;
    s.count = 1;
    let mut response = http::Response::new(());
    s.save_async(&mut response).await.unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let request = http::Request::builder().header("cookie", &cookie).body(()).unwrap();

    assert_eq!(redis.command(&["CLIENT", "PAUSE", "3000", "ALL"]), "+OK");
    let started = Instant::now();
    let mut stalled = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    assert_eq!(stalled.rejection(), Some(Rejection::StoreUnavailable));
    let mut fresh = Tracked::<Account>::open_async(server.clone(), config, &http::Request::new(())).await;
    fresh.count = 1;
    let error = fresh.save_async(&mut http::Response::new(())).await.unwrap_err();
    assert!(matches!(error, session_runtime::Error::Store(StoreError::Timeout(_))), "{error:?}");
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());

    // Redis answers again, but the session opened during the stall was never read: a change to
    // it must not overwrite the real one.
    assert_eq!(redis.command(&["CLIENT", "UNPAUSE"]), "+OK");
    stalled.count = 99;
    let error = stalled.save_async(&mut http::Response::new(())).await.unwrap_err();
    assert!(matches!(error, session_runtime::Error::Store(StoreError::Unavailable(_))), "{error:?}");
    let real = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    assert_eq!(real.count, 1, "the real session is intact");
}

/// The synchronous API works with the memory store and says clearly when a store needs I/O.
#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn sync_open_and_save_need_a_store_that_never_waits() {
    let store = backends::redis_store();
    let server: Arc<dyn SessionInterface> = Arc::new(ServerSideSessionInterface::new(keys(), store));
    let mut s = Tracked::<Account>::open_with(server.clone(), Account::config(), &http::Request::new(()));
    s.count = 1;
    let error = s.save(&mut http::Response::new(())).unwrap_err();
    assert!(matches!(error, session_runtime::Error::Store(StoreError::WouldBlock)), "{error:?}");
}

backends::server_side!(the_store_files_sessions_under_a_hash_of_their_id);
/// A dump of the store hands out no session: the record's key is a hash of the id the cookie
/// carries, and the id itself finds nothing.
async fn the_store_files_sessions_under_a_hash_of_their_id() {
    use session_runtime::backend::StoreToken;
    let backend = backends::current();
    let server = backend.server_side(keys()).unwrap();
    let mut s =
        Tracked::<Account>::open_async(server.clone(), Account::config(), &http::Request::new(())).await;
    s.count = 5;
    let mut response = http::Response::new(());
    s.save_async(&mut response).await.unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let request = http::Request::builder().header("cookie", &cookie).body(()).unwrap();
    let opened = server.open_session(Account::config(), &request).await;
    let Some(StoreToken::Loaded(id)) = opened.token else { panic!("the session was loaded: {opened:?}") };
    let store = backend.store().unwrap();
    assert_eq!(store.load(id.as_str()).await.unwrap(), None, "nothing is filed under the id itself");
    assert!(store.load(id.store_key()).await.unwrap().is_some());
    assert!(!id.store_key().contains(id.as_str()));
}

backends::server_side!(a_merged_save_says_so);
/// Two handles opened from one cookie change different fields: the second save is merged onto
/// the first, keeps both changes and says so in its report; a save after a destroy says the
/// session ended.
async fn a_merged_save_says_so() {
    let backend = backends::current();
    let server = backend.server_side(keys()).unwrap();
    let config = Account::config();
    let mut s = Tracked::<Account>::open_async(server.clone(), config, &http::Request::new(())).await;
    s.count = 1;
    let mut response = http::Response::new(());
    assert!(!s.save_async(&mut response).await.unwrap().merged);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let request = http::Request::builder().header("cookie", &cookie).body(()).unwrap();

    let mut first = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    let mut second = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    first.count = 2;
    second.user = Some("ada".into());
    let report = first.save_async(&mut http::Response::new(())).await.unwrap();
    assert!(!report.merged && !report.ended);
    let report = second.save_async(&mut http::Response::new(())).await.unwrap();
    assert!(report.merged && !report.ended, "{report:?}");
    let both = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    assert_eq!((both.count, both.user.as_deref()), (2, Some("ada")));

    let mut late = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    let mut logout = Tracked::<Account>::open_async(server.clone(), config, &request).await;
    logout.destroy();
    logout.save_async(&mut http::Response::new(())).await.unwrap();
    late.count = 3;
    let mut response = http::Response::new(());
    let report = late.save_async(&mut response).await.unwrap();
    assert!(report.ended, "{report:?}");
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
}

/// A session type that refuses to overwrite a field another request changed.
#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid", on_conflict = "reject")]
struct Strict {
    count: u32,
    note: String,
}

backends::server_side!(the_session_types_conflict_policy_decides);
/// `#[session(on_conflict = "reject")]`: two requests changing the same field, the later save is
/// refused with the field's name; a field only one changed still merges. The backend sets no
/// policy of its own.
async fn the_session_types_conflict_policy_decides() {
    let backend = backends::current();
    let server = backend.server_side(keys()).unwrap();
    let config = Strict::config();
    let mut s = Tracked::<Strict>::open_async(server.clone(), config, &http::Request::new(())).await;
    s.count = 1;
    let mut response = http::Response::new(());
    s.save_async(&mut response).await.unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let request = http::Request::builder().header("cookie", &cookie).body(()).unwrap();

    let mut first = Tracked::<Strict>::open_async(server.clone(), config, &request).await;
    let mut second = Tracked::<Strict>::open_async(server.clone(), config, &request).await;
    let mut third = Tracked::<Strict>::open_async(server.clone(), config, &request).await;
    first.count = 2;
    second.count = 3;
    third.note = "kept".into();
    first.save_async(&mut http::Response::new(())).await.unwrap();
    let error = second.save_async(&mut http::Response::new(())).await.unwrap_err();
    assert!(
        matches!(&error, session_runtime::Error::Conflict { field: Some(field) } if field == "count"),
        "{error:?}"
    );
    assert!(third.save_async(&mut http::Response::new(())).await.unwrap().merged);
    let now = Tracked::<Strict>::open_async(server.clone(), config, &request).await;
    assert_eq!((now.count, now.note.as_str()), (2, "kept"));
}

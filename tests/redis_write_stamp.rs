//! The Redis store's one resend after a dropped connection is idempotent (issue 24, item 8).
//! Each update is stored stamped with its write id and the id of the write it replaced, so a
//! write whose answer was lost, sent again, recognises that it already ran (alone, or followed by
//! another request's write) instead of merging onto that newer write and, under `last_write`,
//! undoing it. A real Redis (`REDIS_URL`) behind a proxy that loses one answer.

#[path = "common/backends.rs"]
mod backends;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use session_runtime::backend::{Record, SaveMode, SessionStore, Written};
use session_runtime::{Keys, SaveReport, SecretKey, ServerSideSessionInterface, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "sid")]
struct Account {
    user: Option<String>,
    count: u32,
    note: Option<String>,
}

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[8u8; 32][..]).unwrap())
}

fn request(cookie: &str) -> http::Request<()> {
    http::Request::builder().header("cookie", cookie).body(()).unwrap()
}

async fn open(server: &Arc<ServerSideSessionInterface>, cookie: &str) -> Tracked<Account> {
    Tracked::<Account>::open_async(server.clone(), Account::config(), &request(cookie)).await
}

/// Saves `session`; the report.
async fn save(session: Tracked<Account>) -> SaveReport {
    session.save_async(&mut http::Response::new(())).await.unwrap()
}

/// A TCP proxy in front of the test's Redis. Armed, it passes the next chunk the client sends
/// on to Redis, and when Redis answers it reports `between`, waits for `resume`, and closes the
/// client's connection instead of passing the answer on: the command ran, its answer was lost,
/// and the client reconnects (through the proxy again) and retries.
async fn lossy_proxy(
    upstream: String,
    armed: Arc<AtomicBool>,
    between: tokio::sync::mpsc::Sender<()>,
    resume: Arc<tokio::sync::Notify>,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let mut server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
            let (armed, between, resume) = (armed.clone(), between.clone(), resume.clone());
            tokio::spawn(async move {
                let (mut up, mut down) = ([0u8; 65536], [0u8; 65536]);
                let mut losing = false;
                loop {
                    tokio::select! {
                        read = client.read(&mut up) => {
                            let Ok(n @ 1..) = read else { return };
                            losing |= armed.swap(false, Ordering::SeqCst);
                            if server.write_all(&up[..n]).await.is_err() { return }
                        }
                        read = server.read(&mut down) => {
                            let Ok(n @ 1..) = read else { return };
                            if losing {
                                let _ = between.send(()).await;
                                resume.notified().await;
                                return; // both sockets close: the answer is lost
                            }
                            if client.write_all(&down[..n]).await.is_err() { return }
                        }
                    }
                }
            });
        }
    });
    format!("redis://{address}/")
}

/// Request A writes count 1 (from 0) through a proxy that lets Redis run the write and loses
/// its answer; then `followers` requests of the same session each open and add 1 straight to
/// Redis; then A's connection retries its write. Returns A's report and the count that stands.
async fn a_write_whose_answer_is_lost(followers: u32) -> (SaveReport, u32) {
    let url = backends::redis_url();
    let upstream = url.trim_start_matches("redis://").trim_end_matches('/').to_owned();
    let (armed, resume) = (Arc::new(AtomicBool::new(false)), Arc::new(tokio::sync::Notify::new()));
    let (between, mut lost) = tokio::sync::mpsc::channel(1);
    let proxied = lossy_proxy(upstream, armed.clone(), between, resume.clone()).await;
    let prefix = format!("test:{}:", backends::random_hex());
    let store = |url: &str| {
        let store = session_runtime::RedisStore::builder(url).prefix(&prefix).connections(1).build().unwrap();
        Arc::new(ServerSideSessionInterface::new(keys(), store))
    };
    let (a_server, b_server) = (store(&proxied), store(&url));

    let mut first =
        Tracked::<Account>::open_async(a_server.clone(), Account::config(), &http::Request::new(())).await;
    first.note = Some("x".into());
    let mut response = http::Response::new(());
    first.save_async(&mut response).await.unwrap();
    let line = response.headers()["set-cookie"].to_str().unwrap();
    let cookie = line.split(';').next().unwrap().to_owned();
    let mut warm = open(&a_server, &cookie).await;
    warm.note = Some("y".into()); // loads the update script, so the armed chunk is the write
    save(warm).await;

    let mut a = open(&a_server, &cookie).await;
    a.count = 1;
    armed.store(true, Ordering::SeqCst);
    let a_save = tokio::spawn(save(a));
    lost.recv().await.expect("the proxy lost the answer of A's write");
    for n in 0..followers {
        let mut b = open(&b_server, &cookie).await;
        assert_eq!(b.count, 1 + n, "A's write ran");
        b.count += 1;
        assert!(!save(b).await.merged, "nothing else wrote meanwhile");
    }
    resume.notify_one();
    let report = a_save.await.unwrap();
    (report, open(&b_server, &cookie).await.count)
}

/// Nobody wrote after A: the retry finds exactly its own value and stops there (before the
/// stamp it failed its own compare and merged onto itself: a second write and a `merged`
/// report for a write that had simply succeeded).
#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn a_retried_write_finds_its_own_value() {
    let (report, count) = a_write_whose_answer_is_lost(0).await;
    assert_eq!((report.merged, count), (false, 1));
}

/// Under `last_write`, B opens A's record and writes count 2 before A's retry. Before: the retry
/// found the record changed, merged (both changed `count`, A's value wins) and wrote count 1
/// over B's newer 2. Now B's value names A's write as the one it replaced, and the retry stops:
/// count stays 2.
#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn a_retried_write_recognises_its_own_success_under_a_newer_write() {
    let (report, count) = a_write_whose_answer_is_lost(1).await;
    assert_eq!((report.merged, count), (false, 2), "B's newer write stands");
}

/// What the store keeps: an update of a native envelope stamped with its write id and the one
/// it replaced (read back by `load` as stored, and by the envelope reader as the envelope it
/// extends); a create, an update the runtime does not mark extensible (the Flask format) and one
/// without compare-and-set (whose resend writes again anyway), as written.
#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn updates_are_stored_stamped_with_the_write_they_replaced() {
    const TTL: Duration = Duration::from_secs(60);
    let store = backends::redis_store();
    let stamp = |value: &[u8]| -> (String, String) {
        let read: serde_json::Value = serde_json::from_slice(value).unwrap();
        (read["w"].as_str().unwrap().to_owned(), read["wa"].as_str().unwrap().to_owned())
    };
    let created = br#"{"v":0}"#;
    assert_eq!(store.save(Record::new("k", created, TTL, SaveMode::Create)).await.unwrap(), Written::Saved);
    assert_eq!(store.load("k").await.unwrap().as_deref(), Some(&created[..]), "a create as written");

    let mut opened = created.to_vec();
    let mut parent = "......................".to_owned();
    for n in 1..=3 {
        let payload = format!(r#"{{"v":{n}}}"#);
        let update = Record::new("k", payload.as_bytes(), TTL, SaveMode::Update)
            .with_expected(Some(&opened))
            .extensible(true);
        assert_eq!(store.save(update).await.unwrap(), Written::Saved);
        let stored = store.load("k").await.unwrap().unwrap();
        let (write, replaced) = stamp(&stored);
        assert_eq!(replaced, parent, "write {n} names the one it replaced");
        assert_eq!(write.len(), 22);
        assert_ne!(write, parent);
        let read: serde_json::Value = serde_json::from_slice(&stored).unwrap();
        assert_eq!(read["v"], n);
        (opened, parent) = (stored, write);
    }

    let plain = Record::new("k", br#"{"v":9}"#, TTL, SaveMode::Update).with_expected(Some(&opened));
    assert_eq!(store.save(plain).await.unwrap(), Written::Saved);
    assert_eq!(
        store.load("k").await.unwrap().as_deref(),
        Some(&br#"{"v":9}"#[..]),
        "not extensible: as written"
    );
    let unchecked = Record::new("k", br#"{"v":10}"#, TTL, SaveMode::Update).extensible(true);
    assert_eq!(store.save(unchecked).await.unwrap(), Written::Saved);
    let stored = store.load("k").await.unwrap();
    assert_eq!(stored.as_deref(), Some(&br#"{"v":10}"#[..]), "without compare-and-set: as written");
    store.delete("k", None).await.unwrap();
}

/// A session borrowed mutably but left as it was is not written again: the stamp the stored
/// value carries is not a change of the handler's (the comparison with the opened payload sees
/// through keys a store added at its end).
#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn a_session_left_as_it_was_is_not_written_again() {
    let store = Arc::new(backends::redis_store());
    let server =
        Arc::new(ServerSideSessionInterface::with_store(keys(), store.clone()).with_user_index("user"));
    let user = format!("u{}", backends::random_hex());
    let stored = || async {
        let listed = store.sessions_of(&user).await.unwrap();
        assert_eq!(listed.len(), 1);
        listed[0].payload.clone()
    };
    let mut first =
        Tracked::<Account>::open_async(server.clone(), Account::config(), &http::Request::new(())).await;
    first.user = Some(user.clone());
    let mut response = http::Response::new(());
    first.save_async(&mut response).await.unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let mut changed = open(&server, &cookie).await;
    changed.count = 1;
    save(changed).await;
    let stamped = stored().await;
    assert!(stamped.ends_with(b"\"}") && stamped.windows(6).any(|w| w == br#""wa":""#), "stamped");

    let mut untouched = open(&server, &cookie).await;
    untouched.count = 1; // a mutable borrow, the same value
    assert!(untouched.is_modified());
    save(untouched).await;
    assert_eq!(stored().await, stamped, "not written again");
    let mut changed = open(&server, &cookie).await;
    changed.count = 2;
    save(changed).await;
    assert_ne!(stored().await, stamped, "a real change is written");
}

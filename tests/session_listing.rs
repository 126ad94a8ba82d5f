//! "Where you're signed in" on every store (issue 26): the account page's listing, revoking one
//! session by its handle, signing out every other device, and bad handles
//! (`tests/common/accounts.rs`), plus what a listing costs: one store call, and on Redis one
//! index read plus one read per session, counted by Redis itself (`INFO commandstats`). The
//! Cluster runs the same page in `tests/redis_deploy.rs`; requests racing a revocation are
//! enumerated in `tests/interleavings.rs`.

#[path = "common/accounts.rs"]
mod accounts;
#[path = "common/backends.rs"]
mod backends;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use session_runtime::backend::{Record, SaveMode, SessionStore, StoreFuture, StoredSession, Written};

const TTL: Duration = Duration::from_secs(60);

/// The Redis counts read server-wide statistics: no other test of this file may talk to Redis
/// meanwhile.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

backends::tests!(an_account_page_lists_and_ends_sessions [] memory redis postgres);
async fn an_account_page_lists_and_ends_sessions() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let store = backends::current().store().expect("a server-side store");
    accounts::an_account_page_lists_and_ends_sessions(store).await;
}

/// A store that counts the calls made to it.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn SessionStore>,
    calls: AtomicUsize,
}

impl Counting {
    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl SessionStore for Counting {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        self.count();
        self.inner.load(id)
    }
    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        self.count();
        self.inner.save(record)
    }
    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, user: Option<&'a str>) -> StoreFuture<'a, bool> {
        self.count();
        self.inner.touch(id, ttl, user)
    }
    fn moved<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        self.count();
        self.inner.moved(id)
    }
    fn delete<'a>(&'a self, id: &'a str, user: Option<&'a str>) -> StoreFuture<'a, ()> {
        self.count();
        self.inner.delete(id, user)
    }
    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        self.count();
        self.inner.revoke_user(user)
    }
    fn sessions_of<'a>(&'a self, user: &'a str) -> StoreFuture<'a, Vec<StoredSession>> {
        self.count();
        self.inner.sessions_of(user)
    }
}

backends::tests!(listing_ten_sessions_is_one_store_call [] memory redis postgres);
/// Listing a user with 10 sessions: one store call (the store's own cost is counted below for
/// Redis; PostgreSQL runs the one `SELECT … WHERE user_id = $1`), and nothing written.
async fn listing_ten_sessions_is_one_store_call() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let counting = Arc::new(Counting {
        inner: backends::current().store().expect("a server-side store"),
        calls: AtomicUsize::new(0),
    });
    let backend = accounts::backend(counting.clone());
    let user = format!("ten-{}", backends::random_hex());
    let mut cookies = Vec::new();
    for device in 0..10 {
        cookies.push(accounts::sign_in(&backend, &user, &format!("device {device}")).await);
    }
    let current = accounts::open(&backend, &cookies[0]).await;
    let before = counting.calls.load(Ordering::SeqCst);
    let listed = backend.sessions_of(&current).await.expect("listing");
    assert_eq!(listed.len(), 10);
    assert_eq!(counting.calls.load(Ordering::SeqCst) - before, 1, "one store call");
}

/// Redis's own count of the commands a listing of 10 sessions runs: one `SMEMBERS`, then one
/// `GET` and one `PTTL` per session (each pair one pipelined round trip), and no write.
#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn listing_ten_sessions_on_redis_reads_the_index_once_and_each_session_once() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let store: Arc<dyn SessionStore> = Arc::new(backends::redis_store());
    let backend = accounts::backend(store);
    let user = format!("ten-{}", backends::random_hex());
    let mut cookies = Vec::new();
    for device in 0..10 {
        cookies.push(accounts::sign_in(&backend, &user, &format!("device {device}")).await);
    }
    let current = accounts::open(&backend, &cookies[0]).await;
    let before = command_calls();
    let listed = backend.sessions_of(&current).await.expect("listing");
    let after = command_calls();
    assert_eq!(listed.len(), 10);
    let mut ran: BTreeMap<String, u64> = BTreeMap::new();
    for (command, calls) in &after {
        let delta = calls - before.get(command).copied().unwrap_or(0);
        // The two INFO calls of this test are not the listing's.
        if delta > 0 && command != "info" {
            ran.insert(command.clone(), delta);
        }
    }
    let expected: BTreeMap<String, u64> =
        [("smembers".to_owned(), 1), ("get".to_owned(), 10), ("pttl".to_owned(), 10)].into();
    assert_eq!(ran, expected);
}

/// `cmdstat_<command>:calls=N,…` of `INFO commandstats`, by command, asked over plain TCP.
fn command_calls() -> BTreeMap<String, u64> {
    let url = backends::redis_url();
    let host_port = url.trim_start_matches("redis://").split('/').next().unwrap_or_default();
    let host_port = host_port.rsplit('@').next().unwrap_or_default();
    let mut stream = TcpStream::connect(host_port).expect("Redis");
    stream.write_all(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n").expect("INFO");
    let mut reader = BufReader::new(stream);
    let mut header = String::new();
    reader.read_line(&mut header).expect("a reply");
    let length: usize =
        header.trim_end().strip_prefix('$').and_then(|n| n.parse().ok()).expect("a bulk reply");
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).expect("the reply");
    String::from_utf8_lossy(&body)
        .lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split(',').find_map(|field| field.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().ok()?))
        })
        .collect()
}

backends::tests!(an_index_entry_left_behind_never_reaches_another_users_session [] memory redis postgres);
/// An index entry of `ann` pointing at a session whose data names `bob` (an index update lost
/// after the session changed hands): `ann`'s page neither lists it nor ends it.
async fn an_index_entry_left_behind_never_reaches_another_users_session() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let store = backends::current().store().expect("a server-side store");
    let backend = accounts::backend(store.clone());
    let ann = format!("ann-{}", backends::random_hex());
    let cookie = accounts::sign_in(&backend, &ann, "laptop").await;
    let stray = format!("stray{}", backends::random_hex());
    let record =
        Record::new(&stray, br#"{"v":{"user":"bob","device":"bob's phone"}}"#, TTL, SaveMode::Create)
            .with_user(Some(&ann));
    assert_eq!(store.save(record).await.unwrap(), Written::Saved);
    assert_eq!(store.sessions_of(&ann).await.unwrap().len(), 2, "the store's index holds both");

    let current = accounts::open(&backend, &cookie).await;
    let listed = backend.sessions_of(&current).await.expect("listing");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].current);
    assert_eq!(backend.revoke_others(&current).await.expect("revoke others"), 0);
    assert!(store.load(&stray).await.unwrap().is_some(), "bob's session lives");
}

//! Round trips per store call, counted on the wire (issue 27): a proxy between the store and its
//! real server parses what the client sends, so the counts are exact and do not depend on
//! timing. PostgreSQL: one statement per call and no ping in front of it (the pool's
//! `test_before_acquire` was a round trip of its own before every statement); Redis: the commands
//! of each call. docs/server-side.md, "Round trips", reports these numbers.

#[path = "common/backends.rs"]
mod backends;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use session_runtime::backend::{Record, SaveMode, SessionStore, Written};
use session_runtime::{
    Keys, PostgresStore, RedisStore, SecretKey, ServerSideSessionInterface, Session, Tracked,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The Redis tests of this file one at a time: the command counts are the whole server's.
static REDIS_ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const TTL: Duration = Duration::from_secs(60);

/// What the client sent, in order: a PostgreSQL statement (a simple `Query`, or a `Sync` closing
/// Parse/Bind/Execute: one round trip each), a PostgreSQL ping (a `Sync` alone), or a Redis
/// command by name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sent {
    Statement,
    Ping,
    Command(String),
}

type Log = Arc<Mutex<Vec<Sent>>>;

/// Which protocol the proxy parses.
#[derive(Clone, Copy)]
enum Protocol {
    Postgres,
    Redis,
}

/// A loopback proxy to `upstream` that logs what clients send; returns its port and the log.
async fn proxy(upstream: String, protocol: Protocol) -> (u16, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Log::default();
    let shared = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(&upstream).await.unwrap();
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
            let log = Arc::clone(&shared);
            tokio::spawn(async move {
                let mut parser = Parser::new(protocol);
                let mut chunk = vec![0; 16 * 1024];
                loop {
                    let n = match client_read.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    // Logged before forwarding: a call cannot return before its request is logged.
                    parser.feed(&chunk[..n], &mut log.lock().unwrap());
                    if server_write.write_all(&chunk[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, log)
}

/// Splits a client's byte stream into messages, across reads.
struct Parser {
    protocol: Protocol,
    buffer: Vec<u8>,
    /// PostgreSQL: still in the untyped startup messages (SSLRequest, StartupMessage).
    startup: bool,
    /// PostgreSQL: a message other than `Sync` since the last `Sync`.
    pending: bool,
}

impl Parser {
    fn new(protocol: Protocol) -> Self {
        Parser { protocol, buffer: Vec::new(), startup: true, pending: false }
    }

    fn feed(&mut self, bytes: &[u8], log: &mut Vec<Sent>) {
        self.buffer.extend_from_slice(bytes);
        loop {
            let used = match self.protocol {
                Protocol::Postgres => self.postgres(log),
                Protocol::Redis => redis_command(&self.buffer, log),
            };
            match used {
                Some(n) => drop(self.buffer.drain(..n)),
                None => return,
            }
        }
    }

    /// One PostgreSQL frontend message, if complete: its length.
    fn postgres(&mut self, log: &mut Vec<Sent>) -> Option<usize> {
        let b = &self.buffer;
        if self.startup {
            let len = u32::from_be_bytes(b.get(..4)?.try_into().ok()?) as usize;
            let code = u32::from_be_bytes(b.get(4..8)?.try_into().ok()?);
            if b.len() < len {
                return None;
            }
            // SSLRequest and GSSENCRequest come before the StartupMessage, also untyped.
            self.startup = code == 80_877_103 || code == 80_877_104;
            return Some(len);
        }
        let kind = *b.first()?;
        let len = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?) as usize + 1;
        if b.len() < len {
            return None;
        }
        match kind {
            b'Q' => log.push(Sent::Statement),
            b'S' if self.pending => log.push(Sent::Statement),
            b'S' => log.push(Sent::Ping),
            // Password messages belong to the connection's start, not to a statement.
            b'p' => {}
            _ => {}
        }
        self.pending = !matches!(kind, b'S' | b'Q' | b'p');
        Some(len)
    }
}

/// One RESP command (an array of bulk strings), if complete: logs its name, returns its length.
fn redis_command(b: &[u8], log: &mut Vec<Sent>) -> Option<usize> {
    fn line(b: &[u8], at: usize) -> Option<(usize, usize)> {
        let end = at + b.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
        let n = std::str::from_utf8(b.get(at + 1..end)?).ok()?.parse().ok()?;
        Some((n, end + 2))
    }
    if b.is_empty() {
        return None;
    }
    assert_eq!(b[0], b'*', "the Redis client sends arrays");
    let (items, mut at) = line(b, 0)?;
    let mut name = String::new();
    for i in 0..items {
        let (len, start) = line(b, at)?;
        let end = start + len;
        if b.len() < end + 2 {
            return None;
        }
        if i == 0 {
            name = String::from_utf8_lossy(&b[start..end]).to_uppercase();
        }
        at = end + 2;
    }
    log.push(Sent::Command(name));
    Some(at)
}

/// What `call` sent, once every earlier call's traffic is in the log.
async fn sent<T>(log: &Log, call: impl std::future::Future<Output = T>) -> (T, Vec<Sent>) {
    let before = log.lock().unwrap().len();
    let out = call.await;
    let after = log.lock().unwrap()[before..].to_vec();
    (out, after)
}

/// Create, load, update, touch, rotate, ask whether the old id moved, and update with a user (the
/// user index of `with_user_index`), on ids starting with `tag`; what each call sent.
async fn calls(store: &dyn SessionStore, log: &Log, tag: &str) -> Vec<(&'static str, Vec<Sent>)> {
    let (a, b) = (format!("{tag}a"), format!("{tag}b"));
    let mut out = Vec::new();
    let (written, sent_) = sent(log, store.save(Record::new(&a, b"1", TTL, SaveMode::Create))).await;
    assert_eq!(written.unwrap(), Written::Saved);
    out.push(("create", sent_));
    let (loaded, sent_) = sent(log, store.load(&a)).await;
    assert_eq!(loaded.unwrap(), Some(b"1".to_vec()));
    out.push(("load", sent_));
    let update = Record::new(&a, b"2", TTL, SaveMode::Update).with_expected(Some(b"1"));
    let (written, sent_) = sent(log, store.save(update)).await;
    assert_eq!(written.unwrap(), Written::Saved);
    out.push(("update", sent_));
    let (touched, sent_) = sent(log, store.touch(&a, TTL, None)).await;
    assert!(touched.unwrap());
    out.push(("touch", sent_));
    let rotate = Record::new(&b, b"2", TTL, SaveMode::Create).replacing(Some(&a)).with_expected(Some(b"2"));
    let (written, sent_) = sent(log, store.save(rotate)).await;
    assert_eq!(written.unwrap(), Written::Saved);
    out.push(("rotate", sent_));
    let (moved, sent_) = sent(log, store.moved(&a)).await;
    assert!(moved.unwrap());
    out.push(("moved", sent_));
    let indexed =
        Record::new(&b, b"3", TTL, SaveMode::Update).with_expected(Some(b"2")).with_user(Some("ann"));
    let (written, sent_) = sent(log, store.save(indexed)).await;
    assert_eq!(written.unwrap(), Written::Saved);
    out.push(("update with a user index", sent_));
    out
}

/// The most pings the log shows between two statements (after the first statement).
fn most_pings_between_statements(log: &Log) -> usize {
    let whole = log.lock().unwrap().clone();
    let first = whole.iter().position(|s| *s == Sent::Statement).unwrap();
    let last = whole.iter().rposition(|s| *s == Sent::Statement).unwrap();
    let (mut pings, mut most) = (0, 0);
    for sent in &whole[first + 1..=last] {
        match sent {
            Sent::Ping => pings += 1,
            _ => {
                most = most.max(pings);
                pings = 0;
            }
        }
    }
    most
}

fn statements(sent: &[Sent]) -> usize {
    sent.iter().filter(|s| **s == Sent::Statement).count()
}

fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap();
    let host = rest.rsplit('@').next().unwrap();
    host.split('/').next().unwrap().to_owned()
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn postgres_calls_take_one_statement_and_no_ping_before_it() {
    let url = backends::postgres_url();
    let (port, log) = proxy(host_port(&url), Protocol::Postgres).await;
    let through = url.replacen(&host_port(&url), &format!("127.0.0.1:{port}"), 1);
    // One connection: each call waits for the previous one's release, so the log is one sequence.
    // An idle connection is pinged before use (`ping_after_idle`, 1 s by default); an hour here,
    // so that a slow machine cannot make a ping appear.
    let table = format!("rt_{}", std::process::id());
    let builder = PostgresStore::builder(through).table(&table).max_connections(1).cleanup_every(0);
    let store = builder.ping_after_idle(Duration::from_secs(3600)).build().unwrap();
    // The first round connects, creates the table and prepares each statement on the
    // connection (Parse/Describe: a round trip the first time only); the second is counted.
    calls(&store, &log, "w").await;
    for (call, sent) in calls(&store, &log, "c").await {
        assert_eq!(statements(&sent), 1, "{call}: one statement, {sent:?}");
    }

    // Between two statements of one connection, sqlx 0.8 sends one ping when the connection
    // goes back to the pool (always, after the caller has its answer). A second one, before each
    // acquire, was a round trip in front of every statement: gone.
    assert_eq!(most_pings_between_statements(&log), 1);

    // With `ping_after_idle(ZERO)`, every call pings first: two pings between statements.
    let (port, log) = proxy(host_port(&url), Protocol::Postgres).await;
    let through = url.replacen(&host_port(&url), &format!("127.0.0.1:{port}"), 1);
    let pinging = PostgresStore::builder(through).table(&table).max_connections(1).cleanup_every(0);
    let pinging = pinging.ping_after_idle(Duration::ZERO).build().unwrap();
    for _ in 0..3 {
        assert_eq!(pinging.load("nobody").await.unwrap(), None);
    }
    assert_eq!(most_pings_between_statements(&log), 2);
    sqlx::raw_sql(&format!("DROP TABLE {table}")).execute(store.pool()).await.unwrap();
}

/// Listing a user's sessions (issue 26: one round trip for the index plus at most one read per
/// session) is one statement on PostgreSQL, whose index is the table itself: 10 sessions, one
/// `SELECT`, counted on the wire.
#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn postgres_lists_ten_sessions_in_one_statement() {
    let url = backends::postgres_url();
    let (port, log) = proxy(host_port(&url), Protocol::Postgres).await;
    let through = url.replacen(&host_port(&url), &format!("127.0.0.1:{port}"), 1);
    let table = format!("rt_list_{}", std::process::id());
    let builder = PostgresStore::builder(through).table(&table).max_connections(1).cleanup_every(0);
    let store = builder.ping_after_idle(Duration::from_secs(3600)).build().unwrap();
    let user = "ann";
    for n in 0..10 {
        let id = format!("l{n}");
        let record = Record::new(&id, b"{}", TTL, SaveMode::Create).with_user(Some(user));
        assert_eq!(store.save(record).await.unwrap(), Written::Saved);
    }
    // The first listing prepares its statement on the connection; the second is counted.
    assert_eq!(store.sessions_of(user).await.unwrap().len(), 10);
    let (listed, sent_) = sent(&log, store.sessions_of(user)).await;
    assert_eq!(listed.unwrap().len(), 10);
    assert_eq!(statements(&sent_), 1, "{sent_:?}");
    sqlx::raw_sql(&format!("DROP TABLE {table}")).execute(store.pool()).await.unwrap();
}

#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn redis_calls_send_one_command_each() {
    let _alone = REDIS_ALONE.lock().await;
    let url = backends::redis_url();
    let (port, log) = proxy(host_port(&url), Protocol::Redis).await;
    let through = url.replacen(&host_port(&url), &format!("127.0.0.1:{port}"), 1);
    let prefix = format!("rt:{}:", std::process::id());
    let store = RedisStore::builder(through).prefix(prefix).connections(1).build().unwrap();
    // The first round connects and loads each script (NOSCRIPT, then EVAL); the second is counted.
    calls(&store, &log, "w").await;
    let mut counted = Vec::new();
    for (call, sent) in calls(&store, &log, "c").await {
        let names: Vec<String> = sent
            .into_iter()
            .map(|s| match s {
                Sent::Command(name) => name,
                other => panic!("{other:?}"),
            })
            .collect();
        counted.push(format!("{call}: {}", names.join(" ")));
    }
    assert_eq!(
        counted,
        [
            "create: EVALSHA",
            "load: GET",
            "update: EVALSHA",
            "touch: EVALSHA",
            // Two single-key scripts, so that a Cluster can hold the two ids in different slots.
            "rotate: EVALSHA EVALSHA",
            "moved: GET",
            // The index: one pipeline after the write (one round trip, three commands).
            "update with a user index: EVALSHA SADD PEXPIRE PEXPIRE",
        ]
    );
    store.delete("cb", None).await.unwrap();
    store.delete("wb", None).await.unwrap();
}

/// A browser session, as in the HTTP benchmark.
#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "rt")]
struct Visit {
    count: u32,
}

/// A permanent session re-sent (and its record's life extended) only once 20 % of its life is
/// gone.
#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "rt", permanent, lifetime = "1h", refresh_after = "20%")]
struct Kept {
    count: u32,
}

/// What Redis itself ran during `call`, `INFO commandstats` before and after (the `INFO`s
/// themselves left out): the commands a script runs are counted too.
async fn ran<T>(call: impl std::future::Future<Output = T>) -> (T, BTreeMap<String, u64>) {
    let before = command_calls().await;
    let out = call.await;
    let after = command_calls().await;
    let ran = after
        .into_iter()
        .filter_map(|(command, calls)| {
            let delta = calls - before.get(&command).copied().unwrap_or(0);
            (delta > 0 && command != "info").then_some((command, delta))
        })
        .collect();
    (out, ran)
}

/// `cmdstat_<command>:calls=N` of `INFO commandstats`, by command, asked over plain TCP.
async fn command_calls() -> BTreeMap<String, u64> {
    let url = backends::redis_url();
    let mut stream = TcpStream::connect(host_port(&url)).await.expect("Redis");
    stream.write_all(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n").await.expect("INFO");
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    // A bulk reply: `$<length>\r\n`, the text, `\r\n`.
    let text = loop {
        let n = stream.read(&mut chunk).await.expect("a reply");
        assert!(n > 0, "Redis closed the connection");
        reply.extend_from_slice(&chunk[..n]);
        let Some(end) = reply.windows(2).position(|w| w == b"\r\n") else { continue };
        let length: usize = std::str::from_utf8(&reply[1..end]).unwrap().parse().unwrap();
        if reply.len() >= end + 2 + length {
            break String::from_utf8_lossy(&reply[end + 2..end + 2 + length]).into_owned();
        }
    };
    text.lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split(',').find_map(|field| field.strip_prefix("calls="))?;
            Some((name.to_owned(), calls.parse().ok()?))
        })
        .collect()
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|&(command, calls)| (command.to_owned(), calls)).collect()
}

/// Redis's own count of what a request costs (issue 27): a read-only request one `GET` (none
/// more for a permanent session inside `refresh_after`); a change one `GET` to open, then one
/// script running `GET` and `SET` and nothing else: the write id that makes a resend idempotent
/// travels inside the stored value (the write stamp), so no second key is written.
#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn redis_requests_run_one_get_to_read_and_three_commands_to_write() {
    let _alone = REDIS_ALONE.lock().await;
    let keys = Keys::new(SecretKey::try_from(&[7u8; 32][..]).unwrap());
    let store = backends::redis_store();
    let server = Arc::new(ServerSideSessionInterface::new(keys, store.clone()));
    let request = |cookie: &str| http::Request::builder().header("cookie", cookie).body(()).unwrap();
    let cookie_of = |response: &http::Response<()>| {
        let line = response.headers().get("set-cookie").unwrap().to_str().unwrap();
        line.split(';').next().unwrap().to_owned()
    };

    let mut visit =
        Tracked::<Visit>::open_async(server.clone(), Visit::config(), &http::Request::new(())).await;
    visit.count = 1;
    let mut response = http::Response::new(());
    visit.save_async(&mut response).await.unwrap();
    let cookie = cookie_of(&response);
    // Loads the update script, so the counted write is its EVALSHA alone.
    let mut warm = Tracked::<Visit>::open_async(server.clone(), Visit::config(), &request(&cookie)).await;
    warm.count = 2;
    warm.save_async(&mut http::Response::new(())).await.unwrap();

    let (_, read) = ran(async {
        let visit = Tracked::<Visit>::open_async(server.clone(), Visit::config(), &request(&cookie)).await;
        assert_eq!(visit.count, 2);
        visit.save_async(&mut http::Response::new(())).await.unwrap();
    })
    .await;
    assert_eq!(read, counts(&[("get", 1)]), "a read-only request");

    let (_, write) = ran(async {
        let mut visit =
            Tracked::<Visit>::open_async(server.clone(), Visit::config(), &request(&cookie)).await;
        visit.count = 3;
        visit.save_async(&mut http::Response::new(())).await.unwrap();
    })
    .await;
    let per_write = [("evalsha", 1), ("get", 2), ("set", 1)];
    assert_eq!(write, counts(&per_write), "a request that changes the session");

    let mut kept = Tracked::<Kept>::open_async(server.clone(), Kept::config(), &http::Request::new(())).await;
    kept.count = 1;
    let mut response = http::Response::new(());
    kept.save_async(&mut response).await.unwrap();
    let kept_cookie = cookie_of(&response);
    let (_, read) = ran(async {
        let kept = Tracked::<Kept>::open_async(server.clone(), Kept::config(), &request(&kept_cookie)).await;
        assert_eq!(kept.count, 1);
        let mut response = http::Response::new(());
        kept.save_async(&mut response).await.unwrap();
        assert!(response.headers().get("set-cookie").is_none(), "inside refresh_after: not re-sent");
    })
    .await;
    assert_eq!(read, counts(&[("get", 1)]), "a read-only request inside refresh_after");
}

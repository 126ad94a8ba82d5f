//! The Redis store (feature `redis`): the `redis` crate's `ConnectionManager` (multiplexed,
//! reconnecting), a small pool of them, TTL by Redis expiry.

use std::fmt;
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Script};
use sha1::{Digest, Sha1};

use crate::backend::{Record, SaveMode, SessionStore, StoreFuture, Written};
use crate::error::StoreError;

/// Sessions in Redis (feature `redis`), shared by every server that points at the same Redis:
/// scale out by adding servers.
///
/// - Each session is one string key, `{prefix}s:{id}`, written with `SET … PX ttl` (Redis expires
///   it) by a Lua script that checks first, in the same atomic step: an update only if the key
///   exists (a revoked session is never written back) and still holds what the request opened
///   (compared by `redis.sha1hex`, so only a digest crosses the network); a new id only if it
///   is free and, for an id rotation, the old key still exists (it is deleted in the same step).
/// - Each user of the user index is one set, `{prefix}u:{user}`, holding that user's session ids;
///   it lives at least as long as the longest session in it (`EXPIRE … NX` then `EXPIRE … GT`,
///   Redis ≥ 7.0).
/// - A save is one round trip; with a user index, a second one updates the index after the
///   write succeeded. An id rotation's script touches the old and the new key, which Redis
///   Cluster allows only within one slot: this store is for a single Redis node (or a primary
///   with replicas).
/// - Connections: a pool of `connections` multiplexed `ConnectionManager`s (default 4), used
///   round-robin; each reconnects by itself after Redis restarts. They connect lazily, so the
///   application starts even while Redis is down (sessions then open empty with
///   `Rejection::StoreUnavailable` and saves answer 503 until Redis is back).
///
/// ```no_run
/// use session_runtime::{Keys, RedisStore, SecretKey, ServerSideSessionInterface};
/// use std::time::Duration;
/// let store = RedisStore::builder("redis://127.0.0.1:6379/")
///     .prefix("myapp:session:")
///     .connections(8)
///     .response_timeout(Duration::from_millis(500))
///     .build()?;
/// let backend = ServerSideSessionInterface::new(Keys::new(SecretKey::generate()?), store);
/// # let _ = backend;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connections: Arc<[ConnectionManager]>,
    next: Arc<AtomicUsize>,
    prefix: Arc<str>,
}

/// Builds a [`RedisStore`]. Its `Debug` shows the URL without its password.
///
/// ```
/// use session_runtime::RedisStore;
/// let builder = RedisStore::builder("redis://app:hunter2@redis.internal:6379/0");
/// let shown = format!("{builder:?}");
/// assert!(shown.contains("redis://app:***@redis.internal:6379/0"), "{shown}");
/// assert!(!shown.contains("hunter2"));
/// ```
#[derive(Clone)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    connections: usize,
    response_timeout: Duration,
    connection_timeout: Duration,
}

impl RedisStore {
    /// A builder for the Redis at `url` (`redis://[user:password@]host:port/db`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: "session:".into(),
            connections: 4,
            response_timeout: Duration::from_secs(2),
            connection_timeout: Duration::from_secs(2),
        }
    }

    /// A store for the Redis at `url` with the defaults: prefix `session:`, 4 connections.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::builder(url).build()
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn session_key(&self, id: &str) -> String {
        format!("{}s:{id}", self.prefix)
    }

    fn user_key(&self, user: &str) -> String {
        format!("{}u:{user}", self.prefix)
    }

    fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let len = self.connections.len().max(1);
        self.connections
            .get(n % len)
            .cloned()
            .ok_or_else(|| StoreError::Backend("the Redis store has no connection".into()))
    }

    /// Moves a written record in the user index: out of the previous user's (and the replaced
    /// id out of its user's), into the current user's. Only called after the write succeeded.
    async fn reindex(
        &self,
        connection: &mut ConnectionManager,
        record: &Record<'_>,
    ) -> Result<(), StoreError> {
        if record.user.is_none() && record.previous_user.is_none() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        if let (Some(old), Some(user)) = (record.replaces, record.previous_user.or(record.user)) {
            pipe.cmd("SREM").arg(self.user_key(user)).arg(old).ignore();
        }
        if let Some(previous) = record.previous_user
            && record.user != Some(previous)
        {
            pipe.cmd("SREM").arg(self.user_key(previous)).arg(record.id).ignore();
        }
        if let Some(user) = record.user {
            self.index(&mut pipe, user, record.id, record.ttl);
        }
        pipe.query_async::<()>(connection).await.map_err(store_error)
    }

    /// Adds `id` to `user`'s index and makes the index live at least `ttl`.
    fn index(&self, pipe: &mut redis::Pipeline, user: &str, id: &str, ttl: Duration) {
        let key = self.user_key(user);
        let ms = millis(ttl);
        pipe.cmd("SADD").arg(&key).arg(id).ignore();
        pipe.cmd("PEXPIRE").arg(&key).arg(ms).arg("NX").ignore();
        pipe.cmd("PEXPIRE").arg(&key).arg(ms).arg("GT").ignore();
    }
}

impl RedisStoreBuilder {
    /// Prefix of every key (default `session:`): sessions are `{prefix}s:{id}`, user indexes
    /// `{prefix}u:{user}`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Number of multiplexed connections used round-robin (default 4, at least 1).
    pub fn connections(mut self, n: usize) -> Self {
        self.connections = n.max(1);
        self
    }

    /// How long one command may take on the connection (default 2 s). The session backend's
    /// own timeout ([`with_timeout`](crate::ServerSideSessionInterface::with_timeout)) bounds
    /// every store call as well.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How long connecting may take (default 2 s).
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// The store. Connections are made lazily, on first use, so this does not fail when Redis
    /// is down; it fails on a malformed URL. Must be called inside a Tokio runtime.
    pub fn build(self) -> Result<RedisStore, StoreError> {
        let client = Client::open(self.url.as_str()).map_err(|e| StoreError::Backend(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.response_timeout))
            .set_connection_timeout(Some(self.connection_timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connections = (0..self.connections)
            .map(|_| ConnectionManager::new_lazy_with_config(client.clone(), config.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(store_error)?;
        Ok(RedisStore {
            connections: connections.into(),
            next: Arc::new(AtomicUsize::new(0)),
            prefix: self.prefix.into(),
        })
    }
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("url", &redacted_url(&self.url))
            .field("prefix", &self.prefix)
            .field("connections", &self.connections)
            .field("response_timeout", &self.response_timeout)
            .field("connection_timeout", &self.connection_timeout)
            .finish()
    }
}

/// `url` with its password replaced by `***`, for `Debug` and logs. Done on the text, without
/// parsing, so a URL that does not parse (a password with an unescaped `/` or `@`) is redacted
/// too:
///
/// - the userinfo ends at the last `@` of everything after `scheme://`, and everything after the
///   user name's `:` is the password (`redis://:***@host`, `rediss://user:***@host`); userinfo
///   without `:` may be a password written in the user's place, so all of it is hidden;
/// - query parameters whose name contains `pass` (`redis+unix:///run/redis.sock?pass=…`) keep
///   their name only;
/// - text without `scheme://` is not shown at all.
fn redacted_url(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Some((scheme, rest)) = url.split_once("://") else { return "<redacted>".to_owned() };
    let (userinfo, host_and_rest) = match rest.rsplit_once('@') {
        Some((userinfo, after)) => (Some(userinfo), after),
        None => (None, rest),
    };
    let mut out = format!("{scheme}://");
    match userinfo.map(|userinfo| userinfo.split_once(':')) {
        Some(Some((user, _password))) => out.push_str(&format!("{user}:{HIDDEN}@")),
        Some(None) => out.push_str(&format!("{HIDDEN}@")),
        None => {}
    }
    let (before_query, query) = match host_and_rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (host_and_rest, None),
    };
    out.push_str(before_query);
    if let Some(query) = query {
        let (query, fragment) = match query.split_once('#') {
            Some((query, fragment)) => (query, Some(fragment)),
            None => (query, None),
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.to_ascii_lowercase().contains("pass") => format!("{name}={HIDDEN}"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(fragment);
        }
    }
    out
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("connections", &self.connections.len())
            .finish()
    }
}

/// An update: 0 when the key is gone, 2 when it no longer holds the expected payload (its SHA-1
/// hex in ARGV[3] when ARGV[4] is "1"), else the write and 1.
static UPDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if ARGV[4] == '1' and redis.sha1hex(current) ~= ARGV[3] then return 2 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1",
    )
});

/// A new id (KEYS[1]), replacing KEYS[2] when given: 2 when the new key exists or the old one no
/// longer holds the expected payload, 0 when the old one is gone, else the write, the old key
/// deleted, and 1.
static CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 2 end
if #KEYS > 1 then
  local old = redis.call('GET', KEYS[2])
  if not old then return 0 end
  if ARGV[4] == '1' and redis.sha1hex(old) ~= ARGV[3] then return 2 end
  redis.call('DEL', KEYS[2])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1",
    )
});

/// Lower-case hex, as `redis.sha1hex` writes it, in one buffer.
fn hex(bytes: &[u8]) -> String {
    let digit = |nibble: u8| char::from_digit(u32::from(nibble), 16).unwrap_or('0');
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(digit(byte >> 4));
        text.push(digit(byte & 0x0f));
    }
    text
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn store_error(error: RedisError) -> StoreError {
    if error.is_timeout() {
        StoreError::Unavailable(format!("Redis timed out: {error}"))
    } else if error.is_io_error() || error.is_connection_refusal() || error.is_connection_dropped() {
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Backend(error.to_string())
    }
}

impl SessionStore for RedisStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let mut connection = self.connection()?;
            redis::cmd("GET")
                .arg(self.session_key(id))
                .query_async(&mut connection)
                .await
                .map_err(store_error)
        })
    }

    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        Box::pin(async move {
            let mut connection = self.connection()?;
            let script = match record.mode {
                SaveMode::Create => &*CREATE,
                SaveMode::Update => &*UPDATE,
            };
            let mut invocation = script.key(self.session_key(record.id));
            if let Some(old) = record.replaces {
                invocation.key(self.session_key(old));
            }
            let expected = record.expected.map(|expected| hex(&Sha1::digest(expected)));
            invocation
                .arg(record.payload)
                .arg(millis(record.ttl))
                .arg(expected.as_deref().unwrap_or_default())
                .arg(if expected.is_some() { "1" } else { "0" });
            let code: i64 = invocation.invoke_async(&mut connection).await.map_err(store_error)?;
            let written = match code {
                1 => Written::Saved,
                0 => Written::Absent,
                _ => Written::Conflict,
            };
            if written == Written::Saved {
                self.reindex(&mut connection, &record).await?;
            }
            Ok(written)
        })
    }

    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, user: Option<&'a str>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut connection = self.connection()?;
            let mut pipe = redis::pipe();
            pipe.cmd("PEXPIRE").arg(self.session_key(id)).arg(millis(ttl));
            if let Some(user) = user {
                self.index(&mut pipe, user, id, ttl);
            }
            let (touched,): (i64,) = pipe.query_async(&mut connection).await.map_err(store_error)?;
            Ok(touched == 1)
        })
    }

    fn delete<'a>(&'a self, id: &'a str, user: Option<&'a str>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection()?;
            let mut pipe = redis::pipe();
            pipe.cmd("DEL").arg(self.session_key(id)).ignore();
            if let Some(user) = user {
                pipe.cmd("SREM").arg(self.user_key(user)).arg(id).ignore();
            }
            let () = pipe.query_async(&mut connection).await.map_err(store_error)?;
            Ok(())
        })
    }

    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(async move {
            let mut connection = self.connection()?;
            let key = self.user_key(user);
            let ids: Vec<String> =
                redis::cmd("SMEMBERS").arg(&key).query_async(&mut connection).await.map_err(store_error)?;
            let mut pipe = redis::pipe();
            for id in &ids {
                pipe.cmd("DEL").arg(self.session_key(id));
            }
            pipe.cmd("DEL").arg(&key).ignore();
            let deleted: Vec<i64> = pipe.query_async(&mut connection).await.map_err(store_error)?;
            Ok(deleted.iter().filter(|&&n| n > 0).count())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digest of the opened payload is compared with `redis.sha1hex`: lower-case hex.
    #[test]
    fn the_expected_digest_is_written_as_redis_writes_it() {
        assert_eq!(hex(&Sha1::digest(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(hex(&[0x00, 0x0f, 0xf0, 0xff]), "000ff0ff");
    }

    #[test]
    fn urls_are_shown_without_their_password() {
        for (url, shown) in [
            ("redis://user:s3cret@host:6379/0", "redis://user:***@host:6379/0"),
            ("rediss://user:s3cret@host:6380/1", "rediss://user:***@host:6380/1"),
            ("redis://:s3cret@host", "redis://:***@host"),
            ("redis://s3cret@host/", "redis://***@host/"),
            ("redis://127.0.0.1:6379/", "redis://127.0.0.1:6379/"),
            ("redis://user:s3cret@[::1]:6379/0#insecure", "redis://user:***@[::1]:6379/0#insecure"),
            // Do not parse as URLs: an unescaped `/`, `@` or `#` in the password.
            ("redis://user:s3/cret@host/0", "redis://user:***@host/0"),
            ("redis://user:s3@cret@host", "redis://user:***@host"),
            ("redis://user:s3#cret@host", "redis://user:***@host"),
            ("redis://user:s3?cret=1@host", "redis://user:***@host"),
            ("redis+unix:///run/redis.sock?db=2&pass=s3cret", "redis+unix:///run/redis.sock?db=2&pass=***"),
            (
                "unix:///run/redis.sock?user=u&PASSWORD=s3cret#x",
                "unix:///run/redis.sock?user=u&PASSWORD=***#x",
            ),
            ("user:s3cret@host:6379", "<redacted>"),
            ("s3cret", "<redacted>"),
        ] {
            let redacted = redacted_url(url);
            assert_eq!(redacted, shown, "{url}");
            assert!(!redacted.contains("s3"), "{url} → {redacted}");
        }
    }

    #[test]
    fn the_builders_debug_hides_the_password() {
        for url in [
            "redis://user:s3cret@host:6379/0",
            "rediss://:s3cret@host",
            "redis://u:s3/cret@h",
            "nonsense:s3cret",
        ] {
            let builder = RedisStore::builder(url).prefix("app:");
            let shown = format!("{builder:?}");
            assert!(!shown.contains("s3"), "{shown}");
            assert!(shown.contains("app:"), "{shown}");
            let shown = format!("{builder:#?}");
            assert!(!shown.contains("s3"), "{shown}");
        }
    }
}

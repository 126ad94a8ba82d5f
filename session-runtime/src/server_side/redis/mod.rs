//! The Redis store (feature `redis`): one node or a Cluster, over TCP or TLS, through a small
//! pool of multiplexed, reconnecting connections; TTL by Redis expiry.

mod builder;
mod connection;
mod listing;
mod scripts;
mod stamp;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::try_join_all;
use redis::{RedisError, Script};

pub use self::builder::RedisStoreBuilder;
use self::connection::{Connection, Target};
use self::scripts::{CREATE, DESTROY, RETIRE, TOMBSTONE_TTL, TOUCH, UPDATE, is_marker, is_tombstone, millis};
use crate::backend::{Record, SaveMode, SessionStore, StoreFuture, StoredSession, Written};
use crate::error::StoreError;

/// How many rotations a sign-out follows from the id it holds by default
/// ([`RedisStoreBuilder::forwarding_hops`]; each rotation leaves a tombstone for
/// [`TOMBSTONE_TTL`]; a longer chain means an id rotated on nearly every request).
const MAX_HOPS: usize = 16;

/// Sessions in Redis (feature `redis`), shared by every server that points at the same Redis:
/// scale out by adding servers. One node ([`builder`](Self::builder)) or a Redis Cluster
/// ([`cluster`](Self::cluster)), `redis://` or TLS (`rediss://`).
///
/// - Each session is one string key, `{prefix}s:{id}`, written with `SET … PX ttl` (Redis expires
///   it) by a Lua script that checks first, in the same atomic step: an update only if the key
///   holds a session (a revoked one is never written back) and still holds what the request
///   opened (compared by `redis.sha1hex`, so only a digest crosses the network); a new id only if
///   it is free.
/// - Every script and command touches one key, so all of them run on Redis Cluster. An id
///   rotation is two steps: the new key is created, then the old one, if it still holds what
///   was opened, becomes a short-lived tombstone pointing at the new one, which a sign-out or a
///   revocation holding the old id follows (docs/server-side.md, "Redis Cluster").
/// - Each user of the user index is one set, `{prefix}u:{user}`, holding that user's session ids;
///   it lives at least as long as the longest session in it (`EXPIRE … NX` then `EXPIRE … GT`,
///   Redis ≥ 7.0), and changes only after a write succeeded.
/// - A save is one round trip (an id rotation two); with a user index, one more updates the
///   index.
/// - Connections: a pool of `connections` multiplexed connections (default 4), used round-robin;
///   each reconnects by itself after Redis restarts, fails over, or drops idle connections. They
///   connect lazily, so the application starts even while Redis is down (sessions then open
///   empty with `Rejection::StoreUnavailable` and saves answer 503 until Redis is back).
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
    connections: Arc<[Connection]>,
    next: Arc<AtomicUsize>,
    prefix: Arc<str>,
    cluster: bool,
    /// The life of a rotation's tombstone.
    forwarding: Duration,
    /// How many tombstones a sign-out follows.
    hops: usize,
}

impl RedisStore {
    /// A builder for the Redis at `url` (`redis://[user:password@]host:port/db`, or `rediss://`
    /// for TLS).
    ///
    /// ```
    /// let builder = session_runtime::RedisStore::builder("rediss://redis.internal:6380/");
    /// # let _ = builder;
    /// ```
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder::new(Target::Node(url.into()))
    }

    /// A builder for the Redis Cluster that `nodes` belong to (URLs of some of its nodes, each
    /// `redis://` or `rediss://`, with the password if any; the client discovers the others and
    /// follows failovers). Takes the same settings as [`builder`](Self::builder).
    ///
    /// ```
    /// use session_runtime::RedisStore;
    /// let builder = RedisStore::cluster(["redis://:s3cret@10.0.0.1:7000", "redis://:s3cret@10.0.0.2:7000"]);
    /// let shown = format!("{builder:?}");
    /// assert!(shown.contains("redis://:***@10.0.0.2:7000") && !shown.contains("s3cret"), "{shown}");
    /// ```
    pub fn cluster<I>(nodes: I) -> RedisStoreBuilder
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        RedisStoreBuilder::new(Target::Cluster(nodes.into_iter().map(Into::into).collect()))
    }

    /// A store for the Redis at `url` with the defaults: prefix `session:`, 4 connections.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), session_runtime::StoreError> {
    /// let store = session_runtime::RedisStore::open("redis://127.0.0.1:6379/")?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::builder(url).build()
    }

    /// The key prefix.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), session_runtime::StoreError> {
    /// let store = session_runtime::RedisStore::builder("redis://127.0.0.1/").prefix("app:").build()?;
    /// assert_eq!(store.prefix(), "app:");
    /// # Ok(()) }
    /// ```
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn session_key(&self, id: &str) -> String {
        format!("{}s:{id}", self.prefix)
    }

    fn user_key(&self, user: &str) -> String {
        format!("{}u:{user}", self.prefix)
    }

    fn connection(&self) -> Result<Connection, StoreError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let len = self.connections.len().max(1);
        self.connections
            .get(n % len)
            .cloned()
            .ok_or_else(|| StoreError::Backend("the Redis store has no connection".into()))
    }

    /// Runs `pipelines`, each on one key (Redis Cluster refuses a pipeline across slots), at the
    /// same time: one round trip however many keys.
    async fn run_each(
        &self,
        connection: &Connection,
        pipelines: Vec<redis::Pipeline>,
    ) -> Result<(), StoreError> {
        try_join_all(pipelines.into_iter().map(|pipe| {
            let mut connection = connection.clone();
            async move { pipe.query_async::<()>(&mut connection).await }
        }))
        .await
        .map_err(store_error)?;
        Ok(())
    }

    /// Moves a written record in the user index: into the current user's first, then out of the
    /// previous user's (and the replaced id out of its user's), so that a revocation reading the
    /// index in between sees the record. Only called after the write succeeded.
    async fn reindex(&self, connection: &Connection, record: &Record<'_>) -> Result<(), StoreError> {
        let mut current = redis::pipe();
        if let Some(user) = record.user {
            self.index(&mut current, user, record.id, record.ttl);
        }
        let mut previous = redis::pipe();
        if let Some(previous_user) = record.previous_user
            && record.user != Some(previous_user)
        {
            previous.cmd("SREM").arg(self.user_key(previous_user)).arg(record.id).ignore();
        }
        if let (Some(old), Some(user)) = (record.replaces, record.previous_user.or(record.user)) {
            let pipe = if Some(user) == record.user { &mut current } else { &mut previous };
            pipe.cmd("SREM").arg(self.user_key(user)).arg(old).ignore();
        }
        let pipelines = [current, previous].into_iter().filter(|pipe| !pipe.is_empty()).collect();
        self.run_each(connection, pipelines).await
    }

    /// Adds `id` to `user`'s index and makes the index live at least `ttl`.
    fn index(&self, pipe: &mut redis::Pipeline, user: &str, id: &str, ttl: Duration) {
        let key = self.user_key(user);
        let ms = millis(ttl);
        pipe.cmd("SADD").arg(&key).arg(id).ignore();
        pipe.cmd("PEXPIRE").arg(&key).arg(ms).arg("NX").ignore();
        pipe.cmd("PEXPIRE").arg(&key).arg(ms).arg("GT").ignore();
    }

    /// Runs `script` on the session key of `id` with the record's payload, TTL and expected
    /// payload as arguments; returns its answer. A compare-and-set update of a native envelope
    /// is stamped with a fresh write id ([`stamp`]), which a resend carries as it is
    /// (idempotence).
    async fn write(
        &self,
        connection: &mut Connection,
        script: &Script,
        id: &str,
        record: &Record<'_>,
    ) -> Result<i64, StoreError> {
        // Without compare-and-set a resend writes again whatever it finds: nothing to stamp.
        let write_id = match record.mode {
            SaveMode::Update if record.extensible && record.expected.is_some() => {
                Some(super::id::write_id()?)
            }
            _ => None,
        };
        let stamped =
            write_id.as_deref().and_then(|write| stamp::stamped(record.payload, write, record.expected));
        let mut invocation = script.key(self.session_key(id));
        invocation
            .arg(stamped.as_deref().unwrap_or(record.payload))
            .arg(millis(record.ttl))
            .arg(record.expected.unwrap_or_default())
            .arg(if record.expected.is_some() { "1" } else { "0" })
            .arg(if stamped.is_some() { write_id.as_deref().unwrap_or_default() } else { "" });
        invocation.invoke_async(connection).await.map_err(store_error)
    }

    /// An id rotation in two single-key steps: create the new key, then turn the old one into a
    /// tombstone pointing at it if it still holds what was opened. When the old one is gone or
    /// changed, the new key is deleted again: nobody was handed its id, so until then it was
    /// unreachable.
    async fn rotate(
        &self,
        connection: &mut Connection,
        record: &Record<'_>,
        old: &str,
    ) -> Result<Written, StoreError> {
        if self.write(connection, &CREATE, record.id, record).await? != 1 {
            return Ok(Written::Conflict);
        }
        let retired: i64 = RETIRE
            .key(self.session_key(old))
            .arg(record.id)
            .arg(millis(self.forwarding))
            .arg(record.expected.unwrap_or_default())
            .arg(if record.expected.is_some() { "1" } else { "0" })
            .invoke_async(connection)
            .await
            .map_err(store_error)?;
        if retired == 1 {
            return Ok(Written::Saved);
        }
        redis::cmd("DEL")
            .arg(self.session_key(record.id))
            .query_async::<()>(connection)
            .await
            .map_err(store_error)?;
        Ok(match retired {
            0 => Written::Absent,
            3 => Written::Moved,
            _ => Written::Conflict,
        })
    }

    /// Destroys the session under `id` and, when `id` was rotated away, the one it became (and
    /// so on): a sign-out that opened the old id still ends the session. Returns whether a
    /// session was deleted.
    async fn destroy(&self, connection: &mut Connection, id: &str) -> Result<bool, StoreError> {
        let mut id = id.to_owned();
        let mut deleted = false;
        for _ in 0..self.hops {
            let (gone, next): (i64, String) =
                DESTROY.key(self.session_key(&id)).invoke_async(connection).await.map_err(store_error)?;
            deleted |= gone == 1;
            if next.is_empty() {
                return Ok(deleted);
            }
            id = next;
        }
        Err(StoreError::Backend(format!(
            "a session was rotated more than {} times within {:?} (raise `forwarding_hops`)",
            self.hops, self.forwarding
        )))
    }
}

/// A revocation in its two steps: read the user's index, then end the sessions read and take
/// exactly those ids out of the index. A sign-in that adds its id between the two steps keeps its
/// index entry, so the next revocation finds it (the index is never deleted whole).
impl RedisStore {
    /// The first step of a revocation: the ids in `user`'s index.
    async fn indexed(&self, user: &str) -> Result<Vec<String>, StoreError> {
        let mut connection = self.connection()?;
        redis::cmd("SMEMBERS")
            .arg(self.user_key(user))
            .query_async(&mut connection)
            .await
            .map_err(store_error)
    }

    /// The second step: destroys `ids` (following rotations), then removes only them from the
    /// index with one `SREM` on the one index key (Cluster-safe). Returns how many sessions ended.
    async fn revoke_ids(&self, user: &str, ids: &[String]) -> Result<usize, StoreError> {
        let mut connection = self.connection()?;
        let deleted = try_join_all(ids.iter().map(|id| {
            let mut connection = connection.clone();
            async move { self.destroy(&mut connection, id).await }
        }))
        .await?;
        if !ids.is_empty() {
            redis::cmd("SREM")
                .arg(self.user_key(user))
                .arg(ids)
                .query_async::<()>(&mut connection)
                .await
                .map_err(store_error)?;
        }
        Ok(deleted.into_iter().filter(|&deleted| deleted).count())
    }

    /// Test-only: the first step of [`revoke_user`](SessionStore::revoke_user), so that a test
    /// can put a sign-in between the steps. Not a public API.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub async fn revoke_user_read(&self, user: &str) -> Result<Vec<String>, StoreError> {
        self.indexed(user).await
    }

    /// Test-only: the second step of [`revoke_user`](SessionStore::revoke_user), over the ids
    /// the first step read. Not a public API.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub async fn revoke_user_finish(&self, user: &str, ids: &[String]) -> Result<usize, StoreError> {
        self.revoke_ids(user, ids).await
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("cluster", &self.cluster)
            .field("connections", &self.connections.len())
            .field("forwarding", &self.forwarding)
            .field("hops", &self.hops)
            .finish()
    }
}

fn store_error(error: RedisError) -> StoreError {
    if error.is_timeout() {
        StoreError::Unavailable(format!("Redis timed out: {error}"))
    } else if error.is_io_error()
        || error.is_connection_refusal()
        || error.is_connection_dropped()
        || error.is_cluster_error()
        || error.kind() == redis::ErrorKind::ClusterConnectionNotFound
    {
        // A cluster error (CLUSTERDOWN, TRYAGAIN, redirections that kept failing) is a failover
        // in progress: the store is unavailable for now, not broken.
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Backend(error.to_string())
    }
}

impl RedisStore {
    /// What the session key of `id` holds: a session, a marker (a tombstone), or nothing.
    async fn stored(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut connection = self.connection()?;
        redis::cmd("GET").arg(self.session_key(id)).query_async(&mut connection).await.map_err(store_error)
    }
}

impl SessionStore for RedisStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            // A rotated id's tombstone is no session: its cookie opens nothing (session fixation).
            Ok(self.stored(id).await?.filter(|value| !is_marker(value)))
        })
    }

    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        Box::pin(async move {
            let mut connection = self.connection()?;
            let written = match (record.mode, record.replaces) {
                (SaveMode::Create, Some(old)) => self.rotate(&mut connection, &record, old).await?,
                (mode, _) => {
                    let script = if mode == SaveMode::Create { &*CREATE } else { &*UPDATE };
                    match self.write(&mut connection, script, record.id, &record).await? {
                        1 => Written::Saved,
                        0 => Written::Absent,
                        3 => Written::Moved,
                        _ => Written::Conflict,
                    }
                }
            };
            if written == Written::Saved {
                self.reindex(&connection, &record).await?;
            }
            Ok(written)
        })
    }

    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, user: Option<&'a str>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let connection = self.connection()?;
            let touch = async {
                let mut connection = connection.clone();
                TOUCH
                    .key(self.session_key(id))
                    .arg(millis(ttl))
                    .invoke_async::<i64>(&mut connection)
                    .await
                    .map_err(store_error)
            };
            let index = async {
                let Some(user) = user else { return Ok(()) };
                let mut pipe = redis::pipe();
                self.index(&mut pipe, user, id, ttl);
                self.run_each(&connection, vec![pipe]).await
            };
            let (touched, ()) = futures_util::future::try_join(touch, index).await?;
            Ok(touched == 1)
        })
    }

    fn moved<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move { Ok(self.stored(id).await?.is_some_and(|value| is_tombstone(&value))) })
    }

    fn delete<'a>(&'a self, id: &'a str, user: Option<&'a str>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection()?;
            self.destroy(&mut connection, id).await?;
            if let Some(user) = user {
                redis::cmd("SREM")
                    .arg(self.user_key(user))
                    .arg(id)
                    .query_async::<()>(&mut connection)
                    .await
                    .map_err(store_error)?;
            }
            Ok(())
        })
    }

    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(async move {
            let ids = self.indexed(user).await?;
            self.revoke_ids(user, &ids).await
        })
    }

    fn sessions_of<'a>(&'a self, user: &'a str) -> StoreFuture<'a, Vec<StoredSession>> {
        Box::pin(self.listed(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefix reads back as set (a store connects lazily, on a runtime: no server is needed).
    #[test]
    fn the_prefix_reads_back() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _entered = runtime.enter();
        let store = RedisStore::builder("redis://127.0.0.1:1/").prefix("app:").build().unwrap();
        assert_eq!(store.prefix(), "app:");
    }

    /// Which Redis errors mean "unavailable for now" (a 503, the write may land) and which a
    /// broken request: each of the conditions counts on its own.
    #[test]
    fn errors_of_an_unavailable_server_are_unavailable() {
        use redis::{ErrorKind, ServerErrorKind};
        use std::io;
        let unavailable = [
            RedisError::from(io::Error::from(io::ErrorKind::TimedOut)),
            RedisError::from(io::Error::from(io::ErrorKind::ConnectionRefused)),
            RedisError::from(io::Error::from(io::ErrorKind::ConnectionReset)),
            RedisError::from(io::Error::from(io::ErrorKind::HostUnreachable)),
            RedisError::from((ErrorKind::Io, "dropped")),
            RedisError::from((ErrorKind::Server(ServerErrorKind::ClusterDown), "failover")),
            RedisError::from((ErrorKind::Server(ServerErrorKind::TryAgain), "resharding")),
            RedisError::from((ErrorKind::ClusterConnectionNotFound, "no node")),
        ];
        for error in unavailable {
            let shown = error.to_string();
            assert!(matches!(store_error(error), StoreError::Unavailable(_)), "{shown}");
        }
        let broken = [
            RedisError::from((ErrorKind::Server(ServerErrorKind::ResponseError), "WRONGTYPE")),
            RedisError::from((ErrorKind::Server(ServerErrorKind::NoScript), "NOSCRIPT")),
            RedisError::from((ErrorKind::UnexpectedReturnType, "not an integer")),
        ];
        for error in broken {
            let shown = error.to_string();
            assert!(matches!(store_error(error), StoreError::Backend(_)), "{shown}");
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
            for builder in
                [RedisStore::builder(url).prefix("app:"), RedisStore::cluster([url, url]).prefix("app:")]
            {
                let shown = format!("{builder:?}");
                assert!(!shown.contains("s3"), "{shown}");
                assert!(shown.contains("app:"), "{shown}");
                let shown = format!("{builder:#?}");
                assert!(!shown.contains("s3"), "{shown}");
            }
        }
    }
}

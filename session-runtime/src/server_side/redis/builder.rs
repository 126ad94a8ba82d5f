//! [`RedisStoreBuilder`]: one builder for a node and a Cluster, with the same settings.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use super::RedisStore;
use super::connection::{self, Settings, Target};
use crate::error::StoreError;
use crate::server_side::redact::redacted_url;

/// Builds a [`RedisStore`]. Its `Debug` shows every URL without its password.
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
    target: Target,
    prefix: String,
    connections: usize,
    response_timeout: Duration,
    connection_timeout: Duration,
    ca_certificate: Option<PathBuf>,
    forwarding: Duration,
    hops: usize,
}

impl RedisStoreBuilder {
    pub(super) fn new(target: Target) -> Self {
        RedisStoreBuilder {
            target,
            prefix: "session:".into(),
            connections: 4,
            response_timeout: Duration::from_secs(2),
            connection_timeout: Duration::from_secs(2),
            ca_certificate: None,
            forwarding: super::TOMBSTONE_TTL,
            hops: super::MAX_HOPS,
        }
    }

    /// How long the old key of a rotation (`cycle_id`, `renew`) stays a tombstone pointing at the
    /// new one (default 60 s). A request that opened the old id before the
    /// rotation and ends after it is told the session moved (no delete cookie, its write refused
    /// with `Error::Rotated`), and its sign-out follows to the new id, only within this time:
    /// make it at least as long as the longest request (docs/server-side.md, "Rotation and
    /// requests in flight").
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = session_runtime::RedisStore::builder("redis://127.0.0.1/")
    ///     .forwarding(Duration::from_secs(300));
    /// # let _ = builder;
    /// ```
    pub fn forwarding(mut self, life: Duration) -> Self {
        self.forwarding = life;
        self
    }

    /// How many rotations a sign-out or a revocation follows from the id it holds (default 16,
    /// at least 1): more rotations of one session within [`forwarding`](Self::forwarding) make
    /// it fail with `StoreError::Backend` rather than loop.
    ///
    /// ```
    /// let builder = session_runtime::RedisStore::builder("redis://127.0.0.1/").forwarding_hops(64);
    /// # let _ = builder;
    /// ```
    pub fn forwarding_hops(mut self, hops: usize) -> Self {
        self.hops = hops.max(1);
        self
    }

    /// Prefix of every key (default `session:`): sessions are `{prefix}s:{id}`, user indexes
    /// `{prefix}u:{user}`.
    ///
    /// ```
    /// let builder = session_runtime::RedisStore::builder("redis://127.0.0.1/").prefix("shop:session:");
    /// # let _ = builder;
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Number of multiplexed connections used round-robin (default 4, at least 1). For a
    /// Cluster, each is a cluster client with one connection per node.
    ///
    /// ```
    /// let builder = session_runtime::RedisStore::builder("redis://127.0.0.1/").connections(8);
    /// # let _ = builder;
    /// ```
    pub fn connections(mut self, n: usize) -> Self {
        self.connections = n.max(1);
        self
    }

    /// How long one command may take on the connection (default 2 s). The session backend's
    /// own timeout ([`with_timeout`](crate::ServerSideSessionInterface::with_timeout)) bounds
    /// every store call as well.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = session_runtime::RedisStore::builder("redis://127.0.0.1/")
    ///     .response_timeout(Duration::from_millis(500));
    /// # let _ = builder;
    /// ```
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How long connecting may take (default 2 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = session_runtime::RedisStore::builder("redis://127.0.0.1/")
    ///     .connection_timeout(Duration::from_millis(500));
    /// # let _ = builder;
    /// ```
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// Trusts the CA certificate(s) in the PEM file at `path` for `rediss://` connections,
    /// instead of the system's roots (a private CA, or a test certificate). Read by
    /// [`build`](Self::build).
    ///
    /// ```
    /// let builder = session_runtime::RedisStore::builder("rediss://redis.internal:6380/")
    ///     .ca_certificate("/etc/redis/tls/ca.crt");
    /// # let _ = builder;
    /// ```
    pub fn ca_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_certificate = Some(path.into());
        self
    }

    /// The store. Connections are made lazily, on first use, so this does not fail when Redis
    /// is down; it fails on a malformed URL or an unreadable CA certificate. Must be called
    /// inside a Tokio runtime.
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), session_runtime::StoreError> {
    /// let store = session_runtime::RedisStore::cluster(["redis://127.0.0.1:7000"]).build()?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn build(self) -> Result<RedisStore, StoreError> {
        let settings = Settings {
            response_timeout: self.response_timeout,
            connection_timeout: self.connection_timeout,
            ca_certificate: self.ca_certificate.as_ref(),
        };
        let connections = connection::connect(&self.target, &settings, self.connections)?;
        Ok(RedisStore {
            connections: connections.into(),
            next: Arc::new(AtomicUsize::new(0)),
            prefix: self.prefix.into(),
            cluster: matches!(self.target, Target::Cluster(_)),
            forwarding: self.forwarding,
            hops: self.hops,
        })
    }
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("RedisStoreBuilder");
        match &self.target {
            Target::Node(url) => out.field("url", &redacted_url(url)),
            Target::Cluster(nodes) => {
                out.field("cluster", &nodes.iter().map(|url| redacted_url(url)).collect::<Vec<_>>())
            }
        };
        out.field("prefix", &self.prefix)
            .field("connections", &self.connections)
            .field("response_timeout", &self.response_timeout)
            .field("connection_timeout", &self.connection_timeout)
            .field("ca_certificate", &self.ca_certificate)
            .field("forwarding", &self.forwarding)
            .field("hops", &self.hops)
            .finish()
    }
}

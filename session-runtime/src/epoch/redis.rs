//! Users' epochs in Redis: one key per user (`{prefix}{user}`, an integer; absent is 0), one
//! command per call (`GET`, `INCR`), so it works unchanged on a Redis Cluster (a single-key
//! command is always in one slot).

use std::fmt;

use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::cluster_async::ClusterConnection;

use super::{EpochFuture, EpochSource};
use crate::error::StoreError;

/// The key prefix by default.
const DEFAULT_PREFIX: &str = "session-epoch:";

/// Epochs in Redis, one node or a Cluster. Keys never expire: an epoch must outlive every
/// cookie issued under it (at most `max_lifetime`, or the lifetime refreshed for ever).
///
/// ```no_run
/// use session_runtime::epoch::{Epochs, RedisEpochs};
/// # async fn run() -> Result<(), session_runtime::StoreError> {
/// let epochs = Epochs::new(RedisEpochs::connect("redis://127.0.0.1:6379/").await?);
/// epochs.bump_epoch("ann").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisEpochs {
    connection: Connection,
    prefix: String,
}

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl RedisEpochs {
    /// Epochs on one Redis node through `manager` (reconnects by itself).
    pub fn new(manager: ConnectionManager) -> Self {
        RedisEpochs { connection: Connection::Single(manager), prefix: DEFAULT_PREFIX.into() }
    }

    /// Epochs on a Redis Cluster through `connection`.
    pub fn cluster(connection: ClusterConnection) -> Self {
        RedisEpochs { connection: Connection::Cluster(connection), prefix: DEFAULT_PREFIX.into() }
    }

    /// Connects to the one node at `url` (`redis://` or `rediss://`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        Ok(Self::new(client.get_connection_manager().await.map_err(unavailable)?))
    }

    /// Connects to the Redis Cluster that `nodes` belong to (URLs of some of its nodes; the
    /// client discovers the others and follows failovers).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), session_runtime::StoreError> {
    /// let source = session_runtime::epoch::RedisEpochs::connect_cluster(["redis://10.0.0.1:7000"]).await?;
    /// # let _ = source; Ok(()) }
    /// ```
    pub async fn connect_cluster<I>(nodes: I) -> Result<Self, StoreError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let nodes: Vec<String> = nodes.into_iter().map(Into::into).collect();
        let client = redis::cluster::ClusterClient::new(nodes).map_err(unavailable)?;
        Ok(Self::cluster(client.get_async_connection().await.map_err(unavailable)?))
    }

    /// Keys users' epochs under `prefix` (default `"session-epoch:"`), e.g. to share a Redis
    /// between applications.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, user: &str) -> String {
        format!("{}{user}", self.prefix)
    }

    async fn get(&self, user: &str) -> Result<u64, StoreError> {
        let key = self.key(user);
        let epoch: Option<u64> = match self.connection.clone() {
            Connection::Single(mut connection) => connection.get(&key).await,
            Connection::Cluster(mut connection) => connection.get(&key).await,
        }
        .map_err(failed)?;
        Ok(epoch.unwrap_or(0))
    }

    async fn incr(&self, user: &str) -> Result<u64, StoreError> {
        let key = self.key(user);
        match self.connection.clone() {
            Connection::Single(mut connection) => connection.incr(&key, 1u64).await,
            Connection::Cluster(mut connection) => connection.incr(&key, 1u64).await,
        }
        .map_err(failed)
    }
}

impl EpochSource for RedisEpochs {
    fn current<'a>(&'a self, user: &'a str) -> EpochFuture<'a> {
        Box::pin(self.get(user))
    }
    fn bump<'a>(&'a self, user: &'a str) -> EpochFuture<'a> {
        Box::pin(self.incr(user))
    }
}

impl fmt::Debug for RedisEpochs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.connection {
            Connection::Single(_) => "single",
            Connection::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisEpochs").field("connection", &kind).field("prefix", &self.prefix).finish()
    }
}

/// A connection that could not be made. redis's errors name the address, never a password.
fn unavailable(error: redis::RedisError) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

/// A command that failed: the connection, or a value that is not an epoch.
fn failed(error: redis::RedisError) -> StoreError {
    if error.is_io_error() || error.is_connection_dropped() || error.is_connection_refusal() {
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Backend(error.to_string())
    }
}

//! The connections of the Redis store: to one node (`ConnectionManager`, multiplexed and
//! reconnecting) or to a Cluster (the `redis` crate's async cluster client, which follows
//! `MOVED`/`ASK`, refreshes its slot map after a failover and reconnects), behind one type so
//! the store's commands are written once.

use std::path::PathBuf;
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClientBuilder, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Client, Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, TlsCertificates, Value};

use crate::error::StoreError;

/// Where the store connects.
#[derive(Clone)]
pub(super) enum Target {
    /// One node (or a primary with replicas), `redis://` or `rediss://`.
    Node(String),
    /// The seed nodes of a Cluster; the client discovers the others.
    Cluster(Vec<String>),
}

/// What a connection needs besides its target.
pub(super) struct Settings<'a> {
    pub(super) response_timeout: Duration,
    pub(super) connection_timeout: Duration,
    pub(super) ca_certificate: Option<&'a PathBuf>,
}

/// One multiplexed connection to a node or to a Cluster; cloning shares it.
#[derive(Clone)]
pub(super) enum Connection {
    Node(ConnectionManager),
    Cluster(ClusterConnection),
}

impl Connection {
    fn as_like(&mut self) -> &mut (dyn ConnectionLike + Send) {
        match self {
            Connection::Node(connection) => connection,
            Connection::Cluster(connection) => connection,
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            match self.as_like().req_packed_command(cmd).await {
                Err(error) if dropped(&error) => self.as_like().req_packed_command(cmd).await,
                answer => answer,
            }
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            match self.as_like().req_packed_commands(pipeline, offset, count).await {
                Err(error) if dropped(&error) => {
                    self.as_like().req_packed_commands(pipeline, offset, count).await
                }
                answer => answer,
            }
        })
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Node(connection) => connection.get_db(),
            Connection::Cluster(connection) => connection.get_db(),
        }
    }
}

/// Whether a connection was found dead (closed by the server for idleness, killed, or Redis
/// restarted). `ConnectionManager` and the cluster client reconnect after such an error, and the
/// call is tried once more on the new connection (the cluster client's own retries do not cover
/// every case of a killed connection: with all of them gone it answers "no connection found"
/// while it reconnects from the seed nodes): every command of this
/// store may run twice (each script is idempotent or a compare-and-set; docs/design.md), so a
/// dropped idle connection costs no request. A timeout is not retried: the backend's deadline
/// is already running.
pub(super) fn dropped(error: &RedisError) -> bool {
    !error.is_timeout()
        && (error.is_connection_dropped()
            || error.is_io_error()
            || error.kind() == ErrorKind::ClusterConnectionNotFound)
}

/// `count` lazy connections to `target`: none connects before its first command, so this fails
/// only on a malformed URL or an unreadable CA certificate. Needs a Tokio runtime.
pub(super) fn connect(
    target: &Target,
    settings: &Settings<'_>,
    count: usize,
) -> Result<Vec<Connection>, StoreError> {
    let certificates = match settings.ca_certificate {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|error| {
                StoreError::Backend(format!("cannot read the CA certificate {}: {error}", path.display()))
            })?;
            install_crypto_provider();
            Some(TlsCertificates { client_tls: None, root_cert: Some(pem) })
        }
        None => None,
    };
    if target_uses_tls(target) {
        install_crypto_provider();
    }
    match target {
        Target::Node(url) => {
            let client = match certificates {
                Some(certificates) => Client::build_with_tls(url.as_str(), certificates),
                None => Client::open(url.as_str()),
            }
            .map_err(invalid)?;
            let config = ConnectionManagerConfig::new()
                .set_response_timeout(Some(settings.response_timeout))
                .set_connection_timeout(Some(settings.connection_timeout))
                .set_number_of_retries(2)
                .set_max_delay(Duration::from_millis(500));
            (0..count)
                .map(|_| {
                    ConnectionManager::new_lazy_with_config(client.clone(), config.clone())
                        .map(Connection::Node)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(invalid)
        }
        Target::Cluster(nodes) => {
            let mut builder = ClusterClientBuilder::new(nodes.iter().map(String::as_str))
                .connection_timeout(settings.connection_timeout)
                .response_timeout(settings.response_timeout)
                // A failover takes about a second or two: retry a few times, briefly, and let
                // the session backend's own timeout bound the whole call.
                .retries(4)
                .min_retry_wait(50)
                .max_retry_wait(500);
            if let Some(certificates) = certificates {
                builder = builder.certs(certificates);
            }
            let client = builder.build().map_err(invalid)?;
            let config = ClusterConfig::new()
                .set_connection_timeout(settings.connection_timeout)
                .set_response_timeout(settings.response_timeout);
            Ok((0..count)
                .map(|_| Connection::Cluster(client.get_pending_async_connection_with_config(config.clone())))
                .collect())
        }
    }
}

fn target_uses_tls(target: &Target) -> bool {
    let tls = |url: &String| url.starts_with("rediss://");
    match target {
        Target::Node(url) => tls(url),
        Target::Cluster(nodes) => nodes.iter().any(tls),
    }
}

/// rustls needs a process-wide crypto provider when more than one is compiled in (another crate
/// may enable aws-lc-rs); install ring's unless the application installed one.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another thread installing one is fine: there is one now.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// A configuration the `redis` crate refused. Its message may quote the URL, so only the kind
/// is kept (the URL may carry a password).
fn invalid(error: RedisError) -> StoreError {
    StoreError::Backend(format!("invalid Redis configuration: {:?}", error.kind()))
}

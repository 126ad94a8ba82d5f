//! Building a [`PostgresStore`]: from a URL (a lazily connecting pool of our own) or from the
//! application's pool; its `Debug` never shows the password.

use std::fmt;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::PostgresStore;
use super::schema::TableName;
use crate::error::StoreError;
use crate::server_side::redact::redacted_url;

/// Where the store's connections come from.
#[derive(Clone)]
pub(super) enum Source {
    Url(String),
    Pool(PgPool),
}

/// Builds a [`PostgresStore`] ([`PostgresStore::builder`], [`PostgresStore::from_pool`]). Its
/// `Debug` shows the URL without its password.
///
/// ```
/// use session_runtime::PostgresStore;
/// let builder = PostgresStore::builder("postgres://app:hunter2@db.internal:5432/app").table("web.sessions");
/// let shown = format!("{builder:?}");
/// assert!(shown.contains("postgres://app:***@db.internal:5432/app"), "{shown}");
/// assert!(!shown.contains("hunter2"));
/// ```
#[derive(Clone)]
pub struct PostgresStoreBuilder {
    source: Source,
    table: String,
    max_connections: u32,
    acquire_timeout: Duration,
    ping_after_idle: Duration,
    create_schema: bool,
    cleanup_every: u64,
    cleanup_batch: u32,
    forwarding: Duration,
    hops: usize,
}

impl PostgresStoreBuilder {
    pub(super) fn new(source: Source) -> Self {
        PostgresStoreBuilder {
            source,
            table: "sessions".into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(2),
            ping_after_idle: Duration::from_secs(1),
            create_schema: true,
            cleanup_every: 1000,
            cleanup_batch: 1000,
            forwarding: super::DEFAULT_FORWARDING,
            hops: super::MAX_HOPS,
        }
    }

    /// How long the old id of a rotation (`cycle_id`, `renew`) stays a forwarding row to the new
    /// one (default 60 s): a request that opened the old id before the rotation and ends after
    /// it is told the session moved (no delete cookie, its write refused with
    /// `Error::Rotated`), and its sign-out follows to the new id. Make it at least as long as the
    /// longest request (docs/server-side.md, "Rotation and sign-out").
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = session_runtime::PostgresStore::builder("postgres://localhost/app")
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
    /// let builder = session_runtime::PostgresStore::builder("postgres://localhost/app").forwarding_hops(64);
    /// # let _ = builder;
    /// ```
    pub fn forwarding_hops(mut self, hops: usize) -> Self {
        self.hops = hops.max(1);
        self
    }

    /// The table (default `sessions`): `table` or `schema.table`, lower-case letters, digits and
    /// `_`. Several applications can share a database with a table each.
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// The most connections the pool opens (default 10, at least 1). Not for
    /// [`from_pool`](PostgresStore::from_pool), whose pool has its own.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a call may wait for a free connection, connecting included (default 2 s); then it
    /// fails as `StoreError::Unavailable`. The backend's own timeout
    /// ([`with_timeout`](crate::ServerSideSessionInterface::with_timeout)) bounds every call as
    /// well. Not for [`from_pool`](PostgresStore::from_pool).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// A connection that sat unused in the pool this long (default 1 s) is pinged before a call
    /// uses it, so that one that died meanwhile (PostgreSQL restarted) is replaced instead of
    /// failing the call. A connection in steady use is not pinged: its statement is the call's
    /// only round trip (a ping before every call doubled them; docs/server-side.md, "Round
    /// trips"). `Duration::ZERO` pings before every call. Not for
    /// [`from_pool`](PostgresStore::from_pool).
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = session_runtime::PostgresStore::builder("postgres://localhost/app")
    ///     .ping_after_idle(Duration::from_secs(10));
    /// # let _ = builder;
    /// ```
    pub fn ping_after_idle(mut self, idle: Duration) -> Self {
        self.ping_after_idle = idle;
        self
    }

    /// Whether the store creates its table (and indexes) at first use when it is missing
    /// (default `true`). With `false` the table must exist, made by an operator from
    /// `sql/postgres-sessions.sql`, and the application's role needs no right to create tables.
    pub fn create_schema(mut self, create: bool) -> Self {
        self.create_schema = create;
        self
    }

    /// Every `saves` successful saves, the store deletes one batch of expired rows in a background
    /// task (default 1000; `0` turns it off, then call [`PostgresStore::cleanup`] on a timer).
    pub fn cleanup_every(mut self, saves: u64) -> Self {
        self.cleanup_every = saves;
        self
    }

    /// The most expired rows one cleanup deletes (default 1000, at least 1), so that it never holds
    /// locks or the disk for long.
    pub fn cleanup_batch(mut self, rows: u32) -> Self {
        self.cleanup_batch = rows.max(1);
        self
    }

    /// The store. It connects lazily, on first use, so this does not fail when PostgreSQL is
    /// down; it fails on a malformed URL or table name. Must be called inside a Tokio runtime
    /// (the pool starts its maintenance task there).
    pub fn build(self) -> Result<PostgresStore, StoreError> {
        let table = TableName::parse(&self.table)?;
        let pool = match self.source {
            Source::Pool(pool) => pool,
            Source::Url(url) => {
                if tokio::runtime::Handle::try_current().is_err() {
                    return Err(StoreError::Backend(
                        "PostgresStore::build must be called inside a Tokio runtime".into(),
                    ));
                }
                // The URL is not in the message: it may hold the password.
                let options = url.parse().map_err(|error: sqlx::Error| {
                    StoreError::Backend(
                        format!("the PostgreSQL URL does not parse ({})", redacted_url(&url))
                            + &not_the_url(&error),
                    )
                })?;
                // sqlx's ping before every acquire is a round trip of its own in front of every
                // one-statement call; only a connection idle for a while is checked (sqlx still
                // pings once on release, after the caller has its answer). docs/server-side.md,
                // "Round trips".
                let ping_after = self.ping_after_idle;
                PgPoolOptions::new()
                    .max_connections(self.max_connections)
                    .acquire_timeout(self.acquire_timeout)
                    .test_before_acquire(false)
                    .before_acquire(move |connection, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= ping_after {
                                // An error closes this connection; the pool takes or opens another.
                                sqlx::Connection::ping(connection).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_lazy_with(options)
            }
        };
        let cleanup = (self.cleanup_every, self.cleanup_batch);
        Ok(PostgresStore::new(pool, table, self.create_schema, cleanup, (self.forwarding, self.hops)))
    }

    /// [`build`](Self::build), then checks the table (creating it if allowed) at once: fails when
    /// PostgreSQL cannot be reached or the table is not usable, for applications that would
    /// rather not start than answer 503.
    pub async fn connect(self) -> Result<PostgresStore, StoreError> {
        let store = self.build()?;
        store.prepared().await?;
        Ok(store)
    }
}

/// A URL parse error's own text, which names what is wrong (a port, an option) and not the URL.
fn not_the_url(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Configuration(cause) => format!(": {cause}"),
        _ => String::new(),
    }
}

impl fmt::Debug for PostgresStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Url(url) => redacted_url(url),
            Source::Pool(_) => "<application pool>".to_owned(),
        };
        f.debug_struct("PostgresStoreBuilder")
            .field("source", &source)
            .field("table", &self.table)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("ping_after_idle", &self.ping_after_idle)
            .field("create_schema", &self.create_schema)
            .field("cleanup_every", &self.cleanup_every)
            .field("cleanup_batch", &self.cleanup_batch)
            .field("forwarding", &self.forwarding)
            .field("hops", &self.hops)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_or_table_fails_the_build_without_showing_the_password() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _entered = runtime.enter();
        let error = PostgresStore::builder("postgres://app:s3cret@db:notaport/app").build().unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
        let error = PostgresStore::builder("postgres://db/app").table("x; drop table y").build().unwrap_err();
        assert!(error.to_string().contains("schema.table"), "{error}");
        let store = PostgresStore::builder("postgres://app:s3cret@127.0.0.1:1/app").build().unwrap();
        let shown = format!("{store:?} {store:#?}");
        assert!(!shown.contains("s3cret") && shown.contains("sessions"), "{shown}");
    }

    #[test]
    fn building_outside_a_runtime_is_an_error_not_a_panic() {
        let error = PostgresStore::builder("postgres://db/app").build().unwrap_err();
        assert!(error.to_string().contains("Tokio runtime"), "{error}");
    }
}

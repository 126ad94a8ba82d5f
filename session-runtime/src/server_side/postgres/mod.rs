//! The PostgreSQL store (feature `postgres`): one table through an sqlx pool; every store call one
//! statement that checks expiry and, for a save, compare-and-set in the same step.

mod builder;
mod schema;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::sync::OnceCell;

pub use builder::PostgresStoreBuilder;
use schema::{Queries, TableName};

use crate::backend::{Record, SaveMode, SessionStore, StoreFuture, StoredSession, Written};
use crate::error::StoreError;

/// How long a forwarding row lives by default ([`PostgresStoreBuilder::forwarding`]).
const DEFAULT_FORWARDING: Duration = Duration::from_secs(60);

/// Sessions in a PostgreSQL table (feature `postgres`), shared by every server that points at
/// the same database.
///
/// - One row per session: the hashed id (primary key), the payload, its SHA-256 digest, the
///   expiry and the user (indexed, for [`revoke_user`](SessionStore::revoke_user)). The DDL is
///   `sql/postgres-sessions.sql`; the store applies it at first use unless told not to
///   ([`create_schema(false)`](PostgresStoreBuilder::create_schema)), and refuses a table of
///   another schema version.
/// - Every statement checks `expires_at > now()` (the database's clock, one for all servers), so
///   an expired row is never read, touched or updated.
/// - A save is one statement, so one transaction and one exchange with the server (sqlx's pool
///   adds its health pings when it hands out and takes back a connection): an update writes only over
///   the row the request opened (its digest, compared in the `UPDATE`'s `WHERE`); a new id only if
///   it is free; an id rotation locks the old row, writes the new one from it and turns the old
///   one into a short-lived forwarding row (an empty digest, the new id as its data), so a
///   session destroyed meanwhile is never brought back under a new id, and a request still
///   holding the old id is told that the session moved.
/// - Expired rows are deleted in bounded batches: [`cleanup`](PostgresStore::cleanup), which
///   the store also runs in the background every [`cleanup_every`](PostgresStoreBuilder::cleanup_every)
///   saves (default 1000).
/// - The pool connects lazily, so the application starts while PostgreSQL is down: sessions then
///   open empty with `Rejection::StoreUnavailable` and saves answer 503 until it is back.
///
/// ```no_run
/// use session_runtime::{Keys, PostgresStore, SecretKey, ServerSideSessionInterface};
/// use std::time::Duration;
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// // Inside the application's Tokio runtime:
/// let store = PostgresStore::builder("postgres://app:secret@db.internal/app")
///     .table("sessions")
///     .max_connections(16)
///     .acquire_timeout(Duration::from_millis(500))
///     .build()?;
/// let backend = ServerSideSessionInterface::new(Keys::new(SecretKey::generate()?), store);
/// # let _ = backend; Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    table: TableName,
    queries: Queries,
    create_schema: bool,
    /// Set once the table is known to be there at this schema version; retried until it is.
    prepared: OnceCell<()>,
    cleanup_every: u64,
    cleanup_batch: i64,
    saves: AtomicU64,
    cleaning: AtomicBool,
    /// The life of a forwarding row.
    forwarding: Duration,
    /// How many forwarding rows a sign-out follows.
    hops: usize,
}

impl PostgresStore {
    /// A builder for the PostgreSQL at `url` (`postgres://user:password@host:port/database`;
    /// sqlx's URL options such as `sslmode` apply).
    pub fn builder(url: impl Into<String>) -> PostgresStoreBuilder {
        PostgresStoreBuilder::new(builder::Source::Url(url.into()))
    }

    /// A builder over the application's own sqlx pool (sqlx 0.8), for example one with TLS or
    /// other connect options set in code. The pool's own size and timeouts apply.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use session_runtime::PostgresStore;
    /// let pool = sqlx::PgPool::connect("postgres://app@localhost/app").await?;
    /// let store = PostgresStore::from_pool(pool).table("web.sessions").connect().await?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn from_pool(pool: PgPool) -> PostgresStoreBuilder {
        PostgresStoreBuilder::new(builder::Source::Pool(pool))
    }

    fn new(
        pool: PgPool,
        table: TableName,
        create_schema: bool,
        cleanup: (u64, u32),
        (forwarding, hops): (Duration, usize),
    ) -> Self {
        let queries = Queries::new(&table);
        PostgresStore {
            inner: Arc::new(Inner {
                pool,
                table,
                queries,
                create_schema,
                prepared: OnceCell::new(),
                cleanup_every: cleanup.0,
                cleanup_batch: i64::from(cleanup.1),
                saves: AtomicU64::new(0),
                cleaning: AtomicBool::new(false),
                forwarding,
                hops,
            }),
        }
    }

    /// The table, as written in SQL.
    pub fn table(&self) -> &str {
        self.inner.table.as_str()
    }

    /// The sqlx pool (for the application's own queries, or to close it at shutdown).
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// Deletes at most `cleanup_batch` (default 1000) expired rows, oldest first, and returns how
    /// many. Expired rows are never read, so this only reclaims space; call it from a timer when
    /// the background cleanup is off (`cleanup_every(0)`), until it returns less than the batch.
    ///
    /// ```no_run
    /// # async fn run(store: session_runtime::PostgresStore) -> Result<(), session_runtime::StoreError> {
    /// let removed = store.cleanup().await?;
    /// println!("{removed} expired sessions removed");
    /// # Ok(()) }
    /// ```
    pub async fn cleanup(&self) -> Result<u64, StoreError> {
        self.prepared().await?;
        self.inner.cleanup().await
    }

    /// Checks (and creates, if allowed) the table once; an error is not kept, so the next call
    /// tries again (PostgreSQL was down at start).
    async fn prepared(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        inner
            .prepared
            .get_or_try_init(|| schema::prepare(&inner.pool, &inner.table, inner.create_schema))
            .await
            .map(|_| ())
    }

    /// Every `cleanup_every` saves, one cleanup batch in a background task (at most one at a
    /// time per store), so no request waits for it.
    fn count_save(&self) {
        let every = self.inner.cleanup_every;
        let saves = self.inner.saves.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if every == 0 || !saves.is_multiple_of(every) {
            return;
        }
        if self.inner.cleaning.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            if let Err(error) = inner.cleanup().await {
                crate::log::store_failed(&error);
            }
            inner.cleaning.store(false, Ordering::Release);
        });
    }
}

impl PostgresStore {
    /// Runs a delete statement (`delete` or `revoke`) bound to `key`: per deleted row, whether it
    /// was a live session and where a live forwarding row pointed.
    async fn deleted(&self, sql: &str, key: &str) -> Result<Vec<(bool, Option<String>)>, StoreError> {
        sqlx::query_as(sql).bind(key).fetch_all(&self.inner.pool).await.map_err(store_error)
    }

    /// Deletes the session under `id` and, when `id` was rotated away, the one it became (and so
    /// on, up to `forwarding_hops` rotations); returns how many live sessions were deleted (0 or 1).
    async fn destroy(&self, id: &str) -> Result<usize, StoreError> {
        let mut id = id.to_owned();
        let mut deleted = 0;
        for _ in 0..self.inner.hops {
            let rows = self.deleted(&self.inner.queries.delete, &id).await?;
            deleted += rows.iter().filter(|(live, _)| *live).count();
            match rows.into_iter().find_map(|(_, next)| next) {
                Some(next) => id = next,
                None => return Ok(deleted),
            }
        }
        Err(StoreError::Backend(format!(
            "a session was rotated more than {} times during one sign-out (raise `forwarding_hops`)",
            self.inner.hops
        )))
    }
}

/// How many rotations a sign-out follows from the id it holds by default
/// ([`PostgresStoreBuilder::forwarding_hops`]).
const MAX_HOPS: usize = 16;

impl Inner {
    async fn cleanup(&self) -> Result<u64, StoreError> {
        let removed: i64 = sqlx::query_scalar(&self.queries.cleanup)
            .bind(self.cleanup_batch)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(u64::try_from(removed).unwrap_or(0))
    }
}

impl fmt::Debug for PostgresStore {
    /// The table and the pool's size; never the connect options, which hold the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("table", &self.inner.table.as_str())
            .field("connections", &self.inner.pool.size())
            .field("max_connections", &self.inner.pool.options().get_max_connections())
            .finish_non_exhaustive()
    }
}

/// The time to live in whole milliseconds (at least 1, as the Redis store), as PostgreSQL's
/// `bigint`.
fn millis(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1)
}

/// Connection trouble (refused, lost, timed out in the pool, the server shutting down or not yet
/// accepting connections) is `Unavailable`, so the request gets a 503; anything else `Backend`.
fn store_error(error: sqlx::Error) -> StoreError {
    let unavailable = match &error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            true
        }
        sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now),
        // 53300 (too many connections).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P0") || code == "53300"),
        _ => false,
    };
    let message = format!("PostgreSQL: {error}");
    if unavailable { StoreError::Unavailable(message) } else { StoreError::Backend(message) }
}

/// What a save statement answered: 1 written, 0 gone, 3 moved (a forwarding row), 2 (anything
/// else) conflict.
fn written(code: i32) -> Written {
    match code {
        1 => Written::Saved,
        0 => Written::Absent,
        3 => Written::Moved,
        _ => Written::Conflict,
    }
}

impl SessionStore for PostgresStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            self.prepared().await?;
            sqlx::query_scalar(&self.inner.queries.load)
                .bind(id)
                .fetch_optional(&self.inner.pool)
                .await
                .map_err(store_error)
        })
    }

    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        Box::pin(async move {
            self.prepared().await?;
            let queries = &self.inner.queries;
            let digest = Sha256::digest(record.payload);
            let expected = record.expected.map(|bytes| Sha256::digest(bytes).to_vec());
            let sql = match (record.mode, record.replaces) {
                (SaveMode::Update, _) => &queries.update,
                (SaveMode::Create, None) => &queries.create,
                (SaveMode::Create, Some(_)) => &queries.rotate,
            };
            let mut query = sqlx::query_scalar::<_, i32>(sql)
                .bind(record.id)
                .bind(record.payload)
                .bind(digest.as_slice())
                .bind(millis(record.ttl))
                .bind(record.user);
            query = match (record.mode, record.replaces) {
                (SaveMode::Update, _) => query.bind(expected),
                (SaveMode::Create, None) => query,
                (SaveMode::Create, Some(old)) => {
                    query.bind(old).bind(expected).bind(millis(self.inner.forwarding))
                }
            };
            let code = query.fetch_one(&self.inner.pool).await.map_err(store_error)?;
            let written = written(code);
            if written == Written::Saved {
                self.count_save();
            }
            Ok(written)
        })
    }

    /// The user index is a column of the row, so it lives exactly as long; `user` is not needed.
    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, _user: Option<&'a str>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            self.prepared().await?;
            let done = sqlx::query(&self.inner.queries.touch)
                .bind(id)
                .bind(millis(ttl))
                .execute(&self.inner.pool)
                .await
                .map_err(store_error)?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn moved<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            self.prepared().await?;
            sqlx::query_scalar(&self.inner.queries.moved)
                .bind(id)
                .fetch_one(&self.inner.pool)
                .await
                .map_err(store_error)
        })
    }

    fn delete<'a>(&'a self, id: &'a str, _user: Option<&'a str>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.prepared().await?;
            self.destroy(id).await.map(|_| ())
        })
    }

    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(async move {
            self.prepared().await?;
            let rows = self.deleted(&self.inner.queries.revoke, user).await?;
            let mut revoked = rows.iter().filter(|(live, _)| *live).count();
            for next in rows.into_iter().filter_map(|(_, next)| next) {
                revoked += self.destroy(&next).await?;
            }
            Ok(revoked)
        })
    }

    fn sessions_of<'a>(&'a self, user: &'a str) -> StoreFuture<'a, Vec<StoredSession>> {
        Box::pin(async move {
            self.prepared().await?;
            let rows: Vec<(String, Vec<u8>, i64)> = sqlx::query_as(&self.inner.queries.list)
                .bind(user)
                .fetch_all(&self.inner.pool)
                .await
                .map_err(store_error)?;
            Ok(rows
                .into_iter()
                .map(|(id, data, ms)| {
                    StoredSession::new(id, data, Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
                })
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_codes_and_ttls() {
        assert_eq!(written(1), Written::Saved);
        assert_eq!(written(0), Written::Absent);
        assert_eq!(written(2), Written::Conflict);
        assert_eq!(written(3), Written::Moved);
        assert_eq!(millis(Duration::from_micros(10)), 1, "a zero time to live would expire at once");
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(millis(Duration::MAX), i64::MAX);
    }

    #[test]
    fn connection_trouble_is_unavailable() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(store_error(sqlx::Error::Io(refused)), StoreError::Unavailable(_)));
        assert!(matches!(store_error(sqlx::Error::PoolTimedOut), StoreError::Unavailable(_)));
        assert!(matches!(store_error(sqlx::Error::RowNotFound), StoreError::Backend(_)));
        assert!(matches!(store_error(sqlx::Error::WorkerCrashed), StoreError::Unavailable(_)));
    }

    /// A database error with only a SQLSTATE, as the server sends one.
    #[derive(Debug)]
    struct Sqlstate(&'static str);

    impl std::fmt::Display for Sqlstate {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "SQLSTATE {}", self.0)
        }
    }

    impl std::error::Error for Sqlstate {}

    impl sqlx::error::DatabaseError for Sqlstate {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(self.0.into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    /// The server's own word that it cannot serve now (connection exceptions, shutting down, too
    /// many connections) is `Unavailable`; a statement it refused (a unique violation, a syntax
    /// error) is `Backend`.
    #[test]
    fn sqlstates_of_an_unavailable_server_are_unavailable() {
        let error = |code| store_error(sqlx::Error::Database(Box::new(Sqlstate(code))));
        for code in ["08006", "08001", "57P01", "57P03", "53300"] {
            assert!(matches!(error(code), StoreError::Unavailable(_)), "{code}");
        }
        for code in ["23505", "42601", "53200", "57014"] {
            assert!(matches!(error(code), StoreError::Backend(_)), "{code}");
        }
    }
}

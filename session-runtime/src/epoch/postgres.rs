//! Users' epochs in PostgreSQL: one table (`user_key text PRIMARY KEY, epoch bigint`), created
//! when missing under an advisory lock as the session store's table is, and one statement per
//! call (a `SELECT`; an upsert that increments and returns the new epoch).

use std::fmt;

use sqlx::PgPool;

use super::{EpochFuture, EpochSource};
use crate::error::StoreError;

/// The table by default.
const DEFAULT_TABLE: &str = "session_epochs";

/// Epochs in a PostgreSQL table. Rows never expire: an epoch must outlive every cookie issued
/// under it.
///
/// ```no_run
/// use session_runtime::epoch::{Epochs, PostgresEpochs};
/// # async fn run() -> Result<(), session_runtime::StoreError> {
/// let source = PostgresEpochs::connect("postgres://app@localhost/app").await?;
/// let epochs = Epochs::new(source);
/// epochs.bump_epoch("ann").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresEpochs {
    pool: PgPool,
    select: String,
    bump: String,
}

impl PostgresEpochs {
    /// Epochs in `table` (`table` or `schema.table`, lower-case letters, digits and `_`) through
    /// `pool`, creating the table when it is missing.
    pub async fn new(pool: PgPool, table: &str) -> Result<Self, StoreError> {
        if !valid_table(table) {
            return Err(StoreError::Backend(format!(
                "the PostgreSQL epoch table must be `table` or `schema.table`, each of lower-case letters, \
                 digits and `_`, not starting with a digit: {table:?}"
            )));
        }
        let ddl = format!(
            "SELECT pg_advisory_xact_lock(hashtext('session-runtime:{table}'));
CREATE TABLE IF NOT EXISTS {table} (user_key text PRIMARY KEY, epoch bigint NOT NULL);"
        );
        sqlx::raw_sql(&ddl).execute(&pool).await.map_err(failed)?;
        Ok(PostgresEpochs {
            pool,
            select: format!("SELECT epoch FROM {table} WHERE user_key = $1"),
            bump: format!(
                "INSERT INTO {table} (user_key, epoch) VALUES ($1, 1) \
                 ON CONFLICT (user_key) DO UPDATE SET epoch = {table}.epoch + 1 RETURNING epoch"
            ),
        })
    }

    /// Connects to `url` and uses the table `session_epochs`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPool::connect(url).await.map_err(|error| StoreError::Unavailable(error.to_string()))?;
        Self::new(pool, DEFAULT_TABLE).await
    }

    async fn get(&self, user: &str) -> Result<u64, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as(&self.select).bind(user).fetch_optional(&self.pool).await.map_err(failed)?;
        epoch(row.map_or(0, |(epoch,)| epoch))
    }

    async fn incr(&self, user: &str) -> Result<u64, StoreError> {
        let (epoch_now,): (i64,) =
            sqlx::query_as(&self.bump).bind(user).fetch_one(&self.pool).await.map_err(failed)?;
        epoch(epoch_now)
    }
}

/// `table` or `schema.table`, each part `[a-z_][a-z0-9_]*`: the name is written into SQL.
fn valid_table(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 2
        && parts.iter().all(|part| {
            let mut bytes = part.bytes();
            bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
                && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && part.len() <= 63
        })
}

/// A stored epoch: never negative (we only increment from 0).
fn epoch(stored: i64) -> Result<u64, StoreError> {
    u64::try_from(stored).map_err(|_| StoreError::Backend(format!("a negative epoch in the table: {stored}")))
}

fn failed(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(error.to_string())
        }
        other => StoreError::Backend(other.to_string()),
    }
}

impl EpochSource for PostgresEpochs {
    fn current<'a>(&'a self, user: &'a str) -> EpochFuture<'a> {
        Box::pin(self.get(user))
    }
    fn bump<'a>(&'a self, user: &'a str) -> EpochFuture<'a> {
        Box::pin(self.incr(user))
    }
}

impl fmt::Debug for PostgresEpochs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresEpochs").field("select", &self.select).finish()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_table_names() {
        assert!(super::valid_table("session_epochs") && super::valid_table("app.epochs"));
        for bad in ["", "Epochs", "a;drop", "1a", "a.b.c", "a b"] {
            assert!(!super::valid_table(bad), "{bad}");
        }
    }
}

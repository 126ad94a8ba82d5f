//! The PostgreSQL store's table: its name (checked, since it is written into SQL), the DDL
//! (the same text as `sql/postgres-sessions.sql`, which a test holds it to), the check of the
//! schema version at first use, and every statement the store runs, written once per store.

use sqlx::PgPool;

use super::store_error;
use crate::error::StoreError;

/// The schema version this store writes and reads; recorded as the table's comment.
pub(super) const VERSION: u32 = 1;

/// What the table's comment says for [`VERSION`] (the prefix names the owner of the table).
const COMMENT_PREFIX: &str = "session-runtime schema ";

/// The longest table name: the index names add `_expires_at_idx` and must fit PostgreSQL's 63
/// bytes, or it would cut them and two tables' indexes could collide.
const MAX_NAME: usize = 48;

/// A checked table name, `table` or `schema.table`, each part `[a-z_][a-z0-9_]*`. Only such names
/// are accepted because the name is written into SQL (identifiers cannot be bind parameters);
/// lower case because PostgreSQL folds unquoted names to it, so the name in `psql` is the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TableName {
    full: String,
    /// The table part, for the index names (an index lives in its table's schema).
    base: String,
}

impl TableName {
    pub(super) fn parse(name: &str) -> Result<TableName, StoreError> {
        let parts: Vec<&str> = name.split('.').collect();
        let valid = |part: &&str| {
            let mut bytes = part.bytes();
            bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
                && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && part.len() <= MAX_NAME
        };
        match parts.as_slice() {
            [table] | [_, table] if parts.iter().all(valid) => {
                Ok(TableName { full: name.to_owned(), base: (*table).to_owned() })
            }
            _ => Err(StoreError::Backend(format!(
                "the PostgreSQL session table must be `table` or `schema.table`, each of lower-case \
                 letters, digits and `_` (not starting with a digit, at most {MAX_NAME} bytes): {name:?}"
            ))),
        }
    }

    /// The name as written in SQL.
    pub(super) fn as_str(&self) -> &str {
        &self.full
    }
}

/// The statements that create the table and its indexes, run as one implicit transaction (one
/// simple-query message) under a lock so that processes starting together do not race on the
/// DDL. `sql/postgres-sessions.sql` is this text for `sessions`, between `BEGIN;` and `COMMIT;`.
pub(super) fn ddl(table: &TableName) -> String {
    let (t, base) = (&table.full, &table.base);
    format!(
        "SELECT pg_advisory_xact_lock(hashtext('session-runtime:{t}'));
CREATE TABLE IF NOT EXISTS {t} (
    id text PRIMARY KEY,
    data bytea NOT NULL,
    digest bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    user_id text
);
CREATE INDEX IF NOT EXISTS {base}_expires_at_idx ON {t} (expires_at);
CREATE INDEX IF NOT EXISTS {base}_user_id_idx ON {t} (user_id) WHERE user_id IS NOT NULL;
COMMENT ON TABLE {t} IS '{COMMENT_PREFIX}{VERSION}';
"
    )
}

/// Makes sure the table is there at [`VERSION`]: created when missing if `create` allows, else
/// an error that says what to apply; an error too for a table another program or a newer
/// version of this library wrote, rather than reading it wrong.
pub(super) async fn prepare(pool: &PgPool, table: &TableName, create: bool) -> Result<(), StoreError> {
    let (exists, comment): (bool, Option<String>) =
        sqlx::query_as("SELECT to_regclass($1) IS NOT NULL, obj_description(to_regclass($1), 'pg_class')")
            .bind(table.as_str())
            .fetch_one(pool)
            .await
            .map_err(store_error)?;
    if !exists {
        if !create {
            return Err(StoreError::Backend(format!(
                "the PostgreSQL session table {} does not exist: apply session-runtime's \
                 sql/postgres-sessions.sql, or let the store create it (`create_schema(true)`)",
                table.as_str()
            )));
        }
        sqlx::raw_sql(&ddl(table)).execute(pool).await.map_err(store_error)?;
        return Ok(());
    }
    let version = comment.as_deref().and_then(|c| c.strip_prefix(COMMENT_PREFIX)).map(str::parse::<u32>);
    match version {
        Some(Ok(VERSION)) => Ok(()),
        Some(Ok(newer)) if newer > VERSION => Err(StoreError::Backend(format!(
            "the PostgreSQL session table {} has schema version {newer}, newer than this \
             session-runtime's {VERSION}: upgrade session-runtime",
            table.as_str()
        ))),
        _ => Err(StoreError::Backend(format!(
            "the table {} exists but is not a session-runtime session table (its comment is not \
             `{COMMENT_PREFIX}{VERSION}`): choose another name with `.table(…)`",
            table.as_str()
        ))),
    }
}

/// Every statement of the store, with the table name written in. sqlx prepares each once per
/// connection and caches it, so a call is then one round trip (bind, execute, sync).
#[derive(Debug)]
pub(super) struct Queries {
    pub(super) load: String,
    /// $1 id, $2 data, $3 digest, $4 ttl ms, $5 user, $6 expected digest or NULL → 1 written,
    /// 2 changed (conflict), 0 gone.
    pub(super) update: String,
    /// $1..$5 as `update` → 1 written, 2 the id is taken.
    pub(super) create: String,
    /// $1..$5 as `update` (the new id), $6 the old id, $7 expected digest or NULL, $8 the life
    /// of the forwarding row in ms → 1 written and the old row made a forwarding row, 2 conflict
    /// (the old row changed or the new id is taken), 3 the old row was already rotated away,
    /// 0 the old row is gone.
    pub(super) rotate: String,
    pub(super) touch: String,
    /// $1 id → whether it is a live forwarding row.
    pub(super) moved: String,
    /// $1 id → per deleted row: a live session?, the id a live forwarding row points at.
    pub(super) delete: String,
    /// $1 user → as `delete`, for every row of the user.
    pub(super) revoke: String,
    /// $1 user → per live session of the user: id, data, milliseconds until it expires.
    pub(super) list: String,
    pub(super) cleanup: String,
}

/// `now()` plus the time to live in $4 (milliseconds).
const EXPIRY: &str = "now() + $4::bigint * interval '1 millisecond'";

/// A live row that holds a session. The other live rows are forwarding rows: an id rotated away
/// leaves one for a short while, with an empty digest (a SHA-256 never is) and the new id as
/// its data, which a sign-out or a revocation holding the old id follows, and which tells a
/// request still holding the old id that the session moved rather than ended. No column was
/// added, so the table keeps schema version 1 and needs no migration.
const SESSION: &str = "expires_at > now() AND digest <> ''::bytea";

/// What a delete returns per row: whether it was a live session, and, for a live forwarding
/// row, the id it points at (to delete next).
const FORWARD: &str = "expires_at > now() AND digest <> ''::bytea,
    CASE WHEN expires_at > now() AND digest = ''::bytea THEN convert_from(data, 'UTF8') END";

impl Queries {
    pub(super) fn new(table: &TableName) -> Queries {
        let t = table.as_str();
        // A free id, or one whose row has expired but not been cleaned up yet, may be written.
        let insert = format!(
            "INSERT INTO {t} AS s (id, data, digest, expires_at, user_id)
             {{rows}}
             ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, digest = EXCLUDED.digest,
                 expires_at = EXCLUDED.expires_at, user_id = EXCLUDED.user_id
             WHERE s.expires_at <= now()
             RETURNING 1"
        );
        Queries {
            load: format!("SELECT data FROM {t} WHERE id = $1 AND {SESSION}"),
            // The UPDATE re-checks its WHERE on the newest row after waiting for a concurrent
            // writer's lock (READ COMMITTED), so the digest comparison is a compare-and-set. The
            // second look, at the statement's snapshot, only tells a conflict from a gone row; a
            // row deleted after the snapshot reads as a conflict, whose reload then finds it gone.
            update: format!(
                "WITH written AS (
                     UPDATE {t} SET data = $2, digest = $3, expires_at = {EXPIRY}, user_id = $5
                     WHERE id = $1 AND {SESSION} AND ($6::bytea IS NULL OR digest = $6)
                     RETURNING 1)
                 SELECT CASE WHEN EXISTS (SELECT 1 FROM written) THEN 1
                     ELSE coalesce((SELECT CASE WHEN digest = ''::bytea THEN 3 ELSE 2 END
                         FROM {t} WHERE id = $1 AND expires_at > now()), 0) END"
            ),
            create: format!(
                "WITH written AS ({})
                 SELECT CASE WHEN EXISTS (SELECT 1 FROM written) THEN 1 ELSE 2 END",
                insert.replace("{rows}", &format!("VALUES ($1, $2, $3, {EXPIRY}, $5)"))
            ),
            // The old row is locked first (FOR UPDATE re-reads it after a concurrent writer), the
            // new one written only from it, and the old one deleted only if the new one was
            // written: a taken id leaves the old session as it was, and a destroyed one is never
            // brought back under a new id. The old row becomes the forwarding row to the new id
            // (keeping its user, so a revocation that finds it follows it). One statement, so one
            // round trip and one transaction.
            rotate: format!(
                "WITH old AS (
                     SELECT digest FROM {t} WHERE id = $6 AND expires_at > now() FOR UPDATE),
                 written AS ({}),
                 retired AS (
                     UPDATE {t} SET data = convert_to($1::text, 'UTF8'), digest = ''::bytea,
                         expires_at = now() + $8::bigint * interval '1 millisecond'
                     WHERE id = $6 AND EXISTS (SELECT 1 FROM written) RETURNING 1)
                 SELECT CASE WHEN EXISTS (SELECT 1 FROM written) THEN 1
                     WHEN EXISTS (SELECT 1 FROM old WHERE digest = ''::bytea) THEN 3
                     WHEN EXISTS (SELECT 1 FROM old) THEN 2
                     ELSE 0 END",
                insert.replace(
                    "{rows}",
                    &format!(
                        "SELECT $1, $2, $3, {EXPIRY}, $5 FROM old
                         WHERE old.digest <> ''::bytea AND ($7::bytea IS NULL OR old.digest = $7)"
                    )
                )
            ),
            touch: format!(
                "UPDATE {t} SET expires_at = now() + $2::bigint * interval '1 millisecond'
                 WHERE id = $1 AND {SESSION}"
            ),
            moved: format!(
                "SELECT EXISTS (SELECT 1 FROM {t} WHERE id = $1 AND expires_at > now() AND digest = ''::bytea)"
            ),
            // The DELETE re-reads a row a concurrent rotation changed (READ COMMITTED), so it
            // sees the forwarding row the rotation made of it, and RETURNING hands back where it
            // points: a sign-out that opened the old id follows the rotation, in either order.
            delete: format!("DELETE FROM {t} WHERE id = $1 RETURNING {FORWARD}"),
            revoke: format!("DELETE FROM {t} WHERE user_id = $1 RETURNING {FORWARD}"),
            // The user index is the `user_id` column: the whole listing is one statement.
            list: format!(
                "SELECT id, data, (extract(epoch FROM expires_at - now()) * 1000)::bigint
                 FROM {t} WHERE user_id = $1 AND {SESSION}"
            ),
            // SKIP LOCKED: two servers cleaning at once take different rows instead of waiting.
            cleanup: format!(
                "WITH expired AS (
                     SELECT id FROM {t} WHERE expires_at <= now()
                     ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED),
                 removed AS (DELETE FROM {t} AS s USING expired WHERE s.id = expired.id RETURNING 1)
                 SELECT count(*) FROM removed"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plain_identifiers() {
        for good in ["sessions", "app.sessions", "_s1", "a_b.c_d"] {
            assert_eq!(TableName::parse(good).map(|t| t.full), Ok(good.to_owned()));
        }
        assert_eq!(TableName::parse("app.web_sessions").map(|t| t.base), Ok("web_sessions".to_owned()));
        for bad in [
            "",
            "Sessions",
            "1sessions",
            "a.b.c",
            "sessions;drop table x",
            "\"sessions\"",
            "s-1",
            "a.",
            ".a",
            &"s".repeat(MAX_NAME + 1),
        ] {
            assert!(TableName::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// The operators' SQL file is the store's own DDL for `sessions`, so they never drift apart.
    #[test]
    fn the_sql_file_is_the_stores_own_ddl() {
        let file = include_str!("../../../sql/postgres-sessions.sql");
        let table = TableName::parse("sessions").unwrap();
        let body = format!("BEGIN;\n{}COMMIT;\n", ddl(&table));
        assert!(file.ends_with(&body), "sql/postgres-sessions.sql differs from schema::ddl:\n{body}");
    }
}

-- The PostgreSQL session store's schema (session-runtime, feature `postgres`), schema version 1,
-- for operators who manage the schema themselves: apply it once with a role that may create
-- tables, then build the store with `.create_schema(false)` so the application's role needs only
-- SELECT, INSERT, UPDATE and DELETE on the table. Without that option the store applies exactly
-- this (with its own table name) at first use. docs/server-side.md, "PostgreSQL".
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f postgres-sessions.sql
--
-- Another table name: replace every `sessions` below (the store's `.table("name")`).
--
-- id          the store key: base64url of the SHA-256 of the session id (the cookie's id never
--             reaches the database, so a leaked table or log does not hand out sessions).
-- data        the session payload (the typed data's JSON envelope), opaque to the database.
-- digest      SHA-256 of data, written with it: a save's compare-and-set sends the 32-byte
--             digest of what the request opened instead of the whole payload.
-- expires_at  every read and write checks `expires_at > now()`; expired rows are removed in
--             bounded batches (`PostgresStore::cleanup`, and every N saves in the background).
-- user_id     the user index of `revoke_user` ("sign out everywhere"); NULL for anonymous.
-- The table comment records the schema version the store checks at first use.

BEGIN;
SELECT pg_advisory_xact_lock(hashtext('session-runtime:sessions'));
CREATE TABLE IF NOT EXISTS sessions (
    id text PRIMARY KEY,
    data bytea NOT NULL,
    digest bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    user_id text
);
CREATE INDEX IF NOT EXISTS sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON sessions (user_id) WHERE user_id IS NOT NULL;
COMMENT ON TABLE sessions IS 'session-runtime schema 1';
COMMIT;

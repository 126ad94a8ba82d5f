//! The storage seam of server-side sessions: [`SessionStore`] and what it stores ([`Record`]); how
//! it fails ([`StoreError`]) lives with the other errors.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::error::StoreError;
use std::time::Duration;

/// The future a [`SessionStore`] method returns: boxed, so the trait stays object-safe.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Whether a [`Record`] creates a new session or updates an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    /// A new id: write only if no entry has this id (it never overwrites another session), and,
    /// when the record [`replaces`](Record::replaces) an id, only if that one still exists.
    Create,
    /// An existing id: write only if the entry still exists, so a session destroyed or revoked
    /// while a request was running is not brought back by that request's save.
    Update,
}

/// What a [`SessionStore::save`] did.
///
/// ```
/// use session_runtime::backend::Written;
/// assert_ne!(Written::Saved, Written::Conflict);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Written {
    /// The record was written.
    Saved,
    /// Nothing was written: the entry to update (or the one to replace) is gone: it expired, or
    /// was destroyed or revoked while the request ran.
    Absent,
    /// Nothing was written: the entry is no longer the one the request opened
    /// ([`Record::expected`]), or a new id already exists. The caller re-reads and merges.
    Conflict,
    /// Nothing was written: another request rotated the entry to a new id (`cycle_id`, `renew`)
    /// while this one ran; the store holds a short-lived forwarding entry under the old id. The
    /// session lives on under the new id, so the caller neither deletes the client's cookie nor
    /// follows the rotation (a write through an old, perhaps fixated, id never reaches the
    /// rotated session): the write is refused with [`Error::Rotated`](crate::Error::Rotated).
    /// A store without forwarding entries answers [`Absent`](Written::Absent) instead.
    Moved,
}

/// One session entry to write: id, payload, time to live and the user index.
///
/// ```
/// use session_runtime::backend::{Record, SaveMode};
/// use std::time::Duration;
/// let record = Record::new("id", b"{}", Duration::from_secs(60), SaveMode::Create).with_user(Some("alice"));
/// assert_eq!(record.user, Some("alice"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record<'a> {
    /// The key of the session in the store: a hash of its id
    /// ([`SessionId::store_key`](super::SessionId::store_key)), never the id the cookie carries.
    pub id: &'a str,
    /// The session payload (envelope JSON, written by the typed handle).
    pub payload: &'a [u8],
    /// How long the entry lives after this write.
    pub ttl: Duration,
    /// Create or update.
    pub mode: SaveMode,
    /// The user the session belongs to, for [`SessionStore::revoke_user`]; the store keeps its
    /// user index in step (and the index lives at least as long as the entry).
    pub user: Option<&'a str>,
    /// The user the session belonged to before this write, when it changed: the store drops the
    /// id from that user's index.
    pub previous_user: Option<&'a str>,
    /// Compare-and-set: the payload the request opened. The write happens only if the entry
    /// (for [`SaveMode::Update`]) or the replaced entry (for [`replaces`](Record::replaces))
    /// still holds exactly these bytes; otherwise [`Written::Conflict`].
    pub expected: Option<&'a [u8]>,
    /// Id rotation: the id this new record replaces. In one atomic step the store checks that it
    /// still exists (else [`Written::Absent`]: a destroyed session is never brought back under a
    /// new id; [`Written::Moved`] when another rotation took it first) and matches `expected`,
    /// writes the new record and replaces the old one by a short-lived forwarding entry to the
    /// new id (and drops it from `previous_user`'s index, or `user`'s).
    pub replaces: Option<&'a str>,
    /// The payload is a native envelope: a JSON object whose readers skip top-level keys they do
    /// not know, so the store may add keys of its own to what it stores (the Redis store stamps
    /// each update with its write id). False for the Flask format, whose top-level keys are the
    /// session's own.
    pub extensible: bool,
}

impl<'a> Record<'a> {
    /// A record without a user.
    pub fn new(id: &'a str, payload: &'a [u8], ttl: Duration, mode: SaveMode) -> Self {
        Record {
            id,
            payload,
            ttl,
            mode,
            user: None,
            previous_user: None,
            expected: None,
            replaces: None,
            extensible: false,
        }
    }

    /// Says whether the payload is a native envelope a store may add keys to
    /// ([`extensible`](Record::extensible)).
    ///
    /// ```
    /// use session_runtime::backend::{Record, SaveMode};
    /// use std::time::Duration;
    /// let record = Record::new("id", br#"{"v":1}"#, Duration::from_secs(60), SaveMode::Update).extensible(true);
    /// assert!(record.extensible);
    /// ```
    pub fn extensible(mut self, extensible: bool) -> Self {
        self.extensible = extensible;
        self
    }

    /// Writes only if the entry still holds `expected` (compare-and-set).
    pub fn with_expected(mut self, expected: Option<&'a [u8]>) -> Self {
        self.expected = expected;
        self
    }

    /// Makes this new record replace the entry `old` in one atomic step (id rotation).
    pub fn replacing(mut self, old: Option<&'a str>) -> Self {
        self.replaces = old;
        self
    }

    /// Sets the user the session belongs to.
    pub fn with_user(mut self, user: Option<&'a str>) -> Self {
        self.user = user;
        self
    }

    /// Sets the user the session belonged to before this write.
    pub fn with_previous_user(mut self, previous_user: Option<&'a str>) -> Self {
        self.previous_user = previous_user;
        self
    }
}

/// One live session of a user's index, as [`SessionStore::sessions_of`] reads it.
///
/// ```
/// use session_runtime::backend::StoredSession;
/// use std::time::Duration;
/// let stored = StoredSession::new("key", b"{}".to_vec(), Duration::from_secs(60));
/// assert_eq!(stored.expires_in, Duration::from_secs(60));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredSession {
    /// The session's key in the store ([`SessionId::store_key`](super::SessionId::store_key)).
    pub id: String,
    /// The session payload (envelope JSON).
    pub payload: Vec<u8>,
    /// How long the entry lives from now: its last write or refresh plus the time to live it was
    /// given then.
    pub expires_in: Duration,
}

impl StoredSession {
    /// A listed session.
    pub fn new(id: impl Into<String>, payload: Vec<u8>, expires_in: Duration) -> Self {
        StoredSession { id: id.into(), payload, expires_in }
    }
}

impl fmt::Debug for StoredSession {
    /// The payload is the user's data: only its length is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("id", &self.id)
            .field("payload_len", &self.payload.len())
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Where server-side sessions live. Async and object-safe (methods return boxed futures).
/// Implementations: [`MemoryStore`](crate::MemoryStore) (embedded, the default) and, behind
/// features `redis` and `postgres`, `RedisStore` and `PostgresStore`.
///
/// Entries are opaque bytes with a time to live; the store also keeps, per user, the set of
/// session ids that belong to that user, so that [`revoke_user`](SessionStore::revoke_user)
/// can end them all. A store never needs to understand the payload.
///
/// ```
/// use session_runtime::MemoryStore;
/// use session_runtime::backend::{Record, SaveMode, SessionStore, Written};
/// use std::time::Duration;
///
/// # tokio_test_block_on(async {
/// let store = MemoryStore::new();
/// let ttl = Duration::from_secs(60);
/// let written = store.save(Record::new("id1", b"{}", ttl, SaveMode::Create).with_user(Some("ann"))).await?;
/// assert_eq!(written, Written::Saved);
/// assert_eq!(store.load("id1").await?, Some(b"{}".to_vec()));
/// assert_eq!(store.revoke_user("ann").await?, 1);
/// assert_eq!(store.load("id1").await?, None);
/// # Ok::<(), session_runtime::backend::StoreError>(())
/// # }).unwrap();
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// The payload of session `id`, or `None` when there is no such entry (never created,
    /// expired, deleted or revoked).
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Writes `record` with its time to live, atomically with its checks: an update only if the
    /// entry exists ([`Written::Absent`] otherwise) and still holds [`Record::expected`]
    /// ([`Written::Conflict`] otherwise); a create only if the id is new and, when it
    /// [`replaces`](Record::replaces) an entry, that entry exists and holds `expected`. The
    /// user index changes only when the record is written.
    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written>;

    /// Extends the life of session `id` to `ttl` from now (sliding expiry) without rewriting it;
    /// `user` is the session's user, whose index must live as long. `false` when the entry is
    /// gone.
    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, user: Option<&'a str>) -> StoreFuture<'a, bool>;

    /// Whether `id` was rotated away to another id recently: the store still holds the
    /// forwarding entry of that rotation (which [`delete`](SessionStore::delete) and
    /// [`revoke_user`](SessionStore::revoke_user) follow). Asked only after a
    /// [`touch`](SessionStore::touch) or a re-read found no session, to tell "rotated away"
    /// (send the client nothing) from "ended" (delete its cookie). The default, for a store
    /// without forwarding entries, is `false`.
    fn moved<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        let _ = id;
        Box::pin(async { Ok(false) })
    }

    /// Deletes session `id` (and drops it from `user`'s index), and, when `id` was rotated away,
    /// the session it became (following the forwarding entries), so a sign-out that opened the
    /// old id still ends the session. Deleting a missing entry is not an error.
    fn delete<'a>(&'a self, id: &'a str, user: Option<&'a str>) -> StoreFuture<'a, ()>;

    /// Deletes every session of `user` ("sign out everywhere"), following rotations as
    /// [`delete`](SessionStore::delete) does; returns how many existed.
    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize>;

    /// The live sessions in `user`'s index (forwarding entries and expired entries left out), in
    /// no particular order: one read of the index and at most one read per session. Writes
    /// nothing. The default, for a store that cannot list, is an error.
    fn sessions_of<'a>(&'a self, user: &'a str) -> StoreFuture<'a, Vec<StoredSession>> {
        let _ = user;
        Box::pin(async {
            Err(StoreError::Backend("this session store cannot list a user's sessions".into()))
        })
    }
}

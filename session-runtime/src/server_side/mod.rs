//! Server-side sessions: the cookie carries only a signed, random session id; the data lives in
//! a [`SessionStore`] ([`MemoryStore`] embedded, `RedisStore` behind feature `redis`,
//! `PostgresStore` behind feature `postgres`).
//!
//! The backend runs the seam's three phases: open verifies the id cookie and loads the record
//! (awaited by layers and `open_async`, finished at once by the synchronous `open` when the store
//! answers without waiting); plan decides once what to write (`plan.rs`); commit runs the store
//! calls, each under a timeout (`commit.rs`). See `docs/server-side.md`.

mod accounts;
mod backoff;
mod commit;
mod id;
mod memory;
mod merge;
mod plan;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "redis", feature = "postgres"))]
mod redact;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "postgres")]
pub use self::postgres::{PostgresStore, PostgresStoreBuilder};
#[cfg(feature = "redis")]
pub use self::redis::{RedisStore, RedisStoreBuilder};
pub use accounts::{SessionHandle, SessionInfo};
pub use memory::MemoryStore;

use crate::backend::poll::deadline;
use crate::backend::{
    Committing, CookieSource, Opening, SavePlan, SessionId, SessionInterface, SessionState, SessionStore,
    StoreToken,
};
use crate::clock::Clock;
use crate::config::{ConflictPolicy, CookieConfig};
use crate::error::{Error, Rejection};
use crate::key::Keys;
use crate::secure_cookie::SecureCookieSessionInterface;

/// The salt of id cookies: an id cookie never verifies as a signed-cookie session and the other
/// way round.
const ID_SALT: &[u8] = b"session-runtime/server-side/id";

/// The default timeout of every store call.
pub const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// Sessions kept on the server: the cookie holds a random session id (192 bits from the OS
/// CSPRNG), signed with the key ring in the native format (HMAC-SHA256, bound to the cookie name,
/// time-limited by the session lifetime); the typed data lives in a [`SessionStore`].
///
/// Use it wherever a [`SecureCookieSessionInterface`] goes: a framework layer
/// (`SessionLayer::with_interface`, `SessionMiddleware::with_interface`) awaits the store and
/// handler code does not change. Without a layer, use
/// [`Tracked::open_async`](crate::Tracked::open_async) and
/// [`Tracked::save_async`](crate::Tracked::save_async); the synchronous `open_with`/`save` run
/// the same path but cannot wait, so they work only with a store that answers at once
/// ([`MemoryStore`]).
///
/// ```
/// use session_runtime::{CookieConfig, Keys, SecretKey, ServerSideSessionInterface, Tracked};
/// use std::sync::Arc;
///
/// #[derive(serde::Serialize, serde::Deserialize, Default)]
/// struct Visit { count: u32 }
///
/// let backend = Arc::new(ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)));
/// let mut visit = Tracked::<Visit>::open_with(backend.clone(), CookieConfig::DEFAULT, &http::Request::new(()));
/// visit.count = 41;
/// let mut response = http::Response::new(());
/// visit.save(&mut response)?;
/// let line = response.headers()["set-cookie"].to_str()?;
/// let pair = line.split(';').next().unwrap_or_default();
/// assert!(!pair.contains("41"), "the cookie carries only the signed id");
///
/// let next = http::Request::builder().header("cookie", pair).body(())?;
/// let visit = Tracked::<Visit>::open_with(backend, CookieConfig::DEFAULT, &next);
/// assert_eq!(visit.count, 41);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ServerSideSessionInterface {
    ids: SecureCookieSessionInterface,
    store: Arc<dyn SessionStore>,
    timeout: Duration,
    user_field: Option<Arc<str>>,
    /// The field that labels a session in a listing (`with_label_field`).
    label_field: Option<Arc<str>>,
    /// Overrides every session type's own policy when set.
    policy: Option<ConflictPolicy>,
    compare_and_set: bool,
}

impl ServerSideSessionInterface {
    /// Sessions in `store`, id cookies signed with `keys`.
    pub fn new(keys: Keys, store: impl SessionStore + 'static) -> Self {
        Self::with_store(keys, Arc::new(store))
    }

    /// Sessions in a shared `store`.
    pub fn with_store(keys: Keys, store: Arc<dyn SessionStore>) -> Self {
        Self::from_parts(SecureCookieSessionInterface::new(keys), store)
    }

    /// Sessions in a new [`MemoryStore`] with its default bounds.
    pub fn memory(keys: Keys) -> Self {
        Self::new(keys, MemoryStore::new())
    }

    /// Sessions in `store`, id cookies signed with the process-wide key ring
    /// ([`install_keys`](crate::install_keys) or the environment). Without a key every session
    /// is a null session, as with the signed-cookie backend.
    pub fn global(store: Arc<dyn SessionStore>) -> Self {
        Self::from_parts(SecureCookieSessionInterface::global().clone(), store)
    }

    /// Sessions in `store` without a key: every session is a null session (readable, never
    /// saved), as with [`SecureCookieSessionInterface::without_keys`].
    pub fn without_keys(store: Arc<dyn SessionStore>) -> Self {
        Self::from_parts(SecureCookieSessionInterface::without_keys(), store)
    }

    fn from_parts(ids: SecureCookieSessionInterface, store: Arc<dyn SessionStore>) -> Self {
        ServerSideSessionInterface {
            ids: ids.with_salt(ID_SALT).signed_only(),
            store,
            timeout: DEFAULT_STORE_TIMEOUT,
            user_field: None,
            label_field: None,
            policy: None,
            compare_and_set: true,
        }
    }

    /// The timeout of every store call (default [`DEFAULT_STORE_TIMEOUT`]). A call that takes
    /// longer counts as the store being down. Needs a Tokio runtime with timers (the axum and
    /// actix-web runtimes have them) and the `tokio` feature (on with `redis`, `postgres`, `axum`
    /// and `actix`); without either a call is awaited without a limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Indexes each session under the value of the top-level field `field` of the session data
    /// (a string or a number; `null` or absent means no user), so that
    /// [`revoke_user`](Self::revoke_user) can end every session of that user.
    ///
    /// ```
    /// # use session_runtime::{Keys, SecretKey, ServerSideSessionInterface};
    /// // #[derive(Session, …)] struct Account { user: Option<String>, … }
    /// let backend = ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)).with_user_index("user");
    /// # let _ = backend;
    /// # Ok::<(), session_runtime::KeyError>(())
    /// ```
    pub fn with_user_index(mut self, field: &str) -> Self {
        self.user_field = Some(Arc::from(field));
        self
    }

    /// What a save does when another request changed the same field of the session since this
    /// one opened it, for every session type this backend saves, overriding each type's own
    /// `on_conflict` (which is [`ConflictPolicy::LastWrite`] unless the type says otherwise).
    /// Every save is a compare-and-set against the record this request opened; fields only one
    /// request changed are always merged, so concurrent requests lose no update.
    ///
    /// ```
    /// use session_runtime::{ConflictPolicy, Keys, SecretKey, ServerSideSessionInterface};
    /// let backend = ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?))
    ///     .on_conflict(ConflictPolicy::Reject);
    /// # let _ = backend;
    /// # Ok::<(), session_runtime::KeyError>(())
    /// ```
    pub fn on_conflict(mut self, policy: ConflictPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Test-only: saves without compare-and-set (last write wins for the whole record), to
    /// measure the updates compare-and-set keeps. Not a public API.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fn without_compare_and_set(mut self) -> Self {
        self.compare_and_set = false;
        self
    }

    /// Uses another clock for the id cookie's signed timestamp.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.ids = self.ids.with_clock(clock);
        self
    }

    /// Accepts id cookies signed, and records issued, up to `seconds` ahead of this server's
    /// clock (servers whose clocks differ), as
    /// [`SecureCookieSessionInterface::with_future_skew`]. Default 0.
    ///
    /// ```
    /// # use session_runtime::{Keys, SecretKey, ServerSideSessionInterface};
    /// let backend = ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)).with_future_skew(10);
    /// # let _ = backend;
    /// # Ok::<(), session_runtime::KeyError>(())
    /// ```
    pub fn with_future_skew(mut self, seconds: u64) -> Self {
        self.ids = self.ids.with_future_skew(seconds);
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.store
    }

    /// The timeout of every store call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Ends every session of `user` (see [`with_user_index`](Self::with_user_index)): their
    /// entries are deleted, so their cookies open as new, empty sessions with
    /// [`Rejection::UnknownSession`]. Returns how many sessions were ended.
    ///
    /// ```
    /// # use session_runtime::{Keys, SecretKey, ServerSideSessionInterface};
    /// # async fn sign_out_everywhere(backend: &ServerSideSessionInterface) -> Result<(), session_runtime::Error> {
    /// let ended = backend.revoke_user("alice").await?;
    /// println!("{ended} sessions ended");
    /// # Ok(()) }
    /// ```
    pub async fn revoke_user(&self, user: &str) -> Result<usize, Error> {
        Ok(deadline(self.timeout, self.store.revoke_user(user)).await?)
    }
}

impl fmt::Debug for ServerSideSessionInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSideSessionInterface")
            .field("ids", &self.ids)
            .field("store", &self.store)
            .field("timeout", &self.timeout)
            .field("user_field", &self.user_field)
            .field("label_field", &self.label_field)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl SessionInterface for ServerSideSessionInterface {
    /// Verifies the id cookie now; the store load is left to the opening, under the timeout. A
    /// synchronous caller whose store would wait gets an empty session with
    /// [`Rejection::StoreUnavailable`], marked so that a change to it is never written over the
    /// real record.
    fn open_session(&self, config: &CookieConfig, request: &dyn CookieSource) -> Opening {
        // The id cookie's state (signing time, fresh, re-sign under the current key, the clock
        // at open) is the session's; its payload is the id, replaced by the record.
        let mut state = self.ids.open_session(config, request).now();
        let id = match state.payload.take() {
            None => return Opening::ready(state),
            Some(bytes) if id::is_id(&bytes) => match String::from_utf8(bytes) {
                Ok(id) => SessionId::new(id),
                Err(_) => return Opening::ready(SessionState::rejected(Rejection::Malformed)),
            },
            Some(_) => return Opening::ready(SessionState::rejected(Rejection::Malformed)),
        };
        let if_blocked = SessionState {
            rejection: Some(Rejection::StoreUnavailable),
            token: Some(StoreToken::Unreadable(id.clone())),
            ..SessionState::default()
        };
        let (store, timeout) = (Arc::clone(&self.store), self.timeout);
        Opening::waiting_or(
            async move {
                match deadline(timeout, store.load(id.store_key())).await {
                    Ok(Some(payload)) => {
                        state.payload = Some(payload);
                        state.token = Some(StoreToken::Loaded(id));
                    }
                    Ok(None) => {
                        state.rejection = Some(Rejection::UnknownSession);
                        // Only an id that is not there costs this second call: it tells a
                        // stale tab's id, rotated away by a sign-in, from an ended session.
                        match deadline(timeout, store.moved(id.store_key())).await {
                            Ok(true) => state.token = Some(StoreToken::Moved(id)),
                            Ok(false) => {}
                            Err(error) => crate::log::store_failed(&error),
                        }
                    }
                    Err(error) => {
                        crate::log::store_failed(&error);
                        state.rejection = Some(Rejection::StoreUnavailable);
                        state.token = Some(StoreToken::Unreadable(id));
                    }
                }
                state
            },
            if_blocked,
        )
    }

    fn plan_save(&self, config: &CookieConfig, state: &SessionState) -> Result<SavePlan, Error> {
        plan::plan(self, config, state)
    }

    fn commit_save<'a>(&'a self, config: &'a CookieConfig, plan: SavePlan) -> Committing<'a> {
        commit::commit(self, config, plan)
    }

    fn now(&self) -> Option<u64> {
        self.ids.now()
    }

    /// Sessions end in the store: a revocable type's cookie epoch does not apply here.
    fn revokes_in_store(&self) -> bool {
        true
    }

    fn future_skew(&self) -> u64 {
        self.ids.future_skew()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Change;
    use crate::key::SecretKey;

    fn backend() -> ServerSideSessionInterface {
        ServerSideSessionInterface::memory(Keys::new(SecretKey::try_from(&[7u8; 32][..]).unwrap()))
    }

    /// The store calls' timeout reads back as set, and is [`DEFAULT_STORE_TIMEOUT`] unless set.
    #[test]
    fn the_store_timeout_reads_back() {
        assert_eq!(backend().timeout(), DEFAULT_STORE_TIMEOUT);
        assert_eq!(backend().with_timeout(Duration::from_millis(250)).timeout(), Duration::from_millis(250));
    }

    /// The id cookie is signed like a session cookie, but under its own salt: a session cookie of
    /// the signed-cookie backend never opens as an id, nor an id cookie as a session.
    #[test]
    fn id_cookies_and_session_cookies_never_open_as_each_other() {
        let key = SecretKey::try_from(&[7u8; 32][..]).unwrap();
        let cookies = SecureCookieSessionInterface::new(Keys::new(key));
        let value =
            cookies.sign_payload(&CookieConfig::DEFAULT, b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        let request = http::Request::builder().header("cookie", format!("session={value}")).body(()).unwrap();
        let opened = backend().open_session(&CookieConfig::DEFAULT, &request).now();
        assert_eq!(opened.rejection, Some(Rejection::BadSignature));
        assert!(opened.token.is_none());
    }

    /// A changed session whose record could not be read is not written over the real one.
    #[test]
    fn a_record_that_could_not_be_read_is_never_overwritten() {
        let token = StoreToken::Unreadable(SessionId::new("A".repeat(32)));
        let state = SessionState {
            accessed: true,
            change: Change::Changed(b"{}".to_vec()),
            token: Some(token),
            ..SessionState::default()
        };
        let planned = backend().plan_save(&CookieConfig::DEFAULT, &state);
        assert!(matches!(planned, Err(Error::Store(crate::error::StoreError::Unavailable(_)))));
    }

    /// An id cookie signed under the server's key whose payload is not an id (a key from an
    /// older layout, or one forged with a leaked key) is refused before the store is asked.
    #[test]
    fn a_signed_id_cookie_that_is_not_an_id_never_reaches_the_store() {
        let backend = backend();
        let request = |payload: &[u8]| {
            let value = backend.ids.sign_payload(&CookieConfig::DEFAULT, payload).unwrap();
            http::Request::builder().header("cookie", format!("session={value}")).body(()).unwrap()
        };
        for payload in [&b"../../other-key"[..], b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/", b"short"] {
            let opened = backend.open_session(&CookieConfig::DEFAULT, &request(payload)).now();
            assert_eq!(opened.rejection, Some(Rejection::Malformed), "{payload:?}");
            assert!(opened.token.is_none());
        }
        // A well-formed id that is not in the store: unknown, not malformed.
        let opened = backend.open_session(&CookieConfig::DEFAULT, &request(&[b'A'; 32])).now();
        assert_eq!(opened.rejection, Some(Rejection::UnknownSession));
    }

    /// A store whose every call waits (a network store polled by a synchronous caller).
    #[derive(Debug)]
    struct Waiting;

    impl SessionStore for Waiting {
        fn load<'a>(&'a self, _: &'a str) -> crate::backend::StoreFuture<'a, Option<Vec<u8>>> {
            Box::pin(std::future::pending())
        }
        fn save<'a>(
            &'a self,
            _: crate::backend::Record<'a>,
        ) -> crate::backend::StoreFuture<'a, crate::backend::Written> {
            Box::pin(std::future::pending())
        }
        fn touch<'a>(
            &'a self,
            _: &'a str,
            _: Duration,
            _: Option<&'a str>,
        ) -> crate::backend::StoreFuture<'a, bool> {
            Box::pin(std::future::pending())
        }
        fn delete<'a>(&'a self, _: &'a str, _: Option<&'a str>) -> crate::backend::StoreFuture<'a, ()> {
            Box::pin(std::future::pending())
        }
        fn revoke_user<'a>(&'a self, _: &'a str) -> crate::backend::StoreFuture<'a, usize> {
            Box::pin(std::future::pending())
        }
    }

    /// A synchronous open whose store would wait gets an empty session marked unreadable, and a
    /// change to it is refused rather than written as a new session over the client's cookie.
    #[test]
    fn a_synchronous_open_of_a_waiting_store_is_unavailable_and_never_saved() {
        let key = SecretKey::try_from(&[7u8; 32][..]).unwrap();
        let backend = ServerSideSessionInterface::new(Keys::new(key), Waiting);
        let value = backend.ids.sign_payload(&CookieConfig::DEFAULT, &[b'A'; 32]).unwrap();
        let request = http::Request::builder().header("cookie", format!("session={value}")).body(()).unwrap();
        let mut opened = backend.open_session(&CookieConfig::DEFAULT, &request).now();
        assert_eq!(opened.rejection, Some(Rejection::StoreUnavailable));
        assert!(matches!(&opened.token, Some(StoreToken::Unreadable(id)) if id.as_str() == "A".repeat(32)));
        opened.accessed = true;
        opened.change = Change::Changed(br#"{"v":{"a":1}}"#.to_vec());
        let planned = backend.plan_save(&CookieConfig::DEFAULT, &opened);
        assert!(matches!(planned, Err(Error::Store(crate::error::StoreError::Unavailable(_)))));
    }
}

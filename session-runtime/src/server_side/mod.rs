//! Server-side sessions: the cookie carries only a signed, random session id; the data lives in
//! a [`SessionStore`] ([`MemoryStore`] embedded, `RedisStore` behind feature `redis`).
//!
//! The store is asynchronous and [`SessionInterface`] is synchronous, so the work is split: the
//! framework layers and extractors (which are async) do the store I/O, each call under a
//! timeout, while the synchronous methods handle the cookie side. See `docs/server-side.md`.

mod id;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod store;

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

#[cfg(feature = "redis")]
pub use self::redis::{RedisStore, RedisStoreBuilder};
pub use crate::error::StoreError;
pub use memory::MemoryStore;
pub use store::{Record, SaveMode, SessionStore, StoreFuture};

use self::id::{is_id, new_id};
use crate::clock::Clock;
use crate::config::CookieConfig;
use crate::error::{Error, Rejection};
use crate::headers::{CookieSink, CookieSource, delete_cookie_line};
use crate::interface::{OpenedSession, SecureCookieSessionInterface, SessionInterface};
use crate::key::Keys;
use crate::save::{Change, CookieAction, SessionState, decide};

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
/// (`SessionLayer::with_interface`, `SessionMiddleware::with_interface`) does the store I/O
/// asynchronously and handler code does not change. Without a layer, use
/// [`Tracked::open_async`](crate::Tracked::open_async) and
/// [`Tracked::save_async`](crate::Tracked::save_async); the synchronous `open_with`/`save` work
/// only with a store that never waits ([`MemoryStore`]).
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
        }
    }

    /// The timeout of every store call (default [`DEFAULT_STORE_TIMEOUT`]). A call that takes
    /// longer counts as the store being down. Needs a Tokio runtime with timers (the axum and
    /// actix-web runtimes have them).
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

    /// Uses another clock for the id cookie's signed timestamp.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.ids = self.ids.with_clock(clock);
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
        Ok(timed(self.timeout, self.store.revoke_user(user)).await?)
    }

    /// Reads and verifies the id cookie: the id, or the finished (empty) session.
    fn read_id(&self, config: &CookieConfig, request: &dyn CookieSource) -> Result<String, OpenedSession> {
        let opened = self.ids.open_session(config, request);
        match opened.payload {
            Some(bytes) if is_id(&bytes) => {
                String::from_utf8(bytes).map_err(|_| rejected(Rejection::Malformed))
            }
            Some(_) => Err(rejected(Rejection::Malformed)),
            None => Err(opened),
        }
    }

    /// Starts opening a session: the cookie side now, the store load when awaited.
    pub(crate) fn begin_open(&self, config: &CookieConfig, request: &dyn CookieSource) -> PendingOpen {
        match self.read_id(config, request) {
            Ok(id) => PendingOpen::Load { store: Arc::clone(&self.store), id, timeout: self.timeout },
            Err(opened) => PendingOpen::Done(opened),
        }
    }

    fn user_of(&self, payload: Option<&[u8]>) -> Option<String> {
        let field = self.user_field.as_deref()?;
        let value: serde_json::Value = serde_json::from_slice(payload?).ok()?;
        match value.get("v")?.get(field)? {
            serde_json::Value::String(user) => Some(user.clone()),
            serde_json::Value::Number(user) => Some(user.to_string()),
            _ => None,
        }
    }

    /// The store calls and the cookie a save needs, decided without I/O.
    pub(crate) fn plan(
        &self,
        config: &CookieConfig,
        state: &SessionState<'_>,
        original: Option<&[u8]>,
        cycle: bool,
    ) -> Result<Plan, Error> {
        let action = decide(state, config.refresh_each_request())?;
        let token = state.token.and_then(Token::parse);
        let old_id = token.filter(|token| token.loaded).map(|token| token.id.to_owned());
        let unavailable = token.is_some_and(|token| !token.loaded);
        let ttl = Duration::from_secs(config.lifetime_secs());
        let mut plan = Plan { steps: Vec::new(), cookie: PlannedCookie::Keep, vary: action.vary };
        match (action.cookie, state.change) {
            (CookieAction::Keep, _) => {
                if let (true, false, Some(old), Some(payload)) = (cycle, state.null, old_id, original) {
                    // A new id for unchanged data.
                    let user = self.user_of(Some(payload));
                    plan.rotate(self, config, state, old, payload.to_vec(), user.clone(), user, ttl)?;
                }
            }
            (_, Change::Changed(_)) if unavailable => {
                return Err(Error::Store(StoreError::Unavailable(
                    "the session could not be read when the request began, so it is not overwritten".into(),
                )));
            }
            (CookieAction::Delete, _) => {
                if let Some(id) = old_id {
                    plan.steps.push(Step::Delete { id, user: self.user_of(original) });
                }
                plan.cookie = PlannedCookie::Delete;
            }
            (CookieAction::Set(payload), change) => {
                let old_user = self.user_of(original);
                let new_user = match change {
                    Change::Changed(_) => self.user_of(Some(payload)),
                    _ => old_user.clone(),
                };
                match old_id {
                    Some(old) if cycle => {
                        plan.rotate(self, config, state, old, payload.to_vec(), new_user, old_user, ttl)?;
                    }
                    Some(id) => {
                        let line = self.set_line(config, state.permanent, &id)?;
                        plan.steps.push(match change {
                            Change::Changed(_) => Step::Save {
                                previous_user: old_user.filter(|old| new_user.as_ref() != Some(old)),
                                id,
                                payload: payload.to_vec(),
                                mode: SaveMode::Update,
                                user: new_user,
                                ttl,
                            },
                            _ => Step::Touch { id, user: old_user, ttl },
                        });
                        plan.cookie = PlannedCookie::Set(line);
                    }
                    None => {
                        let id = new_id()?;
                        let line = self.set_line(config, state.permanent, &id)?;
                        plan.steps.push(Step::Save {
                            id,
                            payload: payload.to_vec(),
                            mode: SaveMode::Create,
                            user: new_user,
                            previous_user: None,
                            ttl,
                        });
                        plan.cookie = PlannedCookie::Set(line);
                    }
                }
            }
        }
        Ok(plan)
    }

    /// The `Set-Cookie` line carrying `id`, signed now.
    fn set_line(&self, config: &CookieConfig, permanent: bool, id: &str) -> Result<String, Error> {
        let state = SessionState {
            accessed: true,
            null: false,
            had_cookie: false,
            permanent,
            change: Change::Changed(id.as_bytes()),
            token: None,
            rewrite: false,
        };
        let mut lines = Lines::default();
        self.ids.save_session(config, &state, &mut lines)?;
        lines.0.pop().ok_or_else(|| Error::Header("the id cookie was not rendered".into()))
    }

    /// Runs a plan's store calls (each under the timeout when `timed`) and returns what to
    /// write into the response.
    pub(crate) async fn execute(
        &self,
        plan: Plan,
        config: &CookieConfig,
        timed_calls: bool,
    ) -> Result<Outcome, Error> {
        let Plan { steps, mut cookie, vary } = plan;
        let limit = timed_calls.then_some(self.timeout);
        for step in &steps {
            let done = match step {
                Step::Save { id, payload, mode, user, previous_user, ttl } => {
                    let record = Record::new(id, payload, *ttl, *mode)
                        .with_user(user.as_deref())
                        .with_previous_user(previous_user.as_deref());
                    let saved = maybe_timed(limit, self.store.save(record)).await?;
                    if !saved && *mode == SaveMode::Create {
                        return Err(Error::Store(StoreError::Backend(
                            "a new session id already exists".into(),
                        )));
                    }
                    saved
                }
                Step::Touch { id, user, ttl } => {
                    maybe_timed(limit, self.store.touch(id, *ttl, user.as_deref())).await?
                }
                Step::Delete { id, user } => {
                    maybe_timed(limit, self.store.delete(id, user.as_deref())).await?;
                    true
                }
            };
            if !done {
                // Destroyed or revoked while this request ran: do not bring it back.
                cookie = PlannedCookie::Delete;
                break;
            }
        }
        let line = match cookie {
            PlannedCookie::Keep => None,
            PlannedCookie::Delete => Some(delete_cookie_line(config)),
            PlannedCookie::Set(line) => Some(line),
        };
        Ok(Outcome { vary: vary || line.is_some(), line })
    }
}

impl fmt::Debug for ServerSideSessionInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSideSessionInterface")
            .field("ids", &self.ids)
            .field("store", &self.store)
            .field("timeout", &self.timeout)
            .field("user_field", &self.user_field)
            .finish()
    }
}

impl SessionInterface for ServerSideSessionInterface {
    /// Verifies the id cookie and loads the entry if the store answers without waiting
    /// ([`MemoryStore`]); otherwise the session is empty with [`Rejection::StoreUnavailable`]:
    /// open through a framework layer or [`Tracked::open_async`](crate::Tracked::open_async).
    fn open_session(&self, config: &CookieConfig, request: &dyn CookieSource) -> OpenedSession {
        self.begin_open(config, request).finish_now()
    }

    /// Saves if the store answers without waiting; otherwise [`StoreError::WouldBlock`]. Id
    /// rotation needs the typed handle ([`Tracked::cycle_id`](crate::Tracked::cycle_id)).
    fn save_session(
        &self,
        config: &CookieConfig,
        state: &SessionState<'_>,
        response: &mut dyn CookieSink,
    ) -> Result<(), Error> {
        let original = match state.change {
            Change::Untouched { payload } => payload,
            _ => None,
        };
        self.save_now(config, state, original, false, response)
    }

    fn server_side(&self) -> Option<&ServerSideSessionInterface> {
        Some(self)
    }
}

impl ServerSideSessionInterface {
    pub(crate) fn save_now(
        &self,
        config: &CookieConfig,
        state: &SessionState<'_>,
        original: Option<&[u8]>,
        cycle: bool,
        response: &mut dyn CookieSink,
    ) -> Result<(), Error> {
        let plan = self.plan(config, state, original, cycle)?;
        let outcome =
            now_or_never(self.execute(plan, config, false)).ok_or(Error::Store(StoreError::WouldBlock))??;
        outcome.write(response)
    }
}

/// A save's store calls and cookie, decided before any I/O.
#[derive(Debug)]
pub(crate) struct Plan {
    steps: Vec<Step>,
    cookie: PlannedCookie,
    vary: bool,
}

impl Plan {
    /// New id for the same data: create the new entry first, then delete the old one.
    #[allow(clippy::too_many_arguments)]
    fn rotate(
        &mut self,
        server: &ServerSideSessionInterface,
        config: &CookieConfig,
        state: &SessionState<'_>,
        old: String,
        payload: Vec<u8>,
        user: Option<String>,
        old_user: Option<String>,
        ttl: Duration,
    ) -> Result<(), Error> {
        let id = new_id()?;
        self.cookie = PlannedCookie::Set(server.set_line(config, state.permanent, &id)?);
        self.vary = true;
        self.steps.push(Step::Save { id, payload, mode: SaveMode::Create, user, previous_user: None, ttl });
        self.steps.push(Step::Delete { id: old, user: old_user });
        Ok(())
    }
}

#[derive(Debug)]
enum Step {
    Save {
        id: String,
        payload: Vec<u8>,
        mode: SaveMode,
        user: Option<String>,
        previous_user: Option<String>,
        ttl: Duration,
    },
    Touch {
        id: String,
        user: Option<String>,
        ttl: Duration,
    },
    Delete {
        id: String,
        user: Option<String>,
    },
}

#[derive(Debug)]
enum PlannedCookie {
    Keep,
    Delete,
    Set(String),
}

/// What a committed server-side save writes into the response.
#[derive(Debug)]
pub(crate) struct Outcome {
    line: Option<String>,
    vary: bool,
}

impl Outcome {
    pub(crate) fn write(self, response: &mut dyn CookieSink) -> Result<(), Error> {
        if let Some(line) = self.line {
            response.append_set_cookie(line)?;
        }
        if self.vary {
            response.add_vary_cookie();
        }
        Ok(())
    }
}

/// An open waiting for its store load.
pub(crate) enum PendingOpen {
    Done(OpenedSession),
    Load { store: Arc<dyn SessionStore>, id: String, timeout: Duration },
}

impl PendingOpen {
    pub(crate) async fn finish(self) -> OpenedSession {
        match self {
            PendingOpen::Done(opened) => opened,
            PendingOpen::Load { store, id, timeout } => {
                let loaded = timed(timeout, store.load(&id)).await;
                loaded_session(id, loaded)
            }
        }
    }

    /// Without waiting: a store that would wait counts as unavailable.
    pub(crate) fn finish_now(self) -> OpenedSession {
        match self {
            PendingOpen::Done(opened) => opened,
            PendingOpen::Load { store, id, .. } => {
                let loaded = now_or_never(store.load(&id)).unwrap_or(Err(StoreError::WouldBlock));
                loaded_session(id, loaded)
            }
        }
    }
}

fn loaded_session(id: String, loaded: Result<Option<Vec<u8>>, StoreError>) -> OpenedSession {
    match loaded {
        Ok(Some(payload)) => OpenedSession {
            payload: Some(payload),
            token: Some(Token::encode(true, &id)),
            ..OpenedSession::default()
        },
        Ok(None) => rejected(Rejection::UnknownSession),
        Err(_) => OpenedSession {
            rejection: Some(Rejection::StoreUnavailable),
            token: Some(Token::encode(false, &id)),
            ..OpenedSession::default()
        },
    }
}

fn rejected(rejection: Rejection) -> OpenedSession {
    OpenedSession { rejection: Some(rejection), ..OpenedSession::default() }
}

/// The backend token: `L` + id for a loaded session, `U` + id for one the store could not read.
#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    loaded: bool,
    id: &'a str,
}

impl<'a> Token<'a> {
    fn encode(loaded: bool, id: &str) -> String {
        let mut token = String::with_capacity(id.len() + 1);
        token.push(if loaded { 'L' } else { 'U' });
        token.push_str(id);
        token
    }

    fn parse(token: &'a str) -> Option<Self> {
        let id = token.get(1..)?;
        match token.as_bytes().first() {
            Some(b'L') => Some(Token { loaded: true, id }),
            Some(b'U') => Some(Token { loaded: false, id }),
            _ => None,
        }
    }
}

/// Collects `Set-Cookie` lines.
#[derive(Default)]
struct Lines(Vec<String>);

impl CookieSink for Lines {
    fn append_set_cookie(&mut self, line: String) -> Result<(), Error> {
        self.0.push(line);
        Ok(())
    }

    fn add_vary_cookie(&mut self) {}
}

async fn timed<T>(limit: Duration, call: StoreFuture<'_, T>) -> Result<T, StoreError> {
    tokio::time::timeout(limit, call).await.map_err(|_| StoreError::Timeout(limit))?
}

async fn maybe_timed<T>(limit: Option<Duration>, call: StoreFuture<'_, T>) -> Result<T, StoreError> {
    match limit {
        Some(limit) => timed(limit, call).await,
        None => call.await,
    }
}

/// Polls `future` once: its output if it completes without waiting.
pub(crate) fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let token = Token::encode(true, "abc");
        let parsed = Token::parse(&token).unwrap();
        assert!(parsed.loaded);
        assert_eq!(parsed.id, "abc");
        assert!(!Token::parse(&Token::encode(false, "x")).unwrap().loaded);
        assert!(Token::parse("").is_none());
        assert!(Token::parse("Zabc").is_none());
    }
}

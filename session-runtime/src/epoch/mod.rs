//! Revoking stateless cookies: a per-user epoch (`#[session(revocable = "user")]`).
//!
//! A revocable session's cookie carries, inside its MAC or seal, the epoch its user had when the
//! session was signed in (`"e"` in the envelope; absent means 0). Every open compares it with
//! the user's current epoch, read from an [`EpochSource`] through an in-process cache
//! ([`Epochs`]); [`Epochs::bump_epoch`] increments the user's epoch, so every older cookie of
//! that user is refused ([`Rejection::Revoked`](crate::Rejection::Revoked)) on every server
//! once its cache entry is older than the cache time. docs/guide.md, "Signing out other
//! devices", shows it end to end; docs/design.md says why it is built this way.

mod cache;
pub(crate) mod check;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod probe;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use self::check::UserEpoch;
pub use self::memory::{FnEpochs, MemoryEpochs};
#[cfg(feature = "postgres")]
pub use self::postgres::PostgresEpochs;
#[cfg(feature = "redis")]
pub use self::redis::RedisEpochs;
use crate::backend::poll::deadline;
use crate::clock::{Clock, SystemClock};
use crate::error::StoreError;

/// What an epoch source's call gives: the user's epoch, or why the source could not say.
pub type EpochFuture<'a> = Pin<Box<dyn Future<Output = Result<u64, StoreError>> + Send + 'a>>;

/// Where the users' current epochs live: memory ([`MemoryEpochs`]), Redis ([`RedisEpochs`]),
/// PostgreSQL ([`PostgresEpochs`]) or your own code ([`FnEpochs`], or an implementation of this
/// trait). A user never bumped has epoch 0. Each call is one store command; the cache in front
/// of it is [`Epochs`]'.
///
/// ```
/// use session_runtime::epoch::{EpochSource, MemoryEpochs};
/// # async fn run() -> Result<(), session_runtime::StoreError> {
/// let source = MemoryEpochs::new();
/// assert_eq!(source.current("ann").await?, 0);
/// assert_eq!(source.bump("ann").await?, 1);
/// assert_eq!(source.current("ann").await?, 1);
/// # Ok(()) }
/// ```
pub trait EpochSource: Send + Sync + fmt::Debug {
    /// The user's current epoch (0 for a user never bumped).
    fn current<'a>(&'a self, user: &'a str) -> EpochFuture<'a>;
    /// Increments the user's epoch and returns the new one.
    fn bump<'a>(&'a self, user: &'a str) -> EpochFuture<'a>;
}

/// What a revocable session type declares (`#[session(revocable = "user")]`, or
/// [`CookieConfig::with_revocable`](crate::CookieConfig::with_revocable)): the JSON key of its
/// user field, and whether it is accepted while the epoch source is down.
///
/// ```
/// use session_runtime::epoch::Revocable;
/// let revocable = Revocable::new("user").fail_open(true);
/// assert_eq!((revocable.field(), revocable.is_fail_open()), ("user", true));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocable {
    field: &'static str,
    fail_open: bool,
}

impl Revocable {
    /// Revocable by the user in the top-level field whose JSON key is `field`; fails closed.
    pub const fn new(field: &'static str) -> Self {
        Revocable { field, fail_open: false }
    }
    /// Accepts the cookie (with a logged warning) while the epoch source is down, instead of
    /// refusing it ([`Rejection::EpochUnavailable`](crate::Rejection::EpochUnavailable)).
    pub const fn fail_open(mut self, fail_open: bool) -> Self {
        self.fail_open = fail_open;
        self
    }
    /// The JSON key of the user field.
    pub const fn field(&self) -> &'static str {
        self.field
    }
    /// Whether the session is accepted while the epoch source is down.
    pub const fn is_fail_open(&self) -> bool {
        self.fail_open
    }
}

/// A field type that can name the user of a revocable session: strings and integers, optional
/// or not (`None` or an empty string: nobody is signed in). The derive requires it of the field
/// named by `revocable`.
///
/// ```
/// fn names_a_user<T: session_runtime::epoch::EpochUser>() {}
/// names_a_user::<Option<String>>();
/// names_a_user::<u64>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot name the user of a revocable session",
    label = "the field named by `revocable` must be a string or an integer (optional or not)",
    note = "use `Option<String>`, `String`, an integer, or an `Option` of one"
)]
pub trait EpochUser {}

macro_rules! epoch_users {
    ($($ty:ty),*) => { $(impl EpochUser for $ty {})* };
}
epoch_users!(String, Box<str>, u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, usize, isize);
impl<T: EpochUser> EpochUser for Option<T> {}

/// The derive's check that the field named by `revocable` can name a user.
#[doc(hidden)]
pub const fn assert_epoch_user<T: EpochUser + ?Sized>() {}

/// The default cache time: 5 seconds (docs/design.md, "Revocable cookies").
pub const DEFAULT_EPOCH_CACHE: Duration = Duration::from_secs(5);

/// An [`EpochSource`] behind an in-process cache: what a backend checks revocable sessions with
/// ([`SecureCookieSessionInterface::with_epochs`](crate::SecureCookieSessionInterface::with_epochs)).
/// A user's epoch is read from the source at most once per cache time per process; a cache hit
/// costs no store call. Clones share the cache.
///
/// ```
/// use session_runtime::epoch::{Epochs, MemoryEpochs};
/// use session_runtime::FixedClock;
/// use std::time::Duration;
/// # async fn run() -> Result<(), session_runtime::StoreError> {
/// let epochs = Epochs::new(MemoryEpochs::new()).cache_for(Duration::from_secs(1)).with_clock(FixedClock(100));
/// assert_eq!(epochs.current("ann").await?, 0);
/// assert_eq!(epochs.bump_epoch("ann").await?, 1);
/// assert_eq!(epochs.current("ann").await?, 1, "this process sees its own bump at once");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Epochs {
    source: Arc<dyn EpochSource>,
    cache: Arc<cache::Cache>,
    ttl: u64,
    clock: Arc<dyn Clock>,
    /// `clock` is the [`SystemClock`]: a hit may be checked at an open's system-clock reading.
    system_clock: bool,
    timeout: Duration,
}

impl Epochs {
    /// `source` behind a cache of [`DEFAULT_EPOCH_CACHE`], on the system clock.
    pub fn new(source: impl EpochSource + 'static) -> Self {
        Self::from_arc(Arc::new(source))
    }

    /// [`new`](Epochs::new) for a source already shared.
    pub fn from_arc(source: Arc<dyn EpochSource>) -> Self {
        Epochs {
            source,
            cache: Arc::new(cache::Cache::default()),
            ttl: DEFAULT_EPOCH_CACHE.as_secs(),
            clock: Arc::new(SystemClock),
            system_clock: true,
            timeout: crate::DEFAULT_STORE_TIMEOUT,
        }
    }

    /// Caches each user's epoch for `time` (whole seconds; zero: every open asks the source).
    /// A bump reaches every server within this time: it is how long a stolen cookie still works
    /// after "sign out other devices" (docs/security.md).
    pub fn cache_for(mut self, time: Duration) -> Self {
        self.ttl = time.as_secs();
        self
    }

    /// Uses another clock for the cache (tests move it instead of sleeping).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self.system_clock = false;
        self
    }

    /// Gives each call of the source at most `timeout` (default: the stores',
    /// [`DEFAULT_STORE_TIMEOUT`](crate::DEFAULT_STORE_TIMEOUT)); a slower call is
    /// [`StoreError::Timeout`], handled as a source that is down.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The cache time in seconds.
    pub fn cache_secs(&self) -> u64 {
        self.ttl
    }

    /// The source behind the cache.
    pub fn source(&self) -> &Arc<dyn EpochSource> {
        &self.source
    }

    /// The user's epoch from the cache, if it holds a fresh one: no store call.
    pub(crate) fn cached(&self, user: &str) -> Option<u64> {
        self.cached_at(user, None)
    }

    /// [`cached`](Self::cached) at `system_now`, a reading of the system clock taken in the same
    /// open, when this cache runs on the system clock too: one clock reading per open, not two.
    pub(crate) fn cached_at(&self, user: &str, system_now: Option<u64>) -> Option<u64> {
        let now = match system_now {
            Some(now) if self.system_clock => now,
            _ => self.clock.now_unix()?,
        };
        self.cache.get(user, now)
    }

    /// The user's epoch: from the cache when fresh, else from the source (and cached).
    pub async fn current(&self, user: &str) -> Result<u64, StoreError> {
        match self.cached(user) {
            Some(epoch) => Ok(epoch),
            None => self.fetch(user).await,
        }
    }

    /// The user's epoch from the source, bypassing the cache, which it refreshes.
    pub(crate) async fn fetch(&self, user: &str) -> Result<u64, StoreError> {
        let epoch = deadline(self.timeout, self.source.current(user)).await?;
        self.remember(user, epoch);
        Ok(epoch)
    }

    /// Increments the user's epoch: every cookie of the user issued before is refused
    /// ([`Rejection::Revoked`](crate::Rejection::Revoked)) by this process at once and by every
    /// other within the cache time. Returns the new epoch. To keep the current device signed in,
    /// use [`Tracked::sign_out_other_devices`](crate::Tracked::sign_out_other_devices).
    pub async fn bump_epoch(&self, user: &str) -> Result<u64, StoreError> {
        let epoch = deadline(self.timeout, self.source.bump(user)).await?;
        self.remember(user, epoch);
        Ok(epoch)
    }

    fn remember(&self, user: &str, epoch: u64) {
        if let Some(now) = self.clock.now_unix() {
            self.cache.put(user, epoch, now, now.saturating_add(self.ttl));
        }
    }
}

impl fmt::Debug for Epochs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Epochs").field("source", &self.source).field("cache_secs", &self.ttl).finish()
    }
}

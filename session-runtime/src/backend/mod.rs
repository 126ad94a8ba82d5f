//! For backend authors: the seam every session backend implements, and the parts it is made of.
//!
//! A save runs in three phases, the same for every backend and for synchronous and asynchronous
//! callers alike:
//!
//! 1. **open** ([`SessionInterface::open_session`]): read the request's cookie, and, for a
//!    server-side backend, load the record, into a [`SessionState`]. Returns an [`Opening`],
//!    ready at once for the signed-cookie backend, waiting for the store otherwise.
//! 2. **plan** ([`SessionInterface::plan_save`]): pure. Reads the state the typed handle
//!    completed, takes the [save decision](decide) once, renders the cookie line and lists the
//!    store calls: a [`SavePlan`].
//! 3. **commit** ([`SessionInterface::commit_save`]): runs the plan's store calls, if any, and
//!    gives the [`SaveOutcome`] that is written into the response.
//!
//! One [`SessionState`] goes from open to plan: nothing is copied between shapes. The
//! synchronous `open`/`save` of [`Tracked`](crate::Tracked) finish each phase's [`Deferred`]
//! without waiting ([`Deferred::now`]); the framework layers and
//! `open_async`/`save_async` await them. To keep sessions in a new engine (a database, a cache),
//! implement [`SessionStore`] and hand it to
//! [`ServerSideSessionInterface`](crate::ServerSideSessionInterface): it plans and commits for
//! you (`examples/custom_interface.rs`).

mod decision;
mod deferred;
mod handle;
mod plan;
pub(crate) mod poll;
mod state;
mod store;
mod token;

use std::fmt;

pub use self::decision::{CookieAction, SaveAction, decide};
pub use self::deferred::{Committing, Deferred, IfBlocked, Opening};
pub(crate) use self::handle::Finished;
pub use self::handle::{ConfigRef, InterfaceRef};
pub use self::plan::{PlannedCookie, SaveOutcome, SavePlan, SaveReport};
pub(crate) use self::plan::{StoreStep, StoreWrite};
pub use self::state::{Change, Rewrite, SessionState};
pub use self::store::{Record, SaveMode, SessionStore, StoreFuture, StoredSession, Written};
pub use self::token::{SessionId, StoreToken};
pub use crate::envelope::json::{EnvelopeJson, NotAnEnvelope};
pub use crate::error::StoreError;
pub use crate::headers::{CookieSink, CookieSource, delete_cookie_line, read_cookie, set_cookie_line};

use crate::clock::{Clock, SystemClock};
use crate::config::CookieConfig;
use crate::error::Error;

/// A session backend, in Flask's name: opens the session of a request, then plans and commits
/// its save. The signed-cookie backend is
/// [`SecureCookieSessionInterface`](crate::SecureCookieSessionInterface); server-side sessions
/// are [`ServerSideSessionInterface`](crate::ServerSideSessionInterface) over any
/// [`SessionStore`]. The typed handle does the (de)serialization, so a backend only moves
/// payload bytes.
///
/// ```
/// use session_runtime::{CookieConfig, SecureCookieSessionInterface};
/// use session_runtime::backend::SessionInterface;
/// let backend = SecureCookieSessionInterface::without_keys();
/// let opened = backend.open_session(&CookieConfig::DEFAULT, &http::Request::new(())).now();
/// assert!(backend.is_null_session(&opened));
/// ```
pub trait SessionInterface: Send + Sync + fmt::Debug {
    /// Starts reading the session of `request`. Everything the opening needs from the request
    /// is read now; only store I/O is left to the returned future. Never fails on what the
    /// client sent: a refused cookie is an empty [`SessionState`] with its rejection.
    fn open_session(&self, config: &CookieConfig, request: &dyn CookieSource) -> Opening;

    /// Decides, without I/O, what saving `state` does: the [save decision](decide) taken once,
    /// the cookie line rendered, the store calls listed. Errors are server-side only.
    fn plan_save(&self, config: &CookieConfig, state: &SessionState) -> Result<SavePlan, Error>;

    /// The backend's clock (Unix seconds), read once per open and once per save
    /// ([`SessionState::opened_at`], [`SessionState::now`]). The default is the system clock;
    /// `None` for a clock before 1970.
    fn now(&self) -> Option<u64> {
        SystemClock.now_unix()
    }

    /// Whether [`now`](Self::now) reads the operating system's clock, so that its reading at an
    /// open can stand in for another reading of that clock in the same open: the epoch cache of a
    /// revocable session checks a hit at the open's time instead of reading the clock again.
    /// `false` (the default) is always safe: the cache reads its own clock.
    fn now_is_system_clock(&self) -> bool {
        false
    }

    /// How many seconds ahead of this backend's clock a signing or issue time may be and still
    /// be accepted (servers whose clocks differ). Default 0.
    fn future_skew(&self) -> u64 {
        0
    }

    /// Runs `plan`'s store calls. The default, for backends without a store, is ready at once.
    fn commit_save<'a>(&'a self, config: &'a CookieConfig, plan: SavePlan) -> Committing<'a> {
        Committing::ready(Ok(plan.into_outcome(config)))
    }

    /// Flask's `save_session`: plans, commits without waiting and writes into `response`. A
    /// store that would have to wait is [`StoreError::WouldBlock`]; async code awaits
    /// [`commit_save`](SessionInterface::commit_save) instead.
    fn save_session(
        &self,
        config: &CookieConfig,
        state: &SessionState,
        response: &mut dyn CookieSink,
    ) -> Result<(), Error> {
        let plan = self.plan_save(config, state)?;
        self.commit_save(config, plan).now()?.write(response)
    }

    /// The epoch source revocable sessions are checked against
    /// ([`SecureCookieSessionInterface::with_epochs`](crate::SecureCookieSessionInterface::with_epochs));
    /// `None` (the default): a revocable session is treated as if its source were down.
    fn epochs(&self) -> Option<&crate::epoch::Epochs> {
        None
    }

    /// Whether this backend ends sessions itself, in its store (server-side sessions: `destroy`,
    /// `revoke`, `revoke_user`), so a revocable type's cookie epoch does not apply: it is neither
    /// checked nor stamped. `false` (the default): the epoch applies, from [`epochs`](Self::epochs).
    fn revokes_in_store(&self) -> bool {
        false
    }

    /// The session handed out when no session can be opened (no secret key).
    fn make_null_session(&self) -> SessionState {
        SessionState { null: true, ..SessionState::default() }
    }

    /// Whether `state` is a null session.
    fn is_null_session(&self, state: &SessionState) -> bool {
        state.null
    }
}

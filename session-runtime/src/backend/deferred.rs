//! The one future of the seam's phases: ready at once (cookie sessions) or waiting for a store.
//! [`Opening`] and [`Committing`] are its two uses.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::plan::SaveOutcome;
use super::poll::now_or_never;
use super::state::SessionState;
use crate::error::{Error, Rejection, StoreError};

/// A result that is ready at once or waits for a store. Await it in async code;
/// [`now`](Deferred::now) finishes it without waiting, which is how the synchronous `open` and
/// `save` run the same path.
///
/// ```
/// use session_runtime::backend::{Opening, SessionState};
/// let opening = Opening::ready(SessionState::default());
/// assert_eq!(opening.now(), SessionState::default());
/// ```
#[must_use = "a deferred result does nothing until it is awaited or finished with `now`"]
pub struct Deferred<'a, T: IfBlocked>(Stage<'a, T>);

/// The opening of a session ([`SessionInterface::open_session`](super::SessionInterface::open_session)).
pub type Opening = Deferred<'static, SessionState>;

/// The commit of a save plan ([`SessionInterface::commit_save`](super::SessionInterface::commit_save)).
pub type Committing<'a> = Deferred<'a, Result<SaveOutcome, Error>>;

enum Stage<'a, T> {
    Ready(Option<T>),
    Waiting { future: Pin<Box<dyn Future<Output = T> + Send + 'a>>, if_blocked: Option<T> },
}

/// What a deferred result gives a synchronous caller when it would have to wait (and a caller
/// that polls it again after it completed).
///
/// ```
/// use session_runtime::Rejection;
/// use session_runtime::backend::{IfBlocked, SessionState};
/// assert_eq!(SessionState::if_blocked().rejection, Some(Rejection::StoreUnavailable));
/// ```
pub trait IfBlocked {
    /// The stand-in result.
    fn if_blocked() -> Self;
}

/// An empty session that says the store could not be read.
impl IfBlocked for SessionState {
    fn if_blocked() -> Self {
        SessionState::rejected(Rejection::StoreUnavailable)
    }
}

/// [`StoreError::WouldBlock`].
impl IfBlocked for Result<SaveOutcome, Error> {
    fn if_blocked() -> Self {
        Err(Error::Store(StoreError::WouldBlock))
    }
}

impl<'a, T: IfBlocked> Deferred<'a, T> {
    /// A result that is known.
    pub fn ready(value: T) -> Self {
        Deferred(Stage::Ready(Some(value)))
    }

    /// A result that waits for `future`; a synchronous caller that cannot wait gets
    /// [`IfBlocked::if_blocked`].
    pub fn waiting(future: impl Future<Output = T> + Send + 'a) -> Self {
        Deferred(Stage::Waiting { future: Box::pin(future), if_blocked: None })
    }

    /// A result that waits for `future`; a synchronous caller that cannot wait gets `if_blocked`
    /// (a server-side backend's opening gives the session marked unreadable, so that a change to
    /// it is never written over the real record).
    pub fn waiting_or(future: impl Future<Output = T> + Send + 'a, if_blocked: T) -> Self {
        Deferred(Stage::Waiting { future: Box::pin(future), if_blocked: Some(if_blocked) })
    }

    /// The result without waiting: a ready one, or a waiting one that completes in one poll (an
    /// in-memory store), else the stand-in for a blocked caller.
    pub fn now(self) -> T {
        match self.0 {
            Stage::Ready(value) => value.unwrap_or_else(T::if_blocked),
            Stage::Waiting { future, if_blocked } => {
                now_or_never(future).or(if_blocked).unwrap_or_else(T::if_blocked)
            }
        }
    }

    /// The result if it is known without polling anything.
    pub fn into_ready(self) -> Result<T, Self> {
        match self.0 {
            Stage::Ready(value) => Ok(value.unwrap_or_else(T::if_blocked)),
            waiting => Err(Deferred(waiting)),
        }
    }
}

// The value is never pinned: only the boxed future is polled in place, and it is pinned by its box.
impl<T: IfBlocked> Unpin for Deferred<'_, T> {}

impl<T: IfBlocked> Future for Deferred<'_, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match &mut self.0 {
            // Polled again after completion: the value was taken; give the stand-in, never panic.
            Stage::Ready(value) => Poll::Ready(value.take().unwrap_or_else(T::if_blocked)),
            Stage::Waiting { future, .. } => future.as_mut().poll(cx),
        }
    }
}

impl<T: IfBlocked + fmt::Debug> fmt::Debug for Deferred<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Stage::Ready(value) => f.debug_tuple("Deferred::Ready").field(value).finish(),
            Stage::Waiting { .. } => f.write_str("Deferred::Waiting"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::PlannedCookie;
    use crate::backend::SavePlan;
    use crate::config::CookieConfig;

    #[test]
    fn a_waiting_opening_finishes_now_when_it_can_and_falls_back_when_it_cannot() {
        let done = SessionState { null: true, ..SessionState::default() };
        let blocked = SessionState::rejected(Rejection::StoreUnavailable);
        let ready_in_one_poll = Opening::waiting_or(std::future::ready(done.clone()), blocked.clone());
        assert_eq!(ready_in_one_poll.now(), done);
        let never = Opening::waiting_or(std::future::pending(), SessionState::rejected(Rejection::Malformed));
        assert_eq!(never.now().rejection, Some(Rejection::Malformed), "its own stand-in");
        assert_eq!(Opening::waiting(std::future::pending()).now(), blocked, "the type's stand-in");
        assert!(Opening::ready(done.clone()).into_ready().is_ok());
        assert!(Opening::waiting(std::future::pending()).into_ready().is_err());
    }

    #[test]
    fn a_commit_that_would_wait_is_would_block_for_a_synchronous_caller() {
        let waiting = Committing::waiting(std::future::pending());
        assert!(matches!(waiting.now(), Err(Error::Store(StoreError::WouldBlock))));
        let outcome = SavePlan::new(PlannedCookie::Keep, true).into_outcome(&CookieConfig::DEFAULT);
        assert_eq!(Committing::ready(Ok(outcome.clone())).now().ok(), Some(outcome));
    }
}

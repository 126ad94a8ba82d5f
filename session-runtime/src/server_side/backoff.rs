//! The pause between a save's compare-and-set attempts on a record that keeps changing: the first
//! retry at once, then a random wait (full jitter) growing to a cap, until a time budget is spent.
//! Many requests of one session saving at once otherwise re-read and retry in lockstep and keep
//! colliding (64 writers of disjoint fields got 409 on more than half their requests with 10
//! immediate retries); spread out, each finds a quiet moment to land its merged write.

use std::future::poll_fn;
use std::task::{Poll, Waker};
use std::time::Duration;

/// Retries without any wait: cheap when only two or three requests overlap.
const IMMEDIATE: u32 = 1;
/// The first wait's upper bound; each later one doubles it, up to [`CAP`].
const BASE: Duration = Duration::from_millis(1);
/// The longest single wait.
const CAP: Duration = Duration::from_millis(32);
/// The retries of a caller that cannot wait (the synchronous `save`, or no Tokio timer): all
/// immediate, as many as before backoff existed.
const WITHOUT_TIMER: u32 = 9;

/// The retry budget of one save.
pub(super) struct Backoff {
    retries: u32,
    waited: Duration,
    budget: Duration,
}

impl Backoff {
    /// At most `budget` of waiting in all (the store calls' own time is not counted).
    pub(super) fn new(budget: Duration) -> Self {
        Backoff { retries: 0, waited: Duration::ZERO, budget }
    }

    /// Waits before the next retry; `false` when the budget is spent (the save gives up with a
    /// conflict).
    pub(super) async fn next(&mut self) -> bool {
        self.retries += 1;
        if self.retries <= IMMEDIATE {
            return true;
        }
        if !can_wait().await {
            return self.retries <= WITHOUT_TIMER;
        }
        if self.waited >= self.budget {
            return false;
        }
        let bound = delay_bound(self.retries - IMMEDIATE);
        let wait = jitter(bound).min(self.budget - self.waited);
        self.waited += wait;
        sleep(wait).await;
        true
    }
}

/// The upper bound of the `n`th wait (from 1): [`BASE`] doubled `n - 1` times, at most [`CAP`].
fn delay_bound(n: u32) -> Duration {
    BASE.checked_mul(1u32 << (n - 1).min(16)).map_or(CAP, |bound| bound.min(CAP))
}

/// A uniformly random wait in `[0, bound]`, in microseconds.
fn jitter(bound: Duration) -> Duration {
    let micros = u64::try_from(bound.as_micros()).unwrap_or(u64::MAX);
    // A failing OS generator only makes the waits equal: never an error for the save.
    let random = getrandom::u64().unwrap_or(micros / 2);
    Duration::from_micros(random % micros.saturating_add(1))
}

/// Whether this save may sleep: it runs on a Tokio runtime with a timer and is awaited, not
/// polled once by the synchronous `save` (whose waker does nothing, and which would turn a pause
/// into "the store would block").
async fn can_wait() -> bool {
    let awaited = poll_fn(|cx| Poll::Ready(!cx.waker().will_wake(Waker::noop()))).await;
    #[cfg(feature = "tokio")]
    return awaited && tokio::runtime::Handle::try_current().is_ok();
    #[cfg(not(feature = "tokio"))]
    {
        let _ = awaited;
        false
    }
}

async fn sleep(wait: Duration) {
    #[cfg(feature = "tokio")]
    tokio::time::sleep(wait).await;
    #[cfg(not(feature = "tokio"))]
    let _ = wait;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::poll::now_or_never;

    #[test]
    fn the_bound_doubles_to_the_cap() {
        assert_eq!(delay_bound(1), BASE);
        assert_eq!(delay_bound(2), BASE * 2);
        assert_eq!(delay_bound(6), CAP);
        assert_eq!(delay_bound(u32::MAX), CAP);
        for _ in 0..100 {
            assert!(jitter(CAP) <= CAP);
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    /// A synchronous caller keeps its immediate retries and never sees a pause.
    #[test]
    fn a_caller_that_cannot_wait_retries_at_once_as_before() {
        let mut backoff = Backoff::new(Duration::from_secs(2));
        let mut retries = 0;
        while now_or_never(backoff.next()).expect("never pending") {
            retries += 1;
        }
        assert_eq!(retries, WITHOUT_TIMER);
    }

    /// An awaited caller on a runtime waits, within its budget, and then gives up.
    #[cfg(feature = "tokio")]
    #[test]
    fn an_awaited_caller_waits_within_its_budget() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            let budget = Duration::from_millis(40);
            let mut backoff = Backoff::new(budget);
            let started = std::time::Instant::now();
            let mut retries = 0;
            while backoff.next().await {
                retries += 1;
            }
            assert!(retries > WITHOUT_TIMER.min(3), "{retries}");
            assert!(backoff.waited <= budget);
            assert!(started.elapsed() >= backoff.waited);
        });
    }

    /// The budget is spent to the end, never beyond, and really waited: a save under contention
    /// keeps trying for as long as it may, and no longer.
    #[cfg(feature = "tokio")]
    #[test]
    fn an_awaited_caller_spends_exactly_its_budget() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            for budget in [Duration::from_millis(3), Duration::from_millis(40)] {
                let mut backoff = Backoff::new(budget);
                let started = std::time::Instant::now();
                while backoff.next().await {}
                assert_eq!(backoff.waited, budget);
                assert!(started.elapsed() >= budget, "{:?}", started.elapsed());
            }
        });
    }

    /// The first retry is immediate and the first wait at most [`BASE`]: two or three requests
    /// that overlap lose almost no time.
    #[cfg(feature = "tokio")]
    #[test]
    fn the_first_retry_is_immediate_and_the_first_wait_short() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            for _ in 0..50 {
                let mut backoff = Backoff::new(Duration::from_secs(1));
                assert!(backoff.next().await);
                assert_eq!(backoff.waited, Duration::ZERO);
                assert!(backoff.next().await);
                assert!(backoff.waited <= BASE, "{:?}", backoff.waited);
            }
        });
    }

    /// The synchronous `save` polls once with a waker that does nothing, possibly on a runtime's
    /// thread: it must never be handed a pause (which it would report as a store that blocks).
    #[cfg(feature = "tokio")]
    #[test]
    fn a_caller_that_cannot_wait_never_pauses_even_on_a_runtime_thread() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let _inside = runtime.enter();
        let mut backoff = Backoff::new(Duration::from_secs(2));
        for _ in 0..WITHOUT_TIMER {
            assert_eq!(now_or_never(backoff.next()), Some(true));
        }
        assert_eq!(now_or_never(backoff.next()), Some(false));
        assert_eq!(backoff.waited, Duration::ZERO);
    }
}

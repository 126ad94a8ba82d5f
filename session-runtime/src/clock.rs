//! Where "now" comes from. Injectable so tests can freeze time.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in whole Unix seconds.
///
/// ```
/// use session_runtime::{Clock, FixedClock};
/// assert_eq!(FixedClock(1_700_000_000).now_unix(), Some(1_700_000_000));
/// ```
pub trait Clock: Send + Sync + fmt::Debug {
    /// Whole seconds since 1970-01-01 UTC, or `None` when the clock reads before 1970.
    fn now_unix(&self) -> Option<u64>;
}

/// The operating system's clock.
///
/// ```
/// use session_runtime::{Clock, SystemClock};
/// assert!(SystemClock.now_unix().unwrap() > 1_600_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> Option<u64> {
        SystemTime::now().duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
    }
}

/// A clock frozen at the given Unix second, for tests and golden vectors.
///
/// ```
/// use session_runtime::{Clock, FixedClock};
/// assert_eq!(FixedClock(0).now_unix(), Some(0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now_unix(&self) -> Option<u64> {
        Some(self.0)
    }
}

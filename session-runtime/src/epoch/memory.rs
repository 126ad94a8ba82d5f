//! Epoch sources without a store: in this process's memory (tests, one-server apps), and your
//! own async functions.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::{EpochFuture, EpochSource};
use crate::error::StoreError;

/// Epochs in this process's memory: for one server, and for tests (it counts its calls). Its
/// calls complete at once, so a synchronous open never waits on it. Clones share the epochs.
///
/// ```
/// use session_runtime::epoch::{EpochSource, MemoryEpochs};
/// # async fn run() -> Result<(), session_runtime::StoreError> {
/// let source = MemoryEpochs::new();
/// source.bump("ann").await?;
/// assert_eq!((source.current("ann").await?, source.calls()), (1, 2));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryEpochs {
    epochs: Arc<Mutex<HashMap<String, u64>>>,
    calls: Arc<AtomicU64>,
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl MemoryEpochs {
    /// An empty source: every user at epoch 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many calls (`current` and `bump`) the source has answered or refused.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Makes every call fail (`true`) as a store that is down would, or answer again (`false`):
    /// for tests of the policy a revocable type has when its source is down.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    /// Sets the user's epoch, as a restored backup would (tests of cookies ahead of the source).
    pub fn set(&self, user: &str, epoch: u64) {
        self.epochs.lock().unwrap_or_else(PoisonError::into_inner).insert(user.to_owned(), epoch);
    }

    fn call(&self, user: &str, bump: bool) -> Result<u64, StoreError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.down.load(Ordering::Relaxed) {
            return Err(StoreError::Unavailable("the memory epoch source is set down".into()));
        }
        let mut epochs = self.epochs.lock().unwrap_or_else(PoisonError::into_inner);
        if !bump {
            return Ok(epochs.get(user).copied().unwrap_or(0));
        }
        let epoch = epochs.entry(user.to_owned()).or_insert(0);
        *epoch = epoch.saturating_add(1);
        Ok(*epoch)
    }
}

impl EpochSource for MemoryEpochs {
    fn current<'a>(&'a self, user: &'a str) -> EpochFuture<'a> {
        Box::pin(std::future::ready(self.call(user, false)))
    }
    fn bump<'a>(&'a self, user: &'a str) -> EpochFuture<'a> {
        Box::pin(std::future::ready(self.call(user, true)))
    }
}

type EpochFn = dyn Fn(String) -> EpochFuture<'static> + Send + Sync;

/// An epoch source made of two async functions of the user: one reads the current epoch, one
/// increments it (a column of your users table, another service).
///
/// ```
/// use session_runtime::epoch::{EpochSource, FnEpochs};
/// # async fn run() -> Result<(), session_runtime::StoreError> {
/// let source = FnEpochs::new(
///     |user: String| async move { Ok(if user == "ann" { 3 } else { 0 }) },
///     |_user: String| async move { Ok(4) },
/// );
/// assert_eq!(source.current("ann").await?, 3);
/// assert_eq!(source.bump("ann").await?, 4);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FnEpochs {
    current: Arc<EpochFn>,
    bump: Arc<EpochFn>,
}

impl FnEpochs {
    /// The source whose `current` is `current(user)` and whose `bump` is `bump(user)`.
    pub fn new<C, CF, B, BF>(current: C, bump: B) -> Self
    where
        C: Fn(String) -> CF + Send + Sync + 'static,
        CF: Future<Output = Result<u64, StoreError>> + Send + 'static,
        B: Fn(String) -> BF + Send + Sync + 'static,
        BF: Future<Output = Result<u64, StoreError>> + Send + 'static,
    {
        FnEpochs {
            current: Arc::new(move |user| Box::pin(current(user)) as EpochFuture<'static>),
            bump: Arc::new(move |user| Box::pin(bump(user)) as EpochFuture<'static>),
        }
    }
}

impl EpochSource for FnEpochs {
    fn current<'a>(&'a self, user: &'a str) -> EpochFuture<'a> {
        (self.current)(user.to_owned())
    }
    fn bump<'a>(&'a self, user: &'a str) -> EpochFuture<'a> {
        (self.bump)(user.to_owned())
    }
}

impl fmt::Debug for FnEpochs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnEpochs")
    }
}

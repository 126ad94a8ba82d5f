//! How one future serves both callers: polled once for the synchronous `open`/`save`, awaited by
//! layers and `open_async`/`save_async`; and a timeout that only starts when a store really waits.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::error::StoreError;

/// Polls `future` once: its output if it completes without waiting.
pub(crate) fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// `call` under a timeout of `limit`. The timer starts only if the first poll waits, so a store
/// that answers at once (the memory store) needs no timer and works outside any runtime; one
/// that waits outside a Tokio runtime (which has no timer to offer), or in a build without the
/// `tokio` feature (a cookie-only build has no async runtime to pay for), is awaited without a
/// limit.
pub(crate) async fn deadline<T, F>(limit: Duration, call: F) -> Result<T, StoreError>
where
    F: Future<Output = Result<T, StoreError>>,
{
    let mut call = pin!(call);
    if let Poll::Ready(output) = poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await {
        return output;
    }
    #[cfg(feature = "tokio")]
    if tokio::runtime::Handle::try_current().is_ok() {
        return tokio::time::timeout(limit, call).await.map_err(|_| StoreError::Timeout(limit))?;
    }
    #[cfg(not(feature = "tokio"))]
    let _ = limit;
    call.await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_call_needs_no_runtime() {
        let answer = now_or_never(deadline(Duration::from_millis(1), async { Ok::<_, StoreError>(7) }));
        assert_eq!(answer, Some(Ok(7)));
    }

    #[test]
    fn a_waiting_call_is_pending_for_a_synchronous_caller() {
        let waits = deadline(Duration::from_millis(1), std::future::pending::<Result<(), StoreError>>());
        assert!(now_or_never(waits).is_none());
    }
}

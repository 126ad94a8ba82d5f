//! What the runtime tells the operator, through `tracing` (feature `tracing`, on by default;
//! without it these do nothing). Never a cookie value, a session id or a key: only kinds, names
//! and messages that hold none of them.

use crate::error::{Error, Rejection, StoreError};

/// A cookie was refused: a new, empty session was handed out instead. Debug level: clients send
/// expired and foreign cookies all the time.
pub(crate) fn rejected(cookie: &str, rejection: Rejection) {
    #[cfg(feature = "tracing")]
    tracing::debug!(cookie, rejection = rejection.kind(), "session cookie refused: {rejection}");
    #[cfg(not(feature = "tracing"))]
    let _ = (cookie, rejection);
}

/// A cookie written by an older version of the session type was migrated to `version`; it is
/// written again at save. Debug level: every user's first request after a deploy does it.
pub(crate) fn migrated(cookie: &str, version: u32) {
    #[cfg(feature = "tracing")]
    tracing::debug!(cookie, version, "session migrated from an older version of its type");
    #[cfg(not(feature = "tracing"))]
    let _ = (cookie, version);
}

/// A session written by a newer version of its type was changed or emptied on this older
/// server: its cookie (or record) is replaced or deleted, and the newer data, which this server
/// cannot read, is lost. Warn level: only an unfinished rolling deploy or a rollback explains it.
pub(crate) fn newer_version_replaced(cookie: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        cookie,
        "a session written by a newer version of its type was replaced by this server's older version \
         (its newer data is lost: finish the deploy)"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = cookie;
}

/// A save whose only reason was a forced re-write (sealing, an issue time added, a migration, a
/// fallback key) would not fit `max_size`: the incoming cookie is kept. Warn level, once per
/// process: every request of that user does it until the cookie expires or changes.
pub(crate) fn rewrite_skipped(cookie: &str, reason: &str, error: &Error) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(feature = "tracing")]
        tracing::warn!(
            cookie,
            reason,
            "a session cookie is not re-written ({reason}): the new cookie would not fit, so the incoming \
             one is kept: {error}"
        );
        #[cfg(not(feature = "tracing"))]
        let _ = (cookie, reason, error);
    });
}

/// A framework layer could not save a session and answers 409, 500 or 503 instead of the
/// handler's response.
pub(crate) fn save_failed(error: &Error) {
    #[cfg(feature = "tracing")]
    tracing::error!("the session could not be saved, so the response is an error: {error}");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// A session store call failed or timed out.
pub(crate) fn store_failed(error: &StoreError) {
    #[cfg(feature = "tracing")]
    tracing::warn!("session store call failed: {error}");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// The process-wide backend found no key: once, when it is first used (the first request). With
/// no `tracing` subscriber installed (or the feature off) the line goes to standard error, so a
/// missing key is never silent.
pub(crate) fn no_key() {
    const MESSAGE: &str = "no session secret key: set SESSION_SECRET_KEY (at least 32 bytes; \
        `SecretKey::generate()` makes one) or call `install_keys(...)` before the first request. \
        Until then every session is a null session: it reads as empty, and saving a changed one \
        fails (a 500 through the layers)";
    #[cfg(feature = "tracing")]
    if tracing::dispatcher::has_been_set() {
        tracing::error!("{MESSAGE}");
        return;
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!("session-runtime: {MESSAGE}");
    }
}

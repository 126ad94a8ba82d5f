//! What the runtime tells the operator, through `tracing` (feature `tracing`, on by default;
//! without it these do nothing, but for the errors that make a layer answer 500, which go to
//! standard error when no subscriber is installed). Never a cookie value, a session id or a
//! key: only kinds, names, lengths and messages that hold none of them.

use crate::error::{Error, Rejection, StoreError};
use crate::key::MIN_NATIVE_KEY_LEN;

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
/// handler's response. Error level; to standard error when no subscriber is installed, so that
/// an empty 500 is never silent.
pub(crate) fn save_failed(error: &Error) {
    error_or_stderr(format_args!("the session could not be saved, so the response is an error: {error}"));
}

/// The current key is too short for the format of cookie `cookie` (the native and encrypted
/// formats need [`MIN_NATIVE_KEY_LEN`] bytes): every changed session of that format fails to save.
/// Once per process, at the first session opened with such a config; to standard error when no
/// subscriber is installed. The key's length, never its bytes.
pub(crate) fn key_too_short(cookie: &str, len: usize) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        error_or_stderr(format_args!(
            "the current secret key is {len} bytes long; the native and encrypted formats (cookie \
             `{cookie}`) need at least {MIN_NATIVE_KEY_LEN} bytes, so every changed session fails to \
             save (a 500 through the layers). Set SESSION_SECRET_KEY to {MIN_NATIVE_KEY_LEN} random \
             bytes or more (`SecretKey::generate()` makes one); only the Flask format (`format = \
             \"flask\"`) signs with a shorter key"
        ));
    });
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
    error_or_stderr(format_args!(
        "no session secret key: set SESSION_SECRET_KEY (at least {MIN_NATIVE_KEY_LEN} bytes; \
         `SecretKey::generate()` makes one) or call `install_keys(...)` before the first request. \
         Until then every session is a null session: it reads as empty, and saving a changed one \
         fails (a 500 through the layers)"
    ));
}

/// An error the operator must see: a `tracing` error event when a subscriber is installed,
/// else one line on standard error (the README's snippet installs none, and a silent 500 is the
/// failure users reported).
fn error_or_stderr(message: std::fmt::Arguments<'_>) {
    #[cfg(feature = "tracing")]
    if tracing::dispatcher::has_been_set() {
        tracing::error!("{message}");
        return;
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!("session-runtime: {message}");
    }
}

/// A revocable session's epoch source could not be read: the session is refused (fail closed, the
/// default) or accepted (`fail_open`). Warn level: revocation does not work while it lasts.
pub(crate) fn epoch_unavailable(cookie: &str, fail_open: bool, error: &StoreError) {
    let policy = if fail_open { "accepted (fail_open)" } else { "refused (fail closed)" };
    #[cfg(feature = "tracing")]
    tracing::warn!(cookie, policy, "the epoch source of a revocable session could not be read: {error}");
    #[cfg(not(feature = "tracing"))]
    let _ = (cookie, policy, error);
}

/// A revocable cookie carries an epoch ahead of its user's current one: the source lost epochs
/// (restored from a backup) or the key leaked. Warn level; the cookie is refused.
pub(crate) fn epoch_ahead(cookie: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        cookie,
        "a revocable session carries an epoch ahead of its epoch source (restored from a backup?): refused"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = cookie;
}

//! The two kinds of failure: [`Rejection`] (the client sent a cookie we do not accept; never an
//! error for the application) and [`Error`] (a server-side problem at save time), with the
//! [`StoreError`] a server-side store reports inside it.

use std::fmt;
use std::time::Duration;

/// Why an incoming session cookie was not accepted.
///
/// `open` never fails on what a client sent: a refused cookie yields an empty session, and this
/// value says why (see [`Tracked::rejection`](crate::Tracked::rejection)).
///
/// ```
/// use session_runtime::Rejection;
/// assert!(Rejection::Expired.to_string().starts_with("the session cookie has expired"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// The value does not have the shape of a session cookie (parts, base64, lengths).
    Malformed,
    /// The signature (of an encrypted cookie: its authentication tag) does not verify under the
    /// current key or any fallback key.
    BadSignature,
    /// The signed timestamp is older than the configured lifetime.
    Expired,
    /// The signed timestamp lies in the future beyond the allowed clock skew.
    NotYetValid,
    /// The cookie value is longer than the configured maximum size.
    TooLarge,
    /// The signature verified but the payload does not decode into the session type
    /// (schema change after a deploy, or a payload written by another program).
    Payload,
    /// The session is encrypted, and the cookie is in the signed format: it was issued before the
    /// type moved to `encrypted`, or forged in the readable format. Nothing of it was verified or
    /// read. Turn on `accept_signed` while moving a live deployment, so such cookies are accepted
    /// within their lifetime and re-written sealed.
    NotEncrypted,
    /// The session was issued longer ago than the configured `max_lifetime`, its absolute limit:
    /// however often it was refreshed, the user signs in again. Distinct from [`Expired`]
    /// (idle for longer than the lifetime) so logs tell the two timeouts apart.
    ///
    /// [`Expired`]: Rejection::Expired
    SessionTooOld,
    /// Server-side sessions: the id cookie verified, but the session store could not be reached
    /// (down, or slower than its timeout). The session is empty for this request, and a change
    /// to it is not saved (the save fails with [`Error::Store`]) so the real session is never
    /// overwritten.
    StoreUnavailable,
    /// Server-side sessions: the id cookie verified, but the store has no such session: it
    /// expired, was destroyed, or was revoked.
    UnknownSession,
    /// The data was written by a newer version of the session type (`#[session(version = N)]`)
    /// than this server's: an older server reached during a rolling deploy or after a rollback.
    /// The session is empty for this request; the cookie (or the server-side record) is left as
    /// it is unless the handler changes the session (which replaces it: the newer data is lost)
    /// or clears it (which deletes it), so a sign-in or a sign-out is honoured on every server.
    NewerVersion,
    /// A revocable session (`#[session(revocable = "user")]`): the cookie carries an epoch other
    /// than its user's current one. Lower: the user's epoch was bumped since it was issued
    /// ("sign out other devices", [`Epochs::bump_epoch`](crate::epoch::Epochs::bump_epoch)).
    /// Higher: the epoch source does not know it (restored from a backup), and a cookie it cannot
    /// vouch for is refused too.
    Revoked,
    /// A revocable session whose epoch source could not be read (down, slower than its timeout,
    /// or a source that must wait behind a synchronous open), and whose type fails closed (the
    /// default; `fail_open` accepts the cookie instead). A warning is logged.
    EpochUnavailable,
}

impl Rejection {
    /// Whether the refused cookie was one of this deployment's: its MAC or seal verified (for a
    /// server-side session, its id cookie's), and it was refused for its age, its data, its
    /// version or its record. Clearing such a session deletes the cookie, so a sign-out is
    /// honoured even by a server that already refuses the cookie (a clock ahead of the one that
    /// wrote it, an older release).
    ///
    /// ```
    /// use session_runtime::Rejection;
    /// assert!(Rejection::Expired.cookie_was_ours());
    /// assert!(!Rejection::BadSignature.cookie_was_ours(), "perhaps another app's cookie");
    /// ```
    pub fn cookie_was_ours(self) -> bool {
        matches!(
            self,
            Rejection::Expired
                | Rejection::NotYetValid
                | Rejection::Payload
                | Rejection::SessionTooOld
                | Rejection::StoreUnavailable
                | Rejection::UnknownSession
                | Rejection::NewerVersion
                | Rejection::Revoked
                | Rejection::EpochUnavailable
        )
    }

    /// A stable machine-readable name: `"Malformed"`, `"BadSignature"`, …
    ///
    /// ```
    /// assert_eq!(session_runtime::Rejection::NotYetValid.kind(), "NotYetValid");
    /// ```
    pub const fn kind(self) -> &'static str {
        match self {
            Rejection::Malformed => "Malformed",
            Rejection::BadSignature => "BadSignature",
            Rejection::Expired => "Expired",
            Rejection::NotYetValid => "NotYetValid",
            Rejection::TooLarge => "TooLarge",
            Rejection::Payload => "Payload",
            Rejection::NotEncrypted => "NotEncrypted",
            Rejection::SessionTooOld => "SessionTooOld",
            Rejection::StoreUnavailable => "StoreUnavailable",
            Rejection::UnknownSession => "UnknownSession",
            Rejection::NewerVersion => "NewerVersion",
            Rejection::Revoked => "Revoked",
            Rejection::EpochUnavailable => "EpochUnavailable",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rejection::Malformed => "the session cookie is malformed",
            Rejection::BadSignature => {
                "the session cookie signature does not verify under the current key or any fallback (another \
                 app's cookie, a tampered one, or one signed with a key no longer in the ring: after a \
                 rotation, keep the old key as a fallback for one lifetime)"
            }
            Rejection::Expired => "the session cookie has expired: it is older than the configured lifetime",
            Rejection::NotYetValid => {
                "the session cookie is signed with a future timestamp (this server's clock is behind the one \
                 that signed it: synchronise the clocks, or allow some skew with `with_future_skew`)"
            }
            Rejection::TooLarge => "the session cookie is larger than the configured maximum (`max_size`)",
            Rejection::Payload => {
                "the session cookie payload does not decode into the session type (a field renamed or \
                 retyped by a deploy, or a cookie written by another program)"
            }
            Rejection::NotEncrypted => {
                "the session cookie is signed, not encrypted, and this session accepts only encrypted \
                 cookies (`accept_signed` is off)"
            }
            Rejection::SessionTooOld => {
                "the session was issued longer ago than its absolute limit (`max_lifetime`): the user has \
                 to sign in again, however recently the session was used"
            }
            Rejection::StoreUnavailable => {
                "the session store could not be reached (down, or slower than the backend's timeout); the \
                 session is empty for this request and a change to it will not be saved"
            }
            Rejection::UnknownSession => "the session is not in the store (expired, destroyed or revoked)",
            Rejection::NewerVersion => {
                "the session was written by a newer version of the session type than this server's \
                 (`#[session(version)]`): an older server during a rolling deploy. The session is empty \
                 for this request and is kept unchanged for the newer servers; finish the deploy so every \
                 server runs the newer version"
            }
            Rejection::Revoked => {
                "the session was revoked: its user's epoch changed since it was issued (signed out on \
                 other devices, or the epoch source restored from a backup)"
            }
            Rejection::EpochUnavailable => {
                "the epoch source of a revocable session could not be read (down, slower than its \
                 timeout, or one that must wait behind a synchronous open), and the type fails closed"
            }
        })
    }
}

impl std::error::Error for Rejection {}

/// A server-side failure while saving a session. Never caused by what a client sent.
///
/// ```
/// use session_runtime::Error;
/// assert!(Error::NullSession.to_string().starts_with("The session is unavailable"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session was changed but no secret key is configured, so it cannot be signed.
    /// The message is Flask's, word for word.
    #[error(
        "The session is unavailable because no secret key was set.  Set the secret_key on the application to something unique and secret."
    )]
    NullSession,
    /// The session is too large to be sent, so nothing is: either its `Set-Cookie` line would
    /// exceed the configured maximum (browsers silently drop such cookies), or its JSON is over
    /// [`MAX_SESSION_JSON`](crate::limits::MAX_SESSION_JSON), more than a compressed cookie may inflate
    /// to when it is read back (it would be refused on the next request, as `Rejection::Payload`,
    /// and the user would lose the session). Keep the session small: store large data
    /// server-side and keep only its id in the session.
    ///
    /// ```
    /// use session_runtime::{Error, MAX_SESSION_JSON};
    /// let error = Error::TooLarge {
    ///     name: "session".into(), value_size: 0, line_size: 0, limit: 4093,
    ///     json_size: MAX_SESSION_JSON + 1,
    /// };
    /// assert!(error.to_string().contains("store large data server-side"));
    /// ```
    #[error("{}", too_large(.name, *.value_size, *.line_size, *.limit, *.json_size))]
    TooLarge {
        /// Cookie name.
        name: String,
        /// Length of the cookie value; 0 when the JSON alone was over
        /// [`MAX_SESSION_JSON`](crate::limits::MAX_SESSION_JSON) (refused before compressing and signing).
        value_size: usize,
        /// Length of the whole `Set-Cookie` line (name, value and attributes); 0 as `value_size`.
        line_size: usize,
        /// The configured maximum (`max_size`).
        limit: usize,
        /// Length of the session's JSON (what is compressed and signed).
        json_size: usize,
    },
    /// The session data could not be serialized.
    #[error("the session data could not be serialized: {0}")]
    Serialize(String),
    /// The system clock reads a time before 1970 or beyond the representable range.
    #[error("the system clock is outside the range a session timestamp can hold")]
    Clock,
    /// The operating system's random number generator failed while making the nonce of an
    /// encrypted cookie; nothing was sent.
    #[error("the operating system's random number generator failed; the encrypted session was not saved")]
    Random,
    /// The current key is too short for the native format (at least 32 bytes).
    #[error(
        "the current secret key is {len} bytes long; the native format needs at least {min} bytes (generate one with `SecretKey::generate()`)"
    )]
    WeakKey {
        /// Length of the current key.
        len: usize,
        /// The minimum the format requires.
        min: usize,
    },
    /// The session could not be written to the response (an invalid header value).
    #[error("the session cookie could not be written to the response: {0}")]
    Header(String),
    /// Server-side sessions: another request changed the session between this request's open
    /// and its save, and this save could not be merged onto it: both changed `field` and the
    /// policy is [`ConflictPolicy::Reject`](crate::ConflictPolicy::Reject), or (`field` is
    /// `None`) the record kept changing through every retry. Nothing was written. Framework
    /// layers answer `409 Conflict`; retrying the request normally succeeds.
    ///
    /// ```
    /// use session_runtime::Error;
    /// let error = Error::Conflict { field: Some("cart".into()) };
    /// assert!(error.to_string().contains("`cart`"));
    /// ```
    #[error("{}", conflict(.field.as_deref()))]
    Conflict {
        /// The top-level field both requests changed, if that was the reason.
        field: Option<String>,
    },
    /// Server-side sessions: another request gave the session a new id (`cycle_id`, `renew`: a
    /// sign-in) while this one ran, so this request's write through the old id was refused and
    /// nothing was written; no cookie is sent (the client already holds, or is about to get,
    /// the new id's cookie, which a delete would wipe). Writes never follow a rotation: a
    /// fixated old id must not write into the signed-in session (docs/security.md). Framework
    /// layers answer `409 Conflict`; the client retries with the cookie it now holds.
    ///
    /// ```
    /// use session_runtime::Error;
    /// assert!(Error::Rotated.to_string().contains("new id"));
    /// ```
    #[error(
        "another request gave the session a new id (a sign-in) while this one ran: this write through \
         the old id was refused and nothing was written; retry the request with the new cookie"
    )]
    Rotated,
    /// Server-side sessions: listing or revoking a user's sessions needs the request's session
    /// to be a stored one with a user (the field of
    /// [`with_user_index`](crate::ServerSideSessionInterface::with_user_index)), and it is not:
    /// nobody is signed in, or the backend has no user index.
    ///
    /// ```
    /// assert!(session_runtime::Error::NoUser.to_string().contains("signed in"));
    /// ```
    #[error(
        "nobody is signed in to this session (or the backend has no user index): it has no sessions to list or revoke"
    )]
    NoUser,
    /// Server-side sessions: the handle given to
    /// [`revoke`](crate::ServerSideSessionInterface::revoke) names none of the signed-in user's
    /// live sessions: it was forged, belongs to another user, or its session already ended.
    /// Nothing was revoked.
    ///
    /// ```
    /// assert!(session_runtime::Error::UnknownHandle.to_string().contains("no session"));
    /// ```
    #[error(
        "no session of the signed-in user has this handle (forged, another user's, or already ended): nothing was revoked"
    )]
    UnknownHandle,
    /// [`Tracked::sign_out_other_devices`](crate::Tracked::sign_out_other_devices) on a session
    /// that cannot be revoked that way: its type is not `revocable`, its backend has no epoch
    /// source (`with_epochs`), or nobody is signed in.
    #[error(
        "this session cannot sign out other devices: its type needs `#[session(revocable = \"field\")]`, \
         its backend an epoch source (`with_epochs`), and the field a signed-in user"
    )]
    NotRevocable,
    /// Server-side sessions: the session store failed or timed out; a revocable session's epoch
    /// source too. Framework layers answer `503 Service Unavailable`.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The message of [`Error::Conflict`]: what happened, and what to do.
fn conflict(field: Option<&str>) -> String {
    match field {
        Some(field) => format!(
            "another request changed the session's `{field}` while this one changed it too, and the \
             conflict policy is `reject`: this save was refused and nothing was written; retry the \
             request, or use the `last_write` policy if the later value may simply win"
        ),
        None => "the session record kept changing under this save through every retry, so it was not \
                 saved; retry the request"
            .to_owned(),
    }
}

/// The message of [`Error::TooLarge`]: which limit was exceeded, and what to do about it.
fn too_large(name: &str, value_size: usize, line_size: usize, limit: usize, json_size: usize) -> String {
    const ADVICE: &str = "keep the session small: store large data server-side (a database, or \
                          server-side sessions) and keep only its id in the session";
    if json_size > crate::limits::MAX_SESSION_JSON {
        format!(
            "the '{name}' session is too large: its JSON is {json_size} bytes, but a session cookie may \
             hold at most {} bytes once inflated, so the next request would refuse it and lose the \
             session; it was not sent; {ADVICE}",
            crate::limits::MAX_SESSION_JSON
        )
    } else {
        format!(
            "the '{name}' cookie is too large: the value was {value_size} bytes and the Set-Cookie line \
             {line_size} bytes, but the limit is {limit} bytes; browsers silently ignore larger \
             cookies, so it was not sent; {ADVICE}"
        )
    }
}

/// Why a store call failed. Never caused by what a client sent.
///
/// ```
/// use session_runtime::StoreError;
/// use std::time::Duration;
/// let error = StoreError::Timeout(Duration::from_millis(250));
/// assert_eq!(error.to_string(), "the session store did not answer within 250ms");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The call did not complete within the configured timeout.
    #[error("the session store did not answer within {0:?}")]
    Timeout(Duration),
    /// The store cannot be reached (connection refused or lost, I/O error).
    #[error("the session store is unreachable: {0}")]
    Unavailable(String),
    /// The store answered with an error, or with something the store cannot read.
    #[error("the session store failed: {0}")]
    Backend(String),
    /// The store needs to wait for I/O, but the session was opened or saved synchronously
    /// (`Tracked::open_with` / `Tracked::save` without a framework layer): use the layer, or
    /// `Tracked::open_async` / `Tracked::save_async`.
    #[error(
        "this session store needs asynchronous I/O: open and save the session through a framework layer or with `open_async`/`save_async`"
    )]
    WouldBlock,
}

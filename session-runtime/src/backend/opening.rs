//! The first phase of the seam: what a backend found in a request ([`OpenedSession`]), delivered
//! by an [`Opening`] that is ready at once (signed cookies) or awaits a store (server-side).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::poll::now_or_never;
use crate::error::Rejection;

/// What a backend found in the request: the verified payload, or why there is none.
///
/// ```
/// use session_runtime::backend::OpenedSession;
/// let opened = OpenedSession::default();
/// assert!(opened.payload.is_none() && opened.rejection.is_none() && !opened.null);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenedSession {
    /// The verified payload (envelope JSON), when a cookie was accepted.
    pub payload: Option<Vec<u8>>,
    /// Why an incoming cookie was refused, when one was.
    pub rejection: Option<Rejection>,
    /// No secret key: the session is readable but will never be saved.
    pub null: bool,
    /// What a server-side backend found at open, handed back at save; `None` for cookie sessions.
    pub token: Option<StoreToken>,
    /// The accepted cookie is in a form the config no longer writes (a signed cookie accepted by
    /// an encrypted session with `accept_signed`): the save writes it again, sealed, even if the
    /// session did not change ([`SessionState::rewrite`](super::SessionState::rewrite)).
    pub rewrite: bool,
    /// The cookie was signed less than the config's `refresh_after` ago: an unchanged permanent
    /// session is not re-sent ([`SessionState::fresh`](super::SessionState::fresh)).
    pub fresh: bool,
    /// When the accepted cookie (server-side: the id cookie) was signed, in Unix seconds: a
    /// payload written before the issued-at time existed takes it as its issued-at.
    pub signed_at: Option<u64>,
    /// The backend's clock when the session was opened (Unix seconds): the issued-at time of a
    /// new or renewed session, and what `max_lifetime` is measured against. `None` (a backend
    /// that does not say) reads the system clock instead.
    pub opened_at: Option<u64>,
}

/// The session id a server-side backend read from a verified id cookie. Its `Debug` shows no
/// part of the id: an id is a bearer credential, and handles are logged.
///
/// ```
/// use session_runtime::backend::{SessionInterface, StoreToken};
/// use session_runtime::{CookieConfig, Keys, SecretKey, ServerSideSessionInterface, Tracked};
/// use std::sync::Arc;
///
/// let backend = Arc::new(ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)));
/// let mut count: Tracked<u32> = Tracked::open_with(backend.clone(), CookieConfig::DEFAULT, &http::Request::new(()));
/// *count = 1;
/// let mut response = http::Response::new(());
/// count.save(&mut response)?;
/// let pair = response.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or_default().to_owned();
///
/// let request = http::Request::builder().header("cookie", pair).body(())?;
/// let opened = backend.open_session(&CookieConfig::DEFAULT, &request).now();
/// let Some(StoreToken::Loaded(id)) = &opened.token else { panic!("the record was loaded") };
/// assert_eq!(id.as_str().len(), 32);
/// assert_eq!(format!("{id:?}"), "SessionId(..)");
/// // Filed under a hash of the id, never the id itself.
/// assert_eq!(id.store_key().len(), 43);
/// assert_ne!(id.store_key(), id.as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    /// Wraps an id that has already been checked (its shape, its signature).
    pub(crate) fn new(id: String) -> Self {
        SessionId(id)
    }

    /// The id as the cookie carries it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key the store files the session under: SHA-256 of the id (with a label), in
    /// base64url like the id, never the id itself, so a dump of the store hands out no session
    /// a client could present. The example of [`SessionId`] shows it.
    pub fn store_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new().chain_update(STORE_KEY_LABEL).chain_update(self.0.as_bytes()).finalize();
        let mut key = String::with_capacity(43);
        crate::format::base64url::encode_into(&digest, &mut key);
        key
    }
}

/// Domain separation of the store key's hash.
const STORE_KEY_LABEL: &[u8] = b"session-runtime/store-key/v1\0";

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(..)")
    }
}

/// What a server-side backend remembers between open and save: the id, and whether the store
/// gave its data.
///
/// ```
/// # use session_runtime::backend::StoreToken;
/// # fn describe(token: &StoreToken) -> &'static str {
/// match token {
///     StoreToken::Loaded(_) => "the record was read; a save may update it",
///     StoreToken::Unreadable(_) => "the store was down: a changed session must not overwrite it",
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreToken {
    /// The record was read.
    Loaded(SessionId),
    /// The id cookie verified but the store could not be read (down, or slower than its
    /// timeout), so the real record is unknown and must not be overwritten.
    Unreadable(SessionId),
}

impl StoreToken {
    /// The session id, loaded or not.
    pub fn id(&self) -> &SessionId {
        match self {
            StoreToken::Loaded(id) | StoreToken::Unreadable(id) => id,
        }
    }
}

/// The opening of a session: ready at once (the signed-cookie backend), or waiting for a store.
/// Await it in async code; [`now`](Opening::now) finishes it without waiting, which is how the
/// synchronous `open` runs the same path.
///
/// ```
/// use session_runtime::backend::{OpenedSession, Opening};
/// let opening = Opening::ready(OpenedSession::default());
/// assert_eq!(opening.now(), OpenedSession::default());
/// ```
#[must_use = "an opening does nothing until it is awaited or finished with `now`"]
pub struct Opening(Stage);

enum Stage {
    Ready(Option<OpenedSession>),
    Waiting { future: Pin<Box<dyn Future<Output = OpenedSession> + Send>>, if_blocked: OpenedSession },
}

impl Opening {
    /// An opening whose result is known.
    pub fn ready(opened: OpenedSession) -> Self {
        Opening(Stage::Ready(Some(opened)))
    }

    /// An opening that waits for `future`. A synchronous caller that cannot wait gets
    /// `if_blocked` instead (a server-side backend gives an empty session with
    /// [`Rejection::StoreUnavailable`]).
    pub fn waiting(
        future: impl Future<Output = OpenedSession> + Send + 'static,
        if_blocked: OpenedSession,
    ) -> Self {
        Opening(Stage::Waiting { future: Box::pin(future), if_blocked })
    }

    /// The result without waiting: a ready opening's, or a waiting one's if it completes in one
    /// poll (an in-memory store), else the session given for a blocked caller.
    pub fn now(self) -> OpenedSession {
        match self.0 {
            Stage::Ready(opened) => opened.unwrap_or_default(),
            Stage::Waiting { future, if_blocked } => now_or_never(future).unwrap_or(if_blocked),
        }
    }

    /// The result if it is known without polling anything.
    pub fn into_ready(self) -> Result<OpenedSession, Opening> {
        match self.0 {
            Stage::Ready(opened) => Ok(opened.unwrap_or_default()),
            waiting => Err(Opening(waiting)),
        }
    }
}

impl Future for Opening {
    type Output = OpenedSession;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OpenedSession> {
        match &mut self.0 {
            Stage::Ready(opened) => Poll::Ready(opened.take().unwrap_or_default()),
            Stage::Waiting { future, .. } => future.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for Opening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Stage::Ready(opened) => f.debug_tuple("Opening::Ready").field(opened).finish(),
            Stage::Waiting { .. } => f.write_str("Opening::Waiting"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_never_show_in_debug() {
        let token = StoreToken::Loaded(SessionId::new("secret-id-value".into()));
        let shown = format!("{:?}", OpenedSession { token: Some(token.clone()), ..OpenedSession::default() });
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(token.id().as_str(), "secret-id-value");
    }

    #[test]
    fn a_waiting_opening_finishes_now_when_it_can_and_falls_back_when_it_cannot() {
        let done = OpenedSession { null: true, ..OpenedSession::default() };
        let blocked =
            OpenedSession { rejection: Some(Rejection::StoreUnavailable), ..OpenedSession::default() };
        let ready_in_one_poll = Opening::waiting(std::future::ready(done.clone()), blocked.clone());
        assert_eq!(ready_in_one_poll.now(), done);
        let never = Opening::waiting(std::future::pending(), blocked.clone());
        assert_eq!(never.now(), blocked);
        assert!(Opening::ready(done.clone()).into_ready().is_ok());
        assert!(Opening::waiting(std::future::pending(), blocked).into_ready().is_err());
    }
}

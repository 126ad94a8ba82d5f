//! What a server-side backend remembers of a session between open and save: its id and
//! whether the store gave its record.

use std::fmt;

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
pub struct SessionId {
    id: String,
    /// [`store_key`](SessionId::store_key), hashed once: the open loads under it and the save
    /// writes under it.
    key: String,
}

impl SessionId {
    /// Wraps an id that has already been checked (its shape, its signature).
    pub(crate) fn new(id: String) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new().chain_update(STORE_KEY_LABEL).chain_update(id.as_bytes()).finalize();
        let mut key = String::with_capacity(43);
        crate::format::base64url::encode_into(&digest, &mut key);
        SessionId { id, key }
    }

    /// The id as the cookie carries it.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The key the store files the session under: SHA-256 of the id (with a label), in
    /// base64url like the id, never the id itself, so a dump of the store hands out no session
    /// a client could present. The example of [`SessionId`] shows it.
    pub fn store_key(&self) -> &str {
        &self.key
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
///     StoreToken::Moved(_) => "another request rotated the id: read and write nothing through it",
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
    /// The id cookie verified, but another request gave the session a new id since (a sign-in
    /// in another tab): the store holds only the forwarding entry of that rotation. The session
    /// opens empty, as for an unknown id, and nothing of the new id's session is read (a
    /// fixated old id must not see the signed-in session). A save sends no cookie, so the
    /// client keeps the new id's; a write is refused with [`Error::Rotated`](crate::Error::Rotated);
    /// `clear()`/`destroy()` end the session the id became, as a sign-out must.
    Moved(SessionId),
}

impl StoreToken {
    /// The session id, loaded or not.
    pub fn id(&self) -> &SessionId {
        match self {
            StoreToken::Loaded(id) | StoreToken::Unreadable(id) | StoreToken::Moved(id) => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::SessionState;

    #[test]
    fn session_ids_never_show_in_debug() {
        let token = StoreToken::Loaded(SessionId::new("secret-id-value".into()));
        let shown = format!("{:?}", SessionState { token: Some(token.clone()), ..SessionState::default() });
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(token.id().as_str(), "secret-id-value");
    }
}

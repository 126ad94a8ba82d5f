//! What an account page needs of server-side sessions: "where you're signed in" (the user's live
//! sessions, with when each began, when it was last seen and a label), ending one of them, and
//! ending all but the current one. Sessions are named by opaque handles, never by their ids.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::ServerSideSessionInterface;
use crate::Tracked;
use crate::backend::poll::deadline;
use crate::backend::{SessionInterface, StoredSession};
use crate::config::CookieConfig;
use crate::envelope::json::EnvelopeJson;
use crate::error::Error;

/// The domain of a handle's MAC: no other MAC of the library is over a message starting so.
const HANDLE_DOMAIN: &[u8] = b"session-runtime/session-handle/v1\0";

/// How many bytes of the MAC a handle keeps: 128 bits, unguessable.
const HANDLE_BYTES: usize = 16;

/// An opaque name for one of a user's sessions, for an account page's "sign out this device"
/// button: an HMAC of the session's store key under the key ring, so it reveals neither the id
/// (which would let whoever sees the page take the session over) nor the store key, and it is
/// stable across listings. It only ever works together with the user it was listed for
/// ([`ServerSideSessionInterface::revoke`]).
///
/// ```
/// use session_runtime::SessionHandle;
/// let handle = SessionHandle::from("e1vNKh2sZ0dqIhUu4RpYGA");
/// assert_eq!(handle.as_str(), "e1vNKh2sZ0dqIhUu4RpYGA");
/// assert_eq!(handle.to_string(), "e1vNKh2sZ0dqIhUu4RpYGA");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionHandle(String);

impl SessionHandle {
    /// The handle as text, for a form field or a URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SessionHandle {
    /// A handle as a client sent it back; whether it names a session is checked by
    /// [`ServerSideSessionInterface::revoke`].
    fn from(text: &str) -> Self {
        SessionHandle(text.to_owned())
    }
}

impl From<String> for SessionHandle {
    fn from(text: String) -> Self {
        SessionHandle(text)
    }
}

impl fmt::Display for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One live session of a user, as [`ServerSideSessionInterface::sessions_of`] lists it.
///
/// ```
/// # async fn page(backend: &session_runtime::ServerSideSessionInterface,
/// #               account: &session_runtime::Tracked<()>) -> Result<(), session_runtime::Error> {
/// for session in backend.sessions_of(account).await? {
///     let mark = if session.current { " (this device)" } else { "" };
///     println!("{}{mark}: last seen {}", session.label.as_deref().unwrap_or("unknown device"), session.last_seen);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// Names this session for [`revoke`](ServerSideSessionInterface::revoke).
    pub handle: SessionHandle,
    /// When the session was issued (Unix seconds; a sign-in that renews the session issues it
    /// anew); `None` for a record written before issue times were recorded.
    pub created: Option<u64>,
    /// When a request of this session last wrote or refreshed it (Unix seconds), to within the
    /// refresh threshold: read-only requests inside `refresh_after` write nothing, so listing
    /// costs no write per request. It is the entry's expiry minus the lifetime, so within the
    /// last `lifetime` before a `max_lifetime` end (where the store's TTL is cut short) it is the
    /// earliest the session can have been seen.
    pub last_seen: u64,
    /// The session's label: the top-level field named by
    /// [`with_label_field`](ServerSideSessionInterface::with_label_field) (a device name the
    /// application derived from the `User-Agent` at sign-in, say), when it is a string.
    pub label: Option<String>,
    /// Whether this is the session of the request that listed.
    pub current: bool,
}

impl ServerSideSessionInterface {
    /// Names the top-level field of the session data that labels a session in
    /// [`sessions_of`](Self::sessions_of) (a string; set it at sign-in).
    ///
    /// ```
    /// # use session_runtime::{Keys, SecretKey, ServerSideSessionInterface};
    /// // #[derive(Session, …)] struct Account { user: Option<String>, device: Option<String>, … }
    /// let backend = ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?))
    ///     .with_user_index("user")
    ///     .with_label_field("device");
    /// # let _ = backend;
    /// # Ok::<(), session_runtime::KeyError>(())
    /// ```
    pub fn with_label_field(mut self, field: &str) -> Self {
        self.label_field = Some(field.into());
        self
    }

    /// The live sessions of the user signed in to `current` (the user index field of the
    /// record `current` opened, [`with_user_index`](Self::with_user_index)), `current`'s own
    /// marked. One read of the user index and at most one read per session (PostgreSQL: one
    /// statement); nothing is written. [`Error::NoUser`] when `current` opened no stored
    /// session with a user.
    ///
    /// ```
    /// use session_runtime::{Keys, SecretKey, ServerSideSessionInterface, Tracked};
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)] struct Account { user: Option<String> }
    /// # async fn page(backend: &ServerSideSessionInterface, account: &Tracked<Account>) -> Result<(), session_runtime::Error> {
    /// let sessions = backend.sessions_of(account).await?;
    /// assert!(sessions.iter().any(|session| session.current));
    /// # Ok(()) }
    /// ```
    pub async fn sessions_of<T: Default>(&self, current: &Tracked<T>) -> Result<Vec<SessionInfo>, Error> {
        let (user, key) = self.signed_in(current)?;
        self.list(&user, current.config(), Some(&key)).await
    }

    /// The live sessions of `user`, none marked current (for an administrator's page);
    /// `config` is the session type's (its lifetime dates `last_seen`).
    ///
    /// ```
    /// # async fn admin(backend: &session_runtime::ServerSideSessionInterface) -> Result<(), session_runtime::Error> {
    /// let sessions = backend.sessions_of_user("alice", &session_runtime::CookieConfig::DEFAULT).await?;
    /// println!("alice has {} sessions", sessions.len());
    /// # Ok(()) }
    /// ```
    pub async fn sessions_of_user(
        &self,
        user: &str,
        config: &CookieConfig,
    ) -> Result<Vec<SessionInfo>, Error> {
        self.list(user, config, None).await
    }

    /// Ends the session `handle` names, which must be one of the live sessions of the user signed
    /// in to `current` ([`Error::UnknownHandle`] otherwise: a forged handle, another user's, or
    /// one whose session already ended — never another user's session). The session ends as
    /// with [`Tracked::destroy`]: its requests in flight cannot write it back, and a rotation
    /// racing the revocation is followed. Revoking `current`'s own handle signs this device out.
    ///
    /// ```
    /// use session_runtime::{SessionHandle, ServerSideSessionInterface, Tracked};
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)] struct Account { user: Option<String> }
    /// # async fn sign_out_device(backend: &ServerSideSessionInterface, account: &Tracked<Account>, form_field: &str) -> Result<(), session_runtime::Error> {
    /// backend.revoke(account, &SessionHandle::from(form_field)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn revoke<T: Default>(
        &self,
        current: &Tracked<T>,
        handle: &SessionHandle,
    ) -> Result<(), Error> {
        let (user, _) = self.signed_in(current)?;
        let listed = self.stored_sessions_of(&user).await?;
        let found = listed.iter().find(|stored| self.handle_matches(&stored.id, handle));
        let Some(stored) = found else { return Err(Error::UnknownHandle) };
        Ok(deadline(self.timeout, self.store.delete(&stored.id, Some(&user))).await?)
    }

    /// Ends every session of the user signed in to `current` except `current` ("sign out all
    /// other devices"); returns how many ended. Each ends as with [`revoke`](Self::revoke). The
    /// user index is never cleared whole: a sign-in completing meanwhile keeps its session.
    ///
    /// ```
    /// use session_runtime::{ServerSideSessionInterface, Tracked};
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)] struct Account { user: Option<String> }
    /// # async fn others(backend: &ServerSideSessionInterface, account: &Tracked<Account>) -> Result<(), session_runtime::Error> {
    /// let ended = backend.revoke_others(account).await?;
    /// println!("signed out of {ended} other devices");
    /// # Ok(()) }
    /// ```
    pub async fn revoke_others<T: Default>(&self, current: &Tracked<T>) -> Result<usize, Error> {
        let (user, key) = self.signed_in(current)?;
        let listed = self.stored_sessions_of(&user).await?;
        let mut ended = 0;
        for stored in listed.iter().filter(|stored| stored.id != key) {
            deadline(self.timeout, self.store.delete(&stored.id, Some(&user))).await?;
            ended += 1;
        }
        Ok(ended)
    }

    /// The live sessions in `user`'s index whose data still names `user`: an index entry left
    /// behind (a failed index update after a session changed hands) never lists, nor lets this
    /// user revoke, another user's session.
    async fn stored_sessions_of(&self, user: &str) -> Result<Vec<StoredSession>, Error> {
        let mut listed = deadline(self.timeout, self.store.sessions_of(user)).await?;
        listed.retain(|stored| self.user_of(Some(&stored.payload)).as_deref() == Some(user));
        Ok(listed)
    }

    /// The user of the record `current` opened, and its store key.
    fn signed_in<T: Default>(&self, current: &Tracked<T>) -> Result<(String, String), Error> {
        let (id, payload) = current.opened_record().ok_or(Error::NoUser)?;
        let user = self.user_of(Some(payload)).ok_or(Error::NoUser)?;
        Ok((user, id.store_key().to_owned()))
    }

    async fn list(
        &self,
        user: &str,
        config: &CookieConfig,
        current: Option<&str>,
    ) -> Result<Vec<SessionInfo>, Error> {
        let listed = self.stored_sessions_of(user).await?;
        let now = self.ids.now().ok_or(Error::Clock)?;
        let mut sessions: Vec<SessionInfo> = listed
            .iter()
            .filter_map(|stored| {
                let envelope = EnvelopeJson::parse(&stored.payload).ok()?;
                let created = envelope.issued_at.as_ref().and_then(serde_json::Value::as_u64);
                let label = self.label_field.as_deref().and_then(|field| envelope.data_field(field));
                Some(SessionInfo {
                    handle: self.handle(&stored.id)?,
                    created,
                    last_seen: last_seen(stored, config, now, created),
                    label: label.and_then(serde_json::Value::as_str).map(str::to_owned),
                    current: current == Some(stored.id.as_str()),
                })
            })
            .collect();
        sessions.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.handle.0.cmp(&b.handle.0)));
        Ok(sessions)
    }

    /// The handle of the session stored under `key`, under the current key of the ring; `None`
    /// without keys (then no session is stored either).
    fn handle(&self, key: &str) -> Option<SessionHandle> {
        let mac = handle_mac(self.ids.keys()?.current().expose_bytes(), key)?;
        let mut text = String::new();
        crate::format::base64url::encode_into(&mac, &mut text);
        Some(SessionHandle(text))
    }

    /// Whether `handle` names the session stored under `key`, under any key of the ring (a
    /// handle listed before a key rotation still works), compared in constant time.
    fn handle_matches(&self, key: &str, handle: &SessionHandle) -> bool {
        let Some(sent) = crate::format::base64url::decode(handle.0.as_bytes()) else { return false };
        let Some(keys) = self.ids.keys() else { return false };
        keys.verifying()
            .filter_map(|secret| handle_mac(secret.expose_bytes(), key))
            .fold(false, |found, mac| found | bool::from(mac.as_slice().ct_eq(&sent)))
    }
}

/// `HMAC-SHA256(secret, HANDLE_DOMAIN ‖ key)`, cut to [`HANDLE_BYTES`].
fn handle_mac(secret: &[u8], key: &str) -> Option<[u8; HANDLE_BYTES]> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(HANDLE_DOMAIN);
    mac.update(key.as_bytes());
    let full = mac.finalize().into_bytes();
    full.get(..HANDLE_BYTES)?.try_into().ok()
}

/// When the session was last written or refreshed: its expiry minus the lifetime every write
/// and refresh gives it (less only when `max_lifetime` cut the TTL short: then this is the
/// earliest it can have been), kept between its issue time and now.
fn last_seen(stored: &StoredSession, config: &CookieConfig, now: u64, created: Option<u64>) -> u64 {
    let expires_at = now.saturating_add(whole_seconds(stored.expires_in));
    expires_at.saturating_sub(config.lifetime_secs()).clamp(created.unwrap_or(0).min(now), now)
}

/// A remaining life in seconds, rounded to the nearest (the store keeps milliseconds).
fn whole_seconds(duration: Duration) -> u64 {
    duration
        .as_millis()
        .saturating_add(500)
        .checked_div(1000)
        .map_or(0, |s| u64::try_from(s).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handle matches whichever keys of the ring make it, however often the same key is in
    /// the ring (the current key also left among the fallbacks during a rotation), and a handle
    /// of another session matches none.
    #[test]
    fn a_handle_matches_however_often_its_key_is_in_the_ring() {
        use crate::key::{Keys, SecretKey};
        let key = SecretKey::try_from(&[5u8; 32][..]).unwrap();
        for repeats in 0..3 {
            let ring = Keys::new(key.clone()).with_fallbacks(std::iter::repeat_n(key.clone(), repeats));
            let server = ServerSideSessionInterface::memory(ring);
            let handle = server.handle("store-key").unwrap();
            assert!(server.handle_matches("store-key", &handle), "{repeats} repeats");
            assert!(!server.handle_matches("other-key", &handle), "{repeats} repeats");
        }
    }

    /// A handle goes into a page as text and comes back as the same handle: what `revoke` is
    /// given is what `sessions_of` listed.
    #[test]
    fn a_handle_is_its_text_both_ways() {
        let handle = SessionHandle::from("e1vNKh2sZ0dqIhUu4RpYGA");
        assert_eq!(handle.as_str(), "e1vNKh2sZ0dqIhUu4RpYGA");
        assert_eq!(handle.to_string(), handle.as_str());
        assert_eq!(SessionHandle::from(handle.to_string()), handle);
    }

    #[test]
    fn handles_depend_on_the_key_and_the_session_and_are_not_the_key() {
        let a = handle_mac(&[1; 32], "store-key-a").unwrap();
        assert_ne!(a, handle_mac(&[2; 32], "store-key-a").unwrap());
        assert_ne!(a, handle_mac(&[1; 32], "store-key-b").unwrap());
        assert_eq!(a, handle_mac(&[1; 32], "store-key-a").unwrap(), "stable across listings");
    }

    #[test]
    fn last_seen_is_the_expiry_minus_the_lifetime() {
        let config = CookieConfig::DEFAULT; // 31 days
        let lifetime = config.lifetime_secs();
        let now = 10_000_000;
        let stored = |left: u64| StoredSession::new("k", Vec::new(), Duration::from_secs(left));
        assert_eq!(last_seen(&stored(lifetime - 60), &config, now, Some(0)), now - 60);
        assert_eq!(last_seen(&stored(lifetime), &config, now, None), now, "written this second");
        assert_eq!(last_seen(&stored(lifetime + 5), &config, now, None), now, "never in the future");
        assert_eq!(last_seen(&stored(10), &config, now, Some(now - 100)), now - 100, "never before issue");
        assert_eq!(whole_seconds(Duration::from_millis(1499)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
    }
}

//! The signed-cookie backend, [`SecureCookieSessionInterface`]: the whole session lives in the
//! cookie, signed with the key ring. Its openings and commits are ready at once.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::backend::{
    Change, CookieAction, Opening, PlannedCookie, Rewrite, SavePlan, SessionInterface, SessionState, decide,
};
use crate::clock::{Clock, SystemClock};
use crate::config::CookieConfig;
use crate::epoch::Epochs;
use crate::error::{Error, Rejection};
#[cfg(feature = "flask")]
use crate::format::itsdangerous::FlaskFormat;
use crate::format::sealed::{self, SealedFormat};
use crate::format::{Format, Verified, is_sealed_value, native::NativeFormat};
use crate::headers::{Attributes, CookieSource, cookie_values};
use crate::key::{Keys, MIN_NATIVE_KEY_LEN, global_keys};
use crate::limits::MAX_SESSION_JSON;

/// Signed-cookie sessions: the whole session lives in the cookie, signed with the key ring.
///
/// ```
/// use session_runtime::{FixedClock, Keys, SecretKey, SecureCookieSessionInterface};
/// let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::generate().unwrap()))
///     .with_salt("my-app")
///     .with_clock(FixedClock(1_700_000_000));
/// # let _ = backend;
/// ```
#[derive(Clone)]
pub struct SecureCookieSessionInterface {
    keys: Option<Arc<Keys>>,
    salt: Arc<[u8]>,
    native: Option<NativeFormat>,
    /// The encrypted format, for configs with `encrypted`; `None` without keys, and for the id
    /// cookies of server-side sessions, which stay signed ([`Self::signed_only`]).
    sealed: Option<SealedFormat>,
    #[cfg(feature = "flask")]
    flask: Option<FlaskFormat>,
    clock: Arc<dyn Clock>,
    /// `clock` is the [`SystemClock`] ([`SessionInterface::now_is_system_clock`]).
    system_clock: bool,
    future_skew: u64,
    /// Saves whose forced re-write did not fit and kept the incoming cookie (shared by clones).
    rewrites_skipped: Arc<AtomicU64>,
    /// The epochs revocable sessions are checked against ([`Self::with_epochs`]).
    epochs: Option<Epochs>,
}

/// Flask's salt, kept as the default so the key derivation reads the same in both formats.
pub(crate) const DEFAULT_SALT: &[u8] = b"cookie-session";

/// How many cookies of our name are tried, in order, before giving up (cookie tossing from a
/// sibling subdomain can put a foreign one first; the bound keeps the work per request small).
const MAX_CANDIDATES: usize = 4;

impl SecureCookieSessionInterface {
    /// A backend signing with `keys`, the system clock, salt `"cookie-session"` and no future skew.
    pub fn new(keys: Keys) -> Self {
        Self::from_keys(Some(Arc::new(keys)))
    }

    /// A backend without keys: every session is a null session (readable, never saved), as in
    /// Flask without `SECRET_KEY`.
    pub fn without_keys() -> Self {
        Self::from_keys(None)
    }

    fn from_keys(keys: Option<Arc<Keys>>) -> Self {
        if let Some(keys) = &keys {
            crate::key::warn_if_weak(keys);
        }
        let salt: Arc<[u8]> = Arc::from(DEFAULT_SALT);
        SecureCookieSessionInterface {
            native: keys.as_deref().map(|keys| NativeFormat::new(keys, &salt)),
            sealed: keys.as_deref().map(|keys| SealedFormat::new(keys, &salt)),
            #[cfg(feature = "flask")]
            flask: keys.as_deref().map(|keys| FlaskFormat::new(keys, &salt)),
            keys,
            salt,
            clock: Arc::new(SystemClock),
            system_clock: true,
            future_skew: 0,
            rewrites_skipped: Arc::new(AtomicU64::new(0)),
            epochs: None,
        }
    }

    /// The process-wide backend: the key ring from [`install_keys`](crate::install_keys) or the
    /// environment, the system clock. Built once.
    pub fn global() -> &'static SecureCookieSessionInterface {
        static GLOBAL: OnceLock<SecureCookieSessionInterface> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            let keys = global_keys();
            if keys.is_none() {
                crate::log::no_key();
            }
            Self::from_keys(keys)
        })
    }

    /// Uses another salt: cookies signed under one salt do not verify under another.
    pub fn with_salt(mut self, salt: impl AsRef<[u8]>) -> Self {
        self.salt = Arc::from(salt.as_ref());
        self.native = self.keys.as_deref().map(|keys| NativeFormat::new(keys, &self.salt));
        self.sealed = self.keys.as_deref().map(|keys| SealedFormat::new(keys, &self.salt));
        #[cfg(feature = "flask")]
        {
            self.flask = self.keys.as_deref().map(|keys| FlaskFormat::new(keys, &self.salt));
        }
        self
    }

    /// Signs even for configs with `encrypted`: the id cookies of server-side sessions, whose
    /// data never leaves the server, stay signed. Call it after [`with_salt`](Self::with_salt).
    pub(crate) fn signed_only(mut self) -> Self {
        self.sealed = None;
        self
    }

    /// Uses another clock (tests freeze time with [`FixedClock`](crate::FixedClock)).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self.system_clock = false;
        self
    }

    /// Checks revocable sessions (`#[session(revocable = "user")]`) against `epochs`: a cookie
    /// whose epoch is not its user's current one is refused
    /// ([`Rejection::Revoked`](crate::Rejection::Revoked)). Without it a revocable session is
    /// handled as if its epoch source were down. Clones share the cache.
    ///
    /// ```
    /// use session_runtime::epoch::{Epochs, MemoryEpochs};
    /// use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface};
    /// let epochs = Epochs::new(MemoryEpochs::new());
    /// let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?)).with_epochs(epochs);
    /// # let _ = backend;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_epochs(mut self, epochs: Epochs) -> Self {
        self.epochs = Some(epochs);
        self
    }

    /// Accepts timestamps up to `seconds` in the future (servers with skewed clocks). Default 0,
    /// as itsdangerous.
    pub fn with_future_skew(mut self, seconds: u64) -> Self {
        self.future_skew = seconds;
        self
    }

    /// The key ring, if any.
    pub fn keys(&self) -> Option<&Keys> {
        self.keys.as_deref()
    }

    /// How many saves kept the incoming cookie because their only reason to write was a forced
    /// re-write (sealing under `accept_signed`, an issue time added, a migration, a fallback
    /// key's cookie re-signed) and the new cookie would not fit `max_size`. Such a save never
    /// fails the request; the first one is logged at warn level.
    ///
    /// ```
    /// use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface};
    /// let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?));
    /// assert_eq!(backend.rewrites_skipped(), 0);
    /// # Ok::<(), session_runtime::KeyError>(())
    /// ```
    pub fn rewrites_skipped(&self) -> u64 {
        self.rewrites_skipped.load(Ordering::Relaxed)
    }

    fn unsign(&self, config: &CookieConfig, value: &[u8], now: Option<u64>) -> Result<Verified, Rejection> {
        self.unsign_within(config, value, now, config.lifetime_secs(), self.future_skew)
    }

    /// [`unsign`](Self::unsign) with another age window: [`inspect`](Self::inspect) opens a value
    /// the age check refused again without one, to say under which key and when it was signed.
    pub(crate) fn unsign_within(
        &self,
        config: &CookieConfig,
        value: &[u8],
        now: Option<u64>,
        max_age: u64,
        future_skew: u64,
    ) -> Result<Verified, Rejection> {
        if value.len() > config.max_size() {
            return Err(Rejection::TooLarge);
        }
        let now = now.ok_or(Rejection::NotYetValid)?;
        match config.format() {
            Format::Native => match (&self.native, &self.sealed) {
                (Some(native), Some(sealed)) if config.encrypted() => {
                    let opening = sealed::SealedOpening {
                        name: config.name(),
                        max_age,
                        accept_signed: config.accept_signed(),
                    };
                    sealed::open_encrypted(sealed, native, opening, value, future_skew, now)
                }
                (Some(native), _) => native.unsign(config.name(), value, max_age, future_skew, now),
                (None, _) => Err(Rejection::BadSignature),
            },
            #[cfg(feature = "flask")]
            Format::Flask => match &self.flask {
                Some(flask) => flask.unsign(value, max_age, future_skew, now),
                None => Err(Rejection::BadSignature),
            },
        }
    }

    /// `prefix` followed by the cookie value of `payload` signed at `now`, with room for exactly
    /// `room` more bytes (the attributes of a `Set-Cookie` line).
    fn sign_after(
        &self,
        prefix: &[&str],
        config: &CookieConfig,
        payload: &[u8],
        now: u64,
        room: usize,
    ) -> Result<String, Error> {
        // A compressed payload that inflates past the cap is refused when it is read back, which
        // would log the user out on the next request: refuse it here instead. The JSON's length
        // is known before anything is compressed, so this is one comparison per save.
        if payload.len() > MAX_SESSION_JSON {
            return Err(Error::TooLarge {
                name: config.name().to_owned(),
                value_size: 0,
                line_size: 0,
                limit: config.max_size(),
                json_size: payload.len(),
            });
        }
        match config.format() {
            Format::Native => match (&self.native, &self.sealed) {
                (Some(_), Some(sealed)) if config.encrypted() => {
                    sealed.seal_after(prefix, config.name(), payload, now, room)
                }
                (Some(native), _) => native.sign_after(prefix, config.name(), payload, now, room),
                (None, _) => Err(Error::NullSession),
            },
            #[cfg(feature = "flask")]
            Format::Flask => match &self.flask {
                Some(flask) => flask.sign_after(prefix, payload, now, room),
                None => Err(Error::NullSession),
            },
        }
    }

    /// Signs a session payload (what the typed handle serializes: the native envelope, or the
    /// Flask session dict) as the cookie value for `config`, at the backend's clock. For tools and
    /// tests; handlers use [`Tracked::save`](crate::Tracked::save). A payload longer than
    /// [`MAX_SESSION_JSON`] is refused ([`Error::TooLarge`]), as `save` refuses it: its cookie
    /// would not read back.
    ///
    /// ```
    /// use session_runtime::{CookieConfig, FixedClock, Keys, SecretKey, SecureCookieSessionInterface};
    /// let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&[7u8; 32][..])?))
    ///     .with_clock(FixedClock(1_700_000_000));
    /// let value = backend.sign_payload(&CookieConfig::DEFAULT, br#"{"v":{"n":1}}"#)?;
    /// assert_eq!(backend.unsign_payload(&CookieConfig::DEFAULT, value.as_bytes())?, br#"{"v":{"n":1}}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_payload(&self, config: &CookieConfig, payload: &[u8]) -> Result<String, Error> {
        let now = self.clock.now_unix().ok_or(Error::Clock)?;
        self.sign_after(&[], config, payload, now, 0)
    }

    /// Verifies a cookie value for `config` at the backend's clock and returns its payload, or why
    /// it is refused. Exactly the check [`open_session`](SessionInterface::open_session) makes.
    ///
    /// ```
    /// use session_runtime::{CookieConfig, FixedClock, Keys, Rejection, SecretKey, SecureCookieSessionInterface};
    /// let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&[7u8; 32][..])?));
    /// assert_eq!(backend.unsign_payload(&CookieConfig::DEFAULT, b"garbage"), Err(Rejection::Malformed));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unsign_payload(&self, config: &CookieConfig, value: &[u8]) -> Result<Vec<u8>, Rejection> {
        if self.keys.is_none() {
            return Err(Rejection::BadSignature);
        }
        self.unsign(config, value, self.clock.now_unix()).map(|verified| verified.payload)
    }
}

impl fmt::Debug for SecureCookieSessionInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureCookieSessionInterface")
            .field("keys", &self.keys)
            .field("clock", &self.clock)
            .field("future_skew", &self.future_skew)
            .finish_non_exhaustive()
    }
}

impl SessionInterface for SecureCookieSessionInterface {
    fn open_session(&self, config: &CookieConfig, request: &dyn CookieSource) -> Opening {
        Opening::ready(self.open_now(config, request))
    }

    fn plan_save(&self, config: &CookieConfig, state: &SessionState) -> Result<SavePlan, Error> {
        let action = decide(state, config.refresh_each_request())?;
        let cookie = match action.cookie {
            CookieAction::Keep => PlannedCookie::Keep,
            CookieAction::Delete => PlannedCookie::Delete,
            CookieAction::Set(payload) => match (self.cookie_line(config, state, payload), state.rewrite) {
                (Ok(line), _) => PlannedCookie::Set(line),
                // Only a forced re-write asked for this cookie, and it does not fit: the
                // incoming one still opens, so keep it rather than fail every request.
                (Err(error @ Error::TooLarge { .. }), Some(reason))
                    if reason != Rewrite::Renewal
                        && (!state.modified || state.change == Change::Untouched) =>
                {
                    self.rewrites_skipped.fetch_add(1, Ordering::Relaxed);
                    crate::log::rewrite_skipped(config.name(), reason.as_str(), &error);
                    PlannedCookie::Keep
                }
                (Err(error), _) => return Err(error),
            },
        };
        Ok(SavePlan::new(cookie, action.vary))
    }

    fn now(&self) -> Option<u64> {
        self.clock.now_unix()
    }

    fn now_is_system_clock(&self) -> bool {
        self.system_clock
    }

    fn epochs(&self) -> Option<&Epochs> {
        self.epochs.as_ref()
    }

    fn future_skew(&self) -> u64 {
        self.future_skew
    }
}

impl SecureCookieSessionInterface {
    fn open_now(&self, config: &CookieConfig, request: &dyn CookieSource) -> SessionState {
        let Some(keys) = &self.keys else {
            return self.make_null_session();
        };
        // Refused at first use, not at construction: a backend serves every config, and only
        // here is the format known (the Flask format signs with a short key, as Flask does).
        let len = keys.current().len();
        if len < MIN_NATIVE_KEY_LEN && !config.format().is_flask() {
            crate::log::key_too_short(config.name(), len);
        }
        let now = self.clock.now_unix();
        let mut opened = SessionState { opened_at: now, ..SessionState::default() };
        let mut tried = 0;
        cookie_values(request, config.name(), &mut |value| {
            // An empty value is "no session", as in Flask.
            if value.is_empty() {
                return ControlFlow::Continue(());
            }
            match self.unsign(config, value, now) {
                Ok(Verified { payload, key, rewrite, signed_at }) => {
                    let refresh_after = config.refresh_after_secs();
                    let fresh = refresh_after > 0
                        && now.is_some_and(|now| now.saturating_sub(signed_at) < refresh_after);
                    // A signed cookie accepted by an encrypted session is sealed; any other
                    // re-write is a fallback key's cookie re-signed under the current key.
                    let reason = if config.encrypted() && !is_sealed_value(value) {
                        Rewrite::Sealing
                    } else {
                        Rewrite::FallbackKey
                    };
                    opened = SessionState {
                        payload: Some(payload),
                        rewrite: rewrite.then_some(reason),
                        fresh,
                        signed_at: Some(signed_at),
                        // Counted by the handle once it accepts the session, not here.
                        verified_by: Some(keys.verified_by(key)),
                        opened_at: now,
                        ..SessionState::default()
                    };
                    return ControlFlow::Break(());
                }
                Err(rejection) => {
                    opened.rejection.get_or_insert(rejection);
                }
            }
            tried += 1;
            if tried < MAX_CANDIDATES { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
        });
        opened
    }

    /// The save's time: the clock reading the handle took for this save
    /// ([`SessionState::now`]), or the clock now for a state built by hand.
    pub(crate) fn save_time(&self, state: &SessionState) -> Result<u64, Error> {
        state.now.or_else(|| self.clock.now_unix()).ok_or(Error::Clock)
    }

    /// The whole `Set-Cookie` line carrying `payload` signed at the save's time: `Expires` (and,
    /// in the native format, `Max-Age`) when the session is permanent, never past its absolute
    /// end, and the size limit checked on the final line. Server-side sessions render their id
    /// cookie with it.
    pub(crate) fn cookie_line(
        &self,
        config: &CookieConfig,
        state: &SessionState,
        payload: &[u8],
    ) -> Result<String, Error> {
        let now = self.save_time(state)?;
        let ends_at = state.ends_at(config);
        let (expires, max_age) = if state.permanent {
            let lifetime = remaining(config.lifetime_secs(), ends_at, now);
            let expires = now.checked_add(lifetime).ok_or(Error::Clock)?;
            // Flask (Werkzeug) sends `Max-Age` only on the delete cookie.
            let max_age = matches!(config.format(), Format::Native).then_some(lifetime);
            (Some(expires), max_age)
        } else {
            (None, None)
        };
        let attributes = Attributes::new(config, expires, max_age)?;
        let prefix: &[&str] = &[config.name(), "="];
        let line = self.sign_after(prefix, config, payload, now, attributes.len())?;
        let value_size = line.len().saturating_sub(config.name().len() + 1);
        let line = attributes.append_to(line);
        if line.len() > config.max_size() {
            return Err(Error::TooLarge {
                name: config.name().to_owned(),
                value_size,
                line_size: line.len(),
                limit: config.max_size(),
                json_size: payload.len(),
            });
        }
        Ok(line)
    }
}

/// How long from `now` a cookie or record may live: the lifetime, cut short at the session's
/// absolute end when it comes sooner (0 once it has passed).
pub(crate) fn remaining(lifetime: u64, ends_at: Option<u64>, now: u64) -> u64 {
    ends_at.map_or(lifetime, |end| lifetime.min(end.saturating_sub(now)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CookieSink;
    use crate::clock::FixedClock;
    use crate::config::SameSite;
    use crate::key::{Keys, SecretKey};

    /// Records each `Set-Cookie` line with its buffer's capacity.
    #[derive(Default)]
    struct Lines(Vec<(String, usize)>);

    impl CookieSink for Lines {
        fn append_set_cookie(&mut self, line: String) -> Result<(), Error> {
            let capacity = line.capacity();
            self.0.push((line, capacity));
            Ok(())
        }
        fn add_vary_cookie(&mut self) {}
    }

    fn state(change: Change, permanent: bool) -> SessionState {
        SessionState {
            accessed: true,
            permanent,
            payload: Some(b"{}".to_vec()),
            change,
            ..SessionState::default()
        }
    }

    /// `Keys::verified_counts` counts accepted cookies only: one whose MAC verifies under a
    /// fallback but whose payload the handle refuses does not move the count, however often it
    /// comes back; a good one does.
    #[test]
    fn only_accepted_cookies_are_counted() {
        let old = SecretKey::try_from(&[1u8; 32][..]).unwrap();
        let signer = SecureCookieSessionInterface::new(Keys::new(old.clone()));
        let ring = Keys::new(SecretKey::try_from(&[2u8; 32][..]).unwrap()).with_fallbacks([old]);
        let backend = Arc::new(SecureCookieSessionInterface::new(ring));
        let open = |payload: &[u8]| {
            let value = signer.sign_payload(&CookieConfig::DEFAULT, payload).unwrap();
            let request =
                http::Request::builder().header("cookie", format!("session={value}")).body(()).unwrap();
            crate::Tracked::<u32>::open_with(backend.clone(), CookieConfig::DEFAULT, &request)
        };
        let counts = || backend.keys().map(Keys::verified_counts).unwrap_or_default();
        for _ in 0..3 {
            let refused = open(br#"{"v":"not a number"}"#);
            assert!(refused.rejection().is_some());
        }
        assert_eq!(counts(), [0, 0], "a refused cookie is not counted");
        let accepted = open(br#"{"v":5}"#);
        assert_eq!((*accepted, accepted.rejection()), (5, None));
        assert_eq!(counts(), [0, 1]);
    }

    /// A save builds its `Set-Cookie` line in a buffer of exactly its length, which
    /// `HeaderValue` then keeps without allocating (`Bytes` allocates for a `Vec` with spare room).
    #[test]
    fn set_cookie_lines_are_allocated_at_their_exact_length() {
        let key = SecretKey::try_from(&[7u8; 32][..]).unwrap();
        let small = br#"{"v":{"id":7,"name":"Ada"}}"#.to_vec();
        let large =
            format!(r#"{{"v":{{"visited":[{}]}}}}"#, vec![r#""/a/page""#; 120].join(",")).into_bytes();
        let mut configs = vec![
            CookieConfig::DEFAULT,
            CookieConfig::builder()
                .name("__Host-s")
                .secure(true)
                .same_site(Some(SameSite::Strict))
                .partitioned(true)
                .build()
                .unwrap(),
            CookieConfig::builder().domain(".example.com").path("/app[x]/~e").build().unwrap(),
        ];
        #[cfg(feature = "flask")]
        configs.push(CookieConfig::builder().format(Format::Flask).build().unwrap());
        // Timestamps whose encodings differ in length, down to zero bytes.
        for now in [0, 200, 70_000, 1_700_000_000, u64::from(u32::MAX) + 1] {
            let backend =
                SecureCookieSessionInterface::new(Keys::new(key.clone())).with_clock(FixedClock(now));
            for config in &mut configs {
                for payload in [&small, &large] {
                    for permanent in [false, true] {
                        let mut lines = Lines::default();
                        backend
                            .save_session(
                                config,
                                &state(Change::Changed(payload.clone()), permanent),
                                &mut lines,
                            )
                            .unwrap();
                        let mut empty = Lines::default();
                        backend.save_session(config, &state(Change::Emptied, permanent), &mut empty).unwrap();
                        for (line, capacity) in lines.0.iter().chain(&empty.0) {
                            assert_eq!(line.len(), *capacity, "{line}");
                        }
                        assert_eq!(lines.0.len() + empty.0.len(), 2);
                    }
                }
            }
        }
    }
}

//! Secret keys and the key ring: sign with the current key, verify with the current key first and
//! then the fallbacks, in the order given.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once, OnceLock};

use subtle::ConstantTimeEq;
use zeroize::{ZeroizeOnDrop, Zeroizing};

/// The minimum key length of the native format, in bytes.
pub const MIN_NATIVE_KEY_LEN: usize = 32;

/// Keys shorter than this many bytes are weak ([`SecretKey::is_weak`]): a key of a few
/// characters, such as Flask's `"dev"`, is guessed offline from a single cookie. The native format
/// needs [`MIN_NATIVE_KEY_LEN`] anyway; this matters for keys made with
/// [`SecretKey::from_legacy`] for the Flask format.
///
/// ```
/// assert_eq!(session_runtime::MIN_STRONG_KEY_LEN, 16);
/// ```
pub const MIN_STRONG_KEY_LEN: usize = 16;

/// A secret signing key. Its bytes never appear in `Debug` output; equality is constant-time;
/// they are overwritten with zeros when the last clone is dropped ([`ZeroizeOnDrop`]).
///
/// ```
/// use session_runtime::SecretKey;
/// let key = SecretKey::try_from(&[7u8; 32][..]).unwrap();
/// assert_eq!(format!("{key:?}"), "SecretKey(<redacted, 32 bytes>)");
/// assert!(SecretKey::try_from(&b"short"[..]).is_err());
/// ```
#[derive(Clone)]
pub struct SecretKey(Arc<Zeroizing<Box<[u8]>>>);

/// Clones share one allocation, which is zeroized when the last of them is dropped.
impl ZeroizeOnDrop for SecretKey {}

/// Why bytes could not become a [`SecretKey`] or a [`Keys`] ring.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is shorter than the format requires.
    #[error("secret key is {len} bytes long; at least {min} bytes are required")]
    TooShort {
        /// The length given.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// A hex-encoded key has an odd length or a non-hex character.
    #[error("secret key is not valid hexadecimal")]
    BadHex,
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
    /// A process-wide key ring was already installed or already read from the environment.
    #[error("the process-wide key ring is already set; install it once, before the first request")]
    AlreadySet,
}

impl SecretKey {
    /// A key of any non-empty length, for interoperating with apps whose keys are short (Flask's
    /// `SECRET_KEY` often is). The native format refuses to sign with keys under 32 bytes: the
    /// first session opened with such a current key and a native-format config names it (a
    /// `tracing` error, or standard error without a subscriber).
    ///
    /// ```
    /// let key = session_runtime::SecretKey::from_legacy(b"dev").unwrap();
    /// assert_eq!(key.len(), 3);
    /// ```
    pub fn from_legacy(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.is_empty() {
            return Err(KeyError::TooShort { len: 0, min: 1 });
        }
        Ok(SecretKey::copied(bytes))
    }

    /// A copy of `bytes`, zeroized when the last clone is dropped.
    fn copied(bytes: &[u8]) -> Self {
        SecretKey(Arc::new(Zeroizing::new(Box::from(bytes))))
    }

    /// A key from hexadecimal text, at least 32 bytes (64 hex digits).
    ///
    /// ```
    /// let key = session_runtime::SecretKey::from_hex(&"ab".repeat(32)).unwrap();
    /// assert_eq!(key.len(), 32);
    /// ```
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        Self::try_from(decode_hex(text)?.as_slice())
    }

    /// A fresh random 64-byte key from the operating system's CSPRNG.
    ///
    /// ```
    /// let a = session_runtime::SecretKey::generate().unwrap();
    /// let b = session_runtime::SecretKey::generate().unwrap();
    /// assert_ne!(a, b);
    /// ```
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; 64]);
        getrandom::fill(&mut bytes[..]).map_err(|_| KeyError::Random)?;
        Ok(SecretKey::copied(&bytes[..]))
    }

    /// The key's length in bytes.
    ///
    /// ```
    /// assert_eq!(session_runtime::SecretKey::from_legacy(b"abc").unwrap().len(), 3);
    /// ```
    #[allow(clippy::len_without_is_empty)] // a key is never empty
    pub fn len(&self) -> usize {
        self.expose_bytes().len()
    }

    /// Whether the key is shorter than [`MIN_STRONG_KEY_LEN`] (16 bytes): short enough to be
    /// guessed offline from one cookie. Building a backend with such a key logs a warning once
    /// (feature `tracing`), and `session-cookie` warns on stderr.
    ///
    /// ```
    /// use session_runtime::SecretKey;
    /// assert!(SecretKey::from_legacy(b"dev").unwrap().is_weak());
    /// assert!(!SecretKey::generate().unwrap().is_weak());
    /// ```
    pub fn is_weak(&self) -> bool {
        self.len() < MIN_STRONG_KEY_LEN
    }

    /// The raw key bytes, for deriving signing keys. Handle with care.
    ///
    /// ```
    /// let key = session_runtime::SecretKey::from_legacy(b"abc").unwrap();
    /// assert_eq!(key.expose_bytes(), b"abc");
    /// ```
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0[..]
    }
}

impl TryFrom<&[u8]> for SecretKey {
    type Error = KeyError;

    /// A key of at least 32 bytes, as the native format requires.
    fn try_from(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() < MIN_NATIVE_KEY_LEN {
            return Err(KeyError::TooShort { len: bytes.len(), min: MIN_NATIVE_KEY_LEN });
        }
        Ok(SecretKey::copied(bytes))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(<redacted, {} bytes>)", self.len())
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        // `ct_eq` on slices of different lengths returns false without looking at the bytes.
        bool::from(self.expose_bytes().ct_eq(other.expose_bytes()))
    }
}

impl Eq for SecretKey {}

/// Hex decoding of a key. Hand-written because it is eight lines and a dependency for it would
/// be the only use. The buffer is allocated once at its final size (a growing one would leave
/// copies of key bytes behind) and zeroized when dropped.
fn decode_hex(text: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let digits = text.trim().as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(KeyError::BadHex);
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(digits.len() / 2));
    for pair in digits.chunks_exact(2) {
        let [hi, lo] = pair else { return Err(KeyError::BadHex) };
        bytes.push((hex_value(*hi)? << 4) | hex_value(*lo)?);
    }
    Ok(bytes)
}

fn hex_value(digit: u8) -> Result<u8, KeyError> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(KeyError::BadHex),
    }
}

/// A key ring: the current key signs; the current key and then each fallback, in the order
/// given (newest first), verify.
///
/// ```
/// use session_runtime::{Keys, SecretKey};
/// let old = SecretKey::try_from(&[1u8; 32][..]).unwrap();
/// let new = SecretKey::try_from(&[2u8; 32][..]).unwrap();
/// let keys = Keys::new(new.clone()).with_fallbacks([old.clone()]);
/// assert_eq!(keys.current(), &new);
/// assert_eq!(keys.verifying().collect::<Vec<_>>(), vec![&new, &old]);
/// ```
#[derive(Clone, Debug)]
pub struct Keys {
    current: SecretKey,
    fallbacks: Vec<SecretKey>,
    /// Cookies verified per key (current first), shared by the clones of this ring.
    verified: Arc<[AtomicU64]>,
}

impl PartialEq for Keys {
    /// The same keys in the same order; the counts are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.current == other.current && self.fallbacks == other.fallbacks
    }
}

impl Eq for Keys {}

impl Keys {
    /// A ring with one key and no fallbacks.
    pub fn new(current: SecretKey) -> Self {
        Keys { current, fallbacks: Vec::new(), verified: counters(1) }
    }

    /// Adds fallback keys, tried after the current key in the order given (put the newest first).
    pub fn with_fallbacks(mut self, fallbacks: impl IntoIterator<Item = SecretKey>) -> Self {
        self.fallbacks.extend(fallbacks);
        self.verified = counters(1 + self.fallbacks.len());
        self
    }

    /// How many session cookies each key has verified since this ring was built: the current
    /// key first, then each fallback in order. Only accepted cookies count: one whose MAC verified
    /// but whose payload, issue time or version was then refused does not, so a client that keeps
    /// sending a bad cookie does not keep a fallback alive. A cookie verified under a fallback is re-signed
    /// with the current key on the same response, so once a fallback's count stops growing for
    /// longer than the session lifetime, no live cookie needs it and it can be dropped.
    ///
    /// ```
    /// use session_runtime::{Keys, SecretKey};
    /// let keys = Keys::new(SecretKey::try_from(&[2u8; 32][..])?)
    ///     .with_fallbacks([SecretKey::try_from(&[1u8; 32][..])?]);
    /// assert_eq!(keys.verified_counts(), [0, 0]);
    /// # Ok::<(), session_runtime::KeyError>(())
    /// ```
    pub fn verified_counts(&self) -> Vec<u64> {
        self.verified.iter().map(|count| count.load(Ordering::Relaxed)).collect()
    }

    /// `derive` applied to every key that verifies, with its ring index (0: the current key);
    /// keys `derive` refuses (too short for a format) are left out. What each format keeps to
    /// verify with, and how a verified cookie is traced back to its key.
    pub(crate) fn derive_each<T>(&self, derive: impl Fn(&[u8]) -> Option<T>) -> Vec<(usize, T)> {
        self.verifying()
            .enumerate()
            .filter_map(|(index, key)| Some((index, derive(key.expose_bytes())?)))
            .collect()
    }

    /// The handle that counts a cookie verified under ring key `index` (0: the current key) once
    /// the session it carries is accepted ([`VerifiedBy`]).
    pub(crate) fn verified_by(&self, index: usize) -> VerifiedBy {
        VerifiedBy { counts: Arc::clone(&self.verified), index }
    }

    /// The key that signs.
    pub fn current(&self) -> &SecretKey {
        &self.current
    }

    /// The fallback keys, in the order they are tried.
    pub fn fallbacks(&self) -> &[SecretKey] {
        &self.fallbacks
    }

    /// Every key that verifies, current first.
    pub fn verifying(&self) -> impl Iterator<Item = &SecretKey> {
        std::iter::once(&self.current).chain(self.fallbacks.iter())
    }

    /// Reads `SESSION_SECRET_KEY` (the current key, its UTF-8 bytes) and
    /// `SESSION_SECRET_KEY_FALLBACKS` (comma-separated, newest first). `None` when the current
    /// key is unset or empty. Keys of any length are accepted here, as Flask accepts them; the
    /// native format refuses to sign with a key under 32 bytes, and says so at the first session
    /// opened in that format (on standard error when no `tracing` subscriber is installed).
    ///
    /// ```
    /// let ring: Option<session_runtime::Keys> = session_runtime::Keys::from_env();
    /// # let _ = ring;
    /// ```
    pub fn from_env() -> Option<Keys> {
        // The copies read here are zeroized once the keys are made (the environment keeps its own).
        let current = Zeroizing::new(std::env::var("SESSION_SECRET_KEY").ok()?);
        let current = SecretKey::from_legacy(current.as_bytes()).ok()?;
        let fallbacks = Zeroizing::new(std::env::var("SESSION_SECRET_KEY_FALLBACKS").unwrap_or_default());
        let fallbacks =
            fallbacks.split(',').map(str::trim).filter_map(|key| SecretKey::from_legacy(key.as_bytes()).ok());
        Some(Keys::new(current).with_fallbacks(fallbacks))
    }
}

/// Which key of a ring verified an incoming cookie: set by the signed-cookie backend at open
/// ([`SessionState::verified_by`](crate::backend::SessionState::verified_by)) and counted in
/// [`Keys::verified_counts`] by the typed handle only once it has accepted the session (payload
/// decoded, issue time and version checked). Cloning it is one reference count; it holds no key.
///
/// ```
/// use session_runtime::backend::SessionInterface;
/// use session_runtime::{CookieConfig, Keys, SecretKey, SecureCookieSessionInterface};
/// let old = SecretKey::try_from(&[1u8; 32][..])?;
/// let signer = SecureCookieSessionInterface::new(Keys::new(old.clone()));
/// let value = signer.sign_payload(&CookieConfig::DEFAULT, br#"{"v":1}"#)?;
/// let ring = Keys::new(SecretKey::try_from(&[2u8; 32][..])?).with_fallbacks([old]);
/// let backend = SecureCookieSessionInterface::new(ring);
/// let request = http::Request::builder().header("cookie", format!("session={value}")).body(())?;
/// let opened = backend.open_session(&CookieConfig::DEFAULT, &request).now();
/// assert_eq!(opened.verified_by.map(|key| key.index()), Some(1), "the first fallback");
/// assert_eq!(backend.keys().map(Keys::verified_counts), Some(vec![0, 0]), "not counted yet");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct VerifiedBy {
    /// The ring's counts, shared with the ring.
    counts: Arc<[AtomicU64]>,
    index: usize,
}

impl VerifiedBy {
    /// The ring index of the key: 0 the current key, then the fallbacks in order.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Counts the cookie as accepted under its key.
    pub(crate) fn count(&self) {
        if let Some(count) = self.counts.get(self.index) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        #[cfg(feature = "tracing")]
        if self.index > 0 {
            tracing::debug!(
                fallback = self.index,
                "a session cookie verified under fallback key {}; it is re-signed with the current key",
                self.index
            );
        }
    }
}

impl fmt::Debug for VerifiedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifiedBy({})", self.index)
    }
}

impl PartialEq for VerifiedBy {
    /// The same key of the same ring.
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && Arc::ptr_eq(&self.counts, &other.counts)
    }
}

impl Eq for VerifiedBy {}

static GLOBAL_KEYS: OnceLock<Option<Arc<Keys>>> = OnceLock::new();

/// Sets the process-wide key ring used by `MySession::open`. Call it once at start-up, before the
/// first request; without it the ring is read once from the environment ([`Keys::from_env`]).
///
/// ```
/// use session_runtime::{install_keys, Keys, SecretKey};
/// install_keys(Keys::new(SecretKey::generate().unwrap())).unwrap();
/// assert!(install_keys(Keys::new(SecretKey::generate().unwrap())).is_err());
/// ```
pub fn install_keys(keys: Keys) -> Result<(), KeyError> {
    warn_if_weak(&keys);
    GLOBAL_KEYS.set(Some(Arc::new(keys))).map_err(|_| KeyError::AlreadySet)
}

/// The shortest weak key of `keys` (current or fallback: both verify), as its length and whether
/// it is the current key.
fn weakest(keys: &Keys) -> Option<(usize, bool)> {
    keys.verifying()
        .enumerate()
        .filter(|(_, key)| key.is_weak())
        .map(|(i, key)| (key.len(), i == 0))
        .min_by_key(|&(len, _)| len)
}

/// Logs one warning per process (feature `tracing`) the first time keys with a weak key are
/// installed or given to a backend: at start-up, where it is seen, and never once per request.
pub(crate) fn warn_if_weak(keys: &Keys) {
    static WARNED: Once = Once::new();
    warn_once(&WARNED, keys, log_weak_key);
}

/// Calls `log` with [`weakest`] the first time `once` sees a ring with a weak key.
fn warn_once(once: &Once, keys: &Keys, log: impl FnOnce(usize, bool)) {
    if let Some((len, current)) = weakest(keys) {
        once.call_once(|| log(len, current));
    }
}

/// The warning: the key's length and role, never its bytes.
#[cfg(feature = "tracing")]
fn log_weak_key(len: usize, current: bool) {
    let role = if current { "the current key" } else { "a fallback key" };
    tracing::warn!(
        key_len = len,
        "session-runtime: {role} is {len} bytes long; a secret key under {MIN_STRONG_KEY_LEN} bytes can be \
         guessed offline from a single cookie (the Flask format signs with it, HMAC-SHA1; the native \
         format refuses keys under {MIN_NATIVE_KEY_LEN} bytes). Use a long random key \
         (`SecretKey::generate()`, or 32 random bytes as hex)"
    );
}

#[cfg(not(feature = "tracing"))]
fn log_weak_key(_len: usize, _current: bool) {}

/// The process-wide key ring: the installed one, else the one read once from the environment,
/// else `None` (sessions are then null sessions: readable, never saved).
///
/// ```
/// let _ring: Option<std::sync::Arc<session_runtime::Keys>> = session_runtime::global_keys();
/// ```
pub fn global_keys() -> Option<Arc<Keys>> {
    GLOBAL_KEYS.get_or_init(|| Keys::from_env().map(Arc::new)).clone()
}

fn counters(keys: usize) -> Arc<[AtomicU64]> {
    (0..keys).map(|_| AtomicU64::new(0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_bytes() {
        let key = SecretKey::from_legacy(b"super secret value").unwrap();
        let keys = Keys::new(key.clone()).with_fallbacks([key]);
        let shown = format!("{keys:?}");
        assert!(!shown.contains("super"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn constructors_refuse_bad_input() {
        assert_eq!(SecretKey::try_from(&[0u8; 31][..]), Err(KeyError::TooShort { len: 31, min: 32 }));
        assert!(SecretKey::try_from(&[0u8; 32][..]).is_ok());
        assert!(SecretKey::from_legacy(b"").is_err());
        assert_eq!(SecretKey::from_hex("zz").unwrap_err(), KeyError::BadHex);
        assert_eq!(SecretKey::from_hex("abc").unwrap_err(), KeyError::BadHex);
        assert_eq!(SecretKey::from_hex(&"0F".repeat(32)).unwrap().expose_bytes(), &[15u8; 32]);
    }

    #[test]
    fn weak_keys_are_those_under_16_bytes_current_or_fallback() {
        let key = |len: usize| SecretKey::from_legacy(&vec![b'k'; len]).unwrap();
        assert!(key(1).is_weak() && key(15).is_weak());
        assert!(!key(16).is_weak() && !key(64).is_weak());
        assert_eq!(weakest(&Keys::new(key(16))), None);
        assert_eq!(weakest(&Keys::new(key(3))), Some((3, true)));
        assert_eq!(weakest(&Keys::new(key(32)).with_fallbacks([key(20), key(5), key(9)])), Some((5, false)));
    }

    #[test]
    fn the_warning_is_given_once_and_only_for_weak_keys() {
        let once = Once::new();
        let mut calls = Vec::new();
        warn_once(&once, &Keys::new(SecretKey::from_legacy(&[1; 16]).unwrap()), |len, current| {
            calls.push((len, current))
        });
        assert!(calls.is_empty() && !once.is_completed(), "a strong ring does not use up the warning");
        for _ in 0..3 {
            warn_once(&once, &Keys::new(SecretKey::from_legacy(b"dev").unwrap()), |len, current| {
                calls.push((len, current))
            });
        }
        assert_eq!(calls, [(3, true)]);
    }

    /// The real warning reaches a `tracing` subscriber once, as a WARN event that gives the length
    /// and not the key.
    #[cfg(feature = "tracing")]
    #[test]
    fn the_warning_is_one_tracing_event_without_the_key() {
        use std::fmt::Write;
        use std::sync::Mutex;

        #[derive(Default)]
        struct Capture(Mutex<Vec<String>>);

        struct Text<'a>(&'a mut String);
        impl tracing::field::Visit for Text<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
                let _ = write!(self.0, " {}={value:?}", field.name());
            }
        }

        impl tracing::Subscriber for &'static Capture {
            fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
                tracing::span::Id::from_u64(1)
            }
            fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
            fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
            fn event(&self, event: &tracing::Event<'_>) {
                let mut text = event.metadata().level().to_string();
                event.record(&mut Text(&mut text));
                self.0.lock().unwrap().push(text);
            }
            fn enter(&self, _: &tracing::span::Id) {}
            fn exit(&self, _: &tracing::span::Id) {}
        }

        let capture: &'static Capture = Box::leak(Box::default());
        let keys = Keys::new(SecretKey::from_legacy(b"secretive").unwrap());
        let once = Once::new();
        tracing::subscriber::with_default(capture, || {
            warn_once(&once, &keys, log_weak_key);
            warn_once(&once, &keys, log_weak_key);
        });
        let events = capture.0.lock().unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].starts_with("WARN") && events[0].contains("key_len=9"), "{events:?}");
        assert!(events[0].contains("the current key is 9 bytes long"), "{events:?}");
        assert!(!events[0].contains("secretive"), "{events:?}");
    }

    #[test]
    fn hex_keys_decode_every_digit_in_both_cases() {
        let text = "0123456789abcdef0123456789abcdef0123456789ABCDEF0123456789ABCDEF";
        let bytes = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef].repeat(4);
        assert_eq!(SecretKey::from_hex(text).unwrap().expose_bytes(), bytes);
        assert_eq!(SecretKey::from_hex(&format!(" {text}\n")).unwrap().expose_bytes(), bytes, "trimmed");
        for bad in ["g0", "0g", "G0", "/0", ":0", "@0", "`0"] {
            assert_eq!(SecretKey::from_hex(&bad.repeat(32)), Err(KeyError::BadHex), "{bad}");
        }
    }

    #[test]
    fn the_ring_keeps_its_fallbacks_in_order() {
        let [a, b, c] = [b"a", b"b", b"c"].map(|k| SecretKey::from_legacy(k).unwrap());
        let keys = Keys::new(a.clone()).with_fallbacks([b.clone()]).with_fallbacks([c.clone()]);
        assert_eq!(keys.current(), &a);
        assert_eq!(keys.fallbacks(), [b.clone(), c.clone()]);
        assert_eq!(keys.verifying().cloned().collect::<Vec<_>>(), [a.clone(), b, c]);
        assert!(Keys::new(a).fallbacks().is_empty());
    }

    /// What can be checked of zeroization without looking at freed memory: the key and every
    /// type that holds derived key material overwrite themselves when dropped.
    #[test]
    fn keys_and_derived_key_material_are_zeroized_on_drop() {
        fn zeroized_on_drop<T: ZeroizeOnDrop>() {}
        zeroized_on_drop::<SecretKey>();
        zeroized_on_drop::<Zeroizing<Vec<u8>>>();
        // The sealed format's cipher (its AES-256 key schedule) and the MAC outputs the native
        // and Flask formats derive their keys from.
        zeroized_on_drop::<aes::Aes256>();
        zeroized_on_drop::<hmac::digest::CtOutput<hmac::Hmac<sha2::Sha256>>>();
        zeroized_on_drop::<sha2::Sha256>();
        let key = SecretKey::from_legacy(b"abc").unwrap();
        let clone = key.clone();
        drop(key);
        assert_eq!(clone.expose_bytes(), b"abc", "a clone keeps the bytes until the last one goes");
    }

    #[test]
    fn equality_compares_content_and_length() {
        let a = SecretKey::from_legacy(b"abc").unwrap();
        assert_eq!(a, SecretKey::from_legacy(b"abc").unwrap());
        assert_ne!(a, SecretKey::from_legacy(b"abd").unwrap());
        assert_ne!(a, SecretKey::from_legacy(b"abcd").unwrap());
    }
}

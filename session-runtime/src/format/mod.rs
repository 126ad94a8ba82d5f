//! Wire formats: how a session payload becomes a signed cookie value and back.

pub(crate) mod base64url;
pub(crate) mod compress;
#[cfg(feature = "flask")]
pub(crate) mod itsdangerous;
pub(crate) mod kdf;
pub(crate) mod native;
mod ring;
pub(crate) mod sealed;
pub(crate) mod signed;
pub(crate) mod timestamp;

/// Which wire format a session cookie uses.
///
/// ```
/// assert_eq!(session_runtime::Format::default(), session_runtime::Format::Native);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Format {
    /// Native format v1: HMAC-SHA256, cookie name and version bound into the MAC.
    #[default]
    Native,
    /// Flask 3.1's exact format (feature `flask`): HMAC-SHA1 under `HMAC-SHA1(secret, salt)`, tagged
    /// JSON with `_permanent` and `_flashes` inside the dict, zlib as CPython writes it. Cookies are
    /// interchangeable with a Flask app that shares the secret key.
    ///
    /// ```
    /// use session_runtime::{CookieConfig, Format};
    /// let config = CookieConfig::builder().format(Format::Flask).same_site(None).build().unwrap();
    /// assert_eq!(config.format(), Format::Flask);
    /// ```
    #[cfg(feature = "flask")]
    Flask,
}

/// A cookie value a format accepted: its payload, the key of the ring that verified it, and
/// whether the client's cookie should be written again on this response even if the session did
/// not change.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Verified {
    /// The payload (envelope JSON).
    pub(crate) payload: Vec<u8>,
    /// The ring index of the key that verified it: 0 the current key, then the fallbacks.
    pub(crate) key: usize,
    /// When it was signed (Unix seconds), for `refresh_after`.
    pub(crate) signed_at: u64,
    /// The cookie is in a form or under a key this config no longer writes: a signed cookie
    /// accepted by an encrypted session (`accept_signed`), or one verified under a fallback key
    /// (rotation that finishes); it is re-written on the same response.
    pub(crate) rewrite: bool,
}

impl Verified {
    /// Verified under ring key `key` by a format that can sign (`can_sign`): a fallback's cookie
    /// is re-written under the current key. A format whose current key cannot sign (too short)
    /// rewrites nothing, or every request would fail to save.
    pub(crate) fn by_key(payload: Vec<u8>, key: usize, signed_at: u64, can_sign: bool) -> Self {
        Verified { payload, key, signed_at, rewrite: key > 0 && can_sign }
    }
}

/// Whether a cookie value has the shape of the encrypted format (`#[session(encrypted)]`): one
/// base64url token, no dot, whose first byte is the format's version. No key is used, so it says
/// nothing about whether the value opens; tools use it to tell the formats apart.
///
/// ```
/// use session_runtime::is_sealed_value;
/// assert!(!is_sealed_value(b"eyJ2Ijp7fX0.ZVPxAA.c2lnbmF0dXJl"), "the signed format has dots");
/// assert!(!is_sealed_value(b""));
/// ```
pub fn is_sealed_value(value: &[u8]) -> bool {
    sealed::looks_sealed(value)
}

impl Format {
    /// Whether this is Flask's format (the cookie rules need to know; `matches!` on a variant
    /// that may not be compiled in cannot be written where the rules run).
    pub(crate) const fn is_flask(self) -> bool {
        match self {
            Format::Native => false,
            #[cfg(feature = "flask")]
            Format::Flask => true,
        }
    }
}

/// The length of the unpadded base64url text of `bytes` bytes.
pub(crate) const fn encoded_len(bytes: usize) -> usize {
    bytes / 3 * 4
        + match bytes % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }
}

//! Wire formats: how a session payload becomes a signed cookie value and back.

pub(crate) mod base64url;
pub(crate) mod compress;
#[cfg(feature = "flask")]
pub(crate) mod itsdangerous;
pub(crate) mod kdf;
pub(crate) mod native;
pub(crate) mod sealed;

use crate::error::Rejection;

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

/// `prefix`, then `PAYLOAD "." TIMESTAMP` (the part a signature covers) for `json`, or for its
/// zlib stream `compressed` as `"." b64(zlib)`, in a buffer with room for exactly `tail` more
/// bytes (the signature and the rest of a `Set-Cookie` line); and where the signed part starts.
/// Both formats write this layout. A line whose capacity is its length becomes a `HeaderValue`
/// without the extra allocation `Bytes` makes for a `Vec` with spare room. The line is a `String`
/// from the start (everything in it is ASCII by construction), so it is never checked as UTF-8.
pub(crate) fn unsigned_line(
    prefix: &[&str],
    json: &[u8],
    compressed: Option<&[u8]>,
    now: u64,
    tail: usize,
) -> (String, usize) {
    let start: usize = prefix.iter().map(|part| part.len()).sum();
    let payload = match compressed {
        Some(packed) => 1 + encoded_len(packed.len()),
        None => encoded_len(json.len()),
    };
    let timestamp = native::encoded_timestamp_len(now);
    let mut line = String::with_capacity(start + payload + 1 + timestamp + tail);
    prefix.iter().for_each(|part| line.push_str(part));
    match compressed {
        Some(packed) => {
            line.push('.');
            base64url::encode_into(packed, &mut line);
        }
        None => base64url::encode_into(json, &mut line),
    }
    line.push('.');
    native::encode_timestamp(now, &mut line);
    (line, start)
}

/// A cookie value `PAYLOAD "." TIMESTAMP "." SIGNATURE` taken apart: the layout
/// [`unsigned_line`] writes, read back the same way by both formats before and after their MAC.
pub(crate) struct SignedValue<'a> {
    /// `PAYLOAD "." TIMESTAMP`, what the signature covers.
    pub(crate) signed: &'a [u8],
    /// The base64url signature, still encoded.
    pub(crate) signature: &'a [u8],
    timestamp: &'a [u8],
    body: &'a [u8],
    compressed: bool,
}

impl<'a> SignedValue<'a> {
    /// Splits at the last two dots. The payload is `b64(json)` or `"." b64(zlib)` and holds no
    /// other dot; any other shape is `Malformed`.
    pub(crate) fn split(value: &'a [u8]) -> Result<Self, Rejection> {
        let (signed, signature) = split_last_dot(value).ok_or(Rejection::Malformed)?;
        let (payload, timestamp) = split_last_dot(signed).ok_or(Rejection::Malformed)?;
        let (compressed, body) = match payload.split_first() {
            Some((b'.', rest)) => (true, rest),
            _ => (false, payload),
        };
        if memchr::memchr(b'.', body).is_some() {
            return Err(Rejection::Malformed);
        }
        Ok(SignedValue { signed, signature, timestamp, body, compressed })
    }

    /// After the MAC: the signing time must be canonical (`Malformed`), not older than `max_age`
    /// (`Expired`) and not later than `now + future_skew` (`NotYetValid`).
    /// Returns the signing time.
    pub(crate) fn check_age(&self, now: u64, max_age: u64, future_skew: u64) -> Result<u64, Rejection> {
        let signed_at = native::parse_timestamp(self.timestamp).ok_or(Rejection::Malformed)?;
        native::check_age(signed_at, now, max_age, future_skew)?;
        Ok(signed_at)
    }

    /// After the MAC and the age: the payload's JSON, decoded and, if compressed, inflated with
    /// a cap (`Payload` when either fails).
    pub(crate) fn payload(&self) -> Result<Vec<u8>, Rejection> {
        let body = base64url::decode(self.body).ok_or(Rejection::Payload)?;
        if self.compressed { compress::inflate_capped(&body).ok_or(Rejection::Payload) } else { Ok(body) }
    }
}

fn split_last_dot(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let dot = memchr::memrchr(b'.', bytes)?;
    Some((bytes.get(..dot)?, bytes.get(dot + 1..)?))
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

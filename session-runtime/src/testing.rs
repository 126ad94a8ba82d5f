//! Test-only helpers (feature `testing`): build cookies whose MAC is valid but whose inner parts
//! are whatever a test wants, so hostile-input tests and fuzzers reach the parsing that runs after
//! the signature check. Not a public API: it may change in any release, and nothing here is needed
//! to use sessions.
//!
//! ```
//! use session_runtime::__testing::{RawSigner, b64, timestamp};
//! use session_runtime::{Keys, SecretKey};
//!
//! let keys = Keys::new(SecretKey::try_from(&[7u8; 32][..]).unwrap());
//! let signer = RawSigner::new(&keys, b"cookie-session");
//! // A valid MAC over a payload that is not base64 and a timestamp with a leading zero byte.
//! let payload = "not base64!";
//! let ts = b64(&[0, 1]);
//! let cookie = signer.sign("session", payload.as_bytes(), ts.as_bytes()).unwrap();
//! assert!(cookie.starts_with(b"not base64!.AAE."));
//! assert_eq!(timestamp(1_700_000_000), "ZVPxAA");
//! ```

use crate::error::Error;
use crate::format::{base64url, compress, native, sealed};
use crate::key::Keys;

/// The most bytes a compressed payload may inflate to; one more is `Rejection::Payload`.
pub const MAX_INFLATED: usize = compress::MAX_INFLATED;

/// The salt [`SecureCookieSessionInterface`](crate::SecureCookieSessionInterface) uses unless
/// [`with_salt`](crate::SecureCookieSessionInterface::with_salt) says otherwise.
pub const DEFAULT_SALT: &[u8] = crate::secure_cookie::DEFAULT_SALT;

/// Signs arbitrary `PAYLOAD` and `TIMESTAMP` parts with the native format's real MAC.
#[derive(Clone)]
pub struct RawSigner(native::NativeFormat);

impl RawSigner {
    /// A signer for the key ring's current key and `salt`, derived as the backend derives it.
    pub fn new(keys: &Keys, salt: &[u8]) -> Self {
        RawSigner(native::NativeFormat::new(keys, salt))
    }

    /// `payload "." timestamp "." SIGNATURE`, where the parts are taken byte for byte, unchecked
    /// (they may hold dots, non-ASCII or anything else), and `SIGNATURE` is the canonical
    /// base64url of the MAC the native format computes for cookie `name` over
    /// `payload "." timestamp`. Errors only when the current key is too short to sign.
    pub fn sign(&self, name: &str, payload: &[u8], timestamp: &[u8]) -> Result<Vec<u8>, Error> {
        let mut signed = Vec::with_capacity(payload.len() + 1 + timestamp.len());
        signed.extend_from_slice(payload);
        signed.push(b'.');
        signed.extend_from_slice(timestamp);
        self.0.sign_signed_part(name, &signed)
    }

    /// Like [`sign`](Self::sign), as text (the parts are text).
    pub fn sign_str(&self, name: &str, payload: &str, timestamp: &str) -> Result<String, Error> {
        let value = self.sign(name, payload.as_bytes(), timestamp.as_bytes())?;
        String::from_utf8(value).map_err(|e| Error::Serialize(e.to_string()))
    }

    /// A complete, well-formed cookie value for `json` signed at `now`, exactly as `save` writes
    /// it (compressed when the format would compress).
    pub fn sign_json(&self, name: &str, json: &[u8], now: u64) -> Result<String, Error> {
        self.0.sign(name, json, now)
    }
}

/// Seals arbitrary messages with the encrypted format's real key derivation and AEAD, under a
/// nonce the test chooses: golden vectors (a fixed nonce gives an exact value) and hostile tests
/// that need a valid tag over a bad inner message. Saves never take a nonce from here.
///
/// ```
/// use session_runtime::__testing::RawSealer;
/// use session_runtime::{Keys, SecretKey};
///
/// let keys = Keys::new(SecretKey::try_from(&[7u8; 32][..]).unwrap());
/// let sealer = RawSealer::new(&keys, b"cookie-session");
/// let a = sealer.seal_json("session", br#"{"v":1}"#, 1_700_000_000, &[0; 12]).unwrap();
/// let b = sealer.seal_json("session", br#"{"v":1}"#, 1_700_000_000, &[0; 12]).unwrap();
/// assert_eq!(a, b, "a fixed nonce gives a fixed value");
/// ```
#[derive(Clone)]
pub struct RawSealer(sealed::SealedFormat);

/// The nonce length of the encrypted format.
pub const SEALED_NONCE_LEN: usize = sealed::NONCE_LEN;
/// The tag length of the encrypted format.
pub const SEALED_TAG_LEN: usize = sealed::TAG_LEN;
/// The version byte of the encrypted format.
pub const SEALED_VERSION: u8 = sealed::VERSION;
/// What a sealed value adds to the JSON before base64url: version, nonce, signing time, tag.
pub const SEALED_OVERHEAD: usize = sealed::OVERHEAD;

impl RawSealer {
    /// A sealer for the key ring's current key and `salt`, derived as the backend derives it.
    pub fn new(keys: &Keys, salt: &[u8]) -> Self {
        RawSealer(sealed::SealedFormat::new(keys, salt))
    }

    /// The value a save writes for `json` at `now`, but under `nonce` instead of a fresh one.
    pub fn seal_json(&self, name: &str, json: &[u8], now: u64, nonce: &[u8; 12]) -> Result<String, Error> {
        self.0.seal_raw(name, sealed::VERSION, nonce, &[&now.to_be_bytes(), json])
    }

    /// `b64(version nonce AEAD(message) tag)` for any `message` (normally the 8-byte signing time
    /// followed by the JSON) and any version byte, with the real key and associated data.
    pub fn seal_message(
        &self,
        name: &str,
        version: u8,
        nonce: &[u8; 12],
        message: &[u8],
    ) -> Result<String, Error> {
        self.0.seal_raw(name, version, nonce, &[message])
    }
}

/// Canonical base64url without padding, as every part of the native format is written.
pub fn b64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    base64url::encode_into(bytes, &mut out);
    out
}

/// The canonical `TIMESTAMP` part for `seconds`.
pub fn timestamp(seconds: u64) -> String {
    let mut out = String::new();
    crate::format::timestamp::encode_timestamp(seconds, &mut out);
    out
}

/// A compressed `PAYLOAD` part: `"." b64(zlib(data))`, whatever the length of `data`.
pub fn compressed_payload(data: &[u8]) -> String {
    let mut out = String::from(".");
    base64url::encode_into(&compress::zlib(data).unwrap_or_default(), &mut out);
    out
}

/// The raw zlib stream (level 6) of `data`.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    compress::zlib(data).unwrap_or_default()
}

/// How many AEAD open attempts the encrypted format has made on this thread so far: one per key
/// of the ring tried, current key first, stopping at the key that opens. Take the difference
/// around an open to assert what it cost (an open runs on the caller's thread, so tests running
/// in parallel do not disturb the count).
///
/// ```
/// use session_runtime::__testing::sealed_open_attempts;
/// use session_runtime::{CookieConfig, Keys, SecretKey, SecureCookieSessionInterface};
///
/// let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&[7u8; 32][..]).unwrap()));
/// let config = CookieConfig::builder().encrypted(true).build().unwrap();
/// let before = sealed_open_attempts();
/// let forged = "AQ".to_owned() + &"A".repeat(60);
/// assert!(backend.unsign_payload(&config, forged.as_bytes()).is_err());
/// assert_eq!(sealed_open_attempts() - before, 1, "one key, one attempt");
/// ```
pub fn sealed_open_attempts() -> u64 {
    sealed::attempts::so_far()
}

//! Flask 3.1's wire format (itsdangerous `URLSafeTimedSerializer` as Flask configures it):
//!
//! ```text
//! value     = PAYLOAD "." TIMESTAMP "." SIGNATURE        (each part base64url, no padding)
//! PAYLOAD   = b64(json) | "." b64(zlib(json))             (zlib level 6 when ≥ 2 bytes shorter)
//! TIMESTAMP = b64(unix seconds, big-endian, leading zero bytes stripped)
//! SIGNATURE = b64(HMAC-SHA1(derived, PAYLOAD "." TIMESTAMP))
//! derived   = HMAC-SHA1(secret, SALT)                     (SALT is "cookie-session" in Flask)
//! ```
//!
//! Decoding is strict where itsdangerous is lenient: every part must be canonical base64url
//! (no padding, no `+`/`/`, no stray characters, zero trailing bits). Flask and itsdangerous
//! only ever write canonical text, so no cookie they issued is refused; see
//! `docs/flask-migration.md`.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::ring::Ring;
use super::{Verified, base64url, compress, signed};
use crate::error::{Error, Rejection};
use crate::key::Keys;

type HmacSha1 = Hmac<Sha1>;

const TAG_LEN: usize = 20;

/// The Flask format keyed by a key ring: one pre-keyed HMAC-SHA1 state per key, made once. HMAC
/// takes keys of any length and a `SecretKey` has at least one byte, so every key verifies and
/// the current one always signs.
#[derive(Clone)]
pub(crate) struct FlaskFormat {
    ring: Ring<HmacSha1>,
}

/// `HMAC-SHA1(secret, salt)` as the key of a pre-keyed HMAC-SHA1 state (itsdangerous'
/// `key_derivation="hmac"`).
fn derive(secret: &[u8], salt: &[u8]) -> Option<HmacSha1> {
    let mut kdf = <HmacSha1 as KeyInit>::new_from_slice(secret).ok()?;
    kdf.update(salt);
    <HmacSha1 as KeyInit>::new_from_slice(&kdf.finalize().into_bytes()).ok()
}

impl FlaskFormat {
    pub(crate) fn new(keys: &Keys, salt: &[u8]) -> Self {
        FlaskFormat { ring: Ring::new(keys, 1, |secret| derive(secret, salt)) }
    }

    /// Signs the session JSON at time `now`, as `URLSafeTimedSerializer.dumps` does.
    #[cfg(test)]
    pub(crate) fn sign(&self, json: &[u8], now: u64) -> Result<String, Error> {
        self.sign_after(&[], json, now, 0)
    }

    /// `prefix` followed by the value `URLSafeTimedSerializer.dumps` signs for the session JSON at
    /// time `now`, with room for exactly `room` more bytes (see `NativeFormat::sign_after`).
    pub(crate) fn sign_after(
        &self,
        prefix: &[&str],
        json: &[u8],
        now: u64,
        room: usize,
    ) -> Result<String, Error> {
        // CPython's `zlib.compress(json)` (level 6, default window and strategy), used when at
        // least 2 bytes shorter (`len(compressed) < len(json) - 1`), through this thread's reused
        // level-6 state: a fresh encoder costs more than the rest of the save. The `flask`
        // feature builds flate2 on the C zlib library, so the bytes are the ones Python writes;
        // the interop tests compare them.
        let compressed = compress::compress_if_shorter(json);
        let mut mac = self.ring.signer()?.clone();
        let tail = 1 + super::encoded_len(TAG_LEN) + room;
        let (mut line, start) = signed::unsigned_line(prefix, json, compressed.as_deref(), now, tail);
        mac.update(line.as_bytes().get(start..).unwrap_or_default());
        let tag = mac.finalize().into_bytes();
        line.push('.');
        base64url::encode_into(&tag, &mut line);
        Ok(line)
    }

    /// Verifies `value` and returns the session JSON. Order as itsdangerous: signature (current
    /// key, then fallbacks), timestamp, age (`age > max_age` expired, future beyond the skew not
    /// yet valid), then the payload (inflated with a cap).
    pub(crate) fn unsign(
        &self,
        value: &[u8],
        max_age: u64,
        future_skew: u64,
        now: u64,
    ) -> Result<Verified, Rejection> {
        signed::unsign::<_, TAG_LEN>(&self.ring, value, max_age, future_skew, now, |key, signed, tag| {
            let mut mac = key.clone();
            mac.update(signed);
            mac.verify_slice(tag).is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;

    fn dev() -> FlaskFormat {
        FlaskFormat::new(&Keys::new(SecretKey::from_legacy(b"dev").unwrap()), b"cookie-session")
    }

    /// Flask 3.1's own cookie for secret `"dev"`, `{"user_id": 42}` at 1 700 000 000 (the
    /// example of docs/flask-migration.md, "The `session-cookie` tool"), worked by hand.
    #[test]
    fn worked_example() {
        let cookie = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs";
        assert_eq!(dev().sign(br#"{"user_id":42}"#, 1_700_000_000).unwrap(), cookie);
        assert_eq!(
            dev().unsign(cookie.as_bytes(), 10, 0, 1_700_000_000).unwrap().payload,
            br#"{"user_id":42}"#
        );
    }

    #[test]
    fn compression_edge() {
        let f = dev();
        assert!(!f.sign(br#"{"k":"aaaaaaaaaaa"}"#, 1).unwrap().starts_with('.'));
        let packed = f.sign(br#"{"k":"aaaaaaaaaaaa"}"#, 1).unwrap();
        assert!(packed.starts_with(".eJ"), "{packed}");
        assert_eq!(f.unsign(packed.as_bytes(), 10, 0, 1).unwrap().payload, br#"{"k":"aaaaaaaaaaaa"}"#);
    }

    #[test]
    fn ages_keys_and_shapes() {
        let f = dev();
        let cookie = f.sign(b"{}", 1000).unwrap();
        assert!(f.unsign(cookie.as_bytes(), 10, 0, 1010).is_ok());
        assert_eq!(f.unsign(cookie.as_bytes(), 10, 0, 1011), Err(Rejection::Expired));
        assert_eq!(f.unsign(cookie.as_bytes(), 10, 0, 999), Err(Rejection::NotYetValid));
        let other =
            FlaskFormat::new(&Keys::new(SecretKey::from_legacy(b"other").unwrap()), b"cookie-session");
        assert_eq!(other.unsign(cookie.as_bytes(), 10, 0, 1000), Err(Rejection::BadSignature));
        let rotated = FlaskFormat::new(
            &Keys::new(SecretKey::from_legacy(b"new").unwrap())
                .with_fallbacks([SecretKey::from_legacy(b"dev").unwrap()]),
            b"cookie-session",
        );
        assert!(rotated.unsign(cookie.as_bytes(), 10, 0, 1000).is_ok());
        assert_ne!(rotated.sign(b"{}", 1000).unwrap(), cookie, "signs with the current key");
        for bad in ["", ".", "..", "a.b", "e30.A-g.x", &format!("{cookie}="), &format!("{cookie}!!")] {
            assert!(f.unsign(bad.as_bytes(), 10, 0, 1000).is_err(), "{bad}");
        }
    }
}

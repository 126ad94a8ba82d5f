//! Native wire format v1:
//!
//! ```text
//! value     = PAYLOAD "." TIMESTAMP "." SIGNATURE          (each part canonical base64url, no padding)
//! PAYLOAD   = b64(json) | "." b64(zlib(json))               (zlib only when ≥ 2 bytes shorter)
//! TIMESTAMP = b64(unix seconds, big-endian, leading zero bytes stripped)
//! SIGNATURE = b64(HMAC-SHA256(derived, "v1" 0x00 NAME 0x00 PAYLOAD "." TIMESTAMP))
//! derived   = HMAC-SHA256(secret, "session-runtime/native/v1" 0x00 SALT)
//! ```
//!
//! The cookie name, the format version and the salt are all bound into the MAC: a value moved to
//! another cookie, another salt or another format does not verify.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::ring::Ring;
use super::{Verified, base64url, compress, signed};
use crate::error::{Error, Rejection};
use crate::key::{Keys, MIN_NATIVE_KEY_LEN};

type HmacSha256 = Hmac<Sha256>;

const DERIVATION_LABEL: &[u8] = b"session-runtime/native/v1\0";
const MESSAGE_PREFIX: &[u8] = b"v1\0";
const TAG_LEN: usize = 32;

/// JSON shorter than this is never compressed: deflating a small session costs more than the HMAC
/// and rarely saves bytes, and the size limit only matters for large sessions.
pub(crate) const COMPRESS_MIN: usize = 512;

/// The native format keyed by a key ring: one pre-keyed HMAC state per key, made once; keys under
/// 32 bytes are left out (and a current key under 32 bytes cannot sign).
#[derive(Clone)]
pub(crate) struct NativeFormat {
    ring: Ring<HmacSha256>,
}

impl NativeFormat {
    pub(crate) fn new(keys: &Keys, salt: &[u8]) -> Self {
        NativeFormat {
            ring: Ring::new(keys, MIN_NATIVE_KEY_LEN, |secret| {
                let mut kdf = <HmacSha256 as KeyInit>::new_from_slice(secret).ok()?;
                kdf.update(DERIVATION_LABEL);
                kdf.update(salt);
                // Keyed from the MAC output in place: it zeroizes itself when dropped, a copy would not.
                <HmacSha256 as KeyInit>::new_from_slice(kdf.finalize().as_bytes()).ok()
            }),
        }
    }

    /// Signs `json` for the cookie `name` at time `now`: the cookie value.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn sign(&self, name: &str, json: &[u8], now: u64) -> Result<String, Error> {
        self.sign_after(&[], name, json, now, 0)
    }

    /// `prefix` followed by the cookie value of `json` signed for the cookie `name` at time
    /// `now`, in a buffer with room for exactly `room` more bytes (the attributes of a
    /// `Set-Cookie` line): a save renders `name=VALUE; attributes` in one buffer, with nothing
    /// moved or copied.
    pub(crate) fn sign_after(
        &self,
        prefix: &[&str],
        name: &str,
        json: &[u8],
        now: u64,
        room: usize,
    ) -> Result<String, Error> {
        let signer = self.ring.signer()?;
        let line = |compressed: Option<&[u8]>| signed_line(signer, prefix, name, json, compressed, now, room);
        if json.len() >= COMPRESS_MIN { Ok(compress::with_fast_deflated(json, line)) } else { Ok(line(None)) }
    }

    /// Appends `"." SIGNATURE` to `signed` (`PAYLOAD "." TIMESTAMP`, taken as is, unchecked): the
    /// MAC step of [`sign`](Self::sign), shared with the test-only signing helper.
    #[cfg(feature = "testing")]
    pub(crate) fn sign_signed_part(&self, name: &str, signed: &[u8]) -> Result<Vec<u8>, Error> {
        let tag = keyed_message(self.ring.signer()?, name, signed).finalize().into_bytes();
        let mut value = Vec::with_capacity(signed.len() + 1 + TAG_LEN * 4 / 3 + 1);
        value.extend_from_slice(signed);
        value.push(b'.');
        let mut encoded = String::with_capacity(TAG_LEN * 4 / 3 + 1);
        base64url::encode_into(&tag, &mut encoded);
        value.extend_from_slice(encoded.as_bytes());
        Ok(value)
    }

    /// Verifies `value` and returns the payload JSON and the key that verified it. Order: shape,
    /// MAC, timestamp, age, payload.
    pub(crate) fn unsign(
        &self,
        name: &str,
        value: &[u8],
        max_age: u64,
        future_skew: u64,
        now: u64,
    ) -> Result<Verified, Rejection> {
        signed::unsign::<_, TAG_LEN>(&self.ring, value, max_age, future_skew, now, |key, signed, tag| {
            keyed_message(key, name, signed).verify_slice(tag).is_ok()
        })
    }
}

/// `prefix`, then `PAYLOAD "." TIMESTAMP "." SIGNATURE` for `json` (or its zlib stream
/// `compressed`), in a buffer with room for the rest of a `Set-Cookie` line.
fn signed_line(
    signer: &HmacSha256,
    prefix: &[&str],
    name: &str,
    json: &[u8],
    compressed: Option<&[u8]>,
    now: u64,
    room: usize,
) -> String {
    let tail = 1 + super::encoded_len(TAG_LEN) + room;
    let (mut line, start) = signed::unsigned_line(prefix, json, compressed, now, tail);
    let tag =
        keyed_message(signer, name, line.as_bytes().get(start..).unwrap_or_default()).finalize().into_bytes();
    line.push('.');
    base64url::encode_into(&tag, &mut line);
    line
}

/// The HMAC state after absorbing everything but nothing of the tag: version, name, signed text.
fn keyed_message(key: &HmacSha256, name: &str, signed: &[u8]) -> HmacSha256 {
    let mut mac = key.clone();
    mac.update(MESSAGE_PREFIX);
    mac.update(name.as_bytes());
    mac.update(b"\0");
    mac.update(signed);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;

    fn format() -> NativeFormat {
        NativeFormat::new(&Keys::new(SecretKey::try_from(&[42u8; 32][..]).unwrap()), b"cookie-session")
    }

    #[test]
    fn round_trip_and_name_binding() {
        let f = format();
        let value = f.sign("session", br#"{"v":{"a":1}}"#, 1_000).unwrap();
        assert_eq!(f.unsign("session", value.as_bytes(), 10, 0, 1_005).unwrap().payload, br#"{"v":{"a":1}}"#);
        assert_eq!(f.unsign("other", value.as_bytes(), 10, 0, 1_005), Err(Rejection::BadSignature));
        let salted = NativeFormat::new(&Keys::new(SecretKey::try_from(&[42u8; 32][..]).unwrap()), b"other");
        assert_eq!(salted.unsign("session", value.as_bytes(), 10, 0, 1_005), Err(Rejection::BadSignature));
    }

    #[test]
    fn large_payloads_compress_and_inflate() {
        let f = format();
        let json = format!(r#"{{"v":"{}"}}"#, "ab".repeat(600));
        let value = f.sign("s", json.as_bytes(), 5).unwrap();
        assert!(value.starts_with('.'));
        assert!(value.len() < json.len());
        assert_eq!(f.unsign("s", value.as_bytes(), 10, 0, 5).unwrap().payload, json.as_bytes());
    }

    #[test]
    fn short_current_key_cannot_sign() {
        let f = NativeFormat::new(&Keys::new(SecretKey::from_legacy(b"dev").unwrap()), b"s");
        assert!(matches!(f.sign("s", b"{}", 1), Err(Error::WeakKey { len: 3, min: 32 })));
    }
}

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

use super::{Verified, base64url, compress};
use crate::error::{Error, Rejection};
use crate::key::{Keys, MIN_NATIVE_KEY_LEN};

type HmacSha256 = Hmac<Sha256>;

const DERIVATION_LABEL: &[u8] = b"session-runtime/native/v1\0";
const MESSAGE_PREFIX: &[u8] = b"v1\0";
const TAG_LEN: usize = 32;

/// JSON shorter than this is never compressed: deflating a small session costs more than the HMAC
/// and rarely saves bytes, and the size limit only matters for large sessions.
pub(crate) const COMPRESS_MIN: usize = 512;

/// The native format keyed by a key ring: one pre-keyed HMAC state per key, made once.
#[derive(Clone)]
pub(crate) struct NativeFormat {
    /// Pre-keyed states of the keys that may verify, with their ring index (current first);
    /// keys under 32 bytes are left out.
    verifiers: Vec<(usize, HmacSha256)>,
    /// The signing state, or the length of the current key when it is too short to sign.
    signer: Result<HmacSha256, usize>,
}

impl NativeFormat {
    pub(crate) fn new(keys: &Keys, salt: &[u8]) -> Self {
        let derive = |secret: &[u8]| -> Option<HmacSha256> {
            if secret.len() < MIN_NATIVE_KEY_LEN {
                return None;
            }
            let mut kdf = <HmacSha256 as KeyInit>::new_from_slice(secret).ok()?;
            kdf.update(DERIVATION_LABEL);
            kdf.update(salt);
            // Keyed from the MAC output in place: it zeroizes itself when dropped, a copy would not.
            <HmacSha256 as KeyInit>::new_from_slice(kdf.finalize().as_bytes()).ok()
        };
        let current = keys.current();
        NativeFormat {
            verifiers: keys.derive_each(derive),
            signer: derive(current.expose_bytes()).ok_or(current.len()),
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
        let signer = self.signer()?;
        let line = |compressed: Option<&[u8]>| signed_line(signer, prefix, name, json, compressed, now, room);
        if json.len() >= COMPRESS_MIN { Ok(compress::with_fast_deflated(json, line)) } else { Ok(line(None)) }
    }

    /// Appends `"." SIGNATURE` to `signed` (`PAYLOAD "." TIMESTAMP`, taken as is, unchecked): the
    /// MAC step of [`sign`](Self::sign), shared with the test-only signing helper.
    #[cfg(feature = "testing")]
    pub(crate) fn sign_signed_part(&self, name: &str, signed: &[u8]) -> Result<Vec<u8>, Error> {
        let tag = keyed_message(self.signer()?, name, signed).finalize().into_bytes();
        let mut value = Vec::with_capacity(signed.len() + 1 + TAG_LEN * 4 / 3 + 1);
        value.extend_from_slice(signed);
        value.push(b'.');
        let mut encoded = String::with_capacity(TAG_LEN * 4 / 3 + 1);
        base64url::encode_into(&tag, &mut encoded);
        value.extend_from_slice(encoded.as_bytes());
        Ok(value)
    }

    fn signer(&self) -> Result<&HmacSha256, Error> {
        self.signer.as_ref().map_err(|&len| Error::WeakKey { len, min: MIN_NATIVE_KEY_LEN })
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
        let value = super::SignedValue::split(value)?;
        // Exactly `TAG_LEN` bytes, decoded on the stack.
        let (tag, TAG_LEN) =
            base64url::decode_array::<TAG_LEN>(value.signature).ok_or(Rejection::Malformed)?
        else {
            return Err(Rejection::Malformed);
        };
        let (key, _) = self
            .verifiers
            .iter()
            .find(|(_, key)| keyed_message(key, name, value.signed).verify_slice(&tag).is_ok())
            .ok_or(Rejection::BadSignature)?;
        let signed_at = value.check_age(now, max_age, future_skew)?;
        Ok(Verified::by_key(value.payload()?, *key, signed_at, self.signer.is_ok()))
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
    let (mut line, start) = super::unsigned_line(prefix, json, compressed, now, tail);
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

/// Appends the big-endian bytes of `seconds` without leading zero bytes (itsdangerous'
/// `int_to_bytes`), base64url-encoded.
pub(crate) fn encode_timestamp(seconds: u64, out: &mut String) {
    let bytes = seconds.to_be_bytes();
    let skip = (seconds.leading_zeros() / 8) as usize;
    base64url::encode_into(bytes.get(skip..).unwrap_or_default(), out);
}

/// How many characters [`encode_timestamp`] writes for `seconds`.
pub(crate) const fn encoded_timestamp_len(seconds: u64) -> usize {
    super::encoded_len(8 - (seconds.leading_zeros() / 8) as usize)
}

/// The canonical inverse of [`encode_timestamp`]: at most 8 bytes and no leading zero byte.
pub(crate) fn parse_timestamp(text: &[u8]) -> Option<u64> {
    let (bytes, len) = base64url::decode_array::<8>(text)?;
    let bytes = bytes.get(..len)?;
    if bytes.first() == Some(&0) {
        return None;
    }
    Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// `age > max_age` is expired (so `age == max_age` is still valid); a timestamp more than
/// `future_skew` seconds ahead of `now` is not yet valid. No arithmetic here can overflow.
pub(crate) fn check_age(signed_at: u64, now: u64, max_age: u64, future_skew: u64) -> Result<(), Rejection> {
    match now.checked_sub(signed_at) {
        Some(age) if age > max_age => Err(Rejection::Expired),
        Some(_) => Ok(()),
        None if signed_at - now > future_skew => Err(Rejection::NotYetValid),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SecretKey;

    fn format() -> NativeFormat {
        NativeFormat::new(&Keys::new(SecretKey::try_from(&[42u8; 32][..]).unwrap()), b"cookie-session")
    }

    #[test]
    fn timestamps_are_canonical() {
        let mut text = String::new();
        encode_timestamp(1_700_000_000, &mut text);
        assert_eq!(text, "ZVPxAA");
        assert_eq!(parse_timestamp(b"ZVPxAA"), Some(1_700_000_000));
        let mut zero = String::new();
        encode_timestamp(0, &mut zero);
        assert_eq!(zero, "");
        assert_eq!(parse_timestamp(b""), Some(0));
        assert_eq!(parse_timestamp(b"AGVT8QA"), None, "leading zero byte");
        assert_eq!(parse_timestamp(b"AQEBAQEBAQEB"), None, "nine bytes");
        let mut max = String::new();
        encode_timestamp(u64::MAX, &mut max);
        assert_eq!(parse_timestamp(max.as_bytes()), Some(u64::MAX));
    }

    #[test]
    fn age_boundaries() {
        assert_eq!(check_age(100, 110, 10, 0), Ok(()));
        assert_eq!(check_age(100, 111, 10, 0), Err(Rejection::Expired));
        assert_eq!(check_age(101, 100, 10, 0), Err(Rejection::NotYetValid));
        assert_eq!(check_age(105, 100, 10, 5), Ok(()));
        assert_eq!(check_age(106, 100, 10, 5), Err(Rejection::NotYetValid));
        assert_eq!(check_age(u64::MAX, 0, u64::MAX, 0), Err(Rejection::NotYetValid));
        assert_eq!(check_age(0, u64::MAX, u64::MAX, 0), Ok(()));
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

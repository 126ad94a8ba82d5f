//! The layout both signed formats (native and Flask's) share, `PAYLOAD "." TIMESTAMP "."
//! SIGNATURE`: the line before its signature, the value taken apart, and the one unsign both
//! run with their own MAC.

use super::ring::Ring;
use super::{Verified, base64url, compress, timestamp};
use crate::error::Rejection;

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
        Some(packed) => 1 + super::encoded_len(packed.len()),
        None => super::encoded_len(json.len()),
    };
    let timestamp = timestamp::encoded_timestamp_len(now);
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
    timestamp::encode_timestamp(now, &mut line);
    (line, start)
}

/// Both signed formats' unsign, in their order: shape (`Malformed`), the signature decoded on the
/// stack to exactly `TAG_LEN` bytes (`Malformed`), the ring walk with the format's MAC check
/// `verifies(key, signed part, tag)` (`BadSignature`), the timestamp and the age (`Malformed`,
/// `Expired`, `NotYetValid`), then the payload (`Payload`).
pub(crate) fn unsign<K, const TAG_LEN: usize>(
    ring: &Ring<K>,
    value: &[u8],
    max_age: u64,
    future_skew: u64,
    now: u64,
    verifies: impl Fn(&K, &[u8], &[u8]) -> bool,
) -> Result<Verified, Rejection> {
    let value = SignedValue::split(value)?;
    let (tag, len) = base64url::decode_array::<TAG_LEN>(value.signature).ok_or(Rejection::Malformed)?;
    if len != TAG_LEN {
        return Err(Rejection::Malformed);
    }
    let key = ring.find(|key| verifies(key, value.signed, &tag))?;
    let signed_at = value.check_age(now, max_age, future_skew)?;
    Ok(ring.verified(value.payload()?, key, signed_at))
}

/// The payload and the signing time of a signed value, read WITHOUT its signature: the same
/// split, base64url, inflate cap and timestamp parser as [`unsign`], for a tool that shows what a
/// cookie claims ([`inspect_unverified`](crate::inspect_unverified)). The signing time is `None`
/// when it is not canonical.
pub(crate) fn unverified(value: &[u8]) -> Result<(Vec<u8>, Option<u64>), Rejection> {
    let value = SignedValue::split(value)?;
    Ok((value.payload()?, timestamp::parse_timestamp(value.timestamp)))
}

/// A cookie value `PAYLOAD "." TIMESTAMP "." SIGNATURE` taken apart: the layout
/// [`unsigned_line`] writes, read back the same way by both formats before and after their MAC.
struct SignedValue<'a> {
    /// `PAYLOAD "." TIMESTAMP`, what the signature covers.
    signed: &'a [u8],
    /// The base64url signature, still encoded.
    signature: &'a [u8],
    timestamp: &'a [u8],
    body: &'a [u8],
    compressed: bool,
}

impl<'a> SignedValue<'a> {
    /// Splits at the last two dots. The payload is `b64(json)` or `"." b64(zlib)` and holds no
    /// other dot; any other shape is `Malformed`.
    fn split(value: &'a [u8]) -> Result<Self, Rejection> {
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
    fn check_age(&self, now: u64, max_age: u64, future_skew: u64) -> Result<u64, Rejection> {
        let signed_at = timestamp::parse_timestamp(self.timestamp).ok_or(Rejection::Malformed)?;
        timestamp::check_age(signed_at, now, max_age, future_skew)?;
        Ok(signed_at)
    }

    /// After the MAC and the age: the payload's JSON, decoded and, if compressed, inflated with
    /// a cap (`Payload` when either fails).
    fn payload(&self) -> Result<Vec<u8>, Rejection> {
        let body = base64url::decode(self.body).ok_or(Rejection::Payload)?;
        if self.compressed { compress::inflate_capped(&body).ok_or(Rejection::Payload) } else { Ok(body) }
    }
}

fn split_last_dot(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let dot = memchr::memrchr(b'.', bytes)?;
    Some((bytes.get(..dot)?, bytes.get(dot + 1..)?))
}

//! The signing time, as both signed formats write it (itsdangerous' `int_to_bytes`, base64url),
//! and the age check every format applies to it once a key has verified the value.

use super::base64url;
use crate::error::Rejection;

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
    fn encoded_length_matches_the_text() {
        for seconds in [0, 1, 255, 256, 1_700_000_000, u64::MAX] {
            let mut text = String::new();
            encode_timestamp(seconds, &mut text);
            assert_eq!(text.len(), encoded_timestamp_len(seconds), "{seconds}");
        }
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
}

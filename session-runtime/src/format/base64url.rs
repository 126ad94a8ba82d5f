//! Canonical base64url without padding: the only encoding the native format accepts.
//!
//! The `base64` crate's URL-safe engine with `RequireNone` padding and trailing bits that must be
//! zero rejects every non-canonical spelling (padding, `+`/`/`, stray bits, whitespace), so each
//! byte string has exactly one accepted text.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Appends the encoding of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Decodes canonical base64url, or `None`.
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Decodes canonical base64url of at most `N` bytes into a stack buffer (no allocation), or
/// `None` (also when it would be longer). Returns the buffer and the decoded length.
pub(crate) fn decode_array<const N: usize>(text: &[u8]) -> Option<([u8; N], usize)> {
    let mut out = [0u8; N];
    let len = URL_SAFE_NO_PAD.decode_slice(text, &mut out).ok()?;
    Some((out, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_every_non_canonical_form() {
        assert_eq!(decode(b"ZVPxAA"), Some(vec![0x65, 0x53, 0xf1, 0x00]));
        assert_eq!(decode(b"ZVPxAA=="), None, "padding");
        assert_eq!(decode(b"ZVPxAB"), None, "non-zero trailing bits");
        assert_eq!(decode(b"ZVP+AA"), None, "standard alphabet");
        assert_eq!(decode(b"ZVP AA"), None, "whitespace");
        assert_eq!(decode(b"ZVPxA"), None, "impossible length");
        assert_eq!(decode(b""), Some(vec![]));
        for text in [&b"ZVPxAA"[..], b"ZVPxAA==", b"ZVPxAB", b"ZVP+AA", b"ZVP AA", b"ZVPxA", b""] {
            let array = decode_array::<4>(text).map(|(bytes, len)| bytes[..len].to_vec());
            assert_eq!(array, decode(text), "{text:?}");
        }
        assert_eq!(decode_array::<3>(b"ZVPxAA"), None, "longer than the buffer");
    }
}

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

/// Appends the encoding of `bytes` to `out`, written in place. The hot path of a save builds its
/// `Set-Cookie` line as bytes: `encode_string` goes through a 1 KB stack buffer that it zeroes,
/// then re-checks as UTF-8 and copies, which cost a sixth of a small session's save.
pub(crate) fn encode_to_vec(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let len = base64::encoded_len(bytes.len(), false).unwrap_or(0);
    out.resize(start.saturating_add(len), 0);
    match out.get_mut(start..).map(|room| URL_SAFE_NO_PAD.encode_slice(bytes, room)) {
        Some(Ok(written)) => out.truncate(start.saturating_add(written)),
        // Not reached (the room is exactly the encoded length); stay correct if it were.
        _ => {
            out.truncate(start);
            out.extend_from_slice(URL_SAFE_NO_PAD.encode(bytes).as_bytes());
        }
    }
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

    #[test]
    fn in_place_encoding_matches_the_string_encoding() {
        for len in 0..70 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let mut expected = String::from("name=");
            encode_into(&bytes, &mut expected);
            let mut written = b"name=".to_vec();
            encode_to_vec(&bytes, &mut written);
            assert_eq!(written, expected.as_bytes(), "{len} bytes");
        }
    }
}

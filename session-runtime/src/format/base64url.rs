//! Canonical base64url without padding: the only encoding the native format accepts.
//!
//! `base64-simd` (the encoder of the AWS SDK for Rust) with its URL-safe, unpadded engine rejects
//! every non-canonical spelling (padding, `+`/`/`, stray trailing bits, whitespace), so each
//! byte string has exactly one accepted text; a test below holds it to the `base64` crate's strict
//! engine on every short text and many long ones. It picks AVX2/SSE4.1 at run time: a small
//! session's payload encodes and decodes in a fifth of the scalar time (docs/performance.md).

use base64_simd::{Out, URL_SAFE_NO_PAD};

/// Appends the encoding of `bytes` to `out`, in place: the hot path of a save builds its
/// `Set-Cookie` line in one `String`, and base64url needs no UTF-8 check.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_append(bytes, out);
}

/// Decodes canonical base64url, or `None`.
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode_to_vec(text).ok()
}

/// Decodes canonical base64url onto the end of `out` (the encrypted format decodes behind the
/// associated data it keeps in the same buffer), or `None`; `out` is then to be discarded.
pub(crate) fn decode_append(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
    URL_SAFE_NO_PAD.decode_append(text, out).ok()
}

/// Decodes canonical base64url of at most `N` bytes into a stack buffer (no allocation), or
/// `None` (also when it would be longer). Returns the buffer and the decoded length.
pub(crate) fn decode_array<const N: usize>(text: &[u8]) -> Option<([u8; N], usize)> {
    let mut out = [0u8; N];
    // `decode` panics when the output is too short, so the length is checked first.
    let len = URL_SAFE_NO_PAD.decoded_length(text).ok()?;
    let written = URL_SAFE_NO_PAD.decode(text, Out::from_slice(out.get_mut(..len)?)).ok()?.len();
    Some((out, written))
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
        for text in [&b"ZVPxAA"[..], b"ZVPxAA==", b"ZVPxAB", b"ZVP+AA", b"ZVP AA", b"ZVPxA", b""] {
            let mut out = b"name".to_vec();
            let appended = decode_append(text, &mut out).map(|()| out[4..].to_vec());
            assert_eq!(appended, decode(text), "{text:?}");
            if appended.is_some() {
                assert_eq!(&out[..4], b"name", "what was there is kept");
            }
        }
    }

    /// The `base64` crate's engine that accepts only canonical unpadded base64url: the reference.
    fn reference(text: &[u8]) -> Option<Vec<u8>> {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()
    }

    #[test]
    fn accepts_exactly_what_the_strict_reference_accepts() {
        // Every text of up to 4 characters over an alphabet with both base64url ends, the other
        // alphabet's `+` and `/`, padding, whitespace, a control and a non-ASCII byte.
        let symbols = b"AQgw_-+/= \n\0\xff9";
        let mut texts: Vec<Vec<u8>> = vec![Vec::new()];
        for len in 1..=4 {
            let count = symbols.len().pow(len);
            for mut index in 0..count {
                let mut text = Vec::with_capacity(len as usize);
                for _ in 0..len {
                    text.push(symbols[index % symbols.len()]);
                    index /= symbols.len();
                }
                texts.push(text);
            }
        }
        // Long texts, most valid, some with one byte changed (a fixed-seed generator).
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 700) as usize;
            let mut text: Vec<u8> = (0..len).map(|_| alphabet[(next() % 64) as usize]).collect();
            if len > 0 && next() % 3 == 0 {
                let at = (next() % len as u64) as usize;
                text[at] = (next() % 256) as u8;
            }
            texts.push(text);
        }
        for text in texts {
            let expected = reference(&text);
            assert_eq!(decode(&text), expected, "{text:?}");
            let array = decode_array::<700>(&text).map(|(bytes, len)| bytes[..len].to_vec());
            assert_eq!(array, expected, "{text:?}");
        }
    }

    #[test]
    fn encodes_as_the_reference_does() {
        use base64::Engine;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
            let mut written = String::from("name=");
            encode_into(&bytes, &mut written);
            assert_eq!(&written[5..], expected, "{len} bytes");
            assert_eq!(decode(expected.as_bytes()), Some(bytes), "{len} bytes");
        }
    }
}

//! zlib compression by Flask's rule (use it when at least 2 bytes shorter) and inflate with a cap.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

/// The most bytes an incoming compressed payload may inflate to. A 4 KB cookie of zeros inflates
/// to about 4 MB; no session we write comes near this, so anything larger is refused before it
/// costs memory.
pub(crate) const MAX_INFLATED: usize = 256 * 1024;

/// zlib level 6 (CPython's default) of `json`, when that is at least 2 bytes shorter.
pub(crate) fn compress_if_shorter(json: &[u8]) -> Option<Vec<u8>> {
    let compressed = zlib(json)?;
    (compressed.len() + 1 < json.len()).then_some(compressed)
}

/// zlib level 6 (CPython's default) of `data`, whatever its length.
pub(crate) fn zlib(data: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(data.len()), Compression::new(6));
    encoder.write_all(data).ok()?;
    encoder.finish().ok()
}

/// Inflates `data`, or `None` when it is not a valid zlib stream or inflates past `MAX_INFLATED`.
pub(crate) fn inflate_capped(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let limit = u64::try_from(MAX_INFLATED).ok()?.checked_add(1)?;
    ZlibDecoder::new(data).take(limit).read_to_end(&mut out).ok()?;
    (out.len() <= MAX_INFLATED).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flask_boundary() {
        // From Flask's vectors: 19 bytes of JSON → 18 compressed: not compressed; 20 → 18: compressed.
        assert!(compress_if_shorter(br#"{"k":"aaaaaaaaaaa"}"#).is_none());
        let json = br#"{"k":"aaaaaaaaaaaa"}"#;
        let packed = compress_if_shorter(json).unwrap();
        assert_eq!(inflate_capped(&packed).unwrap(), json);
    }

    #[test]
    fn inflate_refuses_bombs_and_garbage() {
        let bomb = compress_if_shorter(&vec![b'a'; MAX_INFLATED + 1]).unwrap();
        assert!(inflate_capped(&bomb).is_none());
        let fits = compress_if_shorter(&vec![b'a'; MAX_INFLATED]).unwrap();
        assert_eq!(inflate_capped(&fits).unwrap().len(), MAX_INFLATED);
        assert!(inflate_capped(b"not zlib").is_none());
    }
}

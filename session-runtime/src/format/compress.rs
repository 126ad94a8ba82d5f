//! zlib compression by Flask's rule (use it when at least 2 bytes shorter) and inflate with a cap.
//!
//! Both directions reuse one (de)compressor per thread, reset before each use: a fresh zlib
//! encoder allocates and clears a few hundred KB of tables, which costs several times the
//! compression of a 4 KB session itself (docs/performance.md has the numbers). The state kept is a few hundred KB (deflate)
//! and some 10 KB (inflate) per thread that ever (de)compressed a session.
//!
//! The backend is zlib-rs (flate2's `zlib-rs` feature, pure Rust): against flate2's default
//! miniz_oxide, its reset clears less and its level 1 and inflate are faster
//! (docs/performance.md).

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The most bytes an incoming compressed payload may inflate to. A 4 KB cookie of zeros inflates
/// to about 4 MB; no session we write comes near this, so anything larger is refused before it
/// costs memory.
pub(crate) const MAX_INFLATED: usize = crate::limits::MAX_SESSION_JSON;

/// zlib level 6: CPython's default, what Flask writes.
#[cfg(any(test, feature = "flask"))]
const LEVEL_DEFAULT: u32 = 6;

/// zlib level 1: what the native format writes. Any zlib level inflates the same, so this is not
/// part of the format. With the zlib-rs backend (zlib-ng's algorithms), level 1 is zlib-ng's
/// "quick" strategy: on the ≈4 KB benchmark session it compresses 3,893 bytes of JSON to 407
/// (level 6: 286) in a third of level 6's time, and the whole save costs about what serializing
/// and signing the uncompressed JSON would. A session is compressed to fit the browsers' 4 KB,
/// which level 1 does nearly as well as level 6.
const LEVEL_FAST: u32 = 1;

thread_local! {
    #[cfg(any(test, feature = "flask"))]
    static DEFLATE_DEFAULT: RefCell<Option<Compress>> = const { RefCell::new(None) };
    static DEFLATE_FAST: RefCell<Option<Compress>> = const { RefCell::new(None) };
    /// Where level-1 deflate writes its stream: reused, so a save neither allocates nor frees a
    /// buffer the size of its JSON to keep a few hundred bytes of it.
    static DEFLATED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static INFLATE: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's reusable state, made by `new` on first use and `reset` before every
/// use; with a fresh one if the thread-local is unavailable (thread teardown) or already borrowed.
fn with_state<S, R>(
    key: &'static std::thread::LocalKey<RefCell<Option<S>>>,
    new: fn() -> S,
    reset: fn(&mut S),
    mut f: impl FnMut(&mut S) -> R,
) -> R {
    let reused = key.try_with(|cell| {
        cell.try_borrow_mut().ok().map(|mut slot| {
            let state = slot.get_or_insert_with(new);
            reset(state);
            f(state)
        })
    });
    match reused {
        Ok(Some(result)) => result,
        _ => f(&mut new()),
    }
}

/// zlib level 6 of `json`, when that is at least 2 bytes shorter: Flask's level and rule, for the
/// Flask format. Stopping at the room does not change the bytes of a stream that fits: zlib's
/// output does not depend on how the output buffer is sized.
#[cfg(any(test, feature = "flask"))]
pub(crate) fn compress_if_shorter(json: &[u8]) -> Option<Vec<u8>> {
    deflate_if_shorter(&DEFLATE_DEFAULT, || Compress::new(Compression::new(LEVEL_DEFAULT), true), json)
}

/// The most capacity the reused deflate output keeps between saves; a larger one (a session far
/// over any cookie limit) is freed after use.
const DEFLATED_KEEP: usize = 64 * 1024;

/// Calls `f` with the zlib level-1 stream of `json` when that is at least 2 bytes shorter, or
/// with `None`. The stream is written into a buffer this thread reuses.
pub(crate) fn with_fast_deflated<R>(json: &[u8], mut f: impl FnMut(Option<&[u8]>) -> R) -> R {
    let new = || Compress::new(Compression::new(LEVEL_FAST), true);
    let reused = DEFLATED.try_with(|cell| {
        cell.try_borrow_mut().ok().map(|mut out| {
            let shorter = deflate_into(&DEFLATE_FAST, new, json, &mut out);
            let result = f(shorter.then_some(out.as_slice()));
            if out.capacity() > DEFLATED_KEEP {
                *out = Vec::new();
            }
            result
        })
    });
    match reused {
        Ok(Some(result)) => result,
        _ => {
            let mut out = Vec::new();
            let shorter = deflate_into(&DEFLATE_FAST, new, json, &mut out);
            f(shorter.then_some(out.as_slice()))
        }
    }
}

/// Deflates `json` into `out` (emptied first); whether the stream ended at least 2 bytes
/// shorter than `json`. Deflating stops once the output would not be: `out` gets exactly that
/// much room when it is empty, and a longer reused buffer is checked after.
fn deflate_into(
    state: &'static std::thread::LocalKey<RefCell<Option<Compress>>>,
    new: fn() -> Compress,
    json: &[u8],
    out: &mut Vec<u8>,
) -> bool {
    let Some(room) = json.len().checked_sub(2) else { return false };
    out.clear();
    out.reserve_exact(room);
    with_state(state, new, Compress::reset, |deflate| {
        matches!(deflate.compress_vec(json, out, FlushCompress::Finish), Ok(Status::StreamEnd))
            && out.len() <= room
    })
}

#[cfg(any(test, feature = "flask"))]
fn deflate_if_shorter(
    state: &'static std::thread::LocalKey<RefCell<Option<Compress>>>,
    new: fn() -> Compress,
    json: &[u8],
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    deflate_into(state, new, json, &mut out).then_some(out)
}

/// zlib level 6 (CPython's default) of `data`, whatever its length (test helpers only).
#[cfg(any(test, feature = "testing"))]
pub(crate) fn zlib(data: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len()), Compression::new(6));
    encoder.write_all(data).ok()?;
    encoder.finish().ok()
}

/// Inflates `data`, or `None` when it is not a valid zlib stream or inflates past `MAX_INFLATED`.
pub(crate) fn inflate_capped(data: &[u8]) -> Option<Vec<u8>> {
    with_state(
        &INFLATE,
        || Decompress::new(true),
        |inflate| inflate.reset(true),
        |inflate| {
            let mut out = Vec::with_capacity(data.len().saturating_mul(8).clamp(256, MAX_INFLATED + 1));
            loop {
                let consumed = usize::try_from(inflate.total_in()).ok()?;
                let before = (consumed, out.len());
                let status = inflate.decompress_vec(data.get(consumed..)?, &mut out, FlushDecompress::None);
                match status.ok()? {
                    Status::StreamEnd => break,
                    _ if out.len() > MAX_INFLATED => return None,
                    _ if out.len() == out.capacity() => {
                        // Grow, but never past one byte over the cap (which refuses the payload).
                        let more = out.capacity().min(MAX_INFLATED + 1 - out.len());
                        out.reserve_exact(more);
                    }
                    // No room problem and no progress: the input ended before the stream did.
                    _ if before == (usize::try_from(inflate.total_in()).ok()?, out.len()) => return None,
                    _ => {}
                }
            }
            (out.len() <= MAX_INFLATED).then_some(out)
        },
    )
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

    #[test]
    fn reused_state_is_reset_between_uses() {
        let json = format!(r#"{{"v":"{}"}}"#, "ab".repeat(600));
        assert_eq!(
            inflate_capped(&with_fast_deflated(json.as_bytes(), |p| p.map(<[u8]>::to_vec)).unwrap()).unwrap(),
            json.as_bytes()
        );
        let first = compress_if_shorter(json.as_bytes()).unwrap();
        // An incompressible input in between stops half-way through its stream.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let noise: Vec<u8> = (0..3000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        assert!(compress_if_shorter(&noise).is_none());
        // The reused level-1 output buffer is longer than a later, smaller JSON's room: the
        // 2-bytes-shorter rule still holds, and a compressible one still gets its whole stream.
        let fast = |json: &[u8]| with_fast_deflated(json, |p| p.map(<[u8]>::to_vec));
        assert!(fast(json.as_bytes()).is_some());
        assert!(fast(&noise[..600]).is_none());
        assert!(fast(br#"{"k":"aaaaaaaaaaa"}"#).is_none(), "18 of 19 bytes is not 2 shorter");
        let small = br#"{"k":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
        assert_eq!(inflate_capped(&fast(small).unwrap()).unwrap(), small);
        assert!(fast(&vec![b'a'; DEFLATED_KEEP * 4]).is_some(), "far over the kept capacity");
        assert_eq!(compress_if_shorter(json.as_bytes()).unwrap(), first);
        // A truncated stream in between leaves the inflater mid-stream.
        assert!(inflate_capped(&first[..first.len() / 2]).is_none());
        assert_eq!(inflate_capped(&first).unwrap(), json.as_bytes());
        // Trailing bytes after the end of the stream are ignored, as by `ZlibDecoder`.
        let mut trailing = first.clone();
        trailing.extend_from_slice(b"junk");
        assert_eq!(inflate_capped(&trailing).unwrap(), json.as_bytes());
    }
}

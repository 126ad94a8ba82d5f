//! The session payload's one home: the envelope (the user's data plus the permanent flag, the
//! flash messages, the issue time and the data's version), how it is written and read (older
//! versions migrated), the issue-time rules, the check that data reads back, and the comparison
//! that decides whether a session really changed.

use serde::Serialize;
use serde::de::DeserializeOwned;

use session_rules::FIRST_VERSION;

use crate::config::Schema;
use crate::error::{Error, Rejection};
use crate::flash::Flash;
use crate::format::Format;

pub(crate) mod issued;
pub(crate) mod json;
mod read;
mod reads_back;

/// The native envelope as written: `{"v":DATA}` plus `"p":true` when permanent, `"f":[…]` when
/// there are flashes, and `"i":SECONDS`, the time the session was issued (envelope v2; see
/// docs/design.md, "Issued-at"), so the common case stays short. A versioned type's data
/// (version 2 and up) is preceded by `"s":VERSION`, first so that a reader knows it before it
/// reads the data; version 1 writes none. A revocable session's user epoch, `"e":EPOCH` (absent
/// when 0), comes first of all, where the reader finds it without serde ([`read::leading_epoch`]).
#[derive(Serialize)]
struct EnvelopeRef<'a, T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<u64>,
    #[serde(skip_serializing_if = "is_first_version")]
    s: u32,
    v: &'a T,
    #[serde(skip_serializing_if = "is_false")]
    p: bool,
    #[serde(skip_serializing_if = "<[Flash]>::is_empty")]
    f: &'a [Flash],
    #[serde(skip_serializing_if = "Option::is_none")]
    i: Option<u64>,
}

fn is_first_version(version: &u32) -> bool {
    *version == FIRST_VERSION
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The decoded parts of an envelope.
pub(crate) struct Decoded<T> {
    pub(crate) data: T,
    pub(crate) permanent: bool,
    pub(crate) flashes: Vec<Flash>,
    /// The data was written by an older version and migrated: the save writes it again.
    pub(crate) migrated: bool,
    /// When the session was issued (native format, envelope v2); `None` for an older envelope
    /// and for the Flask format.
    pub(crate) issued_at: Option<u64>,
    /// A revocable session's user epoch (`"e"`); `None` (meaning 0) when absent.
    pub(crate) epoch: Option<u64>,
}

/// The payload of a session in `format`: the native envelope, or Flask's flat session dict
/// (the data's keys plus `_permanent` and `_flashes`). In the native format, data whose JSON
/// would not read back (non-finite floats, `Some(None)`, deep nesting) is refused
/// ([`reads_back`]). `size_hint`: the expected length (the incoming payload's, when there is
/// one), so the buffer is allocated once instead of grown from serde_json's 128 bytes.
/// `issued_at` and `epoch` (a revocable session's, docs/design.md "Revocable cookies") are written
/// in the native format only: Flask's dict has no place for them.
#[allow(clippy::too_many_arguments)] // the envelope's parts, each one argument
pub(crate) fn encode<T: Serialize>(
    format: Format,
    version: u32,
    data: &T,
    permanent: bool,
    flashes: &[Flash],
    issued_at: Option<u64>,
    epoch: Option<u64>,
    size_hint: usize,
) -> Result<Vec<u8>, Error> {
    match format {
        Format::Native => {
            reads_back::check(data).map_err(|e| Error::Serialize(e.to_string()))?;
            let mut out = Vec::with_capacity(size_hint.max(64));
            serde_json::to_writer(
                &mut out,
                &EnvelopeRef { s: version, v: data, p: permanent, f: flashes, i: issued_at, e: epoch },
            )
            .map_err(|e| Error::Serialize(e.to_string()))?;
            Ok(out)
        }
        #[cfg(feature = "flask")]
        Format::Flask => {
            // `with_schema` refuses a version with the Flask format, `with_revocable` an epoch.
            let _ = (size_hint, version, issued_at, epoch);
            crate::flask::encode_session(data, permanent, flashes)
        }
    }
}

/// Whether `payload` is the payload of the empty session (`T::default()`, permanence as
/// configured, no flashes), without allocating in the native format.
///
/// A payload with flashes, or with another permanence, cannot be byte-equal to the empty one:
/// those are ruled out without serializing anything. Otherwise the native default is serialized
/// straight into a comparison with `payload` (the Flask format compares a fresh encoding).
pub(crate) fn is_empty_envelope<T: Serialize + Default>(
    format: Format,
    version: u32,
    payload: &[u8],
    permanent: bool,
    flashes: &[Flash],
    issued_at: Option<u64>,
    default_permanent: bool,
) -> Result<bool, Error> {
    if !flashes.is_empty() || permanent != default_permanent {
        return Ok(false);
    }
    match format {
        Format::Native => {
            let mut compare = Compare { rest: payload, equal: true };
            serde_json::to_writer(
                &mut compare,
                &EnvelopeRef {
                    s: version,
                    v: &T::default(),
                    p: default_permanent,
                    f: &[],
                    i: issued_at,
                    e: None,
                },
            )
            .map_err(|e| Error::Serialize(e.to_string()))?;
            Ok(compare.equal && compare.rest.is_empty())
        }
        #[cfg(feature = "flask")]
        Format::Flask => Ok(crate::flask::encode_session(&T::default(), default_permanent, &[])? == payload),
    }
}

/// An `io::Write` that compares what is written with `rest` instead of storing it. It never fails
/// (an error would cost serde_json an allocation); after a difference it only keeps `equal` false.
struct Compare<'a> {
    rest: &'a [u8],
    equal: bool,
}

impl std::io::Write for Compare<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.equal {
            match self.rest.strip_prefix(buf) {
                Some(rest) => self.rest = rest,
                None => self.equal = false,
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The inverse of [`encode`]: the payload as `T`, whose data is of `schema`'s version or migrated
/// from an older one. `Rejection::NewerVersion` for data written by a newer version of the type,
/// `Rejection::Payload` for anything else that does not decode into `T`.
///
/// `payload` is borrowed mutably for the native format's leading epoch (`{"e":N,` + the rest):
/// its comma is replaced by `{` while serde reads the rest as an envelope of its own, then put
/// back. serde_json spends some 300 instructions on one more key of the envelope, about 5 % of a
/// small session's open, and a revocable session's open with a cached epoch has no other cost
/// that large (docs/design.md, "Cost of a cache hit"). Anything else, an epoch written
/// elsewhere in the envelope included, takes serde's general path.
pub(crate) fn decode<T: DeserializeOwned>(
    format: Format,
    schema: Schema,
    payload: &mut [u8],
) -> Result<Decoded<T>, Rejection> {
    match format {
        Format::Native => {
            // `leading_epoch` found a comma at `comma`: it becomes the `{` the rest starts with.
            let leading = read::leading_epoch(payload);
            let set_separator = |payload: &mut [u8], byte: u8| {
                if let Some((_, comma)) = leading
                    && let Some(separator) = payload.get_mut(comma)
                {
                    *separator = byte;
                }
            };
            set_separator(payload, b'{');
            // One UTF-8 check of the whole payload (from its start, which is aligned: the check
            // is a word at a time from there), then serde_json's `&str` reader, which does not
            // check each string again as its byte reader does (docs/performance.md). A payload
            // that is not UTF-8 anywhere, even in a field `T` ignores, is refused; we never
            // write one.
            let start = leading.map_or(0, |(_, comma)| comma);
            let decoded = std::str::from_utf8(payload)
                .ok()
                .and_then(|text| text.get(start..))
                .ok_or(Rejection::Payload)
                .and_then(|text| read::native::<T>(text, schema, leading.map(|(epoch, _)| epoch)));
            set_separator(payload, b',');
            decoded
        }
        #[cfg(feature = "flask")]
        Format::Flask => {
            let _ = schema;
            let (data, permanent, flashes) =
                crate::flask::decode_session(payload).ok_or(Rejection::Payload)?;
            Ok(Decoded { data, permanent, flashes, migrated: false, issued_at: None, epoch: None })
        }
    }
}

/// Whether two payloads hold the same JSON value. Equal bytes are equal; different lengths are
/// different (reordering map entries keeps the length). Same length but different bytes is
/// compared as parsed values, whose maps are ordered, so a `HashMap` field serialized in another
/// order does not count as a change.
///
/// Before parsing, a cheap necessary condition: a deterministic serializer (serde_json) writes
/// equal values as the same entries, maybe in another map order, so the two byte strings are
/// permutations of each other and have the same byte sums (over the window between their common
/// prefix and suffix, which is all that is summed). Different sums (a counter that went from 1 to
/// 2, an item replaced in a cart) are a change without parsing two `Value`s (about 15 allocations
/// each for a small session, 190 for a 2.6 KB one). The check can only err towards "changed" (one extra
/// `Set-Cookie`), and only for payloads that were not written by serde_json.
pub(crate) fn same_json(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // Only what lies between the common prefix and the common suffix can differ; for two
    // permutations of the same bytes, that window of each is a permutation of the other's.
    let start = common_prefix(a, b);
    if start == a.len() {
        return true;
    }
    let end = a.len() - common_suffix(a, b);
    if byte_sums(a.get(start..end).unwrap_or(a)) != byte_sums(b.get(start..end).unwrap_or(b)) {
        return false;
    }
    match (serde_json::from_slice::<serde_json::Value>(a), serde_json::from_slice::<serde_json::Value>(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The keys of the native envelope ([`EnvelopeRef`]; the reader's `Key`).
const ENVELOPE_KEYS: [&str; 6] = ["s", "v", "p", "f", "i", "e"];

/// Whether `stored` is `encoded` with entries a store added at its end (a record marked
/// `Record::extensible`, such as the Redis store's write stamp): `encoded` up to its closing
/// brace, then a comma and entries under keys the envelope does not use. Such a payload holds
/// nothing the handler changed. Byte for byte up to the store's entries, so, like
/// [`same_json`], it can only err towards "changed".
pub(crate) fn extended_by_store(stored: &[u8], encoded: &[u8]) -> bool {
    let Some(rest) = encoded.strip_suffix(b"}").and_then(|body| stored.strip_prefix(body)) else {
        return false;
    };
    let Some(entries) = rest.strip_prefix(b",") else { return false };
    let added = [&b"{"[..], entries].concat();
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&added).is_ok_and(|added| {
        !added.is_empty() && added.keys().all(|key| !ENVELOPE_KEYS.contains(&key.as_str()))
    })
}

/// The length of the common prefix of two equally long slices, compared a word at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let words = a.chunks_exact(8).zip(b.chunks_exact(8)).take_while(|(x, y)| word(x) == word(y)).count();
    let start = words * 8;
    let tail = a.get(start..).unwrap_or_default().iter().zip(b.get(start..).unwrap_or_default());
    start + tail.take_while(|(x, y)| x == y).count()
}

/// The length of the common suffix of two equally long slices, compared a word at a time.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let words = a.rchunks_exact(8).zip(b.rchunks_exact(8)).take_while(|(x, y)| word(x) == word(y)).count();
    let end = a.len() - words * 8;
    let head =
        a.get(..end).unwrap_or_default().iter().rev().zip(b.get(..end).unwrap_or_default().iter().rev());
    words * 8 + head.take_while(|(x, y)| x == y).count()
}

/// An 8-byte chunk as one integer (a slice comparison would call `memcmp` per chunk).
fn word(chunk: &[u8]) -> u64 {
    u64::from_ne_bytes(chunk.try_into().unwrap_or_default())
}

/// The sums of the bytes and of their squares: equal for any two permutations of the same bytes.
fn byte_sums(bytes: &[u8]) -> (u64, u64) {
    bytes.iter().fold((0, 0), |(sum, squares), &b| {
        let b = u64::from(b);
        (sum + b, squares + b * b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;
    use serde_json::Value;
    use std::collections::BTreeMap;

    /// [`super::decode`] of a copy of `payload`, which it must leave as it found it.
    fn decode<T: DeserializeOwned>(
        format: Format,
        schema: Schema,
        payload: &[u8],
    ) -> Result<Decoded<T>, Rejection> {
        let mut copy = payload.to_vec();
        let decoded = super::decode(format, schema, &mut copy);
        assert_eq!(copy, payload, "the payload is given back unchanged");
        decoded
    }

    /// Keys the reader does not know are skipped: a store may add its own (the Redis store's
    /// write stamp, `"w"` and `"wa"` at the end), and the envelope reads as it was written,
    /// with or without a leading epoch.
    #[test]
    fn keys_a_store_adds_are_skipped() {
        let stamp = r#","w":"AAAAAAAAAAAAAAAAAAAAAA","wa":"......................"}"#;
        let v2 = Schema::new(2, None);
        for written in [
            encode(Format::Native, 2, &7u8, true, &[], Some(5), None, 0).unwrap(),
            encode(Format::Native, 2, &7u8, true, &[], Some(5), Some(3), 0).unwrap(),
        ] {
            let stamped = [&written[..written.len() - 1], stamp.as_bytes()].concat();
            let read = |payload: &[u8]| {
                decode::<u8>(Format::Native, v2, payload).map(|d| (d.data, d.permanent, d.issued_at, d.epoch))
            };
            assert_eq!(read(&stamped), read(&written), "{}", String::from_utf8_lossy(&stamped));
            assert_eq!(read(&stamped).map(|read| read.0), Ok(7));
        }
    }

    /// A revocable session's epoch is written first and read there without serde; one written
    /// anywhere else (as before it moved) reads the same through serde; twice is refused.
    #[test]
    fn the_epoch_is_written_first_and_read_anywhere() {
        let written = encode(Format::Native, 2, &1u8, true, &[], Some(5), Some(3), 0).unwrap();
        assert_eq!(written, br#"{"e":3,"s":2,"v":1,"p":true,"i":5}"#);
        let v2 = Schema::new(2, None);
        let read = |payload: &[u8]| {
            decode::<u8>(Format::Native, v2, payload).map(|d| (d.data, d.permanent, d.issued_at, d.epoch))
        };
        assert_eq!(read(&written), Ok((1, true, Some(5), Some(3))));
        assert_eq!(read(br#"{"s":2,"v":1,"p":true,"i":5,"e":3}"#), Ok((1, true, Some(5), Some(3))));
        assert_eq!(read(br#"{"e":0,"s":2,"v":1}"#), Ok((1, false, None, Some(0))));
        for twice in [&br#"{"e":3,"s":2,"v":1,"e":3}"#[..], br#"{"e":3,"e":3,"s":2,"v":1}"#] {
            assert_eq!(read(twice), Err(Rejection::Payload), "{}", String::from_utf8_lossy(twice));
        }
        // After the epoch, the rest must be an envelope in full, as serde would require.
        for bad in [&br#"{"e":3,}"#[..], br#"{"e":3,"v":1"#, br#"{"e":3,"v":1}}"#, br#"{"e":3,"s":3,"v":1}"#]
        {
            assert!(read(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            read(b"{\"e\":3,\"v\":1,\"x\":\"\xff\"}"),
            Err(Rejection::Payload),
            "not UTF-8 after the epoch"
        );
    }

    type Read = Result<(Value, bool, Vec<Flash>, bool, Option<u64>, Option<u64>), Rejection>;

    fn project(decoded: Result<Decoded<Value>, Rejection>) -> Read {
        decoded.map(|d| (d.data, d.permanent, d.flashes, d.migrated, d.issued_at, d.epoch))
    }

    /// The leading epoch's reader against serde reading the same payload whole: the same
    /// envelope or the same refusal, whatever follows `{"e":`.
    fn agrees_with_serde(payload: &[u8]) -> Result<(), proptest::test_runner::TestCaseError> {
        let schema = Schema::new(2, None);
        let fast = project(decode::<Value>(Format::Native, schema, payload));
        let whole = std::str::from_utf8(payload).map_err(|_| Rejection::Payload);
        let general = project(whole.and_then(|text| read::native::<Value>(text, schema, None)));
        proptest::prop_assert_eq!(fast, general, "{}", String::from_utf8_lossy(payload));
        Ok(())
    }

    /// Mostly what a writer could put there, sometimes not.
    fn weighted(valid: Vec<&'static str>, odd: Vec<&'static str>) -> impl Strategy<Value = &'static str> {
        proptest::prop_oneof![6 => proptest::sample::select(valid), 1 => proptest::sample::select(odd)]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// Any bytes: no panic. An encoding with entries appended under keys of its own is no
        /// change; with an envelope key among them, or any other byte changed, it is.
        #[test]
        fn only_a_stores_own_entries_are_no_change(
            junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120),
            data in proptest::collection::btree_map("[a-z]{1,4}", proptest::prelude::any::<i32>(), 0..5),
            added in proptest::collection::btree_map("[g-z]{2,3}", "[ -~]{0,8}", 1..4),
            envelope_key in proptest::sample::select(ENVELOPE_KEYS.to_vec()),
            flip in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let _ = extended_by_store(&junk, &junk);
            let encoded = encode(Format::Native, 1, &data, false, &[], Some(5), None, 0).unwrap();
            let extend = |added: &BTreeMap<String, String>| {
                let entries = serde_json::to_vec(added).unwrap();
                [&encoded[..encoded.len() - 1], b",", &entries[1..]].concat()
            };
            proptest::prop_assert!(extended_by_store(&extend(&added), &encoded));
            let mut with_envelope_key = added.clone();
            with_envelope_key.insert(envelope_key.to_owned(), "1".into());
            proptest::prop_assert!(!extended_by_store(&extend(&with_envelope_key), &encoded));
            let mut changed = extend(&added);
            let at = flip.index(encoded.len() - 1);
            changed[at] ^= 0x20;
            proptest::prop_assert!(!extended_by_store(&changed, &encoded));
        }

        #[test]
        fn the_leading_epoch_reads_as_serde_does(
            epoch in proptest::prop_oneof![
                4 => proptest::prelude::any::<u64>().prop_map(|n| n.to_string()),
                1 => "[0-9]{18,22}",
                1 => "0[0-9]{1,3}",
                1 => "[-0-9.eE+ ]{0,6}",
            ],
            separator in weighted(vec![","], vec![", ", "", "}", ",}", ",{"]),
            entries in proptest::collection::vec(
                weighted(
                    vec![r#""s":2"#, r#""v":1"#, r#""v":{"a":[1,2]}"#, r#""p":true"#, r#""i":5"#, r#""e":3"#,
                        r#""f":[["m","hi"]]"#, r#""x":"\u00e9""#],
                    vec![r#""s":1"#, r#""s":3"#, r#""v":null"#, r#""e":-1"#, "", " ", "{", "}", r#""v""#],
                ),
                0..6,
            ),
            close in weighted(vec!["}"], vec!["", "}}", "} ", " }", "}x"]),
        ) {
            let payload = format!(r#"{{"e":{epoch}{separator}{}{close}"#, entries.join(","));
            agrees_with_serde(payload.as_bytes())?;
        }

        #[test]
        fn any_bytes_after_the_epoch_read_as_serde_does(
            rest in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        ) {
            agrees_with_serde(&[br#"{"e":7,"#.as_slice(), &rest].concat())?;
        }
    }

    #[test]
    fn short_envelope() {
        assert_eq!(encode(Format::Native, 1, &1u8, false, &[], None, None, 0).unwrap(), br#"{"v":1}"#);
        assert_eq!(
            encode(Format::Native, 1, &1u8, true, &[Flash::new("message", "hi")], None, None, 0).unwrap(),
            br#"{"v":1,"p":true,"f":[["message","hi"]]}"#
        );
        assert_eq!(encode(Format::Native, 3, &1u8, false, &[], None, None, 0).unwrap(), br#"{"s":3,"v":1}"#);
        let decoded: Decoded<u8> =
            decode(Format::Native, Schema::UNVERSIONED, br#"{"f":[["a","b"]],"v":3,"x":0}"#).ok().unwrap();
        assert_eq!(
            (decoded.data, decoded.permanent, decoded.flashes, decoded.migrated),
            (3, false, vec![Flash::new("a", "b")], false)
        );
        assert!(decode::<u8>(Format::Native, Schema::UNVERSIONED, br#"{"v":"three"}"#).is_err());
    }

    /// Envelope v2 carries the issue time last; v1 envelopes (without it) still decode, with
    /// none; anything but one unsigned integer under `"i"` is refused.
    #[test]
    fn issued_at() {
        let written = encode(Format::Native, 1, &1u8, true, &[], Some(1_700_000_000), None, 0).unwrap();
        assert_eq!(written, br#"{"v":1,"p":true,"i":1700000000}"#);
        let decode_u8 = |payload: &[u8]| decode::<u8>(Format::Native, Schema::UNVERSIONED, payload);
        let decoded = decode_u8(&written).ok().unwrap();
        assert_eq!((decoded.data, decoded.issued_at), (1, Some(1_700_000_000)));
        assert_eq!(decode_u8(br#"{"v":1}"#).ok().unwrap().issued_at, None);
        for bad in [
            &br#"{"v":1,"i":1,"i":2}"#[..],
            br#"{"v":1,"i":-1}"#,
            br#"{"v":1,"i":1.5}"#,
            br#"{"v":1,"i":null}"#,
            br#"{"v":1,"i":"1700000000"}"#,
            br#"{"v":1,"i":18446744073709551616}"#,
        ] {
            assert!(decode_u8(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let empty = encode(Format::Native, 1, &0u8, false, &[], Some(5), None, 0).unwrap();
        assert!(is_empty_envelope::<u8>(Format::Native, 1, &empty, false, &[], Some(5), false).unwrap());
        assert!(!is_empty_envelope::<u8>(Format::Native, 1, &empty, false, &[], None, false).unwrap());
    }

    #[test]
    fn reordered_maps_are_the_same() {
        assert!(same_json(br#"{"a":1,"b":2}"#, br#"{"b":2,"a":1}"#));
        assert!(!same_json(br#"{"a":1,"b":2}"#, br#"{"a":2,"b":1}"#));
        assert!(!same_json(br#"{"a":1}"#, br#"{"a":10}"#));
        assert!(!same_json(br#"{"a":1,"b":2}"#, br#"{"a":1,"b":3}"#), "different sums");
        assert!(!same_json(br#"{"a":12}"#, br#"{"a":21}"#), "same sums, parsed");
        assert!(same_json(br#"{"m":{"x":[1,2],"y":{}}}"#, br#"{"m":{"y":{},"x":[1,2]}}"#));
    }

    /// A stored payload that is the encoding plus a store's own entries is no change; one whose
    /// extra entries are the envelope's (an issue time the new encoding dropped) or that differs
    /// before them is.
    #[test]
    fn entries_a_store_added_are_no_change() {
        let encoded = br#"{"v":{"n":1},"p":true}"#;
        assert!(extended_by_store(br#"{"v":{"n":1},"p":true,"w":"A","wa":"B"}"#, encoded));
        for changed in [
            &br#"{"v":{"n":1},"p":true,"i":5}"#[..],
            br#"{"v":{"n":1},"p":true,"w":"A","e":1}"#,
            br#"{"v":{"n":2},"p":true,"w":"A"}"#,
            br#"{"v":{"n":1},"p":true}"#,
            br#"{"v":{"n":1},"p":true,}"#,
            br#"{"v":{"n":1},"p":true,"w":"A""#,
            br#"{"v":{"n":1},"p":true "w":"A"}"#,
        ] {
            assert!(!extended_by_store(changed, encoded), "{}", String::from_utf8_lossy(changed));
        }
        assert!(!extended_by_store(b"", b""));
        for (a, b, prefix, suffix) in [
            (&b"abcdefghijklmnopq"[..], &b"abcdefghijklmnopq"[..], 17, 17),
            (b"abcdefghijXlmnopq", b"abcdefghijYlmnopq", 10, 6),
            (b"Xbcdefghijklmnopq", b"Ybcdefghijklmnopq", 0, 16),
            (b"abcdefghijklmnopX", b"abcdefghijklmnopY", 16, 0),
            (b"", b"", 0, 0),
        ] {
            assert_eq!((common_prefix(a, b), common_suffix(a, b)), (prefix, suffix), "{a:?}");
        }
    }

    #[test]
    fn empty_envelopes() {
        #[derive(Serialize, Default)]
        struct Data {
            a: u8,
            b: Vec<u8>,
        }
        let empty = encode(Format::Native, 1, &Data::default(), false, &[], None, None, 0).unwrap();
        assert!(is_empty_envelope::<Data>(Format::Native, 1, &empty, false, &[], None, false).unwrap());
        let permanent = encode(Format::Native, 1, &Data::default(), true, &[], None, None, 0).unwrap();
        assert!(is_empty_envelope::<Data>(Format::Native, 1, &permanent, true, &[], None, true).unwrap());
        assert!(!is_empty_envelope::<Data>(Format::Native, 1, &empty, true, &[], None, false).unwrap());
        assert!(!is_empty_envelope::<Data>(Format::Native, 1, &permanent, false, &[], None, true).unwrap());
        let flashed =
            encode(Format::Native, 1, &Data::default(), false, &[Flash::new("m", "x")], None, None, 0)
                .unwrap();
        assert!(
            !is_empty_envelope::<Data>(
                Format::Native,
                1,
                &flashed,
                false,
                &[Flash::new("m", "x")],
                None,
                false
            )
            .unwrap()
        );
        for other in [&br#"{"v":{"a":1,"b":[]}}"#[..], br#"{"v":{"a":0,"b":[]}} "#, br#"{"v":{"a":0,"b":["#] {
            assert!(!is_empty_envelope::<Data>(Format::Native, 1, other, false, &[], None, false).unwrap());
        }
    }
}

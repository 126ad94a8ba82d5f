//! The write stamp of the Redis store: each compare-and-set update of a native envelope is
//! stored with two keys of the store's own appended to the envelope, `"w"` (this write's id) and
//! `"wa"` (the id of the write it replaced, as the request opened it), so that the one resend
//! after a dropped connection recognises its own earlier success (docs/design.md, "Redis
//! deployments").
//!
//! The stamp is the value's last [`LEN`] bytes, always the same shape:
//! `,"w":"<22 characters>","wa":"<22 characters>"}`. The envelope's reader skips keys it does
//! not know (as it always has), so a stamped value reads as the envelope it extends, on this
//! release and on the one before it; the native merge rebuilds the envelope from the keys it
//! knows, so a stamp never travels into another write.

/// The stamp's length at the end of a stored value.
pub(super) const LEN: usize = OPEN.len() + ID + MIDDLE.len() + ID + CLOSE.len();
/// Characters of a write id ([`write_id`](super::super::id::write_id)).
const ID: usize = 22;
const OPEN: &[u8] = b",\"w\":\"";
const MIDDLE: &[u8] = b"\",\"wa\":\"";
const CLOSE: &[u8] = b"\"}";
/// The parent of a write that replaced an unstamped value (a create, a write of another
/// release): never a write id, which is base64url.
const NO_PARENT: &[u8] = b"......................";

/// 1-based offsets from the end of the value, as Lua's `string.sub` counts them, of the stamp's
/// opening and of the parent id, for the update script.
pub(super) const LUA_OPEN: (isize, isize) = (-(LEN as isize), -(LEN as isize) + OPEN.len() as isize - 1);
pub(super) const LUA_PARENT: (isize, isize) = (-((ID + CLOSE.len()) as isize), -(CLOSE.len() as isize) - 1);

/// `payload` (a native envelope: a JSON object) stamped with `write` and its parent, the write
/// id of `opened` (the value the request opened) when that was stamped. `None` when `payload`
/// is not a JSON object with a key or `write` not 22 characters: it is stored as it is.
pub(super) fn stamped(payload: &[u8], write: &str, opened: Option<&[u8]>) -> Option<Vec<u8>> {
    // `{}` has no key to follow with a comma; the runtime's envelopes always have `v`.
    let body = payload.strip_suffix(b"}").filter(|body| body.starts_with(b"{") && body.len() > 1)?;
    if write.len() != ID {
        return None;
    }
    let parent = opened.and_then(write_of).unwrap_or(NO_PARENT);
    let mut value = Vec::with_capacity(body.len() + LEN);
    for part in [body, OPEN, write.as_bytes(), MIDDLE, parent, CLOSE] {
        value.extend_from_slice(part);
    }
    Some(value)
}

/// The write id a stamped `value` was written with; `None` when it carries no stamp.
pub(super) fn write_of(value: &[u8]) -> Option<&[u8]> {
    let stamp = value.get(value.len().checked_sub(LEN)?..)?;
    let (open, rest) = stamp.split_at(OPEN.len());
    let (write, rest) = rest.split_at(ID);
    let (middle, rest) = rest.split_at(MIDDLE.len());
    (open == OPEN && middle == MIDDLE && rest.ends_with(CLOSE)).then_some(write)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "AAAAAAAAAAAAAAAAAAAAAA";
    const B: &str = "BBBBBBBBBBBBBBBBBBBBBB";

    #[test]
    fn a_stamp_names_the_write_and_the_one_it_replaced() {
        let first = stamped(br#"{"v":1}"#, A, Some(br#"{"v":0}"#)).unwrap();
        assert_eq!(first, br#"{"v":1,"w":"AAAAAAAAAAAAAAAAAAAAAA","wa":"......................"}"#);
        assert_eq!(write_of(&first), Some(A.as_bytes()));
        let second = stamped(br#"{"v":2}"#, B, Some(&first)).unwrap();
        assert_eq!(second, br#"{"v":2,"w":"BBBBBBBBBBBBBBBBBBBBBB","wa":"AAAAAAAAAAAAAAAAAAAAAA"}"#);
        assert_eq!(write_of(&second), Some(B.as_bytes()));
        assert_eq!(second.len(), br#"{"v":2}"#.len() + LEN - 1);
    }

    /// The stamp is two more keys of the envelope: the payload reads the same with it.
    #[test]
    fn a_stamped_envelope_is_still_json_of_the_same_keys_and_more() {
        let value = stamped(br#"{"s":2,"v":{"n":[1,{}]},"p":true}"#, A, None).unwrap();
        let read: serde_json::Value = serde_json::from_slice(&value).unwrap();
        assert_eq!(read["v"], serde_json::json!({"n": [1, {}]}));
        assert_eq!(read["w"], A);
        assert_eq!(read.as_object().unwrap().len(), 5);
    }

    #[test]
    fn only_a_json_object_and_a_write_id_make_a_stamp() {
        for payload in [&b""[..], b"}", b"{}", b"[1]", b"{\"v\":1", b"\"{}\""] {
            assert_eq!(stamped(payload, A, None), None, "{:?}", String::from_utf8_lossy(payload));
        }
        assert_eq!(stamped(br#"{"v":1}"#, "short", None), None);
        for value in [&b""[..], b"{\"v\":1}", &[b'x'; LEN][..]] {
            assert_eq!(write_of(value), None);
        }
        // Each part of the stamp's shape counts on its own: a value that ends like a string
        // (`"}`), or has the opening and not the middle, or both and not the end, has none.
        let stamp = stamped(br#"{"v":1}"#, A, None).unwrap();
        let long_string = format!(r#"{{"v":"{}"}}"#, "x".repeat(LEN));
        let mut no_middle = stamp.clone();
        no_middle[stamp.len() - LEN + OPEN.len() + ID + 4] = b'x';
        let mut no_end = stamp.clone();
        no_end.pop();
        no_end.push(b']');
        for value in [long_string.as_bytes(), &no_middle, &no_end] {
            assert_eq!(write_of(value), None, "{}", String::from_utf8_lossy(value));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// Whatever the bytes: no panic; a value that does not end in a stamp has none; and a
        /// JSON object stamped reads back as that object with `w` and `wa` added, naming the
        /// write and the opened value's write.
        #[test]
        fn a_stamp_reads_back_as_written(
            junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            fields in proptest::collection::btree_map("[a-v]{1,3}", proptest::prelude::any::<i64>(), 1..6),
            write in "[A-Za-z0-9_-]{22}",
            parent in "[A-Za-z0-9_-]{22}",
        ) {
            let _ = write_of(&junk);
            let _ = stamped(&junk, &write, Some(&junk));
            let payload = serde_json::to_vec(&fields).unwrap();
            let opened = stamped(&payload, &parent, None).unwrap();
            proptest::prop_assert_eq!(write_of(&opened), Some(parent.as_bytes()));
            let value = stamped(&payload, &write, Some(&opened)).unwrap();
            proptest::prop_assert_eq!(write_of(&value), Some(write.as_bytes()));
            let read: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&value).unwrap();
            proptest::prop_assert_eq!(read.len(), fields.len() + 2);
            proptest::prop_assert_eq!(read["w"].as_str(), Some(write.as_str()));
            proptest::prop_assert_eq!(read["wa"].as_str(), Some(parent.as_str()));
            for (key, number) in &fields {
                proptest::prop_assert_eq!(read[key].as_i64(), Some(*number));
            }
        }
    }

    /// The Lua offsets select the same bytes as the Rust side does.
    #[test]
    fn the_lua_offsets_match_the_layout() {
        let value = stamped(br#"{"v":1}"#, A, Some(&stamped(br#"{"v":0}"#, B, None).unwrap())).unwrap();
        let lua = |(from, to): (isize, isize)| {
            let at = |i: isize| usize::try_from(value.len() as isize + i).unwrap();
            &value[at(from)..=at(to)]
        };
        assert_eq!(lua(LUA_OPEN), OPEN);
        assert_eq!(lua(LUA_PARENT), B.as_bytes());
    }
}

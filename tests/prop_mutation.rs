//! Property: for any valid cookie and any single-byte mutation, insertion, deletion or truncation
//! of its value, `open` never returns the data. Exhaustive over every single-byte edit of one
//! cookie (about 50 000 cases), and random over random sessions (10 000 cases).
//!
//! The value reaches the runtime inside `Cookie: session=<value>`. Two edits give back the same
//! cookie and are not mutations of it: a space or tab appended at the end (trimmed as optional
//! whitespace), and a `;` appended at the end (an empty pair). They are skipped, by comparing what
//! the header scanner extracts with the original value.

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use proptest::prelude::*;
use session_runtime::Rejection;

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn apply(value: &[u8], edit: &Edit) -> Vec<u8> {
    let mut out = value.to_vec();
    match *edit {
        Edit::Replace(i, b) => out[i] = b,
        Edit::Insert(i, b) => out.insert(i, b),
        Edit::Delete(i) => {
            out.remove(i);
        }
        Edit::Truncate(len) => out.truncate(len),
    }
    out
}

/// What the header scanner hands over for `session=<value>`: up to the first `;`, without
/// trailing spaces and tabs.
fn as_scanned(value: &[u8]) -> &[u8] {
    let value = value.split(|&b| b == b';').next().unwrap_or_default();
    let end = value.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(0, |i| i + 1);
    &value[..end]
}

/// Opens the mutant; panics if it gave the data back. Returns the rejection.
fn check_refused(original: &[u8], mutant: &[u8], edit: &Edit) -> Option<Rejection> {
    let session = open_value(mutant);
    assert!(session.is_new(), "{edit:?} of {:?} was accepted", String::from_utf8_lossy(original));
    assert_eq!(*session, Visit::default());
    session.rejection()
}

/// Every single-byte edit of `value` that changes the scanned cookie.
fn all_edits(value: &[u8]) -> impl Iterator<Item = Edit> + '_ {
    let n = value.len();
    let replaces = (0..n).flat_map(|i| (0..=255u8).map(move |b| Edit::Replace(i, b)));
    let inserts = (0..=n).flat_map(|i| (0..=255u8).map(move |b| Edit::Insert(i, b)));
    let deletes = (0..n).map(Edit::Delete);
    let truncates = (0..n).map(Edit::Truncate);
    replaces.chain(inserts).chain(deletes).chain(truncates)
}

#[test]
fn every_single_byte_edit_of_a_valid_cookie_is_refused() {
    let value = valid_value().into_bytes();
    assert_eq!(outcome(&open_value(&value)), Ok(sample()));
    let (mut tried, mut same_cookie) = (0usize, 0usize);
    let mut rejections = std::collections::BTreeMap::<String, usize>::new();
    for edit in all_edits(&value) {
        let mutant = apply(&value, &edit);
        if as_scanned(&mutant) == value.as_slice() {
            same_cookie += 1;
            continue;
        }
        let rejection = check_refused(&value, &mutant, &edit);
        *rejections.entry(format!("{rejection:?}")).or_default() += 1;
        tried += 1;
    }
    // 256·n replacements (n of them identical) + 256·(n+1) insertions + n deletions + n truncations.
    let n = value.len();
    assert_eq!(tried + same_cookie, 256 * n + 256 * (n + 1) + 2 * n);
    // Same cookie: the n identical replacements, and SP, HTAB or `;` inserted at the end.
    assert_eq!(same_cookie, n + 3);
    assert!(tried > 40_000, "{tried}");
    eprintln!("{tried} edits refused: {rejections:?}");
}

#[test]
fn every_single_byte_edit_of_a_compressed_cookie_is_refused() {
    let big = Visit { user: Some("ab".repeat(300)), ..sample() };
    let value = save_value(&big).into_bytes();
    assert_eq!(value.first(), Some(&b'.'), "compressed");
    // Every position, a few bytes each (the full 256 per position is the test above).
    let n = value.len();
    let mut tried = 0;
    for i in 0..=n {
        for b in [b'.', b'A', b'_', b'-', b'=', b' ', 0, 0xff] {
            let edits = [Edit::Insert(i, b)].into_iter().chain((i < n).then_some(Edit::Replace(i, b)));
            for edit in edits {
                let mutant = apply(&value, &edit);
                if as_scanned(&mutant) != value.as_slice() {
                    check_refused(&value, &mutant, &edit);
                    tried += 1;
                }
            }
        }
        if i < n {
            for edit in [Edit::Delete(i), Edit::Truncate(i)] {
                check_refused(&value, &apply(&value, &edit), &edit);
                tried += 2;
            }
        }
    }
    assert!(tried > 2_000, "{tried}");
}

fn visit() -> impl Strategy<Value = Visit> {
    (
        prop::option::of(prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter)),
        any::<u32>(),
        prop::collection::vec(any::<u64>(), 0..20),
    )
        .prop_map(|(user, count, cart)| Visit { user, count, cart })
}

fn edit_for(len: usize) -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..len, any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (0..=len, any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        (0..len).prop_map(Edit::Delete),
        (0..len).prop_map(Edit::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn a_single_byte_edit_of_any_valid_cookie_never_opens(
        (value, edit) in visit()
            .prop_filter("not the empty session", |v| *v != Visit::default())
            .prop_map(|v| save_value(&v).into_bytes())
            .prop_flat_map(|value| { let len = value.len(); (Just(value), edit_for(len)) })
    ) {
        let mutant = apply(&value, &edit);
        prop_assume!(as_scanned(&mutant) != value.as_slice());
        check_refused(&value, &mutant, &edit);
    }
}

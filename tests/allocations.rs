//! Allocation counts of the session paths that must not allocate, with a counting global
//! allocator (counts are exact, per thread; no timing here).

use std::cell::Cell;

use http::header::{SET_COOKIE, VARY};
use http::{HeaderMap, Request};
use serde::{Deserialize, Serialize, Serializer};
use session_runtime::Tracked;

#[path = "../benches/support/mod.rs"]
mod support;

#[path = "../benches/support/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

thread_local! {
    static SERIALIZED: Cell<u64> = const { Cell::new(0) };
}

/// The small session, counting how often it is serialized.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
struct Counted(support::Small);

impl Serialize for Counted {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SERIALIZED.with(|n| n.set(n.get() + 1));
        self.0.serialize(serializer)
    }
}

fn serializations() -> u64 {
    SERIALIZED.with(Cell::get)
}

/// A response that already has its usual headers (so the map has room for `Vary`).
fn response_headers() -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert("content-type", "text/html; charset=utf-8".parse().unwrap());
    headers
}

#[test]
fn unchanged_non_permanent_save_neither_serializes_nor_allocates() {
    let backend = support::leak_backend();
    let request = support::request_with(backend, &Counted(support::small()));

    // Read: the response gets `Vary: Cookie` and nothing else.
    let session = Tracked::<Counted>::open_with(backend, &support::CONFIG, &request);
    assert_eq!(session.0.cart.len(), 10);
    let mut headers = response_headers();
    let before = serializations();
    let (allocations, result) = counting::allocations(|| session.save(&mut headers));
    result.unwrap();
    assert_eq!((allocations, serializations() - before), (0, 0));
    assert_eq!(headers[VARY], "Cookie");
    assert!(!headers.contains_key(SET_COOKIE));

    // Not even read: nothing at all.
    let session = Tracked::<Counted>::open_with(backend, &support::CONFIG, &request);
    let mut headers = response_headers();
    let (allocations, result) = counting::allocations(|| session.save(&mut headers));
    result.unwrap();
    assert_eq!((allocations, serializations() - before), (0, 0));
    assert_eq!(headers.len(), 1);
}

/// The same for an encrypted session: reading it opens the sealed value, and an unchanged save
/// neither serializes nor allocates (nothing is re-sealed unless it changed or is refreshed).
#[test]
fn unchanged_encrypted_save_neither_serializes_nor_allocates() {
    let backend = support::leak_backend();
    let config = support::sealed_config();
    let request = support::request_in(backend, config, &Counted(support::small()));
    assert!(session_runtime::is_sealed_value(support::cookie_value(&request).as_bytes()));

    let session = Tracked::<Counted>::open_with(backend, config, &request);
    assert_eq!(session.rejection(), None);
    assert_eq!(session.0.cart.len(), 10);
    let mut headers = response_headers();
    let before = serializations();
    let (allocations, result) = counting::allocations(|| session.save(&mut headers));
    result.unwrap();
    assert_eq!((allocations, serializations() - before), (0, 0));
    assert_eq!(headers[VARY], "Cookie");
    assert!(!headers.contains_key(SET_COOKIE));

    let session = Tracked::<Counted>::open_with(backend, config, &request);
    let mut headers = response_headers();
    let (allocations, result) = counting::allocations(|| session.save(&mut headers));
    result.unwrap();
    assert_eq!((allocations, serializations() - before), (0, 0));
    assert_eq!(headers.len(), 1);
}

/// A permanent session whose cookie is younger than `refresh_after` is not refreshed: reading it
/// and saving it unchanged neither serializes nor allocates, as a non-permanent one.
#[test]
fn a_fresh_permanent_save_neither_serializes_nor_allocates() {
    static CONFIG: std::sync::LazyLock<session_runtime::CookieConfig> = std::sync::LazyLock::new(|| {
        session_runtime::CookieConfig::builder().permanent(true).refresh_after("20%").build().unwrap()
    });
    let backend = support::leak_backend();
    let request = support::request_in(backend, &CONFIG, &Counted(support::small()));
    let session = Tracked::<Counted>::open_with(backend, &*CONFIG, &request);
    assert!(session.is_permanent());
    assert_eq!(session.0.cart.len(), 10);
    let mut headers = response_headers();
    let before = serializations();
    let (allocations, result) = counting::allocations(|| session.save(&mut headers));
    result.unwrap();
    assert_eq!((allocations, serializations() - before), (0, 0));
    assert_eq!(headers[VARY], "Cookie");
    assert!(!headers.contains_key(SET_COOKIE), "younger than refresh_after: not re-sent");
}

/// A changed encrypted save allocates no more than a changed signed one: the sealed line and one
/// scratch buffer for the message (the signed save's second allocation is its JSON buffer, which
/// both have). Counted, not timed.
#[test]
fn a_changed_encrypted_save_allocates_as_a_signed_one_plus_one() {
    let backend = support::leak_backend();
    let saves = |config: &'static session_runtime::CookieConfig| {
        let request = support::request_in(backend, config, &support::small());
        let mut session = Tracked::<support::Small>::open_with(backend, config, &request);
        session.id += 1;
        save_allocations(session)
    };
    let signed = saves(&support::CONFIG);
    let sealed = saves(support::sealed_config());
    assert_eq!(sealed, signed + 1, "signed {signed}, sealed {sealed}");
}

#[test]
fn anonymous_untouched_save_does_not_allocate() {
    let backend = support::leak_backend();
    let session = Tracked::<Counted>::open_with(backend, &support::CONFIG, &Request::new(()));
    let mut headers = response_headers();
    let before = serializations();
    let (allocations, result) = counting::allocations(|| session.save(&mut headers));
    result.unwrap();
    assert_eq!((allocations, serializations() - before), (0, 0));
    assert_eq!(headers.len(), 1);
}

/// The allocations of saving the small session after its name was changed from `from` to `to`.
fn changed_name_save(from: &str, to: &str) -> u64 {
    let backend = support::leak_backend();
    let data = support::Small { name: from.to_owned(), ..support::small() };
    let request = support::request_with(backend, &data);
    let mut session = Tracked::<support::Small>::open_with(backend, &support::CONFIG, &request);
    assert_eq!(session.name, from);
    session.name = to.to_owned();
    let mut headers = response_headers();
    let (allocations, result) = counting::allocations(|| session.save(&mut headers));
    result.unwrap();
    assert!(headers.contains_key(SET_COOKIE), "{from:?} -> {to:?} is a change");
    allocations
}

/// A change that keeps the JSON's length is told from a reordering without parsing the two
/// payloads (envelope.rs, `same_json`: the bytes between the common prefix and suffix have
/// different sums, or different sums of squares): it allocates exactly what a change of length
/// does. Parsing both into `serde_json::Value`s would cost some 30 more. Each pair exercises one
/// half of the check: ` C`/`45` have equal sums of squares (only the plain sums tell them apart),
/// `15`/`24` equal plain sums (only the squares do), `1`/`2` both.
#[test]
fn same_length_changes_are_detected_without_parsing() {
    let length_change = changed_name_save("Ada 1", "Ada 12");
    for (from, to) in [("Ada C", "Ada45"), ("Ada 15", "Ada 24"), ("Ada 1", "Ada 2")] {
        assert_eq!(from.len(), to.len());
        assert_eq!(changed_name_save(from, to), length_change, "{from:?} -> {to:?}");
    }
}

/// The session of `data`'s cookie, changed by `change`, ready to save.
fn changed<T>(data: &T, change: impl FnOnce(&mut T)) -> Tracked<T>
where
    T: Serialize + serde::de::DeserializeOwned + Default + Clone,
{
    let backend = support::leak_backend();
    let request = support::request_with(backend, data);
    let mut session = Tracked::<T>::open_with(backend, &support::CONFIG, &request);
    change(&mut session);
    session
}

/// The allocations of saving `session`, which must send a cookie.
fn save_allocations<T>(session: Tracked<T>) -> u64
where
    T: Serialize + serde::de::DeserializeOwned + Default,
{
    let mut headers = response_headers();
    let (allocations, result) = counting::allocations(|| session.save(&mut headers));
    result.unwrap();
    assert!(headers.contains_key(SET_COOKIE));
    allocations
}

/// The zlib output of a compressed save goes to a buffer this thread reuses, so a compressed save
/// allocates as often as an uncompressed one once the buffer exists; a buffer grown by a session
/// far over any cookie limit (more than 64 KB of JSON) is freed after use rather than kept by the
/// thread, so the next compressed save allocates it once more, and reuses it again after that. A
/// buffer of exactly 64 KiB (65,538 bytes of JSON, 2 fewer of room) is still kept.
/// (Each session is opened before the saves that are compared: opening signs a fresh cookie.)
#[test]
fn the_deflate_buffer_is_reused_but_not_kept_when_huge() {
    let data = support::compressible();
    let bump = |c: &mut support::Compressible| c.id += 1;
    let sessions: Vec<_> = (0..5).map(|_| changed(&data, bump)).collect();
    let small = changed(&support::small(), |s| s.id += 1);
    let huge = support::Compressible { id: 7, seen: vec![data.seen[0].clone(); 2_500] };
    assert!(support::envelope_json(&huge).len() > 64 * 1024);
    let huge = changed(&huge, bump);
    let mut boundary = support::Compressible { id: 7, seen: vec![data.seen[0].clone(); 1_400] };
    boundary.seen.push(String::new());
    let pad = 65_538 - support::envelope_json(&boundary).len();
    boundary.seen.last_mut().unwrap().push_str(&"x".repeat(pad));
    assert_eq!(support::envelope_json(&boundary).len(), 65_538);
    let boundary = changed(&boundary, bump);
    let [warm, reused, after_huge, again, after_boundary] = <[_; 5]>::try_from(sessions).ok().unwrap();
    save_allocations(warm);
    let reused = save_allocations(reused);
    assert_eq!(reused, save_allocations(small), "as many as an uncompressed save");
    save_allocations(huge);
    assert_eq!(save_allocations(after_huge), reused + 1, "the huge buffer was freed");
    assert_eq!(save_allocations(again), reused, "and the new one is kept");
    save_allocations(boundary);
    assert_eq!(save_allocations(after_boundary), reused, "64 KiB is kept");
}

/// The work before an encrypted cookie's tag is bounded: a forged value of the largest accepted
/// size costs one allocation (its decoded bytes, behind the cookie name) and one AEAD attempt per
/// key; nothing per key, no copy of the ciphertext.
#[test]
fn a_forged_encrypted_value_of_the_maximum_size_costs_one_allocation() {
    use session_runtime::Rejection;
    let backend = support::leak_backend();
    let config = support::sealed_config();
    let mut bytes = vec![0x5au8; 4093 * 3 / 4];
    bytes[0] = 0x01; // the version byte: past the checks that need no key
    let value = session_runtime::__testing::b64(&bytes);
    assert!(value.len() <= config.max_size());
    let request = Request::builder().header("cookie", format!("session={value}")).body(()).unwrap();
    let (allocations, session) =
        counting::allocations(|| Tracked::<support::Small>::open_with(backend, config, &request));
    assert_eq!(session.rejection(), Some(Rejection::BadSignature));
    assert_eq!(allocations, 1);
}

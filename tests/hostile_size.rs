//! Hostile input: size. Over-long values, megabyte headers, tens of thousands of cookies and of
//! headers, compression bombs, deeply nested and huge JSON. Besides the outcome, each case bounds
//! the work with numbers, never timings: bytes allocated while opening (a counting allocator) and
//! how many `Cookie` headers the runtime read.
//!
//! The allocator counts every thread, so the tests of this file take a lock and run one at a time.

#[path = "hostile_common/mod.rs"]
mod common;

use std::alloc::System;
use std::sync::{Mutex, MutexGuard};

use common::*;
use session_runtime::__testing::{MAX_INFLATED, b64, compressed_payload, timestamp, zlib};
use session_runtime::Rejection::{BadSignature, Malformed, Payload, TooLarge};
use session_runtime::{CookieConfig, Error, Tracked};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Opens from `source` and returns the session with the bytes allocated while opening (the data
/// the session holds included; the backend is built before counting starts).
fn open_counting(source: &RawHeaders) -> (Tracked<Visit>, usize) {
    open_counting_as::<Visit>(source)
}

/// [`open_counting`] for a session of type `T`.
fn open_counting_as<T>(source: &RawHeaders) -> (Tracked<T>, usize)
where
    T: serde::Serialize + serde::de::DeserializeOwned + Default,
{
    let backend = backend();
    let region = Region::new(GLOBAL);
    let session = Tracked::open_with(backend, CookieConfig::DEFAULT, source);
    let stats = region.change();
    let grown = usize::try_from(stats.bytes_reallocated.max(0)).unwrap();
    let allocated = stats.bytes_allocated + grown;
    // Shown with `--nocapture`; the numbers in docs/security.md come from here.
    eprintln!("{}: {allocated} bytes allocated", std::thread::current().name().unwrap_or("?"));
    (session, allocated)
}

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// What opening may allocate when nothing is decoded or only a small valid cookie is: a fixed
/// amount, whatever the size of the headers (measured: 112 to 231 bytes; the margin absorbs
/// allocations of the test harness's own threads).
const SMALL: usize = 16 * KIB;

/// What reading a compressed payload may allocate, in all: inflating stops one byte past the cap
/// (the output buffer grows by doubling), then base64, JSON and the data. A few times the cap,
/// whatever the payload claims to inflate to.
const READ_BOUND: usize = 6 * MAX_INFLATED;

/// Text that does not compress (xorshift), `n` visible ASCII characters.
fn incompressible(n: usize) -> String {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'!' + (state % 90) as u8)
        })
        .map(|c| if c == '"' || c == '\\' { 'x' } else { c })
        .collect()
}

#[test]
fn a_value_one_byte_over_max_size_is_too_large() {
    let _serial = serial();
    let value = "A".repeat(CookieConfig::DEFAULT.max_size() + 1);
    let (session, allocated) = open_counting(&RawHeaders::one(format!("session={value}")));
    assert_eq!(outcome(&session), Err(Some(TooLarge)));
    assert!(allocated < SMALL, "{allocated} bytes");
}

#[test]
fn a_value_of_exactly_max_size_is_checked() {
    let _serial = serial();
    let mut value = valid_value();
    let payload_len = parts(&value).0.len();
    let pad = CookieConfig::DEFAULT.max_size() - value.len();
    value.insert_str(payload_len, &"A".repeat(pad));
    assert_eq!(value.len(), CookieConfig::DEFAULT.max_size());
    let (session, _) = open_counting(&RawHeaders::one(format!("session={value}")));
    assert_eq!(outcome(&session), Err(Some(BadSignature)));
}

#[test]
fn a_one_megabyte_value_is_too_large_without_reading_it() {
    let _serial = serial();
    let value = valid_value() + &"A".repeat(MIB);
    let (session, allocated) = open_counting(&RawHeaders::one(format!("session={value}")));
    assert_eq!(outcome(&session), Err(Some(TooLarge)));
    assert!(allocated < SMALL, "{allocated} bytes for a 1 MiB value");
}

#[test]
fn a_one_megabyte_header_of_foreign_cookies_still_finds_ours() {
    let _serial = serial();
    let mut header = "x=".to_owned() + &"y".repeat(MIB);
    header.push_str("; session=");
    header.push_str(&valid_value());
    let (session, allocated) = open_counting(&RawHeaders::one(header));
    assert_eq!(outcome(&session), Ok(sample()));
    assert!(allocated < SMALL, "{allocated} bytes");
}

#[test]
fn a_sixteen_megabyte_header_without_our_cookie_allocates_nothing_much() {
    let _serial = serial();
    let header = "a=b; ".repeat(16 * MIB / 5);
    let (session, allocated) = open_counting(&RawHeaders::one(header));
    assert_eq!(outcome(&session), Err(None));
    assert!(allocated < SMALL, "{allocated} bytes");
}

#[test]
fn fifty_thousand_cookies_in_one_header_still_find_ours() {
    let _serial = serial();
    let mut header: String = (0..50_000).map(|i| format!("c{i}=v{i}; ")).collect();
    header.push_str("session=");
    header.push_str(&valid_value());
    let (session, allocated) = open_counting(&RawHeaders::one(header));
    assert_eq!(outcome(&session), Ok(sample()));
    assert!(allocated < SMALL, "{allocated} bytes");
}

#[test]
fn twenty_thousand_cookie_headers_still_find_ours() {
    let _serial = serial();
    let mut headers: Vec<Vec<u8>> = (0..20_000).map(|i| format!("c{i}=v").into_bytes()).collect();
    headers.push(format!("session={}", valid_value()).into_bytes());
    let source = RawHeaders::new(headers);
    let (session, allocated) = open_counting(&source);
    assert_eq!(outcome(&session), Ok(sample()));
    assert_eq!(source.visited.get(), 20_001);
    assert!(allocated < SMALL, "{allocated} bytes");
}

#[test]
fn ten_thousand_cookies_with_our_name_are_tried_at_most_four_times() {
    let _serial = serial();
    // Each header holds one bad value; the runtime stops reading after the fourth.
    let headers: Vec<Vec<u8>> = (0..10_000).map(|i| format!("session={i}.x.y").into_bytes()).collect();
    let source = RawHeaders::new(headers);
    let (session, allocated) = open_counting(&source);
    assert_eq!(outcome(&session), Err(Some(Malformed)));
    assert_eq!(source.visited.get(), 4, "headers read");
    assert!(allocated < SMALL, "{allocated} bytes");
}

#[test]
fn our_cookie_after_four_bad_ones_is_not_reached() {
    let _serial = serial();
    // The documented bound: up to 4 candidates with our name, first that verifies wins.
    let bad = "session=a.b.c; ".repeat(4);
    let session = open_header(format!("{bad}session={}", valid_value()));
    assert_eq!(outcome(&session), Err(Some(Malformed)));
    let three_bad = "session=a.b.c; ".repeat(3);
    let session = open_header(format!("{three_bad}session={}", valid_value()));
    assert_eq!(outcome(&session), Ok(sample()));
}

#[test]
fn ten_thousand_empty_values_with_our_name_are_skipped_cheaply() {
    let _serial = serial();
    let mut header = "session=; ".repeat(10_000);
    header.push_str("session=");
    header.push_str(&valid_value());
    let (session, allocated) = open_counting(&RawHeaders::one(header));
    assert_eq!(outcome(&session), Ok(sample()));
    assert!(allocated < SMALL, "{allocated} bytes");
}

#[test]
fn a_compression_bomb_under_a_valid_mac_is_refused_within_the_cap() {
    let _serial = serial();
    // zlib deflates at most about 1000:1, so the largest bomb that fits in a cookie inflates to a
    // few MiB: 2 MiB of zeros.
    let bomb = compressed_payload(&vec![b'0'; 2 * MIB]);
    assert!(bomb.len() < 4 * KIB, "{}", bomb.len());
    let value = sign_raw(bomb.as_bytes(), timestamp(NOW).as_bytes());
    let (session, allocated) = open_counting(&RawHeaders::one([b"session=".as_slice(), &value].concat()));
    assert_eq!(outcome(&session), Err(Some(Payload)));
    assert!(allocated < READ_BOUND, "{allocated} bytes for a 2 MiB bomb");
}

/// A compressed `PAYLOAD` part whose zlib stream is padded with trailing bytes (ignored after the
/// end of the stream, as `ZlibDecoder` ignores them) to exactly `len` bytes. The inflate buffer
/// starts at 8 times the compressed length and doubles, so the length steers where it meets the
/// cap.
fn compressed_padded_to(data: &[u8], len: usize) -> String {
    let mut stream = zlib(data);
    assert!(stream.len() <= len, "{} bytes of zlib", stream.len());
    stream.resize(len, b'!');
    format!(".{}", b64(&stream))
}

/// The inflate buffer grows by doubling but never past one byte over the cap, in a few steps. A
/// 2,047-byte bomb starts the buffer at 16,376 bytes, which doubles to 262,016, just under the cap:
/// the last step grows it by 129 bytes, not by 262,016.
#[test]
fn a_bomb_grows_the_inflate_buffer_to_one_byte_over_the_cap_and_no_further() {
    let _serial = serial();
    let bomb = compressed_padded_to(&vec![b'0'; MIB], 2_047);
    let value = sign_raw(bomb.as_bytes(), timestamp(NOW).as_bytes());
    let source = RawHeaders::one([b"session=".as_slice(), &value].concat());
    let backend = backend();
    let region = Region::new(GLOBAL);
    let session = Tracked::<Visit>::open_with(backend, CookieConfig::DEFAULT, &source);
    let stats = region.change();
    assert_eq!(outcome(&session), Err(Some(Payload)));
    let grown = usize::try_from(stats.bytes_reallocated.max(0)).unwrap();
    let allocated = stats.bytes_allocated + grown;
    // Measured: 550,129 bytes (this count adds what reallocation grew to what was allocated);
    // doubling past the cap: 1,074,013.
    assert!(allocated < 3 * MAX_INFLATED, "{allocated} bytes");
    assert!(stats.reallocations <= 8, "{} reallocations", stats.reallocations);
}

/// A payload inflating to exactly the cap is read even when the buffer is then exactly full: a
/// 2,048-byte stream starts the buffer at 16,384 bytes, which doubles to exactly the cap.
#[test]
fn a_payload_filling_the_buffer_at_exactly_the_cap_is_read() {
    let _serial = serial();
    let json = format!(r#"{{"v":{{"user":"{}","count":1,"cart":[]}}}}"#, "a".repeat(MAX_INFLATED - 40));
    let padded = format!("{json}{}", " ".repeat(MAX_INFLATED - json.len()));
    let payload = compressed_padded_to(padded.as_bytes(), 2_048);
    let value = sign_raw(payload.as_bytes(), timestamp(NOW).as_bytes());
    let (session, _) = open_counting(&RawHeaders::one([b"session=".as_slice(), &value].concat()));
    assert_eq!(session.rejection(), None);
    assert_eq!(session.user.as_deref().map(str::len), Some(MAX_INFLATED - 40));
}

/// The compressed marker with an empty body (a valid MAC over `"." "." TIMESTAMP`): inflating
/// nothing makes no progress, which ends the read (`Payload`) instead of looping.
#[test]
fn an_empty_compressed_body_is_a_payload_rejection() {
    let _serial = serial();
    let value = sign_raw(b".", timestamp(NOW).as_bytes());
    let (session, allocated) = open_counting(&RawHeaders::one([b"session=".as_slice(), &value].concat()));
    assert_eq!(outcome(&session), Err(Some(Payload)));
    assert!(allocated < SMALL, "{allocated} bytes");
}

#[test]
fn a_payload_inflating_to_exactly_the_cap_is_read() {
    let _serial = serial();
    let json = format!(r#"{{"v":{{"user":"{}","count":1,"cart":[]}}}}"#, "a".repeat(MAX_INFLATED - 40));
    let padded = format!("{json}{}", " ".repeat(MAX_INFLATED - json.len()));
    assert_eq!(padded.len(), MAX_INFLATED);
    let value = sign_raw(compressed_payload(padded.as_bytes()).as_bytes(), timestamp(NOW).as_bytes());
    let (session, _) = open_counting(&RawHeaders::one([b"session=".as_slice(), &value].concat()));
    assert_eq!(session.user.as_deref().map(str::len), Some(MAX_INFLATED - 40));
    let one_more = format!("{padded} ");
    let value = sign_raw(compressed_payload(one_more.as_bytes()).as_bytes(), timestamp(NOW).as_bytes());
    let (session, _) = open_counting(&RawHeaders::one([b"session=".as_slice(), &value].concat()));
    assert_eq!(outcome(&session), Err(Some(Payload)));
}

/// `Cookie: session=…` for `json`, compressed and signed with a valid MAC.
fn compressed_cookie(json: &str) -> RawHeaders {
    assert!(json.len() <= MAX_INFLATED, "within the inflate cap, so the cap is not what refuses it");
    let value = sign_raw(compressed_payload(json.as_bytes()).as_bytes(), timestamp(NOW).as_bytes());
    assert!(value.len() < 4 * KIB);
    RawHeaders::one([b"session=".as_slice(), &value].concat())
}

/// `levels` nested envelopes, balanced: `{"v":{"v":…1…}}`.
fn nested_envelopes(levels: usize) -> String {
    format!("{}1{}", "{\"v\":".repeat(levels), "}".repeat(levels))
}

#[test]
fn deeply_nested_json_in_an_ignored_field_is_skipped_without_recursing() {
    let _serial = serial();
    // 100 000 balanced levels in a field the struct does not have. serde skips an unknown field
    // as `IgnoredAny`, which serde_json reads in a loop with one byte of stack per level on the
    // heap: no recursion, and so no recursion limit either. The cookie is accepted.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let json = format!(r#"{{"v":{{"user":null,"count":1,"cart":[],"x":{deep}}}}}"#);
    let (session, allocated) = open_counting(&compressed_cookie(&json));
    assert_eq!(outcome(&session), Ok(Visit { user: None, count: 1, cart: vec![] }));
    assert!(allocated < READ_BOUND, "{allocated} bytes");
    // Never closed, the same levels are refused at the end of the input, not at a depth limit.
    let json = format!(r#"{{"v":{{"user":null,"count":1,"cart":[],"x":{}}}}}"#, "[".repeat(100_000));
    let (session, allocated) = open_counting(&compressed_cookie(&json));
    assert_eq!(outcome(&session), Err(Some(Payload)));
    assert!(allocated < READ_BOUND, "{allocated} bytes");
}

#[test]
fn deeply_nested_json_in_a_read_field_stops_at_serde_json_recursion_limit() {
    let _serial = serial();
    // Data that is read (here the whole session is a `serde_json::Value`) is parsed by recursion,
    // which serde_json stops at 128 levels: 127 levels in all (the envelope and 126 of data, what
    // `save` writes at most) are read, 128 are refused, and so are 40 000 (balanced, within the
    // inflate cap) without overflowing the stack.
    let open = |levels| open_counting_as::<serde_json::Value>(&compressed_cookie(&nested_envelopes(levels)));
    let (session, _) = open(127);
    assert_eq!(session.rejection(), None);
    assert!(!session.is_new());
    for levels in [128, 40_000] {
        let (session, allocated) = open(levels);
        assert_eq!(session.rejection(), Some(Payload), "{levels} levels");
        assert_eq!(*session, serde_json::Value::Null);
        assert!(allocated < READ_BOUND, "{allocated} bytes");
    }
}

#[test]
fn deeply_nested_envelopes_are_refused_as_missing_fields() {
    let _serial = serial();
    // 40 000 balanced envelopes into `Visit`: its one known level has no `count` (the rest is an
    // unknown field `v`, skipped as above), so the data does not decode.
    let (session, allocated) = open_counting(&compressed_cookie(&nested_envelopes(40_000)));
    assert_eq!(outcome(&session), Err(Some(Payload)));
    assert!(allocated < READ_BOUND, "{allocated} bytes");
}

#[test]
fn a_number_with_two_hundred_thousand_digits_is_refused() {
    let _serial = serial();
    let json = format!(r#"{{"v":{{"user":null,"count":{},"cart":[]}}}}"#, "9".repeat(200_000));
    let value = sign_raw(compressed_payload(json.as_bytes()).as_bytes(), timestamp(NOW).as_bytes());
    let (session, allocated) = open_counting(&RawHeaders::one([b"session=".as_slice(), &value].concat()));
    assert_eq!(outcome(&session), Err(Some(Payload)));
    assert!(allocated < READ_BOUND, "{allocated} bytes");
}

#[test]
fn a_float_with_two_hundred_thousand_digits_is_bounded() {
    let _serial = serial();
    #[derive(serde::Deserialize, Default, serde::Serialize)]
    struct Ratio {
        r: f64,
    }
    let json = format!(r#"{{"v":{{"r":0.{}1e5}}}}"#, "0".repeat(200_000));
    let value = sign_raw(compressed_payload(json.as_bytes()).as_bytes(), timestamp(NOW).as_bytes());
    let backend = backend();
    let region = Region::new(GLOBAL);
    let session = Tracked::<Ratio>::open_with(
        backend,
        CookieConfig::DEFAULT,
        &RawHeaders::one([b"session=".as_slice(), &value].concat()),
    );
    let allocated = region.change().bytes_allocated;
    assert_eq!(session.rejection(), None);
    assert_eq!(session.r, 1e-200_000_f64.max(0.0));
    assert!(allocated < READ_BOUND, "{allocated} bytes");
}

#[test]
fn ten_thousand_array_elements_are_read_within_the_cap() {
    let _serial = serial();
    let cart: Vec<String> = (0..10_000).map(|i| (i % 10).to_string()).collect();
    let json = format!(r#"{{"v":{{"user":null,"count":1,"cart":[{}]}}}}"#, cart.join(","));
    let value = sign_raw(compressed_payload(json.as_bytes()).as_bytes(), timestamp(NOW).as_bytes());
    let (session, allocated) = open_counting(&RawHeaders::one([b"session=".as_slice(), &value].concat()));
    assert_eq!(session.cart.len(), 10_000);
    assert!(allocated < READ_BOUND, "{allocated} bytes");
}

#[test]
fn an_over_long_value_is_never_saved() {
    let _serial = serial();
    let mut session = open_raw(&RawHeaders::none());
    // Random-looking text does not compress below the limit.
    session.user = Some(incompressible(6_000));
    let mut response = http::Response::new(());
    let result = session.save(&mut response);
    assert!(matches!(result, Err(Error::TooLarge { limit: 4093, .. })), "{result:?}");
    assert!(response.headers().is_empty(), "nothing is written");
}

#[test]
fn the_largest_value_that_fits_is_saved_and_read_back() {
    let _serial = serial();
    // Grow a random-looking user name until save refuses; the last size that saved reads back.
    let text = incompressible;
    let mut last_ok = None;
    for n in (2_500..3_200).step_by(10) {
        let mut session = open_raw(&RawHeaders::none());
        session.user = Some(text(n));
        let mut response = http::Response::new(());
        match session.save(&mut response) {
            Ok(_) => last_ok = Some((n, cookie_value(&response).unwrap())),
            Err(Error::TooLarge { line_size, limit, .. }) => {
                assert!(line_size > limit);
                break;
            }
            Err(other) => panic!("{other}"),
        }
    }
    let (n, value) = last_ok.expect("some size fits");
    let reopened = open_value(&value);
    assert_eq!(reopened.user.as_deref(), Some(text(n).as_str()));
}

#[test]
fn a_base64_payload_of_garbage_under_a_valid_mac_allocates_little() {
    let _serial = serial();
    let payload = b64(&[0xff; 2_000]);
    let value = sign_raw(payload.as_bytes(), timestamp(NOW).as_bytes());
    let (session, allocated) = open_counting(&RawHeaders::one([b"session=".as_slice(), &value].concat()));
    assert_eq!(outcome(&session), Err(Some(Payload)));
    assert!(allocated < 16 * KIB, "{allocated} bytes");
}

//! Hostile input: timestamps. Expired, the exact boundary, future, zero, overflow, more than
//! 8 bytes and malformed under a valid MAC; and clocks that read nonsense on the server.
//! The timestamp is parsed only after the MAC verified (itsdangerous #296 parsed it first).

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use session_runtime::__testing::{b64, timestamp};
use session_runtime::Rejection::{BadSignature, Expired, Malformed, NotYetValid};
use session_runtime::{Clock, CookieConfig, Error, Rejection, SecureCookieSessionInterface, Tracked};

const JSON: &str = r#"{"v":{"user":"ada","count":7,"cart":[1,2,3]}}"#;

fn signed_at(at: u64) -> String {
    signed_json(JSON, at)
}

fn open_with_skew(value: &str, skew: u64) -> Tracked<Visit> {
    Tracked::open_with(
        backend_with(keys(), NOW, skew),
        CookieConfig::DEFAULT,
        &RawHeaders::one(format!("session={value}")),
    )
}

fn raw_ts(ts: &[u8]) -> Vec<u8> {
    sign_raw(b64(JSON.as_bytes()).as_bytes(), ts)
}

#[test]
fn signed_now_is_accepted() {
    assert_accepted(signed_at(NOW), &sample());
}

#[test]
fn exactly_the_lifetime_old_is_accepted() {
    assert_accepted(signed_at(NOW - LIFETIME), &sample());
}

#[test]
fn one_second_past_the_lifetime_is_expired() {
    assert_refused(signed_at(NOW - LIFETIME - 1), Expired);
}

#[test]
fn one_second_before_the_lifetime_is_accepted() {
    assert_accepted(signed_at(NOW - LIFETIME + 1), &sample());
}

#[test]
fn the_lifetime_of_the_config_is_the_limit() {
    let config = CookieConfig::builder().lifetime_secs(10).build().unwrap();
    let open = |at| {
        Tracked::<Visit>::open_with(
            backend(),
            config.clone(),
            &RawHeaders::one(format!("session={}", signed_at(at))),
        )
        .rejection()
    };
    assert_eq!(open(NOW - 10), None);
    assert_eq!(open(NOW - 11), Some(Expired));
}

#[test]
fn one_second_in_the_future_is_not_yet_valid() {
    assert_refused(signed_at(NOW + 1), NotYetValid);
}

#[test]
fn the_future_within_the_skew_is_accepted() {
    assert_eq!(open_with_skew(&signed_at(NOW + 30), 30).rejection(), None);
    assert_eq!(open_with_skew(&signed_at(NOW + 31), 30).rejection(), Some(NotYetValid));
}

#[test]
fn a_zero_timestamp_is_expired() {
    // Timestamp 0 is the empty part (no bytes), signed validly.
    assert_eq!(timestamp(0), "");
    assert_refused(signed_at(0), Expired);
}

#[test]
fn the_largest_timestamp_is_not_yet_valid() {
    assert_refused(signed_at(u64::MAX), NotYetValid);
    assert_eq!(open_with_skew(&signed_at(u64::MAX), u64::MAX).rejection(), None);
}

#[test]
fn nine_timestamp_bytes_are_malformed() {
    assert_refused(raw_ts(b64(&[1; 9]).as_bytes()), Malformed);
}

#[test]
fn sixteen_timestamp_bytes_are_malformed() {
    assert_refused(raw_ts(b64(&[0xff; 16]).as_bytes()), Malformed);
}

#[test]
fn a_leading_zero_byte_is_malformed() {
    let canonical = timestamp(NOW);
    let mut bytes = vec![0];
    bytes.extend_from_slice(&NOW.to_be_bytes()[4..]);
    assert_ne!(b64(&bytes), canonical);
    assert_refused(raw_ts(b64(&bytes).as_bytes()), Malformed);
    assert_refused(raw_ts(b64(&[0]).as_bytes()), Malformed);
}

#[test]
fn eight_zero_bytes_are_malformed() {
    assert_refused(raw_ts(b64(&[0; 8]).as_bytes()), Malformed);
}

#[test]
fn a_timestamp_that_is_not_base64_is_malformed() {
    for ts in [&b"!!!!"[..], b"ZVPxAA==", b"ZVPxAB", b"ZVP+AA", b"ZVPxA", "Ω".as_bytes(), b"\x00", b" ZVPxAA"]
    {
        assert_refused(raw_ts(ts), Malformed);
    }
}

#[test]
fn itsdangerous_296_bad_signature_with_a_huge_timestamp_is_refused_without_parsing() {
    // The regression input of itsdangerous' test_malformed_future_timestamp: its 20-byte SHA-1
    // signature is the wrong length for us.
    assert_refused("value.TgPVoaGhoQ.AGBfQ6G6cr07byTRt0zAdPljHOY", Malformed);
    // With a 32-byte signature that does not verify, the timestamp is never parsed.
    let fake = b64(&[7; 32]);
    assert_refused(format!("{}.{}.{fake}", b64(JSON.as_bytes()), b64(&[0xff; 30])), BadSignature);
    assert_refused(format!("{}.{}.{fake}", b64(JSON.as_bytes()), timestamp(u64::MAX)), BadSignature);
}

#[test]
fn a_huge_timestamp_under_a_valid_mac_is_refused() {
    // The same 2^60-ish value as itsdangerous #296, signed properly: parsed only now, and refused.
    // "TgPVoaGhoQ" is 7 canonical bytes, about 2^54 seconds: far in the future.
    assert_refused(raw_ts(b"TgPVoaGhoQ"), NotYetValid);
}

/// A clock before 1970: `now_unix` is `None`.
#[derive(Debug)]
struct BeforeEpoch;

impl Clock for BeforeEpoch {
    fn now_unix(&self) -> Option<u64> {
        None
    }
}

#[test]
fn a_server_clock_before_1970_refuses_cookies_and_cannot_save() {
    let backend = std::sync::Arc::new(
        SecureCookieSessionInterface::new(keys()).with_salt(SALT).with_clock(BeforeEpoch),
    );
    let mut session = Tracked::<Visit>::open_with(
        backend,
        CookieConfig::DEFAULT,
        &RawHeaders::one(format!("session={}", signed_at(NOW))),
    );
    assert_eq!(session.rejection(), Some(NotYetValid));
    session.count = 1;
    let mut response = http::Response::new(());
    assert!(matches!(session.save(&mut response), Err(Error::Clock)));
    assert!(response.headers().get(http::header::SET_COOKIE).is_none());
}

fn save_permanent_at(clock: u64) -> (Result<(), Error>, http::Response<()>) {
    let mut session = Tracked::<Visit>::open_with(
        backend_with(keys(), clock, 0),
        CookieConfig::DEFAULT,
        &RawHeaders::none(),
    );
    session.count = 1;
    session.set_permanent(true);
    let mut response = http::Response::new(());
    (session.save(&mut response).map(|_report| ()), response)
}

#[test]
fn a_server_clock_at_the_end_of_time_cannot_save_a_permanent_session() {
    let (result, response) = save_permanent_at(u64::MAX);
    assert!(matches!(result, Err(Error::Clock)), "{result:?}");
    assert!(response.headers().get(http::header::SET_COOKIE).is_none());
}

#[test]
fn a_server_clock_near_year_9999_cannot_save_a_permanent_session() {
    // httpdate panics formatting dates from year 9999 on; `Expires` = now + 31 days must not
    // reach it (found by this test: the runtime panicked).
    let (result, response) = save_permanent_at(253_402_300_800 - 10);
    assert!(matches!(result, Err(Error::Clock)), "{result:?}");
    assert!(response.headers().get(http::header::SET_COOKIE).is_none());
}

#[test]
fn the_last_expires_date_that_can_be_written_is_saved() {
    let (result, response) = save_permanent_at(253_402_300_799 - LIFETIME);
    assert!(result.is_ok(), "{result:?}");
    let line = response.headers()[http::header::SET_COOKIE].to_str().unwrap();
    assert!(line.contains("Expires=Fri, 31 Dec 9999 23:59:59 GMT"), "{line}");
}

#[test]
fn a_server_clock_at_the_end_of_time_saves_a_browser_session() {
    // Not permanent: no Expires to format, the timestamp is u64::MAX and reads back.
    let mut session = Tracked::<Visit>::open_with(
        backend_with(keys(), u64::MAX, 0),
        CookieConfig::DEFAULT,
        &RawHeaders::none(),
    );
    session.count = 1;
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    let value = cookie_value(&response).unwrap();
    let reopened = Tracked::<Visit>::open_with(
        backend_with(keys(), u64::MAX, 0),
        CookieConfig::DEFAULT,
        &RawHeaders::one(format!("session={value}")),
    );
    assert_eq!(reopened.rejection(), None);
    assert_eq!(reopened.count, 1);
}

#[test]
fn a_cookie_from_the_epoch_on_a_clock_at_the_end_of_time_is_expired() {
    let session = Tracked::<Visit>::open_with(
        backend_with(keys(), u64::MAX, 0),
        CookieConfig::DEFAULT,
        &RawHeaders::one(format!("session={}", signed_at(0))),
    );
    assert_eq!(session.rejection(), Some(Rejection::Expired));
}

//! Hostile input: the issue time (`"i"`) of envelope v2, under a valid MAC or seal. In the future,
//! after the signing time, absurdly old, missing (an envelope v1), given twice, or not an
//! unsigned integer: each is a `Rejection` or, for the v1 envelope, accepted with its signing
//! time standing in, never a panic. Both the signed and the encrypted format; `max_lifetime`
//! 30 days over a 1 day lifetime.

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use session_runtime::__testing::RawSealer;
use session_runtime::Rejection::{Expired, NotYetValid, Payload, SessionTooOld};
use session_runtime::{CookieConfig, Rejection, Tracked};

const DAY: u64 = 86_400;
const MAX: u64 = 30 * DAY;
const DATA: &str = r#"{"user":"ada","count":7,"cart":[1,2,3]}"#;

fn config(encrypted: bool) -> CookieConfig {
    CookieConfig::builder().lifetime("1d").max_lifetime("30d").encrypted(encrypted).build().unwrap()
}

/// `json` signed, or sealed, at `signed_at` for cookie `session`.
fn cookie(encrypted: bool, json: &str, signed_at: u64) -> String {
    if encrypted {
        RawSealer::new(&keys(), SALT).seal_json("session", json.as_bytes(), signed_at, &[7; 12]).unwrap()
    } else {
        signed_json(json, signed_at)
    }
}

fn open(encrypted: bool, json: &str, signed_at: u64) -> Tracked<Visit> {
    Tracked::open_with(
        backend(),
        config(encrypted),
        &RawHeaders::one(format!("session={}", cookie(encrypted, json, signed_at))),
    )
}

/// Opens an envelope issued at `issued` and signed at `signed_at`, in both formats, and checks
/// both agree on `expected` (`None`: accepted with the sample data).
#[track_caller]
fn check(issued: &str, signed_at: u64, expected: Option<Rejection>) {
    let json = format!(r#"{{"v":{DATA},"i":{issued}}}"#);
    for encrypted in [false, true] {
        let session = open(encrypted, &json, signed_at);
        let got = outcome(&session);
        match expected {
            None => assert_eq!(got, Ok(sample()), "{json} encrypted={encrypted}"),
            Some(rejection) => assert_eq!(got, Err(Some(rejection)), "{json} encrypted={encrypted}"),
        }
    }
}

#[test]
fn issued_at_the_signing_time_is_accepted() {
    check(&NOW.to_string(), NOW, None);
    check(&(NOW - 10 * DAY).to_string(), NOW, None);
}

/// The MAC verified, so a writer of ours put that issue time there (one whose clock ran ahead):
/// not yet valid, never labelled as tampering. Within the backend's future skew it is accepted
/// (`fleet_findings.rs`); these backends have none.
#[test]
fn issued_after_it_was_signed_is_not_yet_valid() {
    check(&(NOW - 9).to_string(), NOW - 10, Some(NotYetValid));
}

#[test]
fn issued_in_the_future_is_not_yet_valid() {
    check(&(NOW + 60).to_string(), NOW, Some(NotYetValid));
    check(&u64::MAX.to_string(), NOW, Some(NotYetValid));
}

#[test]
fn issued_absurdly_long_ago_is_too_old() {
    check("0", NOW, Some(SessionTooOld));
    check("1", NOW, Some(SessionTooOld));
    check(&(NOW - MAX - 1).to_string(), NOW, Some(SessionTooOld));
}

#[test]
fn max_lifetime_boundaries() {
    check(&(NOW - MAX + 1).to_string(), NOW, None);
    check(&(NOW - MAX).to_string(), NOW, None);
    check(&(NOW - MAX - 1).to_string(), NOW, Some(SessionTooOld));
}

#[test]
fn not_an_unsigned_integer_is_a_payload_rejection() {
    for issued in ["-1", "1.5", "1e9", "\"1700000000\"", "18446744073709551616", "[]", "true"] {
        check(issued, NOW, Some(Payload));
    }
}

#[test]
fn an_issue_time_given_twice_is_a_payload_rejection() {
    for encrypted in [false, true] {
        for json in [
            format!(r#"{{"v":{DATA},"i":{NOW},"i":{NOW}}}"#),
            format!(r#"{{"i":{NOW},"v":{DATA},"i":{}}}"#, NOW - 1),
        ] {
            assert_eq!(outcome(&open(encrypted, &json, NOW)), Err(Some(Payload)), "{json}");
        }
    }
}

/// An envelope v1 (no `"i"`, as the previous release wrote) is accepted, its signing time
/// standing in for the issue time; the save writes that time into the cookie.
#[test]
fn a_missing_issue_time_is_the_signing_time() {
    let v1 = format!(r#"{{"v":{DATA}}}"#);
    for encrypted in [false, true] {
        let session = open(encrypted, &v1, NOW - 100);
        assert_eq!(outcome(&session), Ok(sample()));
        let mut response = http::Response::new(());
        session.save(&mut response).unwrap();
        let written = cookie_value(&response).expect("a v1 envelope is re-written with its issue time");
        let reopened = Tracked::<Visit>::open_with(
            backend(),
            config(encrypted),
            &RawHeaders::one(format!("session={written}")),
        );
        assert_eq!(outcome(&reopened), Ok(sample()));
        let mut response = http::Response::new(());
        reopened.save(&mut response).unwrap();
        assert_eq!(cookie_value(&response), None, "written once, then left alone");
    }
}

/// A v1 cookie older than `max_lifetime` is older than the lifetime too: refused as expired
/// (the idle limit is checked first, and both end it).
#[test]
fn an_old_envelope_signed_beyond_max_lifetime_is_refused() {
    let v1 = format!(r#"{{"v":{DATA}}}"#);
    for encrypted in [false, true] {
        assert_eq!(outcome(&open(encrypted, &v1, NOW - MAX - 1)), Err(Some(Expired)));
    }
}

/// Without `max_lifetime` an old issue time is no reason to refuse (Flask's behaviour), but an
/// issue time after the signature still is.
#[test]
fn without_max_lifetime_only_the_order_is_checked() {
    let open_default = |json: &str| {
        Tracked::<Visit>::open_with(
            backend(),
            CookieConfig::DEFAULT,
            &RawHeaders::one(format!("session={}", signed_json(json, NOW))),
        )
    };
    assert_eq!(outcome(&open_default(&format!(r#"{{"v":{DATA},"i":0}}"#))), Ok(sample()));
    let later = format!(r#"{{"v":{DATA},"i":{}}}"#, NOW + 1);
    assert_eq!(outcome(&open_default(&later)), Err(Some(NotYetValid)));
}

//! Hostile input at the header level: several `Cookie` headers, duplicate names, foreign non-UTF-8
//! cookies, name look-alikes, `$Version`, whitespace around `=`. Requests go through real
//! `http::Request`s where `http` can carry the bytes, and through raw bytes otherwise.
//!
//! Rules (docs/design.md, "Incoming cookies"): every `Cookie` header is scanned as bytes; pairs are
//! split on `;` and trimmed of SP/HTAB only; the name matches byte for byte; up to 4 values with
//! our name are tried in order and the first that verifies wins.

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use session_runtime::Rejection::{BadSignature, Malformed};
use session_runtime::{CookieConfig, Tracked};

fn request(headers: &[&[u8]]) -> http::Request<()> {
    let mut builder = http::Request::builder();
    for header in headers {
        builder = builder.header(http::header::COOKIE, http::HeaderValue::from_bytes(header).unwrap());
    }
    builder.body(()).unwrap()
}

fn open_request(headers: &[&[u8]]) -> Tracked<Visit> {
    Tracked::open_with(backend(), CookieConfig::DEFAULT, &request(headers))
}

fn other() -> (Visit, String) {
    let data = Visit { user: Some("mallory".into()), count: 1, cart: vec![] };
    let value = save_value(&data);
    (data, value)
}

#[test]
fn our_cookie_in_the_second_cookie_header_is_found() {
    // HTTP/2 sends one header per cookie.
    let ours = format!("session={}", valid_value());
    assert_eq!(outcome(&open_request(&[b"a=1", ours.as_bytes(), b"b=2"])), Ok(sample()));
}

#[test]
fn our_cookie_in_the_last_of_many_cookie_headers_is_found() {
    let ours = format!("session={}", valid_value());
    let mut headers: Vec<&[u8]> = vec![b"a=1"; 200];
    headers.push(ours.as_bytes());
    assert_eq!(outcome(&open_request(&headers)), Ok(sample()));
}

#[test]
fn an_empty_cookie_header_is_ignored() {
    let ours = format!("session={}", valid_value());
    assert_eq!(outcome(&open_request(&[b"", ours.as_bytes()])), Ok(sample()));
}

#[test]
fn duplicate_names_bad_then_good_take_the_good_one() {
    let header = format!("session=forged.x.y; session={}", valid_value());
    assert_eq!(outcome(&open_request(&[header.as_bytes()])), Ok(sample()));
}

#[test]
fn duplicate_names_across_headers_take_the_first_that_verifies() {
    let ours = format!("session={}", valid_value());
    assert_eq!(outcome(&open_request(&[b"session=garbage", ours.as_bytes()])), Ok(sample()));
}

#[test]
fn duplicate_names_with_two_valid_values_take_the_first() {
    // Documented policy: first that verifies wins. A sibling subdomain that can toss a cookie it
    // holds a valid value for can therefore put its own session first; `__Host-` names stop that.
    let (theirs, their_value) = other();
    let header = format!("session={their_value}; session={}", valid_value());
    assert_eq!(outcome(&open_request(&[header.as_bytes()])), Ok(theirs));
    let header = format!("session={}; session={their_value}", valid_value());
    assert_eq!(outcome(&open_request(&[header.as_bytes()])), Ok(sample()));
}

#[test]
fn duplicate_names_all_bad_report_the_first_rejection() {
    let bad_signature = valid_value().replacen('e', "f", 1);
    let header = format!("session=a.b; session={bad_signature}");
    assert_eq!(outcome(&open_request(&[header.as_bytes()])), Err(Some(Malformed)));
    let header = format!("session={bad_signature}; session=a.b");
    assert_eq!(outcome(&open_request(&[header.as_bytes()])), Err(Some(BadSignature)));
}

#[test]
fn an_empty_value_is_no_session_and_not_a_candidate() {
    assert_eq!(outcome(&open_request(&[b"session="])), Err(None));
    let header = format!("session=; session={}", valid_value());
    assert_eq!(outcome(&open_request(&[header.as_bytes()])), Ok(sample()));
}

#[test]
fn a_foreign_non_utf8_cookie_does_not_hide_ours() {
    // `HeaderValue::to_str` fails on any byte >= 0x80: a runtime using it would lose the session.
    let header =
        [b"pref=caf\xc3\xa9; junk=\xff\xfe\x80; session=".as_slice(), valid_value().as_bytes()].concat();
    assert!(http::HeaderValue::from_bytes(&header).unwrap().to_str().is_err());
    assert_eq!(outcome(&open_request(&[&header])), Ok(sample()));
}

#[test]
fn a_foreign_non_utf8_cookie_header_does_not_hide_ours_in_the_next() {
    let ours = format!("session={}", valid_value());
    assert_eq!(outcome(&open_request(&[b"\xff=\xff", ours.as_bytes()])), Ok(sample()));
}

#[test]
fn a_foreign_cookie_with_control_bytes_does_not_hide_ours() {
    // Bytes `http` would refuse, handed over raw by some other server integration.
    let header = [b"x=\x00\x01\x7f; session=".as_slice(), valid_value().as_bytes()].concat();
    assert_eq!(outcome(&open_header(header)), Ok(sample()));
}

#[test]
fn name_look_alikes_are_not_our_cookie() {
    let value = valid_value();
    for name in [
        "Session",
        "SESSION",
        "session2",
        "xsession",
        "session.",
        "session-",
        "\"session\"",
        "ѕession",  // Cyrillic dze
        "ｓession", // fullwidth s
        "session\u{200b}",
        "\u{feff}session",
        "\u{a0}session",
        "session\u{a0}",
        "$session",
        "__Host-session",
        "__Secure-session",
    ] {
        let header = format!("{name}={value}");
        assert_eq!(outcome(&open_header(header.clone())), Err(None), "{name:?}");
    }
}

#[test]
fn prefix_case_look_alikes_are_not_a_host_cookie() {
    let config = CookieConfig::builder().name("__Host-id").secure(true).build().unwrap();
    let mut session = Tracked::<Visit>::open_with(backend(), config.clone(), &RawHeaders::none());
    *session = sample();
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    let value = cookie_value(&response).unwrap();
    let open = |header: String| {
        let session = Tracked::<Visit>::open_with(backend(), config.clone(), &RawHeaders::one(header));
        outcome(&session)
    };
    assert_eq!(open(format!("__Host-id={value}")), Ok(sample()));
    for name in
        ["__host-id", "__HOST-id", "__Host-Id", "__Secure-id", "id", "__Host-id\u{a0}", " __Host-id\u{200b}"]
    {
        assert_eq!(open(format!("{name}={value}")), Err(None), "{name:?}");
    }
}

#[test]
fn a_nameless_cookie_carrying_our_name_in_its_value_is_not_ours() {
    // `=session=<value>` has an empty name; browsers send nameless cookies as bare values.
    let value = valid_value();
    assert_eq!(outcome(&open_header(format!("=session={value}"))), Err(None));
}

#[test]
fn a_bare_value_without_a_name_is_not_ours() {
    assert_eq!(outcome(&open_header(valid_value())), Err(None));
    assert_eq!(outcome(&open_header("session")), Err(None));
}

#[test]
fn dollar_version_is_not_parsed() {
    // RFC 2965 `$Version` is not honoured: it neither hides our cookie nor unquotes it.
    let value = valid_value();
    assert_eq!(outcome(&open_header(format!("$Version=1; session={value}"))), Ok(sample()));
    assert_eq!(outcome(&open_header(format!("$Version=\"1\"; session={value}; $Path=\"/\""))), Ok(sample()));
    assert_eq!(outcome(&open_header(format!("$Version=1; session=\"{value}\""))), Err(Some(Malformed)));
    assert_eq!(outcome(&open_header(format!("$Version=1, session={value}"))), Err(None));
}

#[test]
fn whitespace_before_equals_is_a_different_name() {
    let value = valid_value();
    assert_eq!(outcome(&open_header(format!("session ={value}"))), Err(None));
    assert_eq!(outcome(&open_header(format!("session\t={value}"))), Err(None));
}

#[test]
fn whitespace_after_equals_is_part_of_the_value() {
    let value = valid_value();
    assert_eq!(outcome(&open_header(format!("session= {value}"))), Err(Some(BadSignature)));
    assert_eq!(outcome(&open_header(format!("session=\t{value}"))), Err(Some(BadSignature)));
}

#[test]
fn whitespace_around_the_pair_is_trimmed() {
    let value = valid_value();
    assert_eq!(outcome(&open_header(format!("  session={value}  "))), Ok(sample()));
    assert_eq!(outcome(&open_header(format!("a=1;\tsession={value}\t;b=2"))), Ok(sample()));
}

#[test]
fn separators_other_than_semicolon_do_not_split() {
    let value = valid_value();
    // A comma joins pairs in some old clients; here it is part of the previous value.
    assert_eq!(outcome(&open_header(format!("a=1, session={value}"))), Err(None));
    assert_eq!(outcome(&open_header(format!("a=1,session={value}"))), Err(None));
}

#[test]
fn semicolons_without_space_and_repeated_semicolons_still_split() {
    let value = valid_value();
    assert_eq!(outcome(&open_header(format!(";;;a=1;;session={value};;;"))), Ok(sample()));
}

#[test]
fn a_cookie_header_of_only_separators_has_no_session() {
    for header in [";", ";;;;", "=", "==", "; = ;", "\t", " "] {
        assert_eq!(outcome(&open_header(header)), Err(None), "{header:?}");
    }
}

#[test]
fn a_quoted_value_is_not_unquoted() {
    assert_eq!(outcome(&open_header(format!("session=\"{}\"", valid_value()))), Err(Some(Malformed)));
}

#[test]
fn a_value_with_an_equals_sign_is_taken_whole() {
    let value = valid_value();
    assert_eq!(outcome(&open_header(format!("session={value}=x"))), Err(Some(Malformed)));
    assert_eq!(outcome(&open_header(format!("session=={value}"))), Err(Some(BadSignature)));
}

#[test]
fn a_set_cookie_header_on_a_request_is_not_read() {
    // A `Set-Cookie` on a request is not a cookie.
    let request = http::Request::builder()
        .header(http::header::SET_COOKIE, format!("session={}", valid_value()))
        .body(())
        .unwrap();
    let session = Tracked::<Visit>::open_with(backend(), CookieConfig::DEFAULT, &request);
    assert_eq!(outcome(&session), Err(None));
}

#[test]
fn request_parts_and_header_maps_read_the_same_cookies() {
    let ours = format!("session={}", valid_value());
    let req = request(&[b"a=1", ours.as_bytes()]);
    let (parts, ()) = req.into_parts();
    let from_parts = Tracked::<Visit>::open_with(backend(), CookieConfig::DEFAULT, &parts);
    let from_map = Tracked::<Visit>::open_with(backend(), CookieConfig::DEFAULT, &parts.headers);
    assert_eq!(outcome(&from_parts), Ok(sample()));
    assert_eq!(outcome(&from_map), Ok(sample()));
}

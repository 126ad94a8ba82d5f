//! Config injection: nothing the runtime builder accepts can inject into a `Set-Cookie` header.
//! `;`, CR, LF, NUL, other controls, `,`, whitespace and non-ASCII are refused in path and domain,
//! and anything outside the RFC 6265 token set in the name. Proven exhaustively over every byte,
//! and by rendering every accepted config.

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use session_runtime::config::rules::{domain_problem, is_cookie_name, path_problem};
use session_runtime::{ConfigError, CookieConfig, SameSite, Tracked};

fn set_cookie_line(config: CookieConfig) -> String {
    let mut session = Tracked::<Visit>::open_with(backend(), config, &RawHeaders::none());
    session.count = 1;
    session.set_permanent(true);
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    response.headers()[http::header::SET_COOKIE].to_str().unwrap().to_owned()
}

/// The attribute names of a `Set-Cookie` line, in order.
fn attribute_names(line: &str) -> Vec<&str> {
    line.split("; ").skip(1).map(|a| a.split_once('=').map_or(a, |(k, _)| k)).collect()
}

const EXPECTED: [&str; 7] = ["Domain", "Expires", "Max-Age", "Secure", "HttpOnly", "Path", "SameSite"];

#[test]
fn semicolon_in_the_path_is_refused() {
    let result = CookieConfig::builder().path("/a; Domain=evil.example").build();
    assert!(matches!(result, Err(ConfigError::Path(..))), "{result:?}");
}

#[test]
fn semicolon_in_the_domain_is_refused() {
    let result = CookieConfig::builder().domain("example.com; Secure").build();
    assert!(matches!(result, Err(ConfigError::Domain(..))), "{result:?}");
}

#[test]
fn cr_lf_in_the_path_is_refused() {
    for path in ["/a\r\nSet-Cookie: admin=1", "/a\r", "/a\n", "/\r\n\r\n<html>"] {
        assert!(matches!(CookieConfig::builder().path(path).build(), Err(ConfigError::Path(..))), "{path:?}");
    }
}

#[test]
fn cr_lf_in_the_domain_is_refused() {
    for domain in ["example.com\r\nX: y", "example.com\n", "\rexample.com"] {
        let result = CookieConfig::builder().domain(domain).build();
        assert!(matches!(result, Err(ConfigError::Domain(..))), "{domain:?}");
    }
}

#[test]
fn injection_through_the_name_is_refused() {
    for name in ["s; Domain=evil", "s\r\nX: y", "s=1", "a b", "s,t", "s\0", "", "ſession", "s\"", "s\\"] {
        let result = CookieConfig::builder().name(name).build();
        assert!(matches!(result, Err(ConfigError::Name(_))), "{name:?}: {result:?}");
    }
}

#[test]
fn every_byte_in_a_path_is_refused_or_harmless() {
    for byte in 0u8..=0x7f {
        let path = format!("/a{}b", char::from(byte));
        match CookieConfig::builder().secure(true).path(path.clone()).build() {
            Err(ConfigError::Path(..)) => {
                assert!(
                    byte.is_ascii_control() || b"; ,".contains(&byte),
                    "{byte:#04x} refused for no reason"
                );
            }
            Err(other) => panic!("{byte:#04x}: {other}"),
            Ok(config) => {
                assert!(!byte.is_ascii_control() && !b"; ,".contains(&byte), "{byte:#04x} accepted");
                let line = set_cookie_line(config);
                assert_eq!(attribute_names(&line), EXPECTED[1..], "{byte:#04x}: {line}");
            }
        }
    }
    for byte in 0x80u8..=0xff {
        // Non-ASCII: as Latin-1 characters, which are multi-byte in UTF-8.
        let path = format!("/a{}b", char::from(byte));
        assert!(CookieConfig::builder().path(path).build().is_err(), "{byte:#04x}");
    }
}

#[test]
fn every_byte_in_a_domain_is_refused_or_harmless() {
    for byte in 0u8..=0x7f {
        let domain = format!("a{}b.example", char::from(byte));
        match CookieConfig::builder().secure(true).domain(domain.clone()).build() {
            Err(ConfigError::Domain(..)) => {
                assert!(
                    byte.is_ascii_control() || b"; ,:".contains(&byte),
                    "{byte:#04x} refused for no reason"
                );
            }
            Err(other) => panic!("{byte:#04x}: {other}"),
            Ok(config) => {
                assert!(!byte.is_ascii_control() && !b"; ,:".contains(&byte), "{byte:#04x} accepted");
                let line = set_cookie_line(config);
                assert_eq!(attribute_names(&line), EXPECTED, "{byte:#04x}: {line}");
                assert!(line.contains(&format!("Domain={domain};")), "{line}");
            }
        }
    }
}

#[test]
fn every_byte_in_a_name_is_refused_or_a_token() {
    for byte in 0u8..=0xff {
        let name = format!("s{}", char::from(byte));
        let accepted = CookieConfig::builder().name(name.clone()).build().is_ok();
        assert_eq!(accepted, is_cookie_name(&name), "{byte:#04x}");
        if accepted {
            assert!(byte.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&byte), "{byte:#04x}");
        }
    }
}

#[test]
fn the_rules_refuse_what_the_builder_refuses() {
    assert!(path_problem("/a;b").is_some());
    assert!(path_problem("/a\u{7f}b").is_some());
    assert!(domain_problem("a\tb").is_some());
    assert!(domain_problem("a\u{85}b").is_some(), "NEL, a C1 control, is non-ASCII");
}

#[test]
fn over_long_attributes_are_refused() {
    assert!(matches!(
        CookieConfig::builder().path(format!("/{}", "a".repeat(1024))).build(),
        Err(ConfigError::Path(..))
    ));
    assert!(matches!(
        CookieConfig::builder().domain(format!("{}.com", "a".repeat(1021))).build(),
        Err(ConfigError::Domain(..))
    ));
    assert!(CookieConfig::builder().path(format!("/{}", "a".repeat(1023))).build().is_ok());
}

#[test]
fn a_fully_configured_cookie_has_each_attribute_once() {
    let config = CookieConfig::builder()
        .name("__Secure-s")
        .domain("example.com")
        .path("/app/x=1&y='2'")
        .secure(true)
        .same_site(Some(SameSite::None))
        .partitioned(true)
        .build()
        .unwrap();
    let line = set_cookie_line(config);
    let mut expected = EXPECTED.to_vec();
    expected.push("Partitioned");
    assert_eq!(attribute_names(&line), expected, "{line}");
    assert!(line.contains("; Path=/app/x=1&y='2'; "), "{line}");
}

#[test]
fn percent_in_a_path_is_kept_literally() {
    // `%0d%0a` stays text: it is not decoded into CR LF anywhere.
    let config = CookieConfig::builder().path("/a%0d%0aSet-Cookie:x").build().unwrap();
    let line = set_cookie_line(config);
    assert!(line.contains("Path=/a%0d%0aSet-Cookie:x"), "{line}");
    assert!(!line.bytes().any(|b| b.is_ascii_control()));
}

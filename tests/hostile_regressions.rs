//! Regressions for known vulnerabilities and crashes of other session libraries (Flask,
//! itsdangerous, Express, koa, …) that are not covered by a category file. The table "Known
//! vulnerabilities and crashes" in docs/security.md lists every item and maps it to its test.

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use session_runtime::{ConfigError, CookieConfig, FixedClock, Keys, SecureCookieSessionInterface, Tracked};

fn vary_count(response: &http::Response<()>) -> usize {
    response.headers().get_all(http::header::VARY).iter().count()
}

fn permanent_value() -> String {
    let mut session = open_raw(&RawHeaders::none());
    *session = sample();
    session.set_permanent(true);
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    cookie_value(&response).unwrap()
}

#[test]
fn flask_cve_2023_30861_a_refreshed_permanent_session_carries_vary_cookie() {
    let session = open_value(permanent_value());
    // The handler does not touch the session at all.
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    assert!(response.headers().contains_key(http::header::SET_COOKIE), "refreshed");
    assert_eq!(vary_count(&response), 1);
    assert_eq!(response.headers()[http::header::VARY], "Cookie");
}

#[test]
fn flask_cve_2026_27205_every_kind_of_read_access_adds_vary_cookie() {
    type Probe = fn(&mut Tracked<Visit>);
    let probes: [(&str, Probe); 5] = [
        ("deref", |s| {
            std::hint::black_box(s.count);
        }),
        ("is_new", |s| {
            std::hint::black_box(s.is_new());
        }),
        ("rejection", |s| {
            std::hint::black_box(s.rejection());
        }),
        ("flashes", |s| {
            std::hint::black_box(s.flashes().len());
        }),
        ("is_permanent", |s| {
            std::hint::black_box(s.is_permanent());
        }),
    ];
    for (name, probe) in probes {
        let mut session = open_value(valid_value());
        probe(&mut session);
        let mut response = http::Response::new(());
        session.save(&mut response).unwrap();
        assert!(!response.headers().contains_key(http::header::SET_COOKIE), "{name}: nothing changed");
        assert_eq!(vary_count(&response), 1, "{name}");
    }
    let untouched = open_value(valid_value());
    let mut response = http::Response::new(());
    untouched.save(&mut response).unwrap();
    assert_eq!(vary_count(&response), 0, "not accessed, not permanent: no header at all");
}

#[test]
fn rustsec_2017_0005_a_huge_lifetime_is_refused_not_a_panic() {
    assert!(matches!(
        CookieConfig::builder().lifetime_secs(u64::MAX).build(),
        Err(ConfigError::LifetimeTooLong(u64::MAX))
    ));
    assert!(CookieConfig::builder().lifetime("99999999999999999999d").build().is_err());
    assert!(CookieConfig::builder().lifetime("18446744073709551615w").build().is_err());
    assert!(CookieConfig::builder().lifetime("401d").build().is_err());
    let longest = CookieConfig::builder().lifetime("400d").build().unwrap();
    assert_eq!(longest.lifetime_secs(), 400 * 86_400);
}

#[test]
fn cookie_rs_178_a_multi_byte_character_at_the_signature_boundary_does_not_panic() {
    // cookie-rs split the value at byte 44 (its MAC length); "yyyy…y£" put '£' across it.
    for len in 40..48 {
        let value = format!("{}£", "y".repeat(len));
        let outcome = outcome(&open_value(&value));
        assert!(matches!(outcome, Err(Some(_))), "{value}: {outcome:?}");
    }
    let value = valid_value();
    for cut in [43, 44, 45] {
        let hostile = format!("{}£{}", &value[..value.len() - cut], &value[value.len() - cut..]);
        assert!(outcome(&open_value(hostile)).is_err());
    }
}

#[test]
fn itsdangerous_46_a_clock_before_2011_still_signs_and_verifies() {
    // itsdangerous once crashed signing before its 2011 epoch; ours is 1970, and 0 works.
    for now in [0, 1, 1_293_840_000 - 1] {
        let backend = std::sync::Arc::new(
            SecureCookieSessionInterface::new(keys()).with_salt(SALT).with_clock(FixedClock(now)),
        );
        let mut session =
            Tracked::<Visit>::open_with(backend.clone(), CookieConfig::DEFAULT, &RawHeaders::none());
        *session = sample();
        let mut response = http::Response::new(());
        session.save(&mut response).unwrap();
        let value = cookie_value(&response).unwrap();
        let reopened = Tracked::<Visit>::open_with(
            backend,
            CookieConfig::DEFAULT,
            &RawHeaders::one(format!("session={value}")),
        );
        assert_eq!(outcome(&reopened), Ok(sample()), "clock at {now}");
    }
}

#[test]
fn a_weak_current_key_never_signs_and_never_verifies() {
    // Legacy short keys are kept for interop but the native format neither signs nor verifies
    // with them, so a guessable key cannot forge sessions.
    let weak = session_runtime::SecretKey::from_legacy(b"dev").unwrap();
    let backend = backend_with(Keys::new(weak), NOW, 0);
    let mut session =
        Tracked::<Visit>::open_with(backend.clone(), CookieConfig::DEFAULT, &RawHeaders::none());
    session.count = 1;
    let mut response = http::Response::new(());
    assert!(matches!(session.save(&mut response), Err(session_runtime::Error::WeakKey { len: 3, min: 32 })));
    assert!(response.headers().get(http::header::SET_COOKIE).is_none());
    let session = Tracked::<Visit>::open_with(
        backend,
        CookieConfig::DEFAULT,
        &RawHeaders::one(format!("session={}", valid_value())),
    );
    assert_eq!(session.rejection(), Some(session_runtime::Rejection::BadSignature));
}

#[test]
fn mac_tags_are_compared_only_with_verify_slice() {
    // Timing attacks (Express cookie-signature, Pyramid, Ring) and truncated tags (hmac's
    // `verify_truncated_left` accepts a 1-byte prefix): the only comparison of a tag in the
    // runtime is `Mac::verify_slice`. clippy.toml also disallows the truncated verifiers.
    let sources = [
        include_str!("../session-runtime/src/format/native.rs"),
        include_str!("../session-runtime/src/format/base64url.rs"),
        include_str!("../session-runtime/src/secure_cookie.rs"),
        include_str!("../session-runtime/src/key.rs"),
        include_str!("../session-runtime/src/testing.rs"),
    ];
    let all = sources.concat();
    assert!(!all.contains("verify_truncated"));
    assert!(!all.contains("ct_eq(&tag"));
    assert_eq!(sources[0].matches("verify_slice").count(), 1, "one tag comparison, in unsign");
    // The tag is only ever decoded, length-checked and handed to verify_slice.
    for line in sources[0].lines().filter(|l| l.contains("tag") && !l.trim_start().starts_with("//")) {
        assert!(!line.contains("tag ==") && !line.contains("== tag") && !line.contains("tag.eq("), "{line}");
    }
}

#[test]
fn the_runtime_keeps_its_no_panic_lints() {
    // The lints that keep panics out of non-test runtime code, and the clippy config that keeps
    // the truncated verifiers out: removing either must be a deliberate change of this test.
    let lib = include_str!("../session-runtime/src/lib.rs");
    assert!(lib.contains("#![forbid(unsafe_code)]"));
    assert!(lib.contains(
        "not(test),\n    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)"
    ));
    // The cookie rules run inside the runtime too (the builder, `from_static`).
    let rules = include_str!("../session-rules/src/lib.rs");
    assert!(rules.contains("#![forbid(unsafe_code)]"));
    assert!(rules.contains(
        "not(test),\n    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)"
    ));
    let clippy = include_str!("../clippy.toml");
    assert!(clippy.contains(r#"path = "hmac::Mac::verify_truncated_left""#));
    assert!(clippy.contains(r#"path = "hmac::Mac::verify_truncated_right""#));
}

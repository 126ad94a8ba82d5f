//! Property tests of the two time limits over random (issued, signed, now) triples, drawn mostly
//! at the boundaries (-1, 0 and +1 second of both `lifetime` and `max_lifetime`, and an issue
//! time one second after the signature): the outcome is always the one the rules predict, in
//! the signed and the encrypted format alike.

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use proptest::prelude::*;
use session_runtime::__testing::RawSealer;
use session_runtime::{CookieConfig, FixedClock, Rejection, SecureCookieSessionInterface, Tracked};

/// What the rules say opening a session issued at `issued` and signed at `signed` gives at `now`.
fn predicted(issued: u64, signed: u64, now: u64, lifetime: u64, max: u64) -> Option<Rejection> {
    if signed > now {
        Some(Rejection::NotYetValid)
    } else if now - signed > lifetime {
        Some(Rejection::Expired)
    } else if issued > signed {
        Some(Rejection::NotYetValid)
    } else if now - issued > max {
        Some(Rejection::SessionTooOld)
    } else {
        None
    }
}

/// An age near one of the boundaries, or anywhere below twice the limit.
fn age(limit: u64) -> impl Strategy<Value = u64> {
    prop_oneof![Just(limit.saturating_sub(1)), Just(limit), Just(limit + 1), Just(0u64), 0..=2 * limit,]
}

fn triple() -> impl Strategy<Value = (u64, u64, u64, u64, u64)> {
    (1u64..=1_000, 0u64..=1_000, 1_000_000u64..=2_000_000_000).prop_flat_map(|(lifetime, extra, now)| {
        let max = lifetime + extra;
        (
            Just(lifetime),
            Just(max),
            Just(now),
            prop_oneof![age(lifetime).prop_map(move |a| now - a), Just(now + 1)],
            prop_oneof![age(max), Just(0u64)],
        )
            .prop_flat_map(|(lifetime, max, now, signed, issued_age)| {
                // The issue time: by age from now, or relative to the signature (the same second,
                // one second after it).
                let issued = prop_oneof![Just(now - issued_age), Just(signed), Just(signed + 1)];
                (Just(lifetime), Just(max), Just(now), Just(signed), issued)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn both_limits_hold_at_their_boundaries((lifetime, max, now, signed, issued) in triple(), encrypted in any::<bool>()) {
        let config = CookieConfig::builder()
            .lifetime_secs(lifetime)
            .max_lifetime_secs(max)
            .encrypted(encrypted)
            .build()
            .unwrap();
        let json = format!(r#"{{"v":{},"i":{issued}}}"#, serde_json::to_string(&sample()).unwrap());
        let value = if encrypted {
            RawSealer::new(&keys(), SALT).seal_json("session", json.as_bytes(), signed, &[3; 12]).unwrap()
        } else {
            signed_json(&json, signed)
        };
        let backend = std::sync::Arc::new(
            SecureCookieSessionInterface::new(keys()).with_salt(SALT).with_clock(FixedClock(now)),
        );
        let session: Tracked<Visit> =
            Tracked::open_with(backend, config, &RawHeaders::one(format!("session={value}")));
        let expected = predicted(issued, signed, now, lifetime, max);
        match expected {
            None => prop_assert_eq!(outcome(&session), Ok(sample())),
            Some(rejection) => prop_assert_eq!(outcome(&session), Err(Some(rejection))),
        }
    }
}

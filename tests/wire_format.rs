//! The native wire format v1 through the public API: round trips, tampering, key rotation, name
//! binding, age boundaries, canonical encodings and golden vectors.

mod common;

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use session_runtime::{CookieConfig, Keys, Rejection, SecureCookieSessionInterface, Tracked};
use sha2::Sha256;
use std::sync::Arc;

#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Clone)]
struct Visit {
    user: Option<String>,
    count: u32,
    cart: Vec<u64>,
}

#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Clone)]
struct Nested {
    profile: Profile,
    scores: BTreeMap<String, i64>,
    tuple: (u8, String, bool),
    big: u128,
    small: i64,
    ratio: f64,
}

#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Clone)]
struct Profile {
    name: String,
    tags: Vec<String>,
    extra: Option<Box<Profile>>,
}

#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Clone)]
#[serde(default)]
struct Renamed {
    #[serde(rename = "u")]
    user_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    theme: Option<String>,
}

fn save_value<T: Serialize + DeserializeOwned + Default>(
    backend: &Arc<SecureCookieSessionInterface>,
    config: &CookieConfig,
    value: T,
) -> String {
    let mut s: Tracked<T> = Tracked::open_with(backend.clone(), config.clone(), &request(None));
    *s = value;
    let mut resp = response();
    s.save(&mut resp).expect("save");
    cookie_value(&resp)
}

fn open_value<T: Serialize + DeserializeOwned + Default>(
    backend: &Arc<SecureCookieSessionInterface>,
    config: &CookieConfig,
    value: &str,
) -> Tracked<T> {
    let cookie = format!("{}={}", config.name(), value);
    Tracked::open_with(backend.clone(), config.clone(), &request(Some(&cookie)))
}

fn rejection(backend: &Arc<SecureCookieSessionInterface>, value: &str) -> Option<Rejection> {
    let s: Tracked<Visit> = open_value(backend, &CookieConfig::DEFAULT, value);
    if s.rejection().is_some() {
        assert_eq!(*s, Visit::default(), "a refused cookie gives the default data");
        assert!(s.is_new());
    }
    s.rejection()
}

fn round_trip<T: Serialize + DeserializeOwned + Default + PartialEq + std::fmt::Debug + Clone>(value: T) {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let cookie = save_value(&b, &config, value.clone());
    let s: Tracked<T> = open_value(&b, &config, &cookie);
    assert_eq!(s.rejection(), None);
    assert!(!s.is_new());
    assert_eq!(*s, value);
}

#[test]
fn round_trips_several_shapes() {
    round_trip(Visit { user: Some("alice".into()), count: 3, cart: vec![1, 2, 3] });
    round_trip(Nested {
        profile: Profile {
            name: "Zoë 😀 \u{2028} \"quoted\" \\ </script>".into(),
            tags: vec!["a".into(), String::new()],
            extra: Some(Box::new(Profile { name: "inner".into(), ..Profile::default() })),
        },
        scores: [("x".to_string(), i64::MIN), ("y".to_string(), i64::MAX)].into(),
        tuple: (255, "t".into(), true),
        big: u128::MAX,
        small: -1,
        ratio: 0.1 + 0.2,
    });
    round_trip(Renamed { user_id: u64::MAX, theme: None });
    round_trip(Renamed { user_id: 1, theme: Some("dark".into()) });
    round_trip(BTreeMap::from([("k".to_string(), vec![1u8, 2])]));
    // Large and compressible: goes through the compressed payload.
    round_trip(Visit { user: Some("x".repeat(3000)), count: 1, cart: vec![9; 200] });
}

#[test]
fn compressed_payload_is_marked_and_verified() {
    let b = backend(NOW);
    let cookie =
        save_value(&b, &CookieConfig::DEFAULT, Visit { user: Some("ab".repeat(800)), ..Visit::default() });
    assert!(cookie.starts_with('.'), "{cookie}");
    assert!(cookie.len() < 1600);
    // Dropping the compression mark breaks the MAC.
    assert_eq!(rejection(&b, &cookie[1..]), Some(Rejection::BadSignature));
}

#[test]
fn tampering_any_byte_of_any_part_is_refused() {
    let b = backend(NOW);
    let cookie =
        save_value(&b, &CookieConfig::DEFAULT, Visit { user: Some("alice".into()), count: 1, cart: vec![] });
    let bytes = cookie.as_bytes();
    for i in 0..bytes.len() {
        for replacement in [b'A', b'z', b'0', b'-', b'_', b'.'] {
            if bytes[i] == replacement {
                continue;
            }
            let mut tampered = bytes.to_vec();
            tampered[i] = replacement;
            let tampered = String::from_utf8(tampered).unwrap();
            let outcome = rejection(&b, &tampered);
            assert!(
                matches!(outcome, Some(Rejection::BadSignature | Rejection::Malformed)),
                "byte {i} -> {:?}: {outcome:?}",
                replacement as char
            );
        }
    }
}

#[test]
fn wrong_key_is_refused() {
    let cookie = save_value(&backend(NOW), &CookieConfig::DEFAULT, Visit { count: 1, ..Visit::default() });
    let other = backend_at(Keys::new(key(9)), NOW);
    assert_eq!(rejection(&other, &cookie), Some(Rejection::BadSignature));
}

#[test]
fn fallback_key_is_accepted_and_resigned_with_current() {
    let config = CookieConfig::DEFAULT;
    let old = backend_at(Keys::new(key(1)), NOW);
    let cookie = save_value(&old, &config, Visit { count: 1, ..Visit::default() });
    let rotated = backend_at(Keys::new(key(2)).with_fallbacks([key(1)]), NOW);
    let mut s: Tracked<Visit> = open_value(&rotated, &config, &cookie);
    assert_eq!(s.rejection(), None);
    assert_eq!(s.count, 1);
    s.count = 2;
    let mut resp = response();
    s.save(&mut resp).unwrap();
    let resaved = cookie_value(&resp);
    // Signed with the current key: readable without the fallback, not with the old key alone.
    let current_only = backend_at(Keys::new(key(2)), NOW);
    assert_eq!(open_value::<Visit>(&current_only, &config, &resaved).count, 2);
    assert_eq!(rejection(&old, &resaved), Some(Rejection::BadSignature));
    // Removing the fallback refuses the old cookie.
    assert_eq!(rejection(&current_only, &cookie), Some(Rejection::BadSignature));
}

#[test]
fn value_moved_to_another_cookie_name_is_refused() {
    let b = backend(NOW);
    let a = CookieConfig::builder().name("a").build().unwrap();
    let z = CookieConfig::builder().name("z").build().unwrap();
    let cookie = save_value(&b, &a, Visit { count: 1, ..Visit::default() });
    assert_eq!(open_value::<Visit>(&b, &a, &cookie).count, 1);
    assert_eq!(open_value::<Visit>(&b, &z, &cookie).rejection(), Some(Rejection::BadSignature));
}

#[test]
fn another_salt_is_refused() {
    let b = backend(NOW);
    let cookie = save_value(&b, &CookieConfig::DEFAULT, Visit { count: 1, ..Visit::default() });
    let salted = Arc::new(
        SecureCookieSessionInterface::new(Keys::new(key(1)))
            .with_salt("other")
            .with_clock(session_runtime::FixedClock(NOW)),
    );
    assert_eq!(rejection(&salted, &cookie), Some(Rejection::BadSignature));
}

#[test]
fn age_boundaries() {
    let config = CookieConfig::builder().lifetime_secs(10).build().unwrap();
    let cookie = save_value(&backend(NOW), &config, Visit { count: 1, ..Visit::default() });
    let at = |now| open_value::<Visit>(&backend(now), &config, &cookie).rejection();
    assert_eq!(at(NOW), None);
    assert_eq!(at(NOW + 9), None);
    assert_eq!(at(NOW + 10), None, "age == max_age is accepted");
    assert_eq!(at(NOW + 11), Some(Rejection::Expired), "max_age + 1 is expired");
    assert_eq!(at(NOW - 1), Some(Rejection::NotYetValid), "future timestamps are refused");
    assert_eq!(at(0), Some(Rejection::NotYetValid));
    let skewed = Arc::new(
        SecureCookieSessionInterface::new(Keys::new(key(1)))
            .with_future_skew(5)
            .with_clock(session_runtime::FixedClock(NOW - 5)),
    );
    assert_eq!(open_value::<Visit>(&skewed, &config, &cookie).rejection(), None);
}

#[test]
fn non_canonical_base64_is_refused() {
    let b = backend(NOW);
    let cookie = save_value(&b, &CookieConfig::DEFAULT, Visit { count: 1, ..Visit::default() });
    let parts: Vec<&str> = cookie.split('.').collect();
    let (payload, ts, sig) = (parts[0], parts[1], parts[2]);
    // Padding on any part.
    for bad in [format!("{payload}=.{ts}.{sig}"), format!("{payload}.{ts}=.{sig}"), format!("{cookie}=")] {
        assert!(rejection(&b, &bad).is_some(), "{bad}");
    }
    // Standard alphabet instead of the URL-safe one, where the signature has - or _.
    let std_sig = sig.replace('-', "+").replace('_', "/");
    if std_sig != sig {
        assert_eq!(rejection(&b, &format!("{payload}.{ts}.{std_sig}")), Some(Rejection::Malformed));
    }
    // Non-zero trailing bits on the signature (43 chars encode 32 bytes with 2 spare bits).
    let last = sig.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.find(last).unwrap();
    let flipped = alphabet.chars().nth(index ^ 1).unwrap();
    let bad = format!("{payload}.{ts}.{}{flipped}", &sig[..sig.len() - 1]);
    assert_eq!(rejection(&b, &bad), Some(Rejection::Malformed));
    // Whitespace and quotes.
    assert!(rejection(&b, &format!("\"{cookie}\"")).is_some());
    assert!(rejection(&b, &format!("{payload}. {ts}.{sig}")).is_some());
}

#[test]
fn missing_and_empty_cookies_are_new_sessions_without_rejection() {
    let b = backend(NOW);
    let s: Tracked<Visit> = Tracked::open_with(b.clone(), CookieConfig::DEFAULT, &request(None));
    assert!(s.is_new() && s.rejection().is_none());
    let s: Tracked<Visit> = Tracked::open_with(b.clone(), CookieConfig::DEFAULT, &request(Some("session=")));
    assert!(s.is_new() && s.rejection().is_none());
    for (value, expected) in [
        ("garbage", Rejection::Malformed),
        ("a.b", Rejection::Malformed),
        ("...", Rejection::Malformed),
        ("e30.ZVPxAA.AAAA", Rejection::Malformed),
    ] {
        assert_eq!(rejection(&b, value), Some(expected), "{value}");
    }
}

#[test]
fn payload_that_does_not_fit_the_type_is_a_payload_rejection() {
    #[derive(Serialize, Deserialize, Default)]
    struct Other {
        count: String,
    }
    let b = backend(NOW);
    let cookie = save_value(&b, &CookieConfig::DEFAULT, Other { count: "many".into() });
    assert_eq!(rejection(&b, &cookie), Some(Rejection::Payload));
}

#[test]
fn too_large_incoming_value_is_refused_before_work() {
    let b = backend(NOW);
    assert_eq!(rejection(&b, &"A".repeat(5000)), Some(Rejection::TooLarge));
}

/// The same cookie recomputed from the format's definition (docs/design.md, "Native wire format
/// v1") with nothing but hmac, sha2 and base64.
fn independent_cookie(secret: &[u8], salt: &[u8], name: &str, json: &[u8], now: u64) -> String {
    let mut kdf = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
    kdf.update(b"session-runtime/native/v1\0");
    kdf.update(salt);
    let derived = kdf.finalize().into_bytes();
    let ts = now.to_be_bytes();
    let ts = &ts[(now.leading_zeros() / 8) as usize..];
    let signed = format!("{}.{}", URL_SAFE_NO_PAD.encode(json), URL_SAFE_NO_PAD.encode(ts));
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&derived).unwrap();
    mac.update(b"v1\0");
    mac.update(name.as_bytes());
    mac.update(b"\0");
    mac.update(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// Golden vectors: key `[1; 32]`, salt `cookie-session`, clock 1700000000; envelope v2, which
/// carries the issue time (`"i"`). A change here is a change of wire format: bump the version
/// instead. Recomputed with Python's hmac/hashlib/base64 when the vectors were made.
#[test]
fn golden_vectors() {
    let b = backend(NOW);
    let cases: [(&str, Visit, &str); 3] = [
        ("session", Visit::default(), GOLDEN_DEFAULT),
        ("session", Visit { user: Some("alice".into()), count: 42, cart: vec![1, 2, 3] }, GOLDEN_ALICE),
        ("__Host-id", Visit { user: Some("ü".into()), count: 1, cart: vec![] }, GOLDEN_HOST),
    ];
    for (name, visit, golden) in cases {
        let config = CookieConfig::builder().name(name).secure(true).build().unwrap();
        let json = format!(r#"{{"v":{},"i":{NOW}}}"#, serde_json::to_string(&visit).unwrap());
        let expected = independent_cookie(&[1; 32], b"cookie-session", name, json.as_bytes(), NOW);
        assert_eq!(expected, golden, "the definition and the checked-in vector agree");
        let mut s: Tracked<Visit> = Tracked::open_with(b.clone(), config.clone(), &request(None));
        *s = visit.clone();
        s.set_permanent(false);
        if visit == Visit::default() {
            // An empty session is never sent; check the decoding side only.
            assert_eq!(*open_value::<Visit>(&b, &config, golden), visit);
            continue;
        }
        let mut resp = response();
        s.save(&mut resp).unwrap();
        assert_eq!(cookie_value(&resp), golden);
        assert_eq!(*open_value::<Visit>(&b, &config, golden), visit);
    }
    // Permanent, with a flash: the full Set-Cookie line.
    let mut s: Tracked<Visit> = Tracked::open_with(b.clone(), CookieConfig::DEFAULT, &request(None));
    s.count = 7;
    s.set_permanent(true);
    s.flash("hi");
    let mut resp = response();
    s.save(&mut resp).unwrap();
    assert_eq!(set_cookies(&resp), [GOLDEN_PERMANENT_LINE]);
}

const GOLDEN_DEFAULT: &str = "eyJ2Ijp7InVzZXIiOm51bGwsImNvdW50IjowLCJjYXJ0IjpbXX0sImkiOjE3MDAwMDAwMDB9.ZVPxAA.w7N6Y4fgMOsnd-Q2_S8YkyTlTvG0fbZMaI4bRan1Ee8";
const GOLDEN_ALICE: &str = "eyJ2Ijp7InVzZXIiOiJhbGljZSIsImNvdW50Ijo0MiwiY2FydCI6WzEsMiwzXX0sImkiOjE3MDAwMDAwMDB9.ZVPxAA.iczI5oUBSDDRz3W0-Tdw4yaLEFMnu_k7q_3z2WEx0-o";
const GOLDEN_HOST: &str = "eyJ2Ijp7InVzZXIiOiLDvCIsImNvdW50IjoxLCJjYXJ0IjpbXX0sImkiOjE3MDAwMDAwMDB9.ZVPxAA.Jls9ledKaT3Slu1KhHII-gt05lqA9_cA_-sF5bU3Lyo";
const GOLDEN_PERMANENT_LINE: &str = "session=eyJ2Ijp7InVzZXIiOm51bGwsImNvdW50Ijo3LCJjYXJ0IjpbXX0sInAiOnRydWUsImYiOltbIm1lc3NhZ2UiLCJoaSJdXSwiaSI6MTcwMDAwMDAwMH0.ZVPxAA.zWk2GBulpjUGy6dJoqjg6CeYM7XMVH3lpYPNqcUEnw0; Expires=Fri, 15 Dec 2023 22:13:20 GMT; Max-Age=2678400; HttpOnly; Path=/; SameSite=Lax";

/// Envelope v1 vectors, as the release before issue times wrote them (same key, salt and clock).
/// They must keep opening: their signing time stands in for the issue time, and the first save
/// re-writes them as v2.
const V1_ALICE: &str = "eyJ2Ijp7InVzZXIiOiJhbGljZSIsImNvdW50Ijo0MiwiY2FydCI6WzEsMiwzXX19.ZVPxAA.c7VC--Q8EebmwH90pliTqK-i7aM1vHRRysCHw0DZ-jg";
const V1_PERMANENT: &str = "eyJ2Ijp7InVzZXIiOm51bGwsImNvdW50Ijo3LCJjYXJ0IjpbXX0sInAiOnRydWUsImYiOltbIm1lc3NhZ2UiLCJoaSJdXX0.ZVPxAA.v7C994hNqnuYbNiuV2lzBgqcbI98EgH9mz1_p9ks1E4";

/// The v1 vectors open, under a config with `max_lifetime` too, and an unchanged save re-writes
/// them with their signing time as the issue time: the v2 vector of the same data, to the byte.
#[test]
fn envelope_v1_vectors_still_open_and_are_upgraded() {
    let alice = Visit { user: Some("alice".into()), count: 42, cart: vec![1, 2, 3] };
    let limited = CookieConfig::builder().max_lifetime("60d").build().unwrap();
    for config in [CookieConfig::DEFAULT, limited] {
        assert_eq!(*open_value::<Visit>(&backend(NOW), &config, V1_ALICE), alice);
        let permanent = open_value::<Visit>(&backend(NOW), &config, V1_PERMANENT);
        assert_eq!((permanent.count, permanent.flashes().len()), (7, 1));
    }
    // A day later the v1 cookie is re-written with its own signing time, not the day after.
    let later = backend(NOW + 86_400);
    let request = http::Request::builder().header("cookie", format!("session={V1_ALICE}")).body(()).unwrap();
    let session: Tracked<Visit> = Tracked::open_with(later.clone(), CookieConfig::DEFAULT, &request);
    assert_eq!(session.rejection(), None);
    let mut resp = response();
    session.save(&mut resp).unwrap();
    let upgraded = cookie_value(&resp);
    assert_eq!(
        upgraded.split('.').next(),
        GOLDEN_ALICE.split('.').next(),
        "the envelope a v2 save at NOW writes"
    );
    assert_eq!(*open_value::<Visit>(&later, &CookieConfig::DEFAULT, &upgraded), alice);
}

/// `sign_payload` and `unsign_payload` (for tools such as `session-cookie`) write and check
/// exactly what `save` and `open` do: the same value, the same payload, the same rejections.
#[test]
fn sign_payload_and_unsign_payload_match_save_and_open() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let visit = Visit { user: Some("ada".into()), count: 3, cart: vec![7] };
    let saved = save_value(&b, &config, visit.clone());
    let payload = br#"{"v":{"user":"ada","count":3,"cart":[7]},"i":1700000000}"#;
    assert_eq!(b.sign_payload(&config, payload).unwrap(), saved);
    assert_eq!(b.unsign_payload(&config, saved.as_bytes()).unwrap(), payload);
    assert_eq!(open_value::<Visit>(&b, &config, &saved).into_inner(), visit);
    assert_eq!(b.unsign_payload(&config, b"garbage"), Err(Rejection::Malformed));
    let other = backend_at(Keys::new(key(2)), NOW);
    assert_eq!(other.unsign_payload(&config, saved.as_bytes()), Err(Rejection::BadSignature));
    let later = backend(NOW + config.lifetime_secs() + 1);
    assert_eq!(later.unsign_payload(&config, saved.as_bytes()), Err(Rejection::Expired));
    let keyless = SecureCookieSessionInterface::without_keys();
    assert_eq!(keyless.unsign_payload(&config, saved.as_bytes()), Err(Rejection::BadSignature));
}

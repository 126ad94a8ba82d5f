//! Hostile input against the encrypted format (`#[session(encrypted)]`, docs/security.md,
//! "Encrypted sessions"): every tampered byte, truncation and extension, a value moved to another
//! cookie name, key or salt, other versions, nonces and tags of the wrong length, non-canonical
//! base64url, empty and huge values, signed cookies with and without `accept_signed`, and valid
//! tags over bad messages. Each case: no panic, the default data, and the documented rejection.

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use session_runtime::__testing::{
    RawSealer, SEALED_NONCE_LEN, SEALED_OVERHEAD, SEALED_VERSION, b64, sealed_open_attempts,
};
use session_runtime::Rejection::{
    BadSignature, Expired, Malformed, NotEncrypted, NotYetValid, Payload, TooLarge,
};
use session_runtime::{
    CookieConfig, Keys, Rejection, SecureCookieSessionInterface, Tracked, is_sealed_value,
};
use std::sync::Arc;

fn encrypted() -> CookieConfig {
    CookieConfig::builder().encrypted(true).build().unwrap()
}

fn moving() -> CookieConfig {
    CookieConfig::builder().encrypted(true).accept_signed(true).build().unwrap()
}

fn open_with(
    backend: Arc<SecureCookieSessionInterface>,
    config: CookieConfig,
    value: &[u8],
) -> Tracked<Visit> {
    let header = [format!("{}=", config.name()).as_bytes(), value].concat();
    Tracked::open_with(backend, config, &RawHeaders::one(header))
}

/// Opens `value` as an encrypted session with the standard backend.
fn open_sealed(value: impl AsRef<[u8]>) -> Tracked<Visit> {
    open_with(backend(), encrypted(), value.as_ref())
}

#[track_caller]
fn assert_refused_sealed(value: impl AsRef<[u8]>, expected: &[Rejection]) {
    let value = value.as_ref();
    let got = outcome(&open_sealed(value));
    assert!(
        matches!(got, Err(Some(r)) if expected.contains(&r)),
        "value {:?}: {got:?}, expected one of {expected:?}",
        String::from_utf8_lossy(value)
    );
}

/// The value a real encrypted `save` writes for `data` with the standard backend.
fn sealed_value(data: &Visit) -> String {
    let mut session = Tracked::<Visit>::open_with(backend(), encrypted(), &RawHeaders::none());
    *session = data.clone();
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    cookie_value(&response).expect("a changed session sets a cookie")
}

fn sealer() -> RawSealer {
    RawSealer::new(&keys(), SALT)
}

fn decode(value: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).unwrap()
}

fn sample_json() -> String {
    serde_json::json!({ "v": sample() }).to_string()
}

#[test]
fn a_sealed_cookie_is_accepted_and_shows_no_plaintext() {
    let value = sealed_value(&sample());
    assert!(is_sealed_value(value.as_bytes()), "{value}");
    assert!(!value.contains('.'));
    assert_eq!(outcome(&open_sealed(&value)), Ok(sample()));
    assert_eq!(decode(&value)[0], SEALED_VERSION);
    // A save seals the envelope v2: the data and its issue time.
    let saved_json = serde_json::json!({ "v": sample(), "i": NOW }).to_string();
    assert_eq!(decode(&value).len(), SEALED_OVERHEAD + saved_json.len());
    // Neither the text nor the bytes carry the data, in any encoding a reader would try.
    let bytes = decode(&value);
    for needle in ["ada", "user", "cart"] {
        assert!(!value.contains(needle) && !value.contains(&b64(needle.as_bytes())), "{needle}");
        assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle}");
    }
}

#[test]
fn every_byte_changed_is_refused() {
    let value = sealed_value(&sample());
    let bytes = decode(&value);
    for i in 0..bytes.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut tampered = bytes.clone();
            tampered[i] ^= flip;
            // The version byte is checked before any key is tried; every other byte fails the tag.
            let expected = if i == 0 { Malformed } else { BadSignature };
            assert_refused_sealed(b64(&tampered), &[expected]);
        }
    }
}

#[test]
fn every_character_changed_is_refused() {
    let value = sealed_value(&sample());
    for i in 0..value.len() {
        for replacement in ["A", "z", "-", "_", "0", ".", "=", "+", "/", " "] {
            let mut tampered = value.clone();
            if &tampered[i..=i] == replacement {
                continue;
            }
            tampered.replace_range(i..=i, replacement);
            // A dot makes it look signed (refused before any key); other characters outside the
            // alphabet, and stray trailing bits, are not canonical base64url.
            let expected: &[_] = match replacement {
                "." => &[NotEncrypted],
                "=" | "+" | "/" | " " => &[Malformed],
                _ => &[BadSignature, Malformed],
            };
            assert_refused_sealed(&tampered, expected);
        }
    }
}

#[test]
fn a_truncated_value_is_refused_at_every_length() {
    let value = sealed_value(&sample());
    let bytes = decode(&value);
    for len in 1..value.len() {
        assert_refused_sealed(&value[..len], &[Malformed, BadSignature]);
    }
    for len in 0..bytes.len() {
        let expected = if len < SEALED_OVERHEAD { Malformed } else { BadSignature };
        // An empty value is no cookie at all; the rest are refused.
        if len == 0 {
            assert_eq!(outcome(&open_sealed("")), Err(None));
            continue;
        }
        assert_refused_sealed(b64(&bytes[..len]), &[expected]);
    }
}

#[test]
fn an_extended_value_is_refused() {
    let value = sealed_value(&sample());
    let bytes = decode(&value);
    for extra in [&b"\0"[..], b"A", b"{}", &[0u8; 16], &[0xff; 64]] {
        assert_refused_sealed(b64(&[&bytes[..], extra].concat()), &[BadSignature]);
        assert_refused_sealed(b64(&[extra, &bytes[..]].concat()), &[Malformed, BadSignature]);
    }
    for suffix in ["A", "AA", "AAA", "AAAA", "x", "-_"] {
        assert_refused_sealed(format!("{value}{suffix}"), &[Malformed, BadSignature]);
    }
    // Two sealed values one after the other are one longer value whose tag does not verify.
    assert_refused_sealed(format!("{value}{value}"), &[Malformed, BadSignature]);
}

#[test]
fn a_value_moved_to_another_cookie_name_is_refused() {
    let value = sealed_value(&sample());
    let other = CookieConfig::builder().name("other").encrypted(true).build().unwrap();
    let session = open_with(backend(), other, value.as_bytes());
    assert_eq!(outcome(&session), Err(Some(BadSignature)));
    // And a value sealed for `other` does not open as `session`.
    let moved = sealer().seal_json("other", sample_json().as_bytes(), NOW, &[9; SEALED_NONCE_LEN]).unwrap();
    assert_refused_sealed(&moved, &[BadSignature]);
    let here = sealer().seal_json("session", sample_json().as_bytes(), NOW, &[9; SEALED_NONCE_LEN]).unwrap();
    assert_eq!(outcome(&open_sealed(&here)), Ok(sample()));
}

#[test]
fn a_value_sealed_under_another_key_or_salt_is_refused_and_a_fallback_opens() {
    let value = sealed_value(&sample());
    let stranger = backend_with(Keys::new(key(0x33)), NOW, 0);
    assert_eq!(outcome(&open_with(stranger, encrypted(), value.as_bytes())), Err(Some(BadSignature)));
    let other_salt = Arc::new(
        SecureCookieSessionInterface::new(keys())
            .with_salt("another-salt")
            .with_clock(session_runtime::FixedClock(NOW)),
    );
    assert_eq!(outcome(&open_with(other_salt, encrypted(), value.as_bytes())), Err(Some(BadSignature)));
    // Sealed under the fallback key (0x22): still opens.
    let old = RawSealer::new(&Keys::new(key(0x22)), SALT);
    let value = old.seal_json("session", sample_json().as_bytes(), NOW, &[1; SEALED_NONCE_LEN]).unwrap();
    assert_eq!(outcome(&open_sealed(&value)), Ok(sample()));
    // The signed format's key is not the encrypted format's: a value sealed with the raw MAC
    // derivation would need the same key, and HKDF's `info` keeps them apart (checked against an
    // independent implementation in tests/sealed_vectors.rs).
}

#[test]
fn other_and_unknown_versions_are_refused_before_any_key() {
    let message = [&NOW.to_be_bytes()[..], sample_json().as_bytes()].concat();
    for version in [0x00, 0x02, 0x7f, 0x80, 0xff] {
        let value = sealer().seal_message("session", version, &[3; SEALED_NONCE_LEN], &message).unwrap();
        assert!(!is_sealed_value(value.as_bytes()));
        assert_refused_sealed(&value, &[Malformed]);
    }
    // Rewriting the version byte of a valid v1 value: refused (and it is in the associated data,
    // so a v1 value could not pass as another version either).
    let mut bytes = decode(&sealed_value(&sample()));
    bytes[0] = 0x02;
    assert_refused_sealed(b64(&bytes), &[Malformed]);
}

#[test]
fn a_nonce_or_tag_of_the_wrong_length_is_refused() {
    let bytes = decode(&sealed_value(&sample()));
    let nonce_end = 1 + SEALED_NONCE_LEN;
    // A nonce one byte short or long shifts every boundary: the tag no longer verifies.
    let short_nonce = [&bytes[..nonce_end - 1], &bytes[nonce_end..]].concat();
    let long_nonce = [&bytes[..nonce_end], &[0u8][..], &bytes[nonce_end..]].concat();
    // A tag one byte short or long (the last 16 bytes are the tag).
    let tag_at = bytes.len() - 16;
    let short_tag = bytes[..bytes.len() - 1].to_vec();
    let long_tag = [&bytes[..], &[0u8][..]].concat();
    let no_tag = bytes[..tag_at].to_vec();
    for tampered in [short_nonce, long_nonce, short_tag, long_tag, no_tag] {
        assert_refused_sealed(b64(&tampered), &[BadSignature]);
    }
    // Only a version, a nonce and a tag, with no message: too short to hold a signing time.
    let bare = [&bytes[..nonce_end], &bytes[tag_at..]].concat();
    assert_refused_sealed(b64(&bare), &[Malformed]);
}

#[test]
fn non_canonical_base64url_is_refused() {
    let value = sealed_value(&sample());
    let standard = value.replace('-', "+").replace('_', "/");
    if standard != value {
        assert_refused_sealed(&standard, &[Malformed]);
    }
    for padded in [format!("{value}="), format!("{value}=="), format!("{value}===")] {
        assert_refused_sealed(&padded, &[Malformed]);
    }
    // Whitespace inside the value (around it, the Cookie header's own whitespace is trimmed).
    for spaced in
        [format!("{}\t{}", &value[..10], &value[10..]), format!("{} {}", &value[..10], &value[10..])]
    {
        assert_refused_sealed(&spaced, &[Malformed]);
    }
    // Stray bits in the last character: when the length is not a multiple of 3, the last
    // character carries unused low bits, which must be zero; set one.
    let bytes = decode(&value);
    if !bytes.len().is_multiple_of(3) {
        let last = value.chars().last().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let index = alphabet.find(last).unwrap();
        let stray = alphabet.chars().nth(index | 1).unwrap();
        if stray != last {
            let tampered = format!("{}{stray}", &value[..value.len() - 1]);
            assert_refused_sealed(&tampered, &[Malformed]);
        }
    }
}

#[test]
fn empty_huge_and_random_values_are_refused() {
    assert_eq!(outcome(&open_sealed("")), Err(None), "an empty value is no session");
    assert_refused_sealed("A".repeat(4094), &[TooLarge]);
    assert_refused_sealed("A".repeat(1 << 20), &[TooLarge]);
    assert_refused_sealed("A".repeat(4093), &[Malformed, BadSignature]);
    for short in ["A", "AQ", "AQID", "x", "-", "_"] {
        assert_refused_sealed(short, &[Malformed]);
    }
    // Random bytes of every length with the right version byte: the tag decides.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for len in [SEALED_OVERHEAD, SEALED_OVERHEAD + 1, 100, 1_000, 3_000] {
        let mut bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        bytes[0] = SEALED_VERSION;
        assert_refused_sealed(b64(&bytes), &[BadSignature]);
    }
}

#[test]
fn a_signed_cookie_is_refused_without_accept_signed_and_rewritten_with_it() {
    let signed = valid_value();
    assert!(!is_sealed_value(signed.as_bytes()));
    assert_refused_sealed(&signed, &[NotEncrypted]);
    // Forged signed-shaped values are refused the same way, before any key is used.
    for forged in ["a.b.c", "..", "eyJ2Ijp7fX0.ZVPxAA.AAAA", "."] {
        assert_refused_sealed(forged, &[NotEncrypted]);
    }
    // With the opt-in, a signed cookie within its lifetime opens...
    let session = open_with(backend(), moving(), signed.as_bytes());
    assert_eq!(outcome(&session), Ok(sample()));
    // ...and the untouched session is written again, sealed, on this response.
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    let resealed = cookie_value(&response).expect("re-written on the same response");
    assert!(is_sealed_value(resealed.as_bytes()), "{resealed}");
    assert_eq!(response.headers()[http::header::VARY], "Cookie");
    assert_eq!(outcome(&open_sealed(&resealed)), Ok(sample()));
    // The opt-in still checks everything a signed session checks.
    let (payload, ts, signature) = parts(&signed);
    let tampered = format!("{payload}.{ts}.{}A", &signature[..signature.len() - 1]);
    let refused = open_with(backend(), moving(), tampered.as_bytes());
    assert!(matches!(outcome(&refused), Err(Some(BadSignature | Malformed))));
    let old = signed_json(&sample_json(), NOW - LIFETIME - 1);
    assert_eq!(outcome(&open_with(backend(), moving(), old.as_bytes())), Err(Some(Expired)));
    let future = signed_json(&sample_json(), NOW + 5);
    assert_eq!(outcome(&open_with(backend(), moving(), future.as_bytes())), Err(Some(NotYetValid)));
    // A sealed value opens under the opt-in too, and is not re-written when untouched.
    let sealed = sealed_value(&sample());
    let session = open_with(backend(), moving(), sealed.as_bytes());
    assert_eq!(outcome(&session), Ok(sample()));
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    assert!(!response.headers().contains_key(http::header::SET_COOKIE));
}

#[test]
fn a_signed_session_refuses_a_sealed_value() {
    let sealed = sealed_value(&sample());
    assert_refused(&sealed, Malformed);
}

#[test]
fn a_valid_tag_over_a_bad_message_is_refused_after_the_tag() {
    let nonce = [5; SEALED_NONCE_LEN];
    let seal = |message: &[u8]| sealer().seal_message("session", SEALED_VERSION, &nonce, message).unwrap();
    let at = |time: u64, json: &[u8]| seal(&[&time.to_be_bytes()[..], json].concat());
    assert_eq!(outcome(&open_sealed(at(NOW, sample_json().as_bytes()))), Ok(sample()));
    assert_refused_sealed(at(NOW - LIFETIME - 1, sample_json().as_bytes()), &[Expired]);
    assert_eq!(outcome(&open_sealed(at(NOW - LIFETIME, sample_json().as_bytes()))), Ok(sample()));
    assert_refused_sealed(at(NOW + 1, sample_json().as_bytes()), &[NotYetValid]);
    assert_refused_sealed(at(u64::MAX, sample_json().as_bytes()), &[NotYetValid]);
    for json in [&b""[..], b"not json", b"{\"v\":\"three\"}", b"{\"v\":{}}\xff", b"[1,2]", &[b'['; 200]] {
        assert_refused_sealed(at(NOW, json), &[Payload]);
    }
    // Messages too short to hold the 8-byte signing time are refused before any key is tried.
    for len in 0..8 {
        assert_refused_sealed(seal(&vec![0; len]), &[Malformed]);
    }
}

/// "At most one AEAD attempt per key of the ring" (docs/design.md), counted: through the whole
/// open path, a forged value costs exactly one attempt per key that can open (keys under 32 bytes
/// are never tried), and a real value as many as its key's position in the ring, plus one.
#[test]
fn a_forged_value_costs_one_aead_attempt_per_key_and_a_real_one_stops_at_its_key() {
    const N: u8 = 5;
    let ring = || {
        Keys::new(key(1)).with_fallbacks(
            (2..=N).map(key).chain([session_runtime::SecretKey::from_legacy(b"short").unwrap()]),
        )
    };
    let backend = backend_with(ring(), NOW, 0);
    // Costs of an open, through the same path a request takes.
    let cost = |value: &[u8]| {
        let before = sealed_open_attempts();
        let session = open_with(backend.clone(), encrypted(), value);
        (sealed_open_attempts() - before, outcome(&session).map_err(Option::unwrap))
    };
    let stranger = RawSealer::new(&Keys::new(key(N + 1)), SALT);
    let forged =
        stranger.seal_json("session", sample_json().as_bytes(), NOW, &[9; SEALED_NONCE_LEN]).unwrap();
    assert_eq!(cost(forged.as_bytes()), (u64::from(N), Err(BadSignature)), "a forged value");
    for position in 0..N {
        let sealer = RawSealer::new(&Keys::new(key(position + 1)), SALT);
        let value = sealer
            .seal_json("session", sample_json().as_bytes(), NOW, &[position; SEALED_NONCE_LEN])
            .unwrap();
        assert_eq!(cost(value.as_bytes()), (u64::from(position) + 1, Ok(sample())), "key {position}");
    }
    // Refused before any key: no attempt.
    for value in [&b"AQ"[..], b"a.b.c", &[b'A'; 64]] {
        assert_eq!(cost(value).0, 0, "{}", String::from_utf8_lossy(value));
    }
}

//! Target `inspect`: raw values into `SecureCookieSessionInterface::inspect` (the CLI's `decode`)
//! and `inspect_unverified` (`decode --unsigned`). The first byte picks what the rest is: a value
//! as a client or a user pastes it, a JSON payload signed with the real key at a fuzzed signing
//! time, or JSON sealed with the real key. Under three configs (signed with `max_lifetime` and a
//! schema version, encrypted with `accept_signed`, default), inspect must never panic, must agree
//! with the open path on every value, and must report its refusal as its last check.

use serde_json::Value;
use session_runtime::{CookieConfig, Rejection, Tracked, inspect_unverified};
use std::sync::OnceLock;

use crate::{NOW, RawHeaders, backend, sealed::sealer, signer};

fn configs() -> &'static [CookieConfig; 3] {
    static CONFIGS: OnceLock<[CookieConfig; 3]> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        [
            CookieConfig::DEFAULT,
            CookieConfig::builder().max_lifetime("2d").build().unwrap_or_default(),
            CookieConfig::builder().encrypted(true).accept_signed(true).build().unwrap_or_default(),
        ]
    })
}

/// Target `inspect`.
pub fn fuzz_inspect(bytes: &[u8]) {
    let Some((&mode, rest)) = bytes.split_first() else { return };
    let value = match mode % 4 {
        0 | 1 => rest.to_vec(),
        // A valid MAC over `rest` as the JSON, signed up to ±3 days around NOW.
        2 => {
            let offset = i64::from(i8::from_le_bytes([mode])) * 2_000;
            let at = NOW.saturating_add_signed(offset);
            signer().sign_json("session", rest, at).unwrap_or_default().into_bytes()
        }
        // A valid tag over a well-formed signing time and `rest` as the JSON.
        _ => sealer().seal_json("session", rest, NOW, &[mode; 12]).unwrap_or_default().into_bytes(),
    };
    check(&value);
}

/// Inspects `value` under each config and compares with what the open path makes of it.
fn check(value: &[u8]) {
    let backend = backend();
    for config in configs() {
        let inspection = backend.inspect(config, value);
        // The refusal, if any, is the last check reported, and the only refused one.
        let refused: Vec<_> = inspection.checks.iter().filter(|(_, outcome)| outcome.is_err()).collect();
        match inspection.rejection {
            Some(rejection) => {
                assert_eq!(refused.len(), 1, "{inspection:?}");
                assert_eq!(inspection.checks.last().map(|(_, outcome)| *outcome), Some(Err(rejection)));
            }
            None => {
                assert!(refused.is_empty(), "{inspection:?}");
                assert!(inspection.payload.is_some(), "an accepted value has a payload");
            }
        }
        // The open path, on the same bytes as the whole cookie header's one value. A header that
        // holds `;` or another `session=` pair is split by the open path but not by inspect.
        if value.iter().any(|&b| matches!(b, b';' | b',' | b' ' | b'\t' | b'"' | b'=')) {
            continue;
        }
        let header = [b"session=".as_slice(), value].concat();
        let opened = Tracked::<Value>::open_with(backend.clone(), config.clone(), &RawHeaders(vec![header]));
        let empty = opened.is_new() && opened.rejection().is_none();
        if value.is_empty() {
            continue;
        }
        if empty {
            // An empty cookie value opens nothing without a rejection.
            continue;
        }
        assert_eq!(
            inspection.rejection,
            opened.rejection(),
            "inspect and open disagree on {:?}: {inspection:?}",
            String::from_utf8_lossy(value)
        );
    }
    // The keyless read: never a panic; an encrypted value is unreadable.
    if let Ok(claimed) = inspect_unverified(value) {
        assert!(claimed.payload.len() <= 256 * 1024, "past the inflate cap");
    } else if session_runtime::is_sealed_value(value) {
        assert_eq!(inspect_unverified(value), Err(Rejection::Malformed));
    }
}

//! Target `sealed_open`: raw values into the encrypted format's open path
//! (`#[session(encrypted)]`, with and without `accept_signed`). The first byte picks what the rest
//! is: a cookie value as the client sent it, or a message sealed with the real key (a valid tag),
//! so both the checks before the AEAD and the parsing after it see hostile bytes.

use session_runtime::__testing::{RawSealer, SEALED_VERSION};
use session_runtime::{CookieConfig, Error, Rejection, Tracked, is_sealed_value};
use std::sync::OnceLock;

use crate::{Data, NOW, RawHeaders, SALT, backend, keys};

/// A sealer with the backend's current key and salt.
pub fn sealer() -> &'static RawSealer {
    static SEALER: OnceLock<RawSealer> = OnceLock::new();
    SEALER.get_or_init(|| RawSealer::new(&keys(), SALT))
}

fn configs() -> &'static [CookieConfig; 2] {
    static CONFIGS: OnceLock<[CookieConfig; 2]> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let encrypted = CookieConfig::builder().encrypted(true);
        [
            encrypted.clone().build().unwrap_or_default(),
            encrypted.accept_signed(true).build().unwrap_or_default(),
        ]
    })
}

/// Target `sealed_open`.
pub fn fuzz_sealed_open(bytes: &[u8]) {
    let Some((&mode, rest)) = bytes.split_first() else { return };
    match mode % 4 {
        // The client's value, as it is.
        0 | 1 => open_value(rest, false),
        // A valid tag over `rest` as the message (signing time and JSON).
        2 => {
            let value =
                sealer().seal_message("session", SEALED_VERSION, &[mode; 12], rest).unwrap_or_default();
            open_value(value.as_bytes(), true);
        }
        // A valid tag over a well-formed signing time and `rest` as the JSON.
        _ => {
            let value = sealer().seal_json("session", rest, NOW, &[mode; 12]).unwrap_or_default();
            open_value(value.as_bytes(), true);
        }
    }
}

/// Opens `value` under both configs: never a panic, and a session is accepted only from a value
/// of the encrypted shape (or, with `accept_signed`, of the signed shape), without a rejection.
/// Saving afterwards may only fail for server-side reasons.
fn open_value(value: &[u8], sealed_by_us: bool) {
    for config in configs() {
        let header = [b"session=".as_slice(), value].concat();
        let mut session =
            Tracked::<Data>::open_with(backend(), config.clone(), &RawHeaders(vec![header.clone()]));
        if !session.is_new() {
            assert_eq!(session.rejection(), None, "an accepted session has no rejection");
            // The header may hold several `session=` pairs (the runtime tries a few): one of them
            // must have the shape of a format the config accepts.
            let shape = |candidate: &[u8]| {
                is_sealed_value(candidate) || (config.accept_signed() && candidate.contains(&b'.'))
            };
            let candidates = header
                .split(|&b| b == b';')
                .filter_map(|pair| pair.trim_ascii().strip_prefix(b"session=").map(<[u8]>::trim_ascii));
            assert!(candidates.into_iter().any(shape), "accepted a value of neither format: {value:?}");
        } else if sealed_by_us {
            // Our own tag: refused only after it, for what the message holds.
            let rejection = session.rejection();
            assert!(
                matches!(
                    rejection,
                    Some(
                        Rejection::Malformed
                            | Rejection::Payload
                            | Rejection::NewerVersion
                            | Rejection::Expired
                            | Rejection::NotYetValid
                    ) | Some(Rejection::TooLarge)
                ),
                "{rejection:?}"
            );
        }
        session.count = session.count.wrapping_add(1);
        let mut response = http::Response::new(());
        match session.save(&mut response) {
            Ok(_) | Err(Error::TooLarge { .. }) => {}
            Err(other) => panic!("save failed after opening client bytes: {other}"),
        }
    }
}

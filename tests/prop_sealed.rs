//! Properties of the encrypted format: any session seals and opens back to itself (flags and
//! flashes included), never shows its strings in the value, and any single-bit change of the
//! sealed bytes is refused (empty session, a rejection, no panic).

#[path = "hostile_common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use session_runtime::__testing::b64;
use session_runtime::Rejection::{BadSignature, Malformed};
use session_runtime::{CookieConfig, Tracked};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Data {
    user: Option<String>,
    count: i64,
    roles: Vec<String>,
    prefs: BTreeMap<String, bool>,
}

fn data() -> impl Strategy<Value = Data> {
    (
        proptest::option::of("\\PC{0,24}"),
        any::<i64>(),
        proptest::collection::vec("[a-z]{1,12}", 0..6),
        proptest::collection::btree_map("[a-z_]{1,8}", any::<bool>(), 0..5),
    )
        .prop_map(|(user, count, roles, prefs)| Data { user, count, roles, prefs })
}

fn config() -> CookieConfig {
    CookieConfig::builder().encrypted(true).build().unwrap()
}

fn request(value: &str) -> RawHeaders {
    RawHeaders::one(format!("session={value}"))
}

/// Saves `data` (permanent or not, with `flashes`) as an encrypted session; the cookie value.
fn seal(data: &Data, permanent: bool, flashes: &[String]) -> String {
    let mut session = Tracked::<Data>::open_with(backend(), config(), &RawHeaders::none());
    *session = data.clone();
    session.set_permanent(permanent);
    for flash in flashes {
        session.flash(flash.clone());
    }
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    cookie_value(&response).expect("a cookie")
}

fn decode(value: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn seal_then_open_gives_the_session_back(
        data in data(),
        permanent in any::<bool>(),
        flashes in proptest::collection::vec("\\PC{1,16}", 0..3),
    ) {
        let value = seal(&data, permanent, &flashes);
        prop_assert!(!value.contains('.'));
        if let Some(user) = data.user.as_deref().filter(|user| user.len() >= 4) {
            prop_assert!(!value.contains(&b64(user.as_bytes())));
        }
        let mut session = Tracked::<Data>::open_with(backend(), config(), &request(&value));
        prop_assert_eq!(session.rejection(), None);
        prop_assert_eq!(&*session, &data);
        prop_assert_eq!(session.is_permanent(), permanent);
        let taken: Vec<String> = session.take_flashes().into_iter().map(|f| f.message).collect();
        prop_assert_eq!(taken, flashes);
    }

    #[test]
    fn any_single_bit_flip_is_refused(data in data(), bit in any::<prop::sample::Index>()) {
        let value = seal(&data, false, &[]);
        let mut bytes = decode(&value);
        let bit = bit.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        let session = Tracked::<Data>::open_with(backend(), config(), &request(&b64(&bytes)));
        prop_assert!(session.is_new());
        prop_assert_eq!(&*session, &Data::default());
        // The version byte is checked before any key; every other bit fails the tag.
        let expected = if bit < 8 { Malformed } else { BadSignature };
        prop_assert_eq!(session.rejection(), Some(expected));
    }
}

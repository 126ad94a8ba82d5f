//! A saved cookie always reads back: `save` refuses (`Error::TooLarge`, nothing written) a session
//! whose JSON is over `MAX_SESSION_JSON`, the most a compressed cookie may inflate to when it is
//! opened. Highly repetitive JSON compresses far below the 4 KB cookie limit, so without this
//! check a 300 000-character cart item was sent, then refused on the next request as
//! `Rejection::Payload`: the user was silently logged out. Both wire formats.

#[path = "hostile_common/mod.rs"]
mod common;

use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use session_runtime::{CookieConfig, Error, Format, MAX_SESSION_JSON, Tracked};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Cart {
    items: Vec<String>,
}

/// What `save` refused, and the response it left.
type Refused = Box<(Error, http::Response<()>)>;

fn config(format: Format) -> Arc<CookieConfig> {
    Arc::new(CookieConfig::builder().format(format).build().unwrap())
}

fn formats() -> Vec<Format> {
    #[allow(unused_mut)] // the Flask format only with the `flask` feature
    let mut formats = vec![Format::Native];
    #[cfg(feature = "flask")]
    formats.push(Format::Flask);
    formats
}

/// Saves `cart` in `format` and opens the cookie it wrote, or returns the save error.
fn round_trip(format: Format, cart: &Cart) -> Result<Cart, Refused> {
    let mut session = Tracked::<Cart>::open_with(backend(), config(format), &RawHeaders::none());
    *session = cart.clone();
    let mut response = http::Response::new(());
    if let Err(error) = session.save(&mut response) {
        return Err(Box::new((error, response)));
    }
    let value = cookie_value(&response).expect("a changed session sets a cookie");
    let reopened =
        Tracked::<Cart>::open_with(backend(), config(format), &RawHeaders::one(format!("session={value}")));
    assert_eq!(reopened.rejection(), None, "{format:?}: a saved session was refused on the next request");
    Ok(reopened.into_inner())
}

fn one_item(len: usize, c: char) -> Cart {
    Cart { items: vec![c.to_string().repeat(len)] }
}

#[test]
fn a_300_000_character_cart_item_is_refused_at_save_not_lost_on_the_next_request() {
    for format in formats() {
        let (error, response) = *round_trip(format, &one_item(300_000, 'a')).unwrap_err();
        match &error {
            Error::TooLarge { name, json_size, .. } => {
                assert_eq!(name, "session");
                assert!(*json_size > 300_000, "{json_size}");
            }
            other => panic!("{format:?}: expected TooLarge, got {other:?}"),
        }
        assert!(response.headers().is_empty(), "{format:?}: nothing is written");
        let message = error.to_string();
        assert!(message.contains(&MAX_SESSION_JSON.to_string()), "{message}");
        assert!(message.contains("keep the session small"), "{message}");
        assert!(message.contains("server-side"), "{message}");
    }
}

#[test]
fn json_of_exactly_the_cap_is_saved_and_read_back_and_one_byte_more_is_refused() {
    for format in formats() {
        // The envelope's length around the item, from what the refusal reports.
        let probe = 300_000;
        let Err(refused) = round_trip(format, &one_item(probe, 'z')) else { panic!("{format:?}: saved") };
        let Error::TooLarge { json_size, .. } = refused.0 else { panic!("{format:?}: {}", refused.0) };
        let overhead = json_size - probe;
        let fits = one_item(MAX_SESSION_JSON - overhead, 'z');
        assert_eq!(round_trip(format, &fits).unwrap(), fits, "{format:?}: JSON of exactly the cap");
        let over = round_trip(format, &one_item(MAX_SESSION_JSON - overhead + 1, 'z')).unwrap_err();
        assert!(
            matches!(over.0, Error::TooLarge { json_size, .. } if json_size == MAX_SESSION_JSON + 1),
            "{format:?}: {}",
            over.0
        );
    }
}

#[test]
fn sign_payload_refuses_json_over_the_cap_as_save_does() {
    // The `session-cookie encode` path: signing a payload directly.
    let payload = format!(r#"{{"v":{{"items":["{}"]}}}}"#, "a".repeat(MAX_SESSION_JSON));
    let backend = backend();
    let result = backend.sign_payload(&CookieConfig::DEFAULT, payload.as_bytes());
    assert!(
        matches!(result, Err(Error::TooLarge { json_size, .. }) if json_size == payload.len()),
        "{result:?}"
    );
    let fits = format!(r#"{{"v":{{"items":["{}"]}}}}"#, "a".repeat(MAX_SESSION_JSON - 20));
    assert_eq!(fits.len(), MAX_SESSION_JSON);
    let value = backend.sign_payload(&CookieConfig::DEFAULT, fits.as_bytes()).unwrap();
    assert_eq!(backend.unsign_payload(&CookieConfig::DEFAULT, value.as_bytes()).unwrap(), fits.as_bytes());
}

/// A cart of a few long runs of one repeated character: JSON around the cap that compresses to a
/// few KB, the data that could slip under the cookie size limit while over the inflate cap.
fn repetitive_cart() -> impl Strategy<Value = Cart> {
    let run = (prop::sample::select(vec!['a', 'x', '0', ' ', 'é', '€']), 0usize..140_000);
    prop::collection::vec(run, 1..4).prop_map(|runs| Cart {
        items: runs.into_iter().map(|(c, len)| c.to_string().repeat(len / c.len_utf8())).collect(),
    })
}

proptest! {
    // Each case compresses, signs and inflates up to ~400 KB of JSON: few cases.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn save_either_refuses_with_too_large_or_the_cookie_opens_back_equal(
        cart in repetitive_cart(),
        format in prop::sample::select(formats()),
    ) {
        match round_trip(format, &cart).map_err(|b| *b) {
            Ok(back) => prop_assert_eq!(back, cart),
            Err((Error::TooLarge { line_size, limit, json_size, .. }, response)) => {
                prop_assert!(json_size > MAX_SESSION_JSON || line_size > limit, "{json_size} {line_size}");
                prop_assert!(response.headers().is_empty());
            }
            Err((other, _)) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}

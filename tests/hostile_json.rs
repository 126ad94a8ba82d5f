//! Hostile input: JSON against the typed struct, always under a valid MAC (the test-only signer),
//! so the JSON is really parsed. A payload that does not decode into the session type is
//! `Rejection::Payload` and an empty session, never an error or a panic. Unknown fields are
//! ignored (serde's default, so a rolling deploy that adds a field does not log everyone out)
//! unless the type says `#[serde(deny_unknown_fields)]`.

#[path = "hostile_common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use common::*;
use serde::{Deserialize, Serialize};
use session_runtime::Rejection::{self, Payload};
use session_runtime::{CookieConfig, Tracked};

fn open_json<T>(json: &str) -> Tracked<T>
where
    T: Serialize + serde::de::DeserializeOwned + Default,
{
    let value = sign_json_parts(json.as_bytes(), NOW);
    Tracked::open_with(
        backend(),
        CookieConfig::DEFAULT,
        &RawHeaders::one([b"session=".as_slice(), &value].concat()),
    )
}

fn visit(json: &str) -> Result<Visit, Option<Rejection>> {
    outcome(&open_json::<Visit>(json))
}

#[test]
fn the_envelope_as_written_is_accepted() {
    assert_eq!(visit(r#"{"v":{"user":"ada","count":7,"cart":[1,2,3]}}"#), Ok(sample()));
}

#[test]
fn a_missing_field_is_refused() {
    assert_eq!(visit(r#"{"v":{"user":"ada","cart":[]}}"#), Err(Some(Payload)));
}

#[test]
fn a_missing_option_field_is_accepted_as_none() {
    assert_eq!(visit(r#"{"v":{"count":1,"cart":[]}}"#), Ok(Visit { count: 1, ..Visit::default() }));
}

#[test]
fn a_missing_data_key_is_refused() {
    assert_eq!(visit(r#"{"p":true}"#), Err(Some(Payload)));
    assert_eq!(visit(r#"{}"#), Err(Some(Payload)));
}

#[test]
fn an_unknown_field_is_ignored() {
    assert_eq!(visit(r#"{"v":{"user":"ada","count":7,"cart":[1,2,3],"admin":true}}"#), Ok(sample()));
}

#[test]
fn an_unknown_envelope_key_is_ignored() {
    assert_eq!(visit(r#"{"v":{"user":"ada","count":7,"cart":[1,2,3]},"x":[1,{"y":null}]}"#), Ok(sample()));
}

#[test]
fn an_unknown_field_is_refused_when_the_type_denies_them() {
    #[derive(Debug, Default, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        count: u32,
    }
    let session = open_json::<Strict>(r#"{"v":{"count":1,"admin":true}}"#);
    assert_eq!(session.rejection(), Some(Payload));
    assert_eq!(session.count, 0);
}

#[test]
fn a_duplicate_field_is_refused() {
    assert_eq!(visit(r#"{"v":{"user":"ada","count":1,"count":2,"cart":[]}}"#), Err(Some(Payload)));
}

#[test]
fn a_duplicate_data_key_is_refused() {
    let json = r#"{"v":{"user":"a","count":1,"cart":[]},"v":{"user":"b","count":2,"cart":[]}}"#;
    assert_eq!(visit(json), Err(Some(Payload)));
}

#[test]
fn a_duplicate_permanent_key_is_refused() {
    assert_eq!(visit(r#"{"v":{"user":null,"count":1,"cart":[]},"p":true,"p":false}"#), Err(Some(Payload)));
}

#[test]
fn a_wrong_typed_field_is_refused() {
    for json in [
        r#"{"v":{"user":1,"count":1,"cart":[]}}"#,
        r#"{"v":{"user":null,"count":"1","cart":[]}}"#,
        r#"{"v":{"user":null,"count":1.0,"cart":[]}}"#,
        r#"{"v":{"user":null,"count":-1,"cart":[]}}"#,
        r#"{"v":{"user":null,"count":true,"cart":[]}}"#,
        r#"{"v":{"user":null,"count":1,"cart":{}}}"#,
        r#"{"v":{"user":null,"count":1,"cart":[-1]}}"#,
        r#"{"v":{"user":null,"count":1,"cart":null}}"#,
    ] {
        assert_eq!(visit(json), Err(Some(Payload)), "{json}");
    }
}

#[test]
fn wrong_typed_envelope_keys_are_refused() {
    for json in [
        r#"{"v":{"user":null,"count":1,"cart":[]},"p":"yes"}"#,
        r#"{"v":{"user":null,"count":1,"cart":[]},"p":1}"#,
        r#"{"v":{"user":null,"count":1,"cart":[]},"f":"x"}"#,
        r#"{"v":{"user":null,"count":1,"cart":[]},"f":[["only-category"]]}"#,
        r#"{"v":{"user":null,"count":1,"cart":[]},"f":[["a","b","c"]]}"#,
        r#"{"v":{"user":null,"count":1,"cart":[]},"f":[[1,2]]}"#,
    ] {
        assert_eq!(visit(json), Err(Some(Payload)), "{json}");
    }
}

#[test]
fn a_top_level_that_is_not_an_object_is_refused() {
    for json in ["null", "[]", "1", r#""v""#, "true", "[1]", "[null]"] {
        assert_eq!(visit(json), Err(Some(Payload)), "{json}");
    }
}

#[test]
fn structs_in_serde_sequence_form_are_accepted() {
    // serde's derive reads a struct from an array of its fields in order. Only a holder of the key
    // can sign such a payload (`save` never writes it), so this is documented, not refused.
    let expected = Visit { count: 1, ..Visit::default() };
    assert_eq!(visit(r#"[{"user":null,"count":1,"cart":[]}]"#), Ok(expected.clone()));
    assert_eq!(visit(r#"{"v":[null,1,[]]}"#), Ok(expected));
    assert_eq!(visit(r#"{"v":[null,1]}"#), Err(Some(Payload)), "a missing field is still missing");
    assert_eq!(visit(r#"{"v":[null,1,[],4]}"#), Err(Some(Payload)), "no extra elements");
}

#[test]
fn trailing_data_after_the_json_is_refused() {
    assert_eq!(visit(r#"{"v":{"user":null,"count":1,"cart":[]}} {}"#), Err(Some(Payload)));
    assert_eq!(visit(r#"{"v":{"user":null,"count":1,"cart":[]}}x"#), Err(Some(Payload)));
}

#[test]
fn whitespace_around_the_json_is_accepted() {
    // Valid JSON; only the MAC makes it ours, and the MAC verified.
    assert_eq!(
        visit(" \n{ \"v\" : {\"user\":null,\"count\":1,\"cart\":[]} }\t"),
        Ok(Visit { count: 1, ..Visit::default() })
    );
}

#[test]
fn truncated_json_is_refused() {
    let json = r#"{"v":{"user":"ada","count":7,"cart":[1,2,3]}}"#;
    for end in 0..json.len() {
        assert_eq!(visit(&json[..end]), Err(Some(Payload)), "{}", &json[..end]);
    }
}

#[test]
fn a_number_past_the_field_width_is_refused() {
    assert_eq!(visit(r#"{"v":{"user":null,"count":4294967296,"cart":[]}}"#), Err(Some(Payload)));
    assert_eq!(visit(r#"{"v":{"user":null,"count":1,"cart":[18446744073709551616]}}"#), Err(Some(Payload)));
    assert_eq!(visit(r#"{"v":{"user":null,"count":1e3,"cart":[]}}"#), Err(Some(Payload)));
}

#[test]
fn integer_extremes_are_read_exactly() {
    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Wide {
        a: u64,
        b: i64,
        c: u128,
        d: i128,
    }
    let json =
        format!(r#"{{"v":{{"a":{},"b":{},"c":{},"d":{}}}}}"#, u64::MAX, i64::MIN, u128::MAX, i128::MIN);
    let session = open_json::<Wide>(&json);
    assert_eq!(session.rejection(), None);
    assert_eq!(*session, Wide { a: u64::MAX, b: i64::MIN, c: u128::MAX, d: i128::MIN });
    let too_big = format!(r#"{{"v":{{"a":0,"b":0,"c":{}0,"d":0}}}}"#, u128::MAX);
    assert_eq!(open_json::<Wide>(&too_big).rejection(), Some(Payload));
}

#[test]
fn huge_floats_are_refused_or_read_as_json_says() {
    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Ratio {
        r: f64,
    }
    assert_eq!(open_json::<Ratio>(r#"{"v":{"r":1e400}}"#).rejection(), Some(Payload), "out of range");
    assert_eq!(open_json::<Ratio>(r#"{"v":{"r":-1e400}}"#).rejection(), Some(Payload));
    assert_eq!(open_json::<Ratio>(r#"{"v":{"r":1e-400}}"#).r, 0.0, "underflow is zero, as JSON parsers do");
    assert_eq!(open_json::<Ratio>(r#"{"v":{"r":NaN}}"#).rejection(), Some(Payload));
    assert_eq!(open_json::<Ratio>(r#"{"v":{"r":Infinity}}"#).rejection(), Some(Payload));
    assert_eq!(open_json::<Ratio>(r#"{"v":{"r":null}}"#).rejection(), Some(Payload));
    assert_eq!(open_json::<Ratio>(r#"{"v":{"r":1.7976931348623157e308}}"#).r, f64::MAX);
}

#[test]
fn a_lone_high_surrogate_is_refused() {
    assert_eq!(visit(r#"{"v":{"user":"\ud800","count":1,"cart":[]}}"#), Err(Some(Payload)));
}

#[test]
fn a_lone_low_surrogate_is_refused() {
    assert_eq!(visit(r#"{"v":{"user":"\udc00x","count":1,"cart":[]}}"#), Err(Some(Payload)));
}

#[test]
fn reversed_surrogates_are_refused() {
    assert_eq!(visit(r#"{"v":{"user":"\udc00\ud800","count":1,"cart":[]}}"#), Err(Some(Payload)));
}

#[test]
fn a_surrogate_pair_is_read() {
    let expected = Visit { user: Some("😀".to_owned()), count: 1, cart: vec![] };
    assert_eq!(visit(r#"{"v":{"user":"\ud83d\ude00","count":1,"cart":[]}}"#), Ok(expected));
}

#[test]
fn invalid_utf8_in_a_string_is_refused() {
    let mut json = br#"{"v":{"user":"a"#.to_vec();
    json.extend_from_slice(b"\xff\xfe");
    json.extend_from_slice(br#"","count":1,"cart":[]}}"#);
    let value = sign_json_parts(&json, NOW);
    assert_eq!(outcome(&open_value(value)), Err(Some(Payload)));
}

#[test]
fn an_overlong_utf8_encoding_is_refused() {
    // "/" as the overlong two-byte sequence C0 AF.
    let json = [br#"{"v":{"user":""#.as_slice(), b"\xc0\xaf", br#"","count":1,"cart":[]}}"#].concat();
    assert_eq!(outcome(&open_value(sign_json_parts(&json, NOW))), Err(Some(Payload)));
}

#[test]
fn control_characters_in_a_string_are_refused_unless_escaped() {
    assert_eq!(visit("{\"v\":{\"user\":\"a\u{1}b\",\"count\":1,\"cart\":[]}}"), Err(Some(Payload)));
    let escaped = visit(r#"{"v":{"user":"a\u0001b\u0000","count":1,"cart":[]}}"#);
    assert_eq!(escaped.map(|v| v.user), Ok(Some("a\u{1}b\u{0}".to_owned())));
}

#[test]
fn an_invalid_escape_is_refused() {
    assert_eq!(visit(r#"{"v":{"user":"\x41","count":1,"cart":[]}}"#), Err(Some(Payload)));
    assert_eq!(visit(r#"{"v":{"user":"\u12","count":1,"cart":[]}}"#), Err(Some(Payload)));
}

#[test]
fn json_comments_and_trailing_commas_are_refused() {
    assert_eq!(visit(r#"{"v":{"user":null,"count":1,"cart":[1,],}}"#), Err(Some(Payload)));
    assert_eq!(visit(r#"{"v":{"user":null,/*x*/"count":1,"cart":[]}}"#), Err(Some(Payload)));
}

#[test]
fn a_byte_order_mark_is_refused() {
    let json = format!("\u{feff}{}", r#"{"v":{"user":null,"count":1,"cart":[]}}"#);
    assert_eq!(visit(&json), Err(Some(Payload)));
}

#[test]
fn maps_with_non_string_keys_are_read_as_serde_json_allows() {
    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Scores {
        by_id: BTreeMap<u32, String>,
    }
    let ok = open_json::<Scores>(r#"{"v":{"by_id":{"1":"a","2":"b"}}}"#);
    assert_eq!(ok.by_id.len(), 2);
    assert_eq!(open_json::<Scores>(r#"{"v":{"by_id":{"x":"a"}}}"#).rejection(), Some(Payload));
    assert_eq!(open_json::<Scores>(r#"{"v":{"by_id":{"4294967296":"a"}}}"#).rejection(), Some(Payload));
}

#[test]
fn an_unknown_enum_variant_is_refused() {
    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    enum Role {
        #[default]
        User,
        Admin,
    }
    #[derive(Debug, Default, Serialize, Deserialize)]
    struct Account {
        role: Role,
    }
    assert_eq!(open_json::<Account>(r#"{"v":{"role":"Admin"}}"#).role, Role::Admin);
    assert_eq!(open_json::<Account>(r#"{"v":{"role":"Root"}}"#).rejection(), Some(Payload));
    assert_eq!(open_json::<Account>(r#"{"v":{"role":"admin"}}"#).rejection(), Some(Payload));
}

#[test]
fn a_payload_rejection_starts_a_fresh_session_that_can_be_saved() {
    let mut session = open_json::<Visit>(r#"{"v":{"user":1}}"#);
    assert_eq!(session.rejection(), Some(Payload));
    assert!(session.is_new());
    session.count = 1;
    let mut response = http::Response::new(());
    session.save(&mut response).unwrap();
    let value = cookie_value(&response).unwrap();
    assert_eq!(outcome(&open_value(value)), Ok(Visit { count: 1, ..Visit::default() }));
}

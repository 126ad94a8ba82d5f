//! Hostile input: non-canonical and foreign encodings of a cookie value, without and with a valid
//! MAC. Without the key, the MAC covers the raw bytes, so any re-encoding of a valid value is
//! refused (`BadSignature`, or `Malformed` when the signature part itself is not canonical).
//! With a valid MAC (the test-only signer), non-canonical parts are refused after the MAC:
//! a bad timestamp is `Malformed`, a bad payload is `Payload`.

#[path = "hostile_common/mod.rs"]
mod common;

use common::*;
use session_runtime::__testing::{b64, timestamp};
use session_runtime::Rejection::{self, BadSignature, Malformed, Payload};

fn refused_with(value: &[u8]) -> Option<Rejection> {
    match outcome(&open_value(value)) {
        Ok(data) => panic!("{:?} was accepted as {data:?}", String::from_utf8_lossy(value)),
        Err(rejection) => rejection,
    }
}

const VISIT_JSON: &str = r#"{"v":{"user":"ada","count":7,"cart":[1,2,3]}}"#;

#[test]
fn padding_on_the_signature_is_refused() {
    assert_refused(format!("{}=", valid_value()), Malformed);
    assert_refused(format!("{}==", valid_value()), Malformed);
}

#[test]
fn padding_on_the_payload_is_refused() {
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    assert_refused(format!("{payload}=.{ts}.{signature}"), BadSignature);
}

#[test]
fn the_standard_alphabet_in_the_signature_is_refused() {
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    let standard = signature.replace('-', "+").replace('_', "/");
    let with_slash = format!("{}/{}", &signature[..10], &signature[11..]);
    assert_refused(
        format!("{payload}.{ts}.{}", if standard == signature { with_slash } else { standard }),
        Malformed,
    );
}

#[test]
fn the_standard_alphabet_in_the_payload_is_refused() {
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    assert_refused(format!("{}+{}.{ts}.{signature}", &payload[..4], &payload[5..]), BadSignature);
}

#[test]
fn non_zero_trailing_bits_in_the_signature_are_refused() {
    // 32 bytes are 43 characters; the last holds 2 bits and 4 bits that must be zero.
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    let last = signature.as_bytes()[42];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.iter().position(|&c| c == last).unwrap();
    let sloppy = alphabet[index | 1] as char; // sets a bit that must be zero
    assert_refused(format!("{payload}.{ts}.{}{sloppy}", &signature[..42]), Malformed);
}

#[test]
fn a_double_quoted_value_is_refused() {
    assert_refused(format!("\"{}\"", valid_value()), Malformed);
}

#[test]
fn a_single_quoted_value_is_refused() {
    assert_refused(format!("'{}'", valid_value()), Malformed);
}

#[test]
fn a_percent_encoded_value_is_refused() {
    assert_refused(valid_value().replace('.', "%2E"), Malformed);
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    assert_refused(format!("{payload}%3D.{ts}.{signature}"), BadSignature);
}

#[test]
fn leading_whitespace_in_the_value_is_refused() {
    // Only the pair is trimmed at its start; a space after `=` belongs to the value.
    assert_refused(format!(" {}", valid_value()), BadSignature);
    assert_refused(format!("\t{}", valid_value()), BadSignature);
}

#[test]
fn whitespace_inside_the_value_is_refused() {
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    assert_refused(format!("{payload} .{ts}.{signature}"), BadSignature);
    assert_refused(format!("{payload}.{ts}. {signature}"), Malformed);
    assert_refused(format!("{payload}.{ts}.{} {}", &signature[..20], &signature[20..]), Malformed);
}

#[test]
fn unicode_whitespace_around_the_value_is_refused() {
    // Non-breaking space and ideographic space are not trimmed.
    assert_refused(format!("\u{a0}{}", valid_value()), BadSignature);
    assert_refused(format!("{}\u{3000}", valid_value()), Malformed);
}

#[test]
fn non_ascii_in_the_payload_is_refused() {
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    assert_refused(format!("{payload}é.{ts}.{signature}"), BadSignature);
}

#[test]
fn non_ascii_in_the_signature_is_refused() {
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    assert_refused(format!("{payload}.{ts}.{}é", &signature[..41]), Malformed);
}

#[test]
fn a_multi_byte_character_next_to_each_separator_is_refused() {
    // cookie-rs #178 panicked slicing inside a multi-byte character; we work on bytes.
    let value = valid_value();
    let dots: Vec<usize> = value.match_indices('.').map(|(i, _)| i).collect();
    for &dot in &dots {
        for (at, ch) in [(dot, "£"), (dot + 1, "£"), (dot, "€"), (dot + 1, "😀")] {
            let mut hostile = value.clone();
            hostile.insert_str(at, ch);
            let rejection = refused_with(hostile.as_bytes());
            assert!(matches!(rejection, Some(BadSignature | Malformed)), "{hostile}: {rejection:?}");
        }
    }
}

#[test]
fn a_multi_byte_character_split_by_a_separator_is_refused() {
    // The bytes of "£" (C2 A3) with the separator between them: invalid UTF-8 around a dot.
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    let hostile = [payload.as_bytes(), b"\xc2.\xa3", ts.as_bytes(), b".", signature.as_bytes()].concat();
    assert_eq!(refused_with(&hostile), Some(BadSignature));
    let hostile = [payload.as_bytes(), b".", ts.as_bytes(), b"\xc2.\xa3", signature.as_bytes()].concat();
    assert_eq!(refused_with(&hostile), Some(Malformed));
}

#[test]
fn invalid_utf8_in_the_value_is_refused() {
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    let hostile = [payload.as_bytes(), b"\xff\xfe.", ts.as_bytes(), b".", signature.as_bytes()].concat();
    assert_eq!(refused_with(&hostile), Some(BadSignature));
}

#[test]
fn control_bytes_in_the_value_are_refused() {
    let value = valid_value();
    let (payload, ts, signature) = parts(&value);
    for control in [b'\0', b'\x01', b'\x1b', b'\x7f', b'\r', b'\n', b'\x0b', b'\x0c'] {
        let hostile =
            [payload.as_bytes(), &[control], b".", ts.as_bytes(), b".", signature.as_bytes()].concat();
        assert_eq!(refused_with(&hostile), Some(BadSignature), "control {control:#x}");
        let hostile = [value.as_bytes(), &[control]].concat();
        assert_eq!(refused_with(&hostile), Some(Malformed), "control {control:#x} at the end");
    }
}

#[test]
fn a_nul_byte_between_name_and_value_is_not_our_cookie() {
    let session = open_header(format!("session\0={}", valid_value()));
    assert_eq!(outcome(&session), Err(None));
}

#[test]
fn base64_of_the_whole_value_is_refused() {
    assert_refused(b64(valid_value().as_bytes()), Malformed);
}

// ---- with a valid MAC: the parts are parsed, and refused canonically ----

#[test]
fn valid_mac_over_a_padded_payload_is_refused() {
    let payload = format!("{}=", b64(VISIT_JSON.as_bytes()));
    let hostile = sign_raw(payload.as_bytes(), timestamp(NOW).as_bytes());
    assert_eq!(refused_with(&hostile), Some(Payload));
}

#[test]
fn valid_mac_over_a_standard_alphabet_payload_is_refused() {
    // "??>" encodes to "Pz8-" in base64url and "Pz8+" in standard base64.
    let json = r#"{"v":{"user":"??>","count":7,"cart":[]}}"#;
    let standard = b64(json.as_bytes()).replace('-', "+").replace('_', "/");
    assert!(standard.contains('+') || standard.contains('/'));
    let hostile = sign_raw(standard.as_bytes(), timestamp(NOW).as_bytes());
    assert_eq!(refused_with(&hostile), Some(Payload));
    // The canonical spelling of the same JSON is accepted.
    let canonical = sign_raw(b64(json.as_bytes()).as_bytes(), timestamp(NOW).as_bytes());
    assert!(outcome(&open_value(canonical)).is_ok());
}

#[test]
fn valid_mac_over_a_payload_with_non_zero_trailing_bits_is_refused() {
    let json = r#"{"v":{"user":"adam","count":7,"cart":[1,2,3]}}"#;
    let mut payload = b64(json.as_bytes());
    assert_ne!(json.len() % 3, 0, "the encoding ends in a partial group");
    let last = payload.pop().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.find(last).unwrap();
    payload.push(alphabet.as_bytes()[index | 1] as char);
    let hostile = sign_raw(payload.as_bytes(), timestamp(NOW).as_bytes());
    assert_eq!(refused_with(&hostile), Some(Payload));
}

#[test]
fn valid_mac_over_a_payload_with_an_impossible_length_is_refused() {
    let payload = format!("{}A", b64(b"{\"v\":{}}x"));
    let hostile = sign_raw(payload.as_bytes(), timestamp(NOW).as_bytes());
    assert_eq!(refused_with(&hostile), Some(Payload));
}

#[test]
fn valid_mac_over_a_non_base64_payload_is_refused() {
    for payload in [&b"not base64!"[..], b"%7B%7D", b"\"e30\"", "é".as_bytes(), b"\x00\xff", b"e30 "] {
        let hostile = sign_raw(payload, timestamp(NOW).as_bytes());
        assert_eq!(refused_with(&hostile), Some(Payload), "{payload:?}");
    }
}

#[test]
fn valid_mac_over_raw_json_is_refused() {
    // JSON that is not base64-encoded at all (no dots in it, so the shape holds).
    let hostile = sign_raw(br#"{"v":{"count":1}}"#, timestamp(NOW).as_bytes());
    assert_eq!(refused_with(&hostile), Some(Payload));
}

#[test]
fn valid_mac_over_a_padded_timestamp_is_refused() {
    let ts = format!("{}=", timestamp(NOW));
    let hostile = sign_raw(b64(VISIT_JSON.as_bytes()).as_bytes(), ts.as_bytes());
    assert_eq!(refused_with(&hostile), Some(Malformed));
}

#[test]
fn valid_mac_over_a_decimal_timestamp_is_refused() {
    // Decimal digits are valid base64url characters: "1700000000" decodes to 7 or so bytes of
    // something else, whose value is not now; a different length is impossible base64.
    let hostile = sign_raw(b64(VISIT_JSON.as_bytes()).as_bytes(), b"1700000000");
    let rejection = refused_with(&hostile);
    assert!(matches!(rejection, Some(Malformed | session_runtime::Rejection::NotYetValid)), "{rejection:?}");
    let hostile = sign_raw(b64(VISIT_JSON.as_bytes()).as_bytes(), b"+1700000000");
    assert_eq!(refused_with(&hostile), Some(Malformed));
}

#[test]
fn cr_lf_and_form_feed_are_not_trimmed_like_spaces() {
    // Only SP and HTAB are optional whitespace in a Cookie header; CR, LF, FF, VT are not
    // whitespace there (the runtime used `trim_ascii`, which strips them: found by this test).
    for control in ["\r", "\n", "\x0c", "\x0b"] {
        let session = open_header(format!("{control}session={}", valid_value()));
        assert_eq!(outcome(&session), Err(None), "{control:?} before the name");
        assert_refused(format!("{}{control}", valid_value()), Malformed);
    }
}

#[test]
fn spaces_and_tabs_around_a_pair_are_trimmed() {
    let session = open_header(format!(" \t session={} \t ; other=1", valid_value()));
    assert_eq!(outcome(&session), Ok(sample()));
}

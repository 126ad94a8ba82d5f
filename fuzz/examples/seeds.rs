//! Writes the hand-made seeds of `corpus/open_header/` (real cookies signed with the fuzz key at
//! the fuzz clock, alone and among foreign cookies) and of `corpus/sealed_open/` (sealed values,
//! and messages under a valid tag). Run from `fuzz/`:
//! `cargo run --example seeds` (the corpus is committed; rerun only when the format changes).

use std::collections::BTreeMap;
use std::fs;

use session_fuzz::sealed::sealer;
use session_fuzz::{Data, Kind, NOW, Tree, signer};
use session_runtime::__testing::{b64, compressed_payload, timestamp};

fn main() -> std::io::Result<()> {
    let dir = "corpus/open_header";
    fs::create_dir_all(dir)?;
    let signer = signer();
    let sign = |json: &str, at: u64| signer.sign_json("session", json.as_bytes(), at).unwrap_or_default();
    let full = Data {
        user: Some("ada".into()),
        count: 3,
        big: u64::MAX,
        small: -128,
        signed: i64::MIN,
        wide: u128::MAX,
        iwide: i128::MIN,
        ratio: 0.1,
        half: 1.5,
        flag: true,
        letter: 'é',
        cart: vec![1, 2, 3],
        tags: BTreeMap::from([("k".to_owned(), vec![Some(1), None])]),
        kind: Kind::Struct { a: 1, b: vec![2.5] },
        tree: Some(Tree::Node(vec![Tree::Leaf(1), Tree::Node(vec![])])),
    };
    let full_json = format!(r#"{{"v":{}}}"#, serde_json::to_string(&full).unwrap_or_default());
    let small = r#"{"v":{"user":"bob","count":1}}"#;
    let big = format!(r#"{{"v":{{"user":"{}"}},"p":true,"f":[["message","hi"]]}}"#, "ab".repeat(400));
    let valid = sign(&full_json, NOW);
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("valid", format!("session={valid}").into_bytes()),
        ("valid_small", format!("session={}", sign(small, NOW)).into_bytes()),
        ("valid_compressed", format!("session={}", sign(&big, NOW)).into_bytes()),
        ("expired", format!("session={}", sign(small, NOW - 40 * 86_400)).into_bytes()),
        ("future", format!("session={}", sign(small, NOW + 60)).into_bytes()),
        ("among_foreign", format!("a=1; caf\u{e9}=cr\u{e8}me; session={valid}; z=\"q\"").into_bytes()),
        ("two_headers", format!("a=1\nsession={valid}; b=2").into_bytes()),
        ("duplicates", format!("session=x; session={valid}; session=y").into_bytes()),
        (
            "lookalikes",
            format!("Session={valid}; session ={valid}; $Version=1; session={valid}").into_bytes(),
        ),
        ("non_utf8", [b"x=\xff\xfe; session=".as_slice(), valid.as_bytes()].concat()),
        ("tampered", format!("session={}", valid.replacen('e', "f", 1)).into_bytes()),
        ("truncated", format!("session={}", &valid[..valid.len() - 1]).into_bytes()),
        ("empty", b"session=".to_vec()),
        // Revocable sessions' epochs (`"e"`), written last as before they moved first: current
        // (bob is at 1 in `revocable_backend`), stale, ahead, given twice, and not an unsigned
        // integer.
        ("epoch_current", format!("session={}", sign(r#"{"v":{"user":"bob"},"e":1}"#, NOW)).into_bytes()),
        ("epoch_stale", format!("session={}", sign(r#"{"v":{"user":"bob"}}"#, NOW)).into_bytes()),
        ("epoch_ahead", format!("session={}", sign(r#"{"v":{"user":"bob"},"e":9}"#, NOW)).into_bytes()),
        ("epoch_twice", format!("session={}", sign(r#"{"v":{"user":"bob"},"e":1,"e":1}"#, NOW)).into_bytes()),
        ("epoch_negative", format!("session={}", sign(r#"{"v":{"user":"bob"},"e":-1}"#, NOW)).into_bytes()),
        // Written first, as the runtime writes it and reads it without serde; given first and last.
        ("epoch_leading", format!("session={}", sign(r#"{"e":1,"v":{"user":"bob"}}"#, NOW)).into_bytes()),
        ("epoch_leading_twice", format!("session={}", sign(r#"{"e":1,"v":{"user":"bob"},"e":1}"#, NOW)).into_bytes()),
        ("raw_mac_bad_ts", {
            let v =
                signer.sign("session", b64(small.as_bytes()).as_bytes(), b"AAAAAAAAAAAA").unwrap_or_default();
            [b"session=".as_slice(), &v].concat()
        }),
        ("raw_mac_bomb", {
            let bomb = compressed_payload(&vec![b'a'; 300_000]);
            let v = signer.sign("session", bomb.as_bytes(), timestamp(NOW).as_bytes()).unwrap_or_default();
            [b"session=".as_slice(), &v].concat()
        }),
    ];
    for (name, bytes) in seeds {
        fs::write(format!("{dir}/{name}"), bytes)?;
    }
    sealed_seeds(&full_json, &valid)
}

/// The seeds of `corpus/sealed_open/`: a first byte picking the mode (0: a cookie value; 2: a
/// message under a valid tag; 3: JSON under a valid tag and signing time), then the bytes.
fn sealed_seeds(full_json: &str, signed: &str) -> std::io::Result<()> {
    let dir = "corpus/sealed_open";
    fs::create_dir_all(dir)?;
    let sealer = sealer();
    let seal = |json: &str, at: u64, nonce: u8| {
        sealer.seal_json("session", json.as_bytes(), at, &[nonce; 12]).unwrap_or_default()
    };
    let valid = seal(full_json, NOW, 1);
    let small = r#"{"v":{"user":"bob","count":1},"p":true,"f":[["message","hi"]]}"#;
    let value = |v: &str| [&[0u8][..], v.as_bytes()].concat();
    let message = |at: u64, json: &str| [&[2u8][..], &at.to_be_bytes(), json.as_bytes()].concat();
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("valid", value(&valid)),
        ("valid_small", value(&seal(small, NOW, 2))),
        ("expired", value(&seal(small, NOW - 40 * 86_400, 3))),
        ("future", value(&seal(small, NOW + 60, 4))),
        ("tampered", value(&valid.replacen('A', "B", 1))),
        ("truncated", value(&valid[..valid.len() - 1])),
        ("signed", value(signed)),
        (
            "other_version",
            value(&sealer.seal_message("session", 2, &[5; 12], small.as_bytes()).unwrap_or_default()),
        ),
        (
            "other_name",
            value(&sealer.seal_json("other", small.as_bytes(), NOW, &[6; 12]).unwrap_or_default()),
        ),
        ("empty", vec![0]),
        ("message_valid", message(NOW, small)),
        ("message_bad_json", message(NOW, "{\"v\":")),
        ("message_short", vec![2, 0, 0, 1]),
        ("json_full", [&[3u8][..], full_json.as_bytes()].concat()),
        ("json_deep", [&[3u8][..], "[".repeat(300).as_bytes()].concat()),
    ];
    for (name, bytes) in seeds {
        fs::write(format!("{dir}/{name}"), bytes)?;
    }
    Ok(())
}

//! Golden vectors of the encrypted format (fixed key, nonce and clock → an exact value), and the
//! proof that they are right: Python's `cryptography` package (OpenSSL's HKDF and AES-GCM-SIV),
//! given only the grammar (tests/sealed/vectors.py), computes the same values, opens what a real
//! save writes under a fresh nonce, and seals values that the runtime opens. Our use of HKDF and
//! the AEAD is then checked against an independent implementation, not only against itself.
//!
//! The Python tests need `cryptography` in the interop venv (`bash scripts/setup-python.sh`, or
//! `FLASK_PYTHON`); without it they are reported `ignored` (cfg `no_cryptography`, build.rs),
//! except under CI, where they fail.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value as Json, json};
use session_runtime::__testing::RawSealer;
use session_runtime::{CookieConfig, FixedClock, Keys, SecretKey, SecureCookieSessionInterface, Tracked};

/// One fixed input of the format.
struct Case {
    secret: Vec<u8>,
    salt: &'static str,
    name: &'static str,
    json: String,
    now: u64,
    nonce: [u8; 12],
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn cases() -> Vec<Case> {
    let counting: Vec<u8> = (0..64).collect();
    let nonce: [u8; 12] = std::array::from_fn(|i| 0xa0 + i as u8);
    vec![
        Case {
            secret: vec![0x42; 32],
            salt: "cookie-session",
            name: "session",
            json: r#"{"v":{"user":"ada","count":7}}"#.to_owned(),
            now: 1_700_000_000,
            nonce: [0; 12],
        },
        Case {
            secret: counting.clone(),
            salt: "my-app",
            name: "__Host-s",
            json: r#"{"v":{"cart":[1,2,3],"note":"caf\u00e9 ☕"},"p":true,"f":[["message","hi"]]}"#
                .to_owned(),
            now: u64::from(u32::MAX) + 1,
            nonce,
        },
        Case {
            secret: vec![0xff; 48],
            salt: "",
            name: "a",
            json: r#"{"v":null}"#.to_owned(),
            now: 0,
            nonce: [0xff; 12],
        },
        Case {
            secret: counting,
            salt: "cookie-session",
            name: "session",
            json: format!(r#"{{"v":{{"visited":"{}"}}}}"#, "/page".repeat(400)),
            now: u64::MAX,
            nonce: [7; 12],
        },
        // Envelope v2: the issue time (`"i"`), a day before the signing time, sealed with the data.
        Case {
            secret: vec![0x42; 32],
            salt: "cookie-session",
            name: "session",
            json: r#"{"v":{"user":"ada","count":7},"p":true,"i":1699913600}"#.to_owned(),
            now: 1_700_000_000,
            nonce: [1; 12],
        },
    ]
}

/// What the runtime seals for `case` (the test hook takes the nonce; a save draws it from the OS).
fn rust_seal(case: &Case) -> String {
    let keys = Keys::new(SecretKey::try_from(case.secret.as_slice()).unwrap());
    RawSealer::new(&keys, case.salt.as_bytes())
        .seal_json(case.name, case.json.as_bytes(), case.now, &case.nonce)
        .unwrap()
}

fn backend(secret: &[u8], salt: &str, now: u64) -> SecureCookieSessionInterface {
    SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(secret).unwrap()))
        .with_salt(salt)
        .with_clock(FixedClock(now))
}

fn config(name: &str) -> CookieConfig {
    CookieConfig::builder().name(name).secure(true).encrypted(true).build().unwrap()
}

/// The first case's value, frozen: a change to the format, the key derivation or the associated
/// data changes it. Python computes it independently in `python_computes_the_same_values`.
const GOLDEN: &str =
    "AQAAAAAAAAAAAAAAACy5YSbH7mKNDuh3oO9t7k4Qsx1krE9jGeHL9sME94j_rFLVPenU2-Lu3rOAaWExBRAUcSbLJA";

#[test]
fn the_golden_vector_is_stable_and_opens() {
    let case = &cases()[0];
    assert_eq!(rust_seal(case), GOLDEN);
    let backend = backend(&case.secret, case.salt, case.now + 60);
    assert_eq!(backend.unsign_payload(&config(case.name), GOLDEN.as_bytes()).unwrap(), case.json.as_bytes());
}

/// The envelope v2 case (an issue time sealed with the data), frozen likewise; Python computes it
/// too.
const GOLDEN_V2: &str = "AQEBAQEBAQEBAQEBAeWU_e8fGA1SMbKGC6PPbd9ScuKJigmbsDsBbwm3_UIuKpm7lOFj7lo7ayPRcH7-mzAUJZxg80y42CMVHXwwULh934Vn0S3_E8DPL_VnDw";

#[test]
fn the_v2_golden_vector_is_stable_and_opens() {
    let case = &cases()[4];
    assert_eq!(rust_seal(case), GOLDEN_V2);
    let backend = backend(&case.secret, case.salt, case.now + 60);
    assert_eq!(
        backend.unsign_payload(&config(case.name), GOLDEN_V2.as_bytes()).unwrap(),
        case.json.as_bytes()
    );
}

#[test]
fn every_vector_opens_at_its_own_time() {
    for case in cases() {
        let value = rust_seal(&case);
        let backend = backend(&case.secret, case.salt, case.now);
        let lifetime = CookieConfig::builder()
            .name(case.name)
            .secure(true)
            .encrypted(true)
            .lifetime("400d")
            .build()
            .unwrap();
        assert_eq!(backend.unsign_payload(&lifetime, value.as_bytes()).unwrap(), case.json.as_bytes());
    }
}

/// Two saves of the same session give different values (a fresh nonce each), and both open.
#[test]
fn two_saves_differ_and_both_open() {
    #[derive(serde::Serialize, serde::Deserialize, Default, Debug, PartialEq, Clone)]
    struct Data {
        user: String,
    }
    let backend = std::sync::Arc::new(backend(&[9; 32], "cookie-session", 1_700_000_000));
    let save = || {
        let mut session =
            Tracked::<Data>::open_with(backend.clone(), config("session"), &http::Request::new(()));
        session.user = "ada".into();
        let mut response = http::Response::new(());
        session.save(&mut response).unwrap();
        let line = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        line.split(';').next().unwrap().to_owned()
    };
    let (a, b) = (save(), save());
    assert_ne!(a, b);
    for pair in [a, b] {
        let request = http::Request::builder().header("cookie", &pair).body(()).unwrap();
        let session = Tracked::<Data>::open_with(backend.clone(), config("session"), &request);
        assert_eq!(session.rejection(), None);
        assert_eq!(session.user, "ada");
    }
}

/// The interpreter with `cryptography`: `FLASK_PYTHON`, else `.venv/bin/python`.
fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python =
        std::env::var_os("FLASK_PYTHON").map_or_else(|| root.join(".venv/bin/python"), PathBuf::from);
    let works = Command::new(&python)
        .args(["-c", "from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        works,
        "needs Python's `cryptography` with AESGCMSIV, not found at {}: run `bash scripts/setup-python.sh` or set FLASK_PYTHON",
        python.display()
    );
    python
}

fn run_vectors(input: &Json) -> Json {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sealed/vectors.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "vectors.py failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn seal_case(case: &Case) -> Json {
    json!({
        "secret_hex": hex(&case.secret), "salt": case.salt, "name": case.name,
        "json": case.json, "now": case.now, "nonce_hex": hex(&case.nonce),
    })
}

#[test]
#[cfg_attr(no_cryptography, ignore = "needs Python's cryptography: bash scripts/setup-python.sh")]
fn python_computes_the_same_values() {
    let cases = cases();
    let answer = run_vectors(&json!({ "seal": cases.iter().map(seal_case).collect::<Vec<_>>() }));
    let sealed: Vec<String> = serde_json::from_value(answer["sealed"].clone()).unwrap();
    assert_eq!(sealed[0], GOLDEN);
    for (case, python) in cases.iter().zip(&sealed) {
        assert_eq!(&rust_seal(case), python, "case {:?}/{}", case.name, case.salt);
    }
    // Python's own random nonces: the runtime opens each.
    let fresh: Vec<String> = serde_json::from_value(answer["fresh"].clone()).unwrap();
    for (case, value) in cases.iter().zip(&fresh) {
        let backend = backend(&case.secret, case.salt, case.now);
        let config = CookieConfig::builder()
            .name(case.name)
            .secure(true)
            .encrypted(true)
            .lifetime("400d")
            .build()
            .unwrap();
        assert_eq!(backend.unsign_payload(&config, value.as_bytes()).unwrap(), case.json.as_bytes());
    }
}

#[test]
#[cfg_attr(no_cryptography, ignore = "needs Python's cryptography: bash scripts/setup-python.sh")]
fn python_opens_what_a_save_writes() {
    #[derive(serde::Serialize, serde::Deserialize, Default)]
    struct Data {
        user: String,
        roles: Vec<String>,
    }
    let secret = [0x5a; 40];
    let now = 1_750_000_000;
    let backend = std::sync::Arc::new(backend(&secret, "my-app", now));
    let mut values = Vec::new();
    for user in ["ada", "grace", "ada"] {
        let mut session =
            Tracked::<Data>::open_with(backend.clone(), config("__Host-id"), &http::Request::new(()));
        session.user = user.into();
        session.roles = vec!["admin".into()];
        let mut response = http::Response::new(());
        session.save(&mut response).unwrap();
        let line = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        values.push(line.split(';').next().unwrap().trim_start_matches("__Host-id=").to_owned());
    }
    let mut tampered = values[0].clone().into_bytes();
    tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
    values.push(String::from_utf8(tampered).unwrap());
    let open = values
        .iter()
        .map(|value| json!({ "secret_hex": hex(&secret), "salt": "my-app", "name": "__Host-id", "value": value }))
        .collect::<Vec<_>>();
    let answer = run_vectors(&json!({ "open": open }));
    let opened = answer["opened"].as_array().unwrap();
    for (i, user) in ["ada", "grace", "ada"].iter().enumerate() {
        assert_eq!(opened[i]["now"], now);
        let json: Json = serde_json::from_str(opened[i]["json"].as_str().unwrap()).unwrap();
        assert_eq!(json, json!({ "v": { "user": user, "roles": ["admin"] }, "i": now }));
    }
    assert_ne!(values[0], values[2], "the same session, sealed twice, under two nonces");
    assert_eq!(opened[3], json!({ "error": "tag" }));
}

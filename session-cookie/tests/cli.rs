//! The `session-cookie` binary, run as a user runs it: outputs, exit codes, and no panic on any
//! input. The Flask-made cookies come from real Flask when it is installed (see
//! `scripts/setup-python.sh`).

#[path = "../../tests/flask_support/mod.rs"]
mod flask_support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value as Json, json};

/// What Flask 3.1 writes for secret "dev", {"user_id": 42} at 1700000000 (docs/flask-migration.md).
const DEV_COOKIE: &str = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs";
const NOW: &str = "1700000000";

fn run(args: &[&str]) -> Output {
    run_with_stdin(args, "")
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_session-cookie"))
        .args(args)
        .env_remove("CI_SESSION_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run session-cookie");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("stdin");
    let output = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "session-cookie panicked on {args:?}: {stderr}");
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn json_of(output: &Output) -> Json {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

#[test]
fn decodes_the_worked_example() {
    let out = run(&["decode", "--format", "flask", "--secret", "dev", "--now", NOW, DEV_COOKIE]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "{\"status\":\"ok\",\"timestamp\":1700000000,\"session\":{\"user_id\":42}}\n");
    // `name=value` as copied from a Cookie header works too.
    let out = run(&["decode", "--secret", "dev", "--now", NOW, &format!("session={DEV_COOKIE}")]);
    assert_eq!(json_of(&out)["session"], json!({"user_id": 42}));
}

#[test]
fn encodes_the_worked_example_from_an_argument_and_from_stdin() {
    let out = run(&["encode", "--secret", "dev", "--now", NOW, r#"{ "user_id" : 42 }"#]);
    assert_eq!((code(&out), stdout(&out)), (0, format!("{DEV_COOKIE}\n")));
    let out = run_with_stdin(&["encode", "--secret", "dev", "--now", NOW], r#"{"user_id":42}"#);
    assert_eq!(stdout(&out), format!("{DEV_COOKIE}\n"));
    let out = run_with_stdin(&["encode", "--secret-hex", "646576", "--now", NOW, "-"], r#"{"user_id":42}"#);
    assert_eq!(stdout(&out), format!("{DEV_COOKIE}\n"), "hex of \"dev\"");
}

#[test]
fn tagged_documents_round_trip() {
    let document = r#"{"b":{" b":"/w=="},"t":{" t":[1,2.0]},"x":{" di":{" t__":"no"}},"u":"é😀","f":1e16}"#;
    let out = run(&["encode", "--secret", "k", "--now", NOW, document]);
    assert_eq!(code(&out), 0);
    let cookie = stdout(&out).trim().to_owned();
    let out = run(&["decode", "--secret", "k", "--now", NOW, &cookie]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        stdout(&out),
        "{\"status\":\"ok\",\"timestamp\":1700000000,\"session\":{\"b\":{\" b\":\"/w==\"},\"f\":1e+16,\"t\":{\" t\":[1,2.0]},\"u\":\"\\u00e9\\ud83d\\ude00\",\"x\":{\" di\":{\" t__\":\"no\"}}}}\n"
    );
}

#[test]
fn age_edges_and_rejections() {
    let decode = |extra: &[&str], value: &str| {
        let mut args = vec!["decode", "--secret", "dev"];
        args.extend_from_slice(extra);
        args.push(value);
        run(&args)
    };
    let ok = decode(&["--now", "1700000010", "--max-age", "10"], DEV_COOKIE);
    assert_eq!((code(&ok), json_of(&ok)["status"].clone()), (0, json!("ok")), "age == max_age is valid");
    for (extra, reason) in [
        (&["--now", "1700000011", "--max-age", "10"][..], "Expired"),
        (&["--now", "1699999999"][..], "NotYetValid"),
    ] {
        let out = decode(extra, DEV_COOKIE);
        assert_eq!(code(&out), 1);
        let body = json_of(&out);
        assert_eq!((body["status"].as_str(), body["reason"].as_str()), (Some("rejected"), Some(reason)));
        assert!(body["detail"].as_str().unwrap().contains("signed at 1700000000"), "{body}");
    }
    let wrong = run(&["decode", "--secret", "not dev", "--now", NOW, DEV_COOKIE]);
    assert_eq!((code(&wrong), json_of(&wrong)["reason"].clone()), (1, json!("BadSignature")));
    let (payload, rest) = DEV_COOKIE.split_once('.').unwrap();
    let tampered = [
        format!("{}A.{rest}", &payload[..payload.len() - 1]),
        DEV_COOKIE.replace(".ZVPxAA.", ".ZVPxAQ."),
        format!("{}x", &DEV_COOKIE[..DEV_COOKIE.len() - 1]),
    ];
    for value in &tampered {
        let out = decode(&["--now", NOW], value);
        assert_eq!(code(&out), 1, "{value}");
        assert!(matches!(json_of(&out)["reason"].as_str(), Some("BadSignature" | "Malformed")), "{value}");
    }
    for garbage in ["garbage", "a.b.c", "...", "\u{1F600}", " "] {
        let out = decode(&["--now", NOW], garbage);
        assert_eq!((code(&out), json_of(&out)["reason"].clone()), (1, json!("Malformed")), "{garbage:?}");
    }
}

#[test]
fn fallback_keys_verify_until_removed() {
    let out = run(&[
        "decode",
        "--secret",
        "new",
        "--fallback",
        "older",
        "--fallback",
        "dev",
        "--now",
        NOW,
        DEV_COOKIE,
    ]);
    assert_eq!(code(&out), 0);
    let out = run(&["decode", "--secret", "new", "--fallback", "older", "--now", NOW, DEV_COOKIE]);
    assert_eq!((code(&out), json_of(&out)["reason"].clone()), (1, json!("BadSignature")));
    // Encoding always signs with the current key.
    let out = run(&["encode", "--secret", "new", "--fallback", "dev", "--now", NOW, r#"{"user_id":42}"#]);
    assert_ne!(stdout(&out).trim(), DEV_COOKIE);
}

#[test]
fn secret_from_the_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_session-cookie"))
        .args(["decode", "--secret-env", "MY_FLASK_SECRET", "--now", NOW, DEV_COOKIE])
        .env("MY_FLASK_SECRET", "dev")
        .output()
        .expect("run");
    assert_eq!(code(&out), 0);
    let missing = run(&["decode", "--secret-env", "SURELY_NOT_SET_ANYWHERE_42", DEV_COOKIE]);
    assert_eq!(code(&missing), 2);
}

#[test]
fn unsigned_shows_the_payload_and_says_nothing_was_verified() {
    let out = run(&["decode", "--unsigned", DEV_COOKIE]);
    assert_eq!(code(&out), 0);
    let body = json_of(&out);
    assert_eq!(body["status"], "unverified");
    assert!(body["warning"].as_str().unwrap().contains("NOTHING WAS VERIFIED"));
    assert_eq!(body["session"], json!({"user_id": 42}));
    assert_eq!(body["timestamp"], 1_700_000_000);
    // A compressed payload is inflated.
    let big = format!(r#"{{"k":"{}"}}"#, "a".repeat(500));
    let cookie = stdout(&run(&["encode", "--secret", "k", "--now", NOW, &big])).trim().to_owned();
    assert!(cookie.starts_with(".eJ"));
    assert_eq!(
        json_of(&run(&["decode", "--unsigned", &cookie]))["session"]["k"].as_str().unwrap().len(),
        500
    );
}

#[test]
fn native_format_round_trip_binds_the_name() {
    let key = "ab".repeat(32);
    let envelope = r#"{"v":{"count":3},"p":true}"#;
    let out =
        run(&["encode", "--format", "native", "--secret-hex", &key, "--name", "sid", "--now", NOW, envelope]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let cookie = stdout(&out).trim().to_owned();
    let out =
        run(&["decode", "--format", "native", "--secret-hex", &key, "--name", "sid", "--now", NOW, &cookie]);
    assert_eq!(json_of(&out)["session"], json!({"v": {"count": 3}, "p": true}));
    let other = run(&["decode", "--format", "native", "--secret-hex", &key, "--now", NOW, &cookie]);
    assert_eq!(json_of(&other)["reason"], "BadSignature", "another cookie name does not verify");
    let weak = run(&["encode", "--format", "native", "--secret", "short", envelope]);
    assert_eq!(code(&weak), 2);
    assert!(String::from_utf8_lossy(&weak.stderr).contains("32 bytes"));
}

#[test]
fn bad_input_is_a_message_and_exit_2_never_a_panic() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["decode"],
        &["decode", DEV_COOKIE],
        &["decode", "--secret"],
        &["decode", "--secret", ""],
        &["decode", "--secret", "a", "--secret", "b", DEV_COOKIE],
        &["decode", "--secret-hex", "zz", DEV_COOKIE],
        &["decode", "--secret-hex", "abc", DEV_COOKIE],
        &["decode", "--secret", "a", "--now", "yesterday", DEV_COOKIE],
        &["decode", "--secret", "a", "--max-age", "-1", DEV_COOKIE],
        &["decode", "--secret", "a", "--max-age", "999999999", DEV_COOKIE],
        &["decode", "--secret", "a", "--format", "django", DEV_COOKIE],
        &["decode", "--secret", "a", "--bogus", DEV_COOKIE],
        &["decode", "--secret", "a", "one", "two"],
        &["decode", "--secret", "a", "--name", "bad name", DEV_COOKIE],
        &["encode", "--secret", "a", "{not json"],
        &["encode", "--secret", "a", "[1, 2]"],
        &["encode", "--secret", "a", "\"\\ud800\""],
        &["encode", "--format", "native", "--secret-hex", "00", "{\"a\":1}"],
    ] {
        let out = run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stdout(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("error:"), "{args:?}");
    }
    let help = run(&["--help"]);
    assert_eq!(code(&help), 0);
    assert!(stdout(&help).contains("session-cookie decode"));
}

#[test]
fn arbitrary_values_never_panic() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let alphabet: Vec<char> = "AZaz09-_.=!+/ é\u{0}".chars().collect();
    for round in 0..150 {
        let len = (round * 7) % 90;
        let value: String = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        let value = value.replace('\u{0}', "");
        for format in ["flask", "native"] {
            for unsigned in [false, true] {
                let mut args = vec!["decode", "--format", format, "--secret", "k", "--now", NOW];
                if unsigned {
                    args.push("--unsigned");
                }
                args.push("--");
                args.push(&value);
                let out = run(&args);
                assert!(matches!(code(&out), 0..=2), "{args:?}");
            }
        }
    }
}

/// Cookies Flask made decode to their tagged dict, and encoding that dict again at the same time
/// gives Flask's cookie back byte for byte.
#[test]
#[cfg_attr(no_flask, ignore = "needs Flask 3.1: bash scripts/setup-python.sh")]
fn flask_cookies_decode_and_re_encode_identically() {
    let python = flask_support::flask_python();
    let vectors = flask_support::run_python(&python, "make_vectors.py", &json!(null));
    let mut checked = 0;
    for v in vectors.as_array().expect("vectors").iter().filter(|v| v["kind"] == "shape") {
        let mut key_args = match v["secret_hex"].as_str() {
            Some(hex) => vec!["--secret-hex".to_owned(), hex.to_owned()],
            None => vec!["--secret".to_owned(), v["secret"].as_str().unwrap_or("interop secret").to_owned()],
        };
        for fallback in v["fallbacks"].as_array().into_iter().flatten().rev() {
            key_args.extend(["--fallback".to_owned(), fallback.as_str().expect("str").to_owned()]);
        }
        let name = v["config"]["SESSION_COOKIE_NAME"].as_str().unwrap_or("session").to_owned();
        let mut args: Vec<String> =
            vec!["decode".into(), "--now".into(), NOW.into(), "--name".into(), name.clone()];
        args.extend(key_args.iter().cloned());
        args.push(v["cookie"].as_str().expect("cookie").to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert_eq!(code(&out), 0, "{}: {}", v["name"], stdout(&out));
        let text = stdout(&out);
        let session = text
            .strip_prefix("{\"status\":\"ok\",\"timestamp\":1700000000,\"session\":")
            .and_then(|rest| rest.strip_suffix("}\n"))
            .expect("decode output");
        let mut args: Vec<String> = vec!["encode".into(), "--now".into(), NOW.into(), "--name".into(), name];
        args.extend(key_args);
        args.push(session.to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert_eq!(stdout(&out).trim(), v["cookie"].as_str().unwrap(), "{}", v["name"]);
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn encode_refuses_json_that_would_not_decode_back() {
    // 300 000 repeated characters compress to a few KB, but inflate past the 256 KiB cap that
    // `decode` (and every server) applies: `encode` refuses them instead of printing a cookie
    // that nothing accepts.
    let big = format!(r#"{{"cart":["{}"]}}"#, "a".repeat(300_000));
    let out = run_with_stdin(&["encode", "--secret", "a-long-enough-secret-key", "--now", NOW], &big);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("262144") && stderr.contains("server-side"), "{stderr}");
    let native = format!(r#"{{"v":{{"cart":["{}"]}}}}"#, "a".repeat(300_000));
    let args = ["encode", "--format", "native", "--secret-hex", &"ab".repeat(32), "--now", NOW];
    assert_eq!(code(&run_with_stdin(&args, &native)), 2);
    // Just under the cap: printed, and it decodes back.
    let fits = format!(r#"{{"cart":["{}"]}}"#, "a".repeat(200_000));
    let out = run_with_stdin(&["encode", "--secret", "a-long-enough-secret-key", "--now", NOW], &fits);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let cookie = stdout(&out).trim().to_owned();
    let out = run(&["decode", "--secret", "a-long-enough-secret-key", "--now", NOW, &cookie]);
    assert_eq!(json_of(&out)["status"], "ok");
}

#[test]
fn keys_under_16_bytes_are_used_with_a_warning_on_stderr_that_never_shows_them() {
    let stderr = |out: &Output| String::from_utf8_lossy(&out.stderr).into_owned();
    let out = run(&["decode", "--secret", "dev", "--now", NOW, DEV_COOKIE]);
    assert_eq!(code(&out), 0, "still decodes");
    let warning = stderr(&out);
    assert!(warning.contains("warning:") && warning.contains("--secret key is 3 bytes long"), "{warning}");
    assert_eq!(warning.lines().count(), 1, "{warning}");
    // Every way of giving a key; the key's text never appears.
    let secret = "Zq7short";
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    for args in [
        vec!["encode", "--secret", secret, "--now", NOW, "{}"],
        vec!["encode", "--secret-hex", &hex, "--now", NOW, "{}"],
        vec!["encode", "--secret", "a-long-enough-secret-key", "--fallback", secret, "--now", NOW, "{}"],
        vec!["encode", "--secret", "a-long-enough-secret-key", "--fallback-hex", &hex, "--now", NOW, "{}"],
    ] {
        let out = run(&args);
        assert_eq!(code(&out), 0, "{args:?}");
        let warning = stderr(&out);
        assert!(
            warning.contains("8 bytes long") && warning.contains("under 16 bytes"),
            "{args:?}: {warning}"
        );
        assert!(!warning.contains(secret) && !warning.contains(&hex), "{warning}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_session-cookie"))
        .args(["encode", "--secret-env", "CLI_TEST_SHORT_KEY", "--now", NOW, "{}"])
        .env("CLI_TEST_SHORT_KEY", secret)
        .output()
        .expect("run session-cookie");
    assert!(stderr(&out).contains("--secret-env key is 8 bytes long"), "{}", stderr(&out));
    // 16 bytes and more: no warning.
    let out = run(&["encode", "--secret", "sixteen-bytes-ok", "--now", NOW, "{}"]);
    assert_eq!((code(&out), stderr(&out)), (0, String::new()));
}

#[test]
fn key_material_never_appears_in_error_messages() {
    // A mistyped key, or a key the cookie does not verify under: the messages name the flag only.
    let secret = "Zq7SECRETzq7";
    for args in [
        vec!["decode", "--secret-hex", &format!("{secret}00"), DEV_COOKIE],
        vec!["decode", "--secret", secret, "--secret", secret, DEV_COOKIE],
        vec!["decode", "--secret", &format!("{secret}{secret}"), "--now", NOW, DEV_COOKIE],
        vec!["decode", "--fallback-hex", secret, "--secret", "x", DEV_COOKIE],
    ] {
        let out = run(&args);
        let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains(secret), "{args:?}: {all}");
    }
}

/// The encrypted format: `encode --encrypted` seals, `decode` recognises the shape and says which
/// key opened it; without a key (or with `--unsigned`) it says the value is sealed and nothing
/// else; a wrong key, a tampered value or `--format flask` is refused.
#[test]
fn encrypted_values_open_with_the_key_and_show_nothing_without_it() {
    let key = "ab".repeat(32);
    let other = "cd".repeat(32);
    let document = r#"{"v":{"user":"ada-secret","roles":["admin"]}}"#;
    let out = run(&["encode", "--encrypted", "--secret-hex", &key, "--now", NOW, document]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let value = stdout(&out).trim().to_owned();
    assert!(!value.contains('.') && !value.contains("ada"), "{value}");
    let again = stdout(&run(&["encode", "--encrypted", "--secret-hex", &key, "--now", NOW, document]));
    assert_ne!(again.trim(), value, "a fresh nonce per value");

    let out = run(&["decode", "--secret-hex", &key, "--now", NOW, &value]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        json_of(&out),
        json!({"status": "ok", "format": "encrypted", "key": "current", "timestamp": null,
               "session": {"v": {"user": "ada-secret", "roles": ["admin"]}}})
    );
    let out = run(&[
        "decode",
        "--secret-hex",
        &other,
        "--fallback-hex",
        &key,
        "--now",
        NOW,
        &format!("session={value}"),
    ]);
    assert_eq!(json_of(&out)["key"], "fallback 1");

    for args in [vec!["decode", value.as_str()], vec!["decode", "--unsigned", value.as_str()]] {
        let out = run(&args);
        assert_eq!(code(&out), 1);
        let shown = json_of(&out);
        assert_eq!(shown["status"], "sealed");
        assert_eq!(shown.as_object().unwrap().len(), 3, "status, format, detail: {shown}");
        assert!(!stdout(&out).contains("ada") && !stdout(&out).contains("1700000000"));
    }

    let out = run(&["decode", "--secret-hex", &other, "--now", NOW, &value]);
    assert_eq!((code(&out), json_of(&out)["reason"].clone()), (1, json!("BadSignature")));
    let out = run(&["decode", "--secret-hex", &key, "--name", "other", "--now", NOW, &value]);
    assert_eq!(json_of(&out)["reason"], "BadSignature", "the cookie name is bound");
    let out = run(&["decode", "--secret-hex", &key, "--now", "1800000000", &value]);
    assert_eq!(json_of(&out)["reason"], "Expired");
    let mut tampered = value.clone().into_bytes();
    tampered[25] = if tampered[25] == b'A' { b'B' } else { b'A' };
    let out = run(&["decode", "--secret-hex", &key, "--now", NOW, std::str::from_utf8(&tampered).unwrap()]);
    assert_eq!(json_of(&out)["reason"], "BadSignature");
    assert_eq!(code(&run(&["decode", "--format", "flask", "--secret-hex", &key, &value])), 2);
    let out = run(&["encode", "--encrypted", "--format", "flask", "--secret-hex", &key, r#"{"a":1}"#]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Flask could not read"));
}

/// `decode` says `ok` only for what a server with the same settings accepts: the issue time
/// against the signing time (with the server's future skew), `max_lifetime` and the data's
/// version are checked as the open path checks them (before, each of these printed `ok`).
#[test]
fn decode_refuses_what_the_library_refuses() {
    let key = "ab".repeat(32);
    let now: u64 = NOW.parse().unwrap();
    let native = |document: &str| {
        let out = run(&["encode", "--format", "native", "--secret-hex", &key, "--now", NOW, document]);
        assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        stdout(&out).trim().to_owned()
    };
    let decode = |value: &str, extra: &[&str]| {
        let mut args = vec!["decode", "--format", "native", "--secret-hex", &key, "--now", NOW];
        args.extend_from_slice(extra);
        args.push(value);
        let out = run(&args);
        let body = json_of(&out);
        (code(&out), body["reason"].as_str().unwrap_or("ok").to_owned(), body)
    };

    // Issued a minute after it was signed: a server refuses it, unless its skew covers the minute.
    let ahead = native(&format!(r#"{{"v":{{"n":1}},"i":{}}}"#, now + 60));
    let (exit, reason, body) = decode(&ahead, &[]);
    assert_eq!((exit, reason.as_str()), (1, "NotYetValid"), "{body}");
    assert!(body["detail"].as_str().unwrap().contains(&format!("issued at {}", now + 60)), "{body}");
    assert_eq!(decode(&ahead, &["--future-skew", "60"]).1, "ok");

    // Issued 8 days ago, refreshed now: within the lifetime, past a 7-day `max_lifetime`.
    let old = native(&format!(r#"{{"v":{{"n":1}},"i":{}}}"#, now - 8 * 86_400));
    assert_eq!(decode(&old, &[]).1, "ok", "no absolute limit configured");
    let limited = ["--max-age", "86400", "--max-lifetime", "604800"];
    let (exit, reason, body) = decode(&old, &limited);
    assert_eq!((exit, reason.as_str()), (1, "SessionTooOld"), "{body}");
    assert!(body["detail"].as_str().unwrap().contains("max lifetime 604800 s"), "{body}");
    assert_eq!(
        code(&run(&["decode", "--secret-hex", &key, "--max-lifetime", "60", &old])),
        2,
        "shorter than max-age"
    );

    // Data of version 2: a version-1 server refuses it; a version-2 or -3 server reads it.
    let v2 = native(r#"{"s":2,"v":{"n":1}}"#);
    let (exit, reason, body) = decode(&v2, &[]);
    assert_eq!((exit, reason.as_str()), (1, "NewerVersion"), "{body}");
    assert!(body["detail"].as_str().unwrap().contains("written as version 2, read as version 1"), "{body}");
    assert_eq!(decode(&v2, &["--data-version", "2"]).2["session"], json!({"s": 2, "v": {"n": 1}}));
    assert_eq!(decode(&v2, &["--data-version", "3"]).1, "ok", "older data is migrated");
    for bad in [
        &["--data-version", "0"][..],
        &["--data-version", "x"],
        &["--format", "flask", "--data-version", "2"],
    ] {
        let mut args = vec!["decode", "--secret-hex", &key];
        args.extend_from_slice(bad);
        args.push(&v2);
        assert_eq!(code(&run(&args)), 2, "{bad:?}");
    }

    // The same checks open an encrypted value.
    let out = run(&[
        "encode",
        "--encrypted",
        "--secret-hex",
        &key,
        "--now",
        NOW,
        &format!(r#"{{"v":{{}},"i":{}}}"#, now + 60),
    ]);
    let sealed = stdout(&out).trim().to_owned();
    let (exit, reason, body) = decode(&sealed, &[]);
    assert_eq!((exit, reason.as_str()), (1, "NotYetValid"), "{body}");
    assert!(body["detail"].as_str().unwrap().contains("opened with the current key"), "{body}");
}

/// `--unsigned` reads with the runtime's parser and its inflate cap (the tool had its own, four
/// times larger): a payload that inflates past the cap is refused, as a server refuses it.
#[test]
fn unsigned_applies_the_runtime_inflate_cap() {
    use session_runtime::__testing::{compressed_payload, timestamp};
    let json = |len: usize| format!(r#"{{"k":"{}"}}"#, "a".repeat(len));
    let value = |len: usize| {
        format!("{}.{}.c2ln", compressed_payload(json(len).as_bytes()), timestamp(1_700_000_000))
    };
    let fits = run(&["decode", "--unsigned", &value(200_000)]);
    assert_eq!(code(&fits), 0);
    assert_eq!(json_of(&fits)["session"]["k"].as_str().map(str::len), Some(200_000));
    let over = run(&["decode", "--unsigned", &value(300_000)]);
    assert_eq!((code(&over), json_of(&over)["reason"].clone()), (1, json!("Payload")), "{}", stdout(&over));
    assert!(json_of(&over)["detail"].as_str().unwrap().contains("262144"));
}

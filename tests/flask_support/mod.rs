//! Running real Flask from the interop tests: finding the interpreter, running the scripts in
//! `tests/flask/`, and turning a Flask app's config into ours.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as Json;
use session_runtime::{CookieConfig, Format, Keys, SameSite, SecretKey};

/// The Python interpreter with Flask 3.1 installed: `FLASK_PYTHON`, else `.venv/bin/python` in the
/// repository root. The tests that call this are compiled `#[ignore]`d when the build script found
/// no Flask (`cfg(no_flask)`, never under CI), so reaching a missing Flask here means CI, a run
/// with `--ignored`, or an interpreter that went away after the build: a failure that says what to
/// do, never a silent pass.
pub fn flask_python() -> PathBuf {
    let candidate = match std::env::var_os("FLASK_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => repo_root().join(".venv/bin/python"),
    };
    let works = Command::new(&candidate)
        .args(["-c", "import flask, sys; sys.exit(0 if flask.__version__.startswith('3.1.') else 1)"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        works,
        "needs Flask 3.1, not found at {}: run `bash scripts/setup-python.sh` or set FLASK_PYTHON",
        candidate.display()
    );
    candidate
}

/// The repository root: this package's directory, or its parent for a member crate that
/// includes this module.
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if manifest.join("tests/flask").is_dir() {
        manifest.to_path_buf()
    } else {
        manifest.parent().unwrap_or(manifest).to_path_buf()
    }
}

pub fn script(name: &str) -> PathBuf {
    repo_root().join("tests/flask").join(name)
}

/// Runs `tests/flask/<name>` with `input` on stdin and parses its stdout as JSON.
pub fn run_python(python: &Path, name: &str, input: &Json) -> Json {
    let mut child = Command::new(python)
        .arg(script(name))
        .current_dir(script(""))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child.stdin.take().expect("stdin").write_all(input.to_string().as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("python output");
    assert!(
        output.status.success(),
        "{name} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{name} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    })
}

/// Our config for a Flask app's session settings (docs/flask-migration.md has the table).
pub fn config_of(flask: &Json) -> CookieConfig {
    let get = |key: &str| flask.get(key).filter(|v| !v.is_null());
    let text = |key: &str| get(key).and_then(Json::as_str).filter(|s| !s.is_empty());
    let flag = |key: &str, default: bool| get(key).and_then(Json::as_bool).unwrap_or(default);
    let mut builder = CookieConfig::builder()
        .format(Format::Flask)
        .name(text("SESSION_COOKIE_NAME").unwrap_or("session"))
        .path(text("SESSION_COOKIE_PATH").or(text("APPLICATION_ROOT")).unwrap_or("/"))
        .secure(flag("SESSION_COOKIE_SECURE", false))
        .http_only(flag("SESSION_COOKIE_HTTPONLY", true))
        .partitioned(flag("SESSION_COOKIE_PARTITIONED", false))
        .same_site(match text("SESSION_COOKIE_SAMESITE").map(str::to_ascii_lowercase).as_deref() {
            Some("strict") => Some(SameSite::Strict),
            Some("lax") => Some(SameSite::Lax),
            Some("none") => Some(SameSite::None),
            _ => None,
        })
        .lifetime_secs(get("PERMANENT_SESSION_LIFETIME").and_then(Json::as_u64).unwrap_or(31 * 86_400));
    if let Some(domain) = text("SESSION_COOKIE_DOMAIN") {
        builder = builder.domain(domain);
    }
    builder.build().expect("a valid config")
}

pub fn legacy(secret: &str) -> SecretKey {
    SecretKey::from_legacy(secret.as_bytes()).expect("non-empty key")
}

/// Flask's `SECRET_KEY` and `SECRET_KEY_FALLBACKS` as our ring: Flask tries the fallbacks from
/// the last to the first, so they are reversed into our newest-first order.
pub fn keys_of(vector: &Json) -> Keys {
    let current = match vector.get("secret_hex").and_then(Json::as_str) {
        Some(hex) => SecretKey::from_legacy(&decode_hex(hex)).expect("key"),
        None => legacy(vector.get("secret").and_then(Json::as_str).unwrap_or("interop secret")),
    };
    let fallbacks: Vec<SecretKey> = vector
        .get("fallbacks")
        .and_then(Json::as_array)
        .map(|list| list.iter().rev().filter_map(Json::as_str).map(legacy).collect())
        .unwrap_or_default();
    Keys::new(current).with_fallbacks(fallbacks)
}

pub fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

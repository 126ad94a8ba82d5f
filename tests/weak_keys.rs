//! A key too short for the native format is never silent (issue 25, item 4): the README's
//! snippet, run as written (no `tracing` subscriber) with `SESSION_SECRET_KEY=dev` or a 24-byte
//! key, names the key's length and what to do on standard error at the first request, and every
//! failed save prints its reason there too. The Flask format, which signs with short keys as
//! Flask does, keeps working and prints nothing.
//!
//! The process-wide ring is read from the environment once per process, so each case runs in a
//! child process of this test binary (the `child` test, picked by `WEAK_KEYS_CASE`), with exactly
//! the key it needs; the parent reads the child's standard error.

#[path = "common/server.rs"]
mod server;

use std::process::Command;

use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use server::{serve, set_cookies};
use session_runtime::tower::SessionLayer;
use session_runtime::{Session, Tracked};

const CASE: &str = "WEAK_KEYS_CASE";

/// The README's session type and handler.
#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "__Host-session", secure, lifetime = "7d")]
struct Visit {
    user: Option<String>,
    count: u32,
    cart: Vec<u64>,
}

async fn count(mut visit: Tracked<Visit>) -> String {
    visit.count += 1;
    visit.cart.push(7);
    format!("visit {}", visit.count)
}

/// The same handler on a Flask-format session.
#[cfg(feature = "flask")]
#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "flask_session", format = "flask")]
struct FlaskVisit {
    count: u32,
}

#[cfg(feature = "flask")]
async fn flask_count(mut visit: Tracked<FlaskVisit>) -> String {
    visit.count += 1;
    format!("visit {}", visit.count)
}

/// Runs the `child` test in a new process with `case` and `SESSION_SECRET_KEY=key` (no
/// fallbacks), asserts that it passed, and returns its standard error.
fn in_child(case: &str, key: &str) -> String {
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE, case)
        .env("SESSION_SECRET_KEY", key)
        .env_remove("SESSION_SECRET_KEY_FALLBACKS")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "case {case} failed in the child:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok. 1 passed"), "the child did not run:\n{stdout}");
    stderr
}

/// The lines the runtime printed (the harness prints its own lines to stdout).
fn runtime_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|line| line.starts_with("session-runtime: ")).collect()
}

/// The cases, run only in a child process (without `WEAK_KEYS_CASE` it does nothing).
#[test]
fn child() {
    let Ok(case) = std::env::var(CASE) else { return };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let http = reqwest::Client::new();
        match case.as_str() {
            // Exactly the README's setup: the layer with the process-wide ring, no subscriber.
            "readme-refused" | "readme-works" => {
                let app = Router::new().route("/", get(count)).layer(SessionLayer::new());
                let base = serve(app).await;
                for _ in 0..2 {
                    let response = http.get(format!("{base}/")).send().await.expect("request");
                    if case == "readme-refused" {
                        assert_eq!(response.status(), 500);
                    } else {
                        assert_eq!(response.status(), 200);
                        assert_eq!(set_cookies(&response).len(), 1);
                    }
                }
            }
            #[cfg(feature = "flask")]
            "flask-works" => {
                let app = Router::new().route("/", get(flask_count)).layer(SessionLayer::new());
                let base = serve(app).await;
                for _ in 0..2 {
                    let response = http.get(format!("{base}/")).send().await.expect("request");
                    assert_eq!(response.status(), 200);
                    assert_eq!(set_cookies(&response).len(), 1, "the Flask format signs with a short key");
                }
            }
            other => panic!("unknown case {other}"),
        }
    });
}

/// The key named once at the first request, and each failed save after it, on standard error.
fn assert_refused(stderr: &str, len: usize) {
    let lines = runtime_lines(stderr);
    let named = format!(
        "session-runtime: the current secret key is {len} bytes long; the native and encrypted formats \
         (cookie `__Host-session`) need at least 32 bytes"
    );
    assert_eq!(lines.iter().filter(|line| line.starts_with(&named)).count(), 1, "once: {stderr}");
    assert!(lines[0].starts_with(&named), "at the first request, before the save fails: {stderr}");
    assert!(lines[0].contains("SESSION_SECRET_KEY"), "says what to do: {stderr}");
    let failed = format!(
        "session-runtime: the session could not be saved, so the response is an error: the current \
         secret key is {len} bytes long; the native format needs at least 32 bytes"
    );
    assert_eq!(lines.iter().filter(|line| line.starts_with(&failed)).count(), 2, "each save: {stderr}");
    assert_eq!(lines.len(), 3, "{stderr}");
}

#[test]
fn flasks_habit_dev_is_named_on_stderr_at_the_first_request() {
    assert_refused(&in_child("readme-refused", "dev"), 3);
}

#[test]
fn a_24_byte_key_is_named_on_stderr_and_never_shown() {
    let key = "0123456789abcdefghijklmn";
    let stderr = in_child("readme-refused", key);
    assert_refused(&stderr, 24);
    assert!(!stderr.contains(key), "the key's bytes are never printed: {stderr}");
}

#[test]
fn a_32_byte_key_prints_nothing() {
    let stderr = in_child("readme-works", "0123456789abcdefghijklmnopqrstuv");
    assert_eq!(runtime_lines(&stderr), Vec::<&str>::new(), "{stderr}");
}

#[cfg(feature = "flask")]
#[test]
fn the_flask_format_keeps_signing_with_a_short_key() {
    let stderr = in_child("flask-works", "dev");
    assert_eq!(runtime_lines(&stderr), Vec::<&str>::new(), "{stderr}");
}

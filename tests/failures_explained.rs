//! Failures explain themselves: without a key, the first request logs what to do, once, and a
//! save that fails logs why; a refused cookie is logged at debug with its kind and name, never
//! its value. Over loopback HTTP through the axum layer, with the process-wide backend. The test
//! runs itself again in a child process with `SESSION_SECRET_KEY` and its fallbacks removed, so a
//! key exported in the developer's shell does not change what it checks, and nothing here
//! installs a key.

#[path = "common/server.rs"]
mod server;

use std::process::Command;
use std::sync::Mutex;

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use server::serve;
use session_runtime::tower::SessionLayer;
use session_runtime::{Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default)]
struct Visit {
    count: u32,
}

async fn bump(mut visit: Tracked<Visit>) -> String {
    visit.count += 1;
    visit.count.to_string()
}

async fn read(visit: Tracked<Visit>) -> String {
    visit.count.to_string()
}

/// Every event's level and text, fields included.
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

struct Text<'a>(&'a mut String);

impl tracing::field::Visit for Text<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = format!("{}", event.metadata().level());
        event.record(&mut Text(&mut text));
        EVENTS.lock().unwrap().push(text);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn events_with(needle: &str) -> Vec<String> {
    EVENTS.lock().unwrap().iter().filter(|event| event.contains(needle)).cloned().collect()
}

/// Set in the child's environment: run the test's body instead of spawning.
const CHILD: &str = "FAILURES_EXPLAINED_CHILD";

/// In the parent: runs `test` alone in a child process without any key in its environment,
/// asserts that it passed, and returns `false`. In the child: `true`, so the caller runs the body.
fn in_child_without_keys(test: &str) -> bool {
    if std::env::var_os(CHILD).is_some() {
        assert!(std::env::var_os("SESSION_SECRET_KEY").is_none(), "the child has no key");
        return true;
    }
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env_remove("SESSION_SECRET_KEY")
        .env_remove("SESSION_SECRET_KEY_FALLBACKS")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{test} failed in the child:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok. 1 passed"), "the child did not run {test}:\n{stdout}");
    false
}

#[tokio::test]
async fn a_missing_key_and_a_refused_cookie_say_what_happened() {
    if !in_child_without_keys("a_missing_key_and_a_refused_cookie_say_what_happened") {
        return;
    }
    tracing::subscriber::set_global_default(Capture).expect("the only subscriber of this process");
    let base =
        serve(Router::new().route("/bump", post(bump)).route("/read", get(read)).layer(SessionLayer::new()))
            .await;
    let http = reqwest::Client::new();

    for _ in 0..2 {
        let response = http.post(format!("{base}/bump")).send().await.unwrap();
        assert_eq!(response.status(), 500);
    }
    let no_key = events_with("no session secret key");
    assert_eq!(no_key.len(), 1, "said once, at the first request: {no_key:#?}");
    assert!(no_key[0].starts_with("ERROR") && no_key[0].contains("SESSION_SECRET_KEY"), "{no_key:#?}");
    let failed = events_with("the session could not be saved");
    assert_eq!(failed.len(), 2, "each failed save is logged: {failed:#?}");
    assert!(failed[0].starts_with("ERROR") && failed[0].contains("no secret key was set"), "{failed:#?}");

    let secret_value = "eyJ2Ijp7fX0.garbage-value.not-a-signature";
    let response = http
        .get(format!("{base}/read"))
        .header("cookie", format!("session={secret_value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Without a key no cookie is read at all; with one, a refused cookie is logged at debug.
    let keyed = session_runtime::SecureCookieSessionInterface::new(session_runtime::Keys::new(
        session_runtime::SecretKey::try_from(&[3u8; 32][..]).unwrap(),
    ));
    let request =
        http::Request::builder().header("cookie", format!("session={secret_value}")).body(()).unwrap();
    let visit = Tracked::<Visit>::open_with(std::sync::Arc::new(keyed), Visit::config(), &request);
    assert!(visit.rejection().is_some());
    let refused = events_with("session cookie refused");
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert!(refused[0].starts_with("DEBUG") && refused[0].contains("cookie=\"session\""), "{refused:#?}");
    assert!(
        EVENTS.lock().unwrap().iter().all(|event| !event.contains("garbage-value")),
        "no cookie value is logged"
    );
}

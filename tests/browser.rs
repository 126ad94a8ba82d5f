//! A real browser against the demo app: headless Chromium driven through chromedriver's
//! WebDriver protocol. It proves the session cookie survives a reload, is invisible to
//! `document.cookie` (HttpOnly), and is gone after sign-out; and, with two browsers (two
//! profiles, so two cookie jars) signed in as one user on server-side sessions, that one signs
//! the other out from the account page.
//!
//! Ignored by default (it needs Debian's `chromium` and `chromium-driver`); CI installs them and
//! runs `cargo test --test browser -- --ignored`.

#[path = "common/server.rs"]
mod server;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface};

struct Driver {
    process: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let process = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (apt-get install chromium chromium-driver)");
        let driver =
            Driver { process, base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() };
        for _ in 0..100 {
            if driver.http.get(format!("{}/status", driver.base)).send().await.is_ok() {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start");
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let request = self.http.request(method, format!("{}{path}", self.base));
        let request = if body.is_null() { request } else { request.json(&body) };
        let response: Value = request.send().await.expect("webdriver").json().await.expect("json");
        response["value"].clone()
    }

    /// A browser with its own profile `name` (its own cookie jar).
    async fn new_session(&self, name: &str) -> String {
        let profile = std::env::temp_dir().join(format!("session-browser-{}-{name}", std::process::id()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let value = self.call(reqwest::Method::POST, "/session", caps).await;
        value["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {value}")).to_owned()
    }
}

struct Browser<'a> {
    driver: &'a Driver,
    session: String,
}

impl Browser<'_> {
    async fn go(&self, url: &str) {
        self.driver
            .call(reqwest::Method::POST, &format!("/session/{}/url", self.session), json!({"url": url}))
            .await;
    }
    async fn refresh(&self) {
        self.driver
            .call(reqwest::Method::POST, &format!("/session/{}/refresh", self.session), json!({}))
            .await;
    }
    async fn script(&self, script: &str) -> Value {
        let body = json!({"script": script, "args": []});
        self.driver
            .call(reqwest::Method::POST, &format!("/session/{}/execute/sync", self.session), body)
            .await
    }
    async fn cookies(&self) -> Vec<Value> {
        let value = self
            .driver
            .call(reqwest::Method::GET, &format!("/session/{}/cookie", self.session), Value::Null)
            .await;
        value.as_array().cloned().unwrap_or_default()
    }
    /// Waits until `script` returns true (after a form submission navigates).
    async fn wait_for(&self, script: &str) {
        for _ in 0..100 {
            if self.script(script).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for: {script}");
    }
    async fn quit(&self) {
        self.driver.call(reqwest::Method::DELETE, &format!("/session/{}", self.session), Value::Null).await;
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; CI runs it with --ignored"]
async fn cookie_survives_reload_is_http_only_and_gone_after_sign_out() {
    let key = SecretKey::try_from(&[5u8; 32][..]).unwrap();
    let epochs = session_runtime::epoch::Epochs::new(session_runtime::epoch::MemoryEpochs::new());
    let base = server::serve(session_workspace::demo::router(Arc::new(
        SecureCookieSessionInterface::new(Keys::new(key)).with_epochs(epochs),
    )))
    .await;
    let driver = Driver::start().await;
    let browser = Browser { session: driver.new_session("main").await, driver: &driver };

    browser.go(&format!("{base}/")).await;
    browser.wait_for("return document.querySelector('input[name=user]') !== null").await;
    browser
        .script("document.querySelector('input[name=user]').value = 'alice'; document.querySelector('form[action=\"/login\"]').submit();")
        .await;
    browser.wait_for("return document.getElementById('user') !== null").await;

    browser.refresh().await;
    browser
        .wait_for("return document.readyState === 'complete' && document.getElementById('user') !== null")
        .await;
    let user = browser.script("return document.getElementById('user').textContent").await;
    assert_eq!(user, json!("Signed in as alice."), "the session survives a reload");

    assert_eq!(browser.script("return document.cookie").await, json!(""), "HttpOnly: invisible to scripts");
    let cookies = browser.cookies().await;
    let session = cookies.iter().find(|c| c["name"] == "demo_session").expect("the browser holds the cookie");
    assert_eq!(session["httpOnly"], json!(true));
    assert_eq!(session["sameSite"], json!("Lax"));

    browser.script("document.querySelector('form[action=\"/logout\"]').submit();").await;
    browser.wait_for("return document.querySelector('input[name=user]') !== null").await;
    // Showing the "Signed out." flash emptied the session, so that page deleted the cookie.
    browser.refresh().await;
    browser.wait_for("return document.readyState === 'complete' && document.querySelector('input[name=user]') !== null").await;
    let cookies = browser.cookies().await;
    assert!(cookies.iter().all(|c| c["name"] != "demo_session"), "cookie gone after sign-out: {cookies:?}");
    browser.quit().await;
}

/// Two browsers, one user, sessions in the memory store: the second lists both sessions on the
/// account page, clicks "Sign out" on the first one's row, and the first is signed out at its
/// next page load.
#[tokio::test]
#[ignore = "needs chromium and chromium-driver; CI runs it with --ignored"]
async fn one_browser_signs_the_other_out_from_the_account_page() {
    use session_runtime::ServerSideSessionInterface;
    use session_runtime::tower::SessionLayer;
    use session_workspace::demo::{Accounts, router_with_accounts, server_side_accounts};

    let key = SecretKey::try_from(&[6u8; 32][..]).unwrap();
    let backend = Arc::new(server_side_accounts(ServerSideSessionInterface::memory(Keys::new(key))));
    let base = server::serve(router_with_accounts(
        SessionLayer::with_interface(backend.clone()),
        Accounts::ServerSide(backend),
    ))
    .await;
    let driver = Driver::start().await;
    let first = Browser { session: driver.new_session("first").await, driver: &driver };
    let second = Browser { session: driver.new_session("second").await, driver: &driver };
    for browser in [&first, &second] {
        browser.go(&format!("{base}/")).await;
        browser.wait_for("return document.querySelector('input[name=user]') !== null").await;
        browser
            .script("document.querySelector('input[name=user]').value = 'carol'; document.querySelector('form[action=\"/login\"]').submit();")
            .await;
        browser.wait_for("return document.getElementById('user') !== null").await;
    }

    second.go(&format!("{base}/account")).await;
    second.wait_for("return document.querySelectorAll('tr.session').length === 2").await;
    let current = second
        .script(
            "return document.querySelector('b.current').closest('tr').querySelector('.label').textContent",
        )
        .await;
    assert_eq!(current, json!("Chrome on Linux"), "headless Chromium on Linux, marked as this device");
    second.script("document.querySelector('button.revoke').closest('form').submit();").await;
    second
        .wait_for("return document.readyState === 'complete' && document.querySelectorAll('tr.session').length === 1")
        .await;
    let flash = second.script("return document.querySelector('.message').textContent").await;
    assert_eq!(flash, json!("Signed out that device."));

    first.refresh().await;
    first
        .wait_for("return document.readyState === 'complete' && document.querySelector('input[name=user]') !== null")
        .await;
    second.go(&format!("{base}/")).await;
    second
        .wait_for("return document.readyState === 'complete' && document.getElementById('user') !== null")
        .await;
    first.quit().await;
    second.quit().await;
}

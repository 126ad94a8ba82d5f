//! The examples are run, not only compiled: the ones that check something must exit 0 with the
//! output they promise, and the servers must set a session cookie and count a second visit
//! through a real cookie jar.
//!
//! cargo does not hand a test the paths of the package's examples, and `cargo test --test
//! examples_run` does not build them, so this test builds them itself, into this build's target
//! directory and profile, and runs the executables cargo reports. It builds them as the README's
//! `cargo test --workspace --all-features` does (the same packages, so the same features), which
//! has built them already: there the build is a no-op. Run another way, it builds them once more
//! with those features.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

/// How long an example may take to finish, or a server to print its address.
const PATIENCE: Duration = Duration::from_secs(60);

/// The example executables by name, built once per test binary.
fn examples() -> &'static HashMap<String, PathBuf> {
    static BUILT: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    BUILT.get_or_init(build_examples)
}

fn build_examples() -> HashMap<String, PathBuf> {
    // This binary is `<target dir>/<profile dir>/deps/examples_run-<hash>`.
    let exe = std::env::current_exe().expect("test binary");
    let profile_dir = exe.parent().and_then(Path::parent).expect("the profile directory");
    let target_dir = profile_dir.parent().expect("the target directory");
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--workspace", "--all-features", "--examples", "--message-format=json"])
        .arg("--target-dir")
        .arg(target_dir);
    match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") => {}
        Some("release") => {
            cargo.arg("--release");
        }
        Some(profile) => {
            cargo.args(["--profile", profile]);
        }
        None => panic!("no profile directory in {}", exe.display()),
    }
    let output = cargo.stderr(Stdio::inherit()).output().expect("run cargo");
    assert!(output.status.success(), "cargo build --examples failed");
    let mut built = HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Json>(line) else { continue };
        let is_example =
            message["target"]["kind"].as_array().is_some_and(|kinds| kinds.contains(&"example".into()));
        if let (true, Some(name), Some(path)) =
            (is_example, message["target"]["name"].as_str(), message["executable"].as_str())
        {
            built.insert(name.to_owned(), PathBuf::from(path));
        }
    }
    built
}

/// A command for example `name`, with no key ring, store or port inherited from the caller.
fn example(name: &str) -> Command {
    let path = examples().get(name).unwrap_or_else(|| panic!("cargo built no example {name}"));
    let mut command = Command::new(path);
    for variable in ["SESSION_SECRET_KEY", "SESSION_SECRET_KEY_FALLBACKS", "SESSION_STORE", "PORT"] {
        command.env_remove(variable);
    }
    command
}

/// Runs example `name` to its end.
fn run(name: &str) -> Output {
    let mut child =
        example(name).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start the example");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            panic!("{name} did not finish within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    assert!(
        output.status.success(),
        "{name} exited with {}:\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn key_rotation_keeps_old_cookies_working_until_the_old_key_goes() {
    let stdout = String::from_utf8(run("key_rotation").stdout).expect("UTF-8");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            r#"with the old key as a fallback: user = Some("alice")"#,
            "cookies verified by [new key, old key]: [1, 1]",
            "old cookie after the old key is gone: Some(BadSignature)",
            r#"re-signed cookie: user = Some("alice")"#,
        ]
    );
}

#[test]
fn custom_interface_runs_its_checks_to_the_end() {
    // Only that it finishes: the example's own asserts are the checks, and its text may change.
    let stdout = String::from_utf8(run("custom_interface").stdout).expect("UTF-8");
    assert!(!stdout.trim().is_empty(), "custom_interface printed nothing");
}

/// A server example on a free port, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts example `name` with `PORT=0` and waits for the line with its address.
    fn start(name: &str) -> Server {
        let mut child = example(name)
            .env("PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the example");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        // Reads to the end, not just to the address: a closed pipe would make the server's next
        // `println!` panic.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://") {
                    let _ = sender.send(line[at..].trim_end_matches('/').to_owned());
                }
            }
        });
        let base = match receiver.recv_timeout(PATIENCE) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("{name} printed no http:// address");
            }
        };
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).build().expect("client")
}

/// `cargo run --example demo`, the README's first command.
#[tokio::test]
async fn the_demo_counts_a_visitor() {
    let server = Server::start("demo");
    let c = client();
    for expected in 1..=2 {
        let r = c.post(format!("{}/count", server.base)).send().await.expect("POST /count");
        assert!(r.status().is_success(), "{}", r.status());
        let state: Json =
            c.get(format!("{}/api/state", server.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(state["visit"]["count"], expected, "{state}");
    }
}

/// The examples that print `hit N` / `visit N` per request.
#[tokio::test]
async fn the_plain_http_and_actix_servers_count_visits() {
    for (name, word) in [("plain_http", "hit"), ("actix", "visit")] {
        let server = Server::start(name);
        let c = client();
        for expected in 1..=2 {
            let r = c.get(format!("{}/", server.base)).send().await.expect("GET /");
            assert_eq!(r.headers().get_all("set-cookie").iter().count(), 1, "{name}");
            assert_eq!(r.text().await.unwrap().trim(), format!("{word} {expected}"), "{name}");
        }
    }
}

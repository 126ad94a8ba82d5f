//! The process-wide key ring: `Keys::from_env`, `install_keys` and `global_keys`. The ring is set
//! once per process and the environment is read once, so each case runs in a child process of this
//! test binary (the `child` test, picked by `KEYS_TEST_CASE`), with exactly the environment it
//! needs; the parent checks that the child passed.

use std::process::Command;
use std::sync::Arc;

use session_runtime::{KeyError, Keys, SecretKey, global_keys, install_keys};

const CASE: &str = "KEYS_TEST_CASE";
const CURRENT: &str = "SESSION_SECRET_KEY";
const FALLBACKS: &str = "SESSION_SECRET_KEY_FALLBACKS";

fn legacy(text: &str) -> SecretKey {
    SecretKey::from_legacy(text.as_bytes()).unwrap()
}

/// Runs the `child` test in a new process with `case` and the given key variables (the others
/// removed), and fails if the child failed.
fn in_child(case: &str, vars: &[(&str, &str)]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["child", "--exact", "--test-threads=1"]).env(CASE, case);
    command.env_remove(CURRENT).env_remove(FALLBACKS);
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "case {case} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 passed"), "the child ran");
}

/// The cases, run only in a child process (without `KEYS_TEST_CASE` it does nothing).
#[test]
fn child() {
    let Ok(case) = std::env::var(CASE) else { return };
    let ring = Keys::new(legacy("installed")).with_fallbacks([legacy("older")]);
    match case.as_str() {
        "env" => {
            // Fallbacks: comma-separated, trimmed, empty entries skipped, order kept.
            let expected =
                Keys::new(legacy("current-key")).with_fallbacks([legacy("old-1"), legacy("old-2")]);
            assert_eq!(Keys::from_env(), Some(expected.clone()));
            assert_eq!(global_keys(), Some(Arc::new(expected.clone())));
            // Read once: installing afterwards is refused and changes nothing.
            assert_eq!(install_keys(ring), Err(KeyError::AlreadySet));
            assert_eq!(global_keys(), Some(Arc::new(expected)));
        }
        "install" => {
            assert_eq!(Keys::from_env(), None);
            assert_eq!(install_keys(ring.clone()), Ok(()));
            assert_eq!(install_keys(Keys::new(legacy("second"))), Err(KeyError::AlreadySet));
            assert_eq!(global_keys(), Some(Arc::new(ring)));
        }
        "none" => {
            assert_eq!(Keys::from_env(), None, "an empty key is no key");
            assert_eq!(global_keys(), None);
            assert_eq!(install_keys(ring), Err(KeyError::AlreadySet), "the environment was read");
            assert_eq!(global_keys(), None);
        }
        other => panic!("unknown case {other}"),
    }
}

#[test]
fn the_ring_is_read_from_the_environment_once() {
    in_child("env", &[(CURRENT, "current-key"), (FALLBACKS, " old-1 ,, old-2 ")]);
}

#[test]
fn an_installed_ring_is_the_global_one_and_cannot_be_replaced() {
    in_child("install", &[]);
}

#[test]
fn without_a_key_there_is_no_ring() {
    in_child("none", &[(CURRENT, ""), (FALLBACKS, "old-1")]);
}

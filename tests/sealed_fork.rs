//! The encrypted format's nonces across a real `fork()`: a child inherits its parent's
//! per-thread nonce batch, and must not seal with the nonce its parent uses next (identical
//! messages would give identical cookies; docs/security.md, "Nonce policy").
//!
//! The runtime forbids unsafe code; this test (in the workspace package, which does not) calls
//! `libc::fork` directly, as a pre-forking server would. The child does only what the test needs
//! (one save, one file write) and leaves with `_exit`, so nothing of the test harness runs twice.
//! Unix only; the runtime's unit tests cover the same rule on every platform through a
//! pretended fork (`format::sealed`, `a_fork_fetches_a_new_batch`).
#![cfg(unix)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use session_runtime::{CookieConfig, FixedClock, Keys, SecretKey, SecureCookieSessionInterface};

/// The nonce of a sealed value: the 12 bytes after the version byte.
fn nonce_of(value: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(value).expect("base64url").get(1..13).expect("a nonce").to_vec()
}

#[test]
fn a_forked_child_never_seals_with_its_parents_next_nonce() {
    let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&[7u8; 32][..]).unwrap()))
        .with_clock(FixedClock(1_700_000_000));
    let config = CookieConfig::builder().encrypted(true).build().unwrap();
    let seal = || backend.sign_payload(&config, br#"{"v":{"user":"ada"}}"#).unwrap();
    // The first save fetches this thread's batch and uses one nonce of it: a fork now leaves the
    // child with the rest.
    let first = seal();
    let out = std::env::temp_dir().join(format!("session-runtime-fork-{}", std::process::id()));
    let _ = std::fs::remove_file(&out);
    // SAFETY: the child only seals, writes one file and calls `_exit`; glibc's malloc is
    // fork-safe, and this test binary has no other test that could hold a lock.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let written = std::fs::write(&out, seal()).is_ok();
        // SAFETY: `_exit` ends the child without running the parent's exit handlers.
        unsafe { libc::_exit(if written { 0 } else { 1 }) };
    }
    let parent = seal();
    let mut status = 0;
    // SAFETY: waits for the child started above.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "the child failed: {status}");
    let child = std::fs::read_to_string(&out).expect("the child's value");
    let _ = std::fs::remove_file(&out);
    assert_eq!(backend.unsign_payload(&config, child.as_bytes()).unwrap(), br#"{"v":{"user":"ada"}}"#);
    assert_ne!(nonce_of(&child), nonce_of(&parent), "parent and child sealed under one nonce");
    assert_ne!(child, parent, "the same message under one nonce: the same cookie");
    assert!(![nonce_of(&first), nonce_of(&parent)].contains(&nonce_of(&child)));
}

//! What the fleet simulation found in the library (issue 25), each shown alone and by the walk
//! that found it. Each failed before its fix (issue 25) and passes now.
//!
//! 1. A handler that borrows the session mutably and changes nothing (`cart.retain(…)` that
//!    keeps every item) has not changed it ("a mutable borrow without a change sends nothing",
//!    `Tracked`), yet on an older server it deletes a newer release's cookie, and on an
//!    `accept_signed` server it fails a forced re-write that does not fit with `TooLarge`.
//! 2. A sign-out on a server whose clock already sees the cookie as timed out sends no
//!    deletion (nothing was accepted), so for the last seconds of the cookie's life a server
//!    whose clock is behind, within the configured skew, still sees the user signed in.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use session_runtime::{Error, Rejection};

use super::common::NOW;
use super::world::*;
use super::{DEFAULT_SEED, DEFAULT_STEPS, LIFETIME, SKEW, assert_clean, env_u64, run};

fn at_now() -> Arc<session_runtime::SecureCookieSessionInterface> {
    backend(Ring { current: 1, fallback: None }, &Arc::new(AtomicU64::new(NOW)))
}

fn cookie_of(out: Outcome) -> String {
    let lines = out.saved.expect("saved");
    parse_set_cookie(&lines[0], NOW).0.expect("a cookie")
}

/// Found at FLEET_SEED=0x5eedf1ee70000025, step 283 of the walk below: a newer release's cookie
/// on an older server, whose handler only borrowed the (empty, unreadable) session mutably, is
/// deleted, so the user is signed out by a request that changed nothing. Reading it leaves it
/// alone; a real change replaces it (documented); a no-op borrow should do what reading does.
#[test]
fn an_older_server_keeps_a_newer_cookie_its_handler_only_borrowed() {
    let backend = at_now();
    let sign_in = Action::SignIn("ann".into(), String::new());
    let newer = cookie_of(serve::<SignedV2>(&backend, None, Some(&sign_in)));
    let old = serve::<SignedV1>(&backend, Some(&newer), Some(&Action::Tidy));
    assert_eq!(old.rejection, Some(session_runtime::Rejection::NewerVersion));
    let lines = old.saved.expect("saved");
    assert!(!lines.iter().any(|line| line.contains("Max-Age=0")), "the newer cookie was deleted: {lines:?}");
}

/// Found at FLEET_SEED=0x5eedf1ee70000025, step 582 of the walk below: a signed session that compresses well but does not fit sealed, on an
/// `encrypted, accept_signed` server. Reading it keeps the incoming cookie (the forced re-write is
/// skipped and counted); a handler that borrows it mutably without a change fails the request
/// with `TooLarge` (a 500 on every such request until the cookie expires), because the skip asks
/// "not borrowed mutably" where it means "not changed".
#[test]
fn a_forced_re_write_that_does_not_fit_is_skipped_after_a_no_op_borrow() {
    let backend = at_now();
    let sign_in = Action::SignIn("ann".into(), "a".repeat(6_000));
    let signed = cookie_of(serve::<SignedV1>(&backend, None, Some(&sign_in)));
    let read = serve::<AcceptV1>(&backend, Some(&signed), Some(&Action::Read));
    assert!(read.skipped && read.saved.is_ok(), "reading keeps the incoming cookie");
    let tidy = serve::<AcceptV1>(&backend, Some(&signed), Some(&Action::Tidy));
    match tidy.saved {
        Err(error @ Error::TooLarge { .. }) => panic!("a no-op borrow failed the request: {error}"),
        saved => assert!(saved.is_ok() && tidy.skipped, "kept and counted"),
    }
}

/// The default walk, with handlers that borrow mutably without changing anything among the
/// actions.
#[test]
fn a_fleet_with_no_op_mutable_borrows() {
    let seed = env_u64("FLEET_SEED").unwrap_or(DEFAULT_SEED);
    let steps = env_u64("FLEET_STEPS").unwrap_or(DEFAULT_STEPS);
    let (violations, _) = run(seed, steps, Walk::NoOpBorrows);
    assert_clean(&violations, seed);
}

/// Found at FLEET_SEED=0x5eedf1ee70000025, step 184 599 of the 1 000 000-step run. Alone: server
/// A, 5 s slow, signs the user in; 598 s later the user signs out on server B, 5 s fast, which sees
/// the cookie as idle for 608 s (`Expired`). It used to delete nothing, so server C, 5 s slow,
/// still saw the user signed in until the browser dropped the cookie 2 s later; clearing a
/// refused cookie of ours now deletes it.
#[test]
fn a_sign_out_where_the_cookie_just_expired_is_honoured_everywhere() {
    let clock = |offset: i64| Arc::new(AtomicU64::new(NOW.saturating_add_signed(offset)));
    let ring = Ring { current: 1, fallback: None };
    let (a, b, c) = (clock(-(SKEW as i64) / 2), clock(SKEW as i64 / 2), clock(-(SKEW as i64) / 2));
    let sign_in = Action::SignIn("ann".into(), String::new());
    let cookie = cookie_of(serve::<SignedV2>(&backend(ring, &a), None, Some(&sign_in)));
    for clock in [&b, &c] {
        clock.fetch_add(LIFETIME - 2, Ordering::Relaxed);
    }
    let out = serve::<SignedV2>(&backend(ring, &b), Some(&cookie), Some(&Action::SignOut));
    assert_eq!(out.rejection, Some(Rejection::Expired));
    let lines = out.saved.expect("saved");
    assert!(
        lines.len() == 1 && lines[0].contains("Max-Age=0"),
        "a deletion, though B saw it expired: {lines:?}"
    );
    // The browser drops the cookie, so C, whose clock still sees it valid, is never shown it.
    let later = serve::<SignedV2>(&backend(ring, &c), None, None);
    assert_eq!(later.seen, None, "signed out everywhere");
}

/// The walk that found it, strict about it: the first occurrence is step 184 599 (about a
/// minute in a debug build).
#[test]
fn a_fleet_where_every_sign_out_is_honoured_everywhere() {
    let seed = env_u64("FLEET_SEED").unwrap_or(DEFAULT_SEED);
    let steps = env_u64("FLEET_STEPS").unwrap_or(184_600);
    let (violations, _) = run(seed, steps, Walk::StrictSignOut);
    assert_clean(&violations, seed);
}

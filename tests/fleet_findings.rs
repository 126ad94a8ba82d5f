//! What a fleet does to cookie sessions, one finding at a time (issue 25, items 1–3): servers
//! whose clocks differ within the configured skew and a clock that steps back between open and
//! save never log a user out; an older server honours a sign-out of a newer release's cookie
//! and replaces it on a sign-in; a forced re-write that no longer fits keeps the incoming
//! cookie instead of failing every request. `tests/fleet.rs` runs them all together.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::*;
use serde::{Deserialize, Serialize};
use session_runtime::{
    Clock, Error, FixedClock, Keys, Rejection, SecureCookieSessionInterface, ServerSideSessionInterface,
    Session, SessionInterface, Tracked,
};

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "fleet", permanent, lifetime = "1d", max_lifetime = "7d")]
struct Account {
    user: Option<String>,
    visits: u32,
}

/// A clock a test moves by hand (shared by clones).
#[derive(Debug, Clone)]
struct Adjustable(Arc<AtomicU64>);

impl Adjustable {
    fn at(now: u64) -> Self {
        Adjustable(Arc::new(AtomicU64::new(now)))
    }
    fn set(&self, now: u64) {
        self.0.store(now, Ordering::Relaxed);
    }
}

impl Clock for Adjustable {
    fn now_unix(&self) -> Option<u64> {
        Some(self.0.load(Ordering::Relaxed))
    }
}

fn server(clock: impl Clock + 'static, skew: u64) -> Arc<dyn SessionInterface> {
    Arc::new(SecureCookieSessionInterface::new(Keys::new(key(1))).with_clock(clock).with_future_skew(skew))
}

/// Opens, lets `handle` change the session, saves, and returns the new cookie pair (or the old
/// one when nothing was sent) with the rejection the open saw.
fn visit<T: Session>(
    backend: &Arc<dyn SessionInterface>,
    cookie: &str,
    handle: impl FnOnce(&mut Tracked<T>),
) -> (String, Option<Rejection>) {
    let cookie_header = Some(cookie).filter(|cookie| !cookie.is_empty());
    let mut session = Tracked::<T>::open_with(backend.clone(), T::config(), &request(cookie_header));
    let rejection = session.rejection();
    handle(&mut session);
    let mut resp = response();
    session.save(&mut resp).expect("save");
    let sent = set_cookies(&resp).first().map(|line| line.split(';').next().unwrap_or_default().to_owned());
    (sent.unwrap_or_else(|| cookie.to_owned()), rejection)
}

/// Two servers 5 s apart, both tolerating 10 s: a session made on the fast one and refreshed or
/// changed on the slow one opens everywhere afterwards (it was `Malformed`: issue time after the
/// signing time). Same for a signed-in user renewed on the slow one.
#[test]
fn sessions_survive_servers_whose_clocks_differ_within_the_skew() {
    for backend_kind in ["cookie", "server-side"] {
        let (fast, slow) = match backend_kind {
            "cookie" => (server(FixedClock(NOW + 5), 10), server(FixedClock(NOW), 10)),
            _ => {
                let store = Arc::new(session_runtime::MemoryStore::new());
                let at = |now| -> Arc<dyn SessionInterface> {
                    Arc::new(
                        ServerSideSessionInterface::with_store(Keys::new(key(1)), store.clone())
                            .with_clock(FixedClock(now))
                            .with_future_skew(10),
                    )
                };
                (at(NOW + 5), at(NOW))
            }
        };
        let (cookie, _) = visit::<Account>(&fast, "", |s| s.user = Some("ann".into()));
        let mut cookie = cookie;
        for (step, server) in [&slow, &fast, &slow, &slow, &fast].into_iter().enumerate() {
            let (next, rejection) = visit::<Account>(server, &cookie, |s| s.visits += 1);
            assert_eq!(rejection, None, "{backend_kind}, step {step}");
            cookie = next;
        }
        let (_, rejection) = visit::<Account>(&fast, &cookie, |s| assert_eq!(s.visits, 5));
        assert_eq!(rejection, None, "{backend_kind}");
    }
}

/// A clock that steps back one second between the open and the save of a new session: the issue
/// time and the signing time come from the save's one clock reading, so the cookie opens.
#[test]
fn a_clock_stepping_back_between_open_and_save_loses_nothing() {
    let clock = Adjustable::at(NOW);
    let backend = server(clock.clone(), 0);
    let mut session = Tracked::<Account>::open_with(backend.clone(), Account::config(), &request(None));
    session.user = Some("ann".into());
    clock.set(NOW - 1);
    let mut resp = response();
    session.save(&mut resp).expect("save");
    let cookie = cookie_pair(&resp);
    let (_, rejection) = visit::<Account>(&backend, &cookie, |s| assert_eq!(s.user.as_deref(), Some("ann")));
    assert_eq!(rejection, None);
}

/// An issue time ahead of the signing time (as an earlier release wrote across servers whose
/// clocks differed) opens within the skew; beyond it, it is refused as not yet valid (the MAC
/// verified: a server whose clock ran ahead wrote it), never as tampering.
#[test]
fn an_issue_time_ahead_of_the_signature_opens_within_the_skew() {
    let signer = SecureCookieSessionInterface::new(Keys::new(key(1))).with_clock(FixedClock(NOW));
    let payload = format!(r#"{{"v":{{"user":"ann","visits":1}},"p":true,"i":{}}}"#, NOW + 8);
    let value = signer.sign_payload(Account::config(), payload.as_bytes()).expect("sign");
    let cookie = format!("fleet={value}");
    for (skew, expected) in [(10, None), (8, None), (7, Some(Rejection::NotYetValid))] {
        let (_, rejection) = visit::<Account>(&server(FixedClock(NOW), skew), &cookie, |_| {});
        assert_eq!(rejection, expected, "skew {skew}");
    }
    // Saved again on a server 8 s behind the issuer: written as issued at its signing time.
    let (cookie, _) = visit::<Account>(&server(FixedClock(NOW), 10), &cookie, |s| s.visits = 2);
    let (_, rejection) = visit::<Account>(&server(FixedClock(NOW), 0), &cookie, |_| {});
    assert_eq!(rejection, None);
}

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "deploy")]
struct Old {
    user: Option<String>,
}

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "deploy", version = 2, migrate_from = "Old")]
struct New {
    user: Option<String>,
    theme: String,
}

impl From<Old> for New {
    fn from(old: Old) -> New {
        New { user: old.user, theme: String::new() }
    }
}

/// A newer release's cookie on an older server (a rolling deploy, a rollback): signing out
/// deletes it, signing in replaces it (the newer data, which the old server cannot read, is
/// lost), and a request that only reads leaves it alone. On every backend.
#[test]
fn an_older_server_honours_sign_out_and_sign_in_of_a_newer_cookie() {
    let store = Arc::new(session_runtime::MemoryStore::new());
    let backends: [Arc<dyn SessionInterface>; 2] = [
        server(FixedClock(NOW), 0),
        Arc::new(
            ServerSideSessionInterface::with_store(Keys::new(key(1)), store).with_clock(FixedClock(NOW)),
        ),
    ];
    for (server_side, backend) in [false, true].into_iter().zip(backends) {
        let newer = || {
            visit::<New>(&backend, "", |s| {
                s.user = Some("ann".into());
                s.theme = "dark".into();
            })
            .0
        };
        // Sign-in as someone else: the session is replaced with the old version's data.
        let (replaced, _) = visit::<Old>(&backend, &newer(), |s| s.user = Some("bob".into()));
        let (_, rejection) = visit::<New>(&backend, &replaced, |s| {
            assert_eq!(
                (s.user.as_deref(), s.theme.as_str()),
                (Some("bob"), ""),
                "migrated from the old data"
            );
        });
        assert_eq!(rejection, None);
        // Read only: nothing sent, the newer session lives on.
        let newer = newer();
        let old = Tracked::<Old>::open_with(backend.clone(), Old::config(), &request(Some(&newer)));
        assert_eq!(
            (old.rejection(), old.user.clone(), old.is_new()),
            (Some(Rejection::NewerVersion), None, true)
        );
        let mut resp = response();
        old.save(&mut resp).expect("save");
        assert!(set_cookies(&resp).is_empty());
        // Sign-out: the cookie is deleted, and the newer server no longer sees anyone.
        let mut old = Tracked::<Old>::open_with(backend.clone(), Old::config(), &request(Some(&newer)));
        old.clear();
        let mut resp = response();
        old.save(&mut resp).expect("save");
        let lines = set_cookies(&resp);
        assert!(lines.len() == 1 && lines[0].contains("Max-Age=0"), "{lines:?}");
        if server_side {
            let (_, rejection) = visit::<New>(&backend, &newer, |s| assert_eq!(s.user, None));
            assert_eq!(rejection, Some(Rejection::UnknownSession), "the record is gone too");
        }
    }
}

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "big")]
struct Signed {
    notes: String,
}

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(name = "big", encrypted, accept_signed)]
struct Sealed {
    notes: String,
}

/// A signed cookie that compresses well but whose sealed form (not compressed) exceeds
/// `max_size`: moving it to the encrypted format is a forced re-write that cannot fit. The
/// request succeeds and keeps the incoming cookie (counted); a real change that does not fit is
/// still the handler's error.
#[test]
fn a_forced_re_write_that_does_not_fit_keeps_the_incoming_cookie() {
    let keys = Keys::new(key(1));
    let signed: Arc<dyn SessionInterface> = server(FixedClock(NOW), 0);
    let sealed = Arc::new(SecureCookieSessionInterface::new(keys).with_clock(FixedClock(NOW)));
    let sealed_dyn: Arc<dyn SessionInterface> = sealed.clone();
    let (cookie, _) = visit::<Signed>(&signed, "", |s| s.notes = "a".repeat(6_000));
    assert!(cookie.len() < 400, "compressed: {}", cookie.len());
    for _ in 0..3 {
        let (kept, rejection) = visit::<Sealed>(&sealed_dyn, &cookie, |s| assert_eq!(s.notes.len(), 6_000));
        assert_eq!((rejection, kept.as_str()), (None, cookie.as_str()), "nothing sent, no error");
    }
    assert_eq!(sealed.rewrites_skipped(), 3);
    let mut changed =
        Tracked::<Sealed>::open_with(sealed_dyn.clone(), Sealed::config(), &request(Some(&cookie)));
    changed.notes.push('b');
    let mut resp = response();
    assert!(matches!(changed.save(&mut resp), Err(Error::TooLarge { .. })));
    assert_eq!(sealed.rewrites_skipped(), 3, "a real change is not a skipped re-write");
}

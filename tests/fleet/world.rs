//! The fleet simulation's world (tests/fleet.rs): the session types of both releases and all
//! three kinds, one request through `Tracked`, the servers' clocks and key ring, the PRNG,
//! reading `Set-Cookie` as a browser does, and the records the walk keeps (each user's jar and
//! what the model says it holds, the counts, the kinds of walk).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use session_runtime::{
    Clock, Error, Keys, Rejection, SecretKey, SecureCookieSessionInterface, Session, SessionInterface,
    Tracked,
};

use super::common::{request, response, set_cookies};
use super::{BAND, SKEW};

/// The session type's fields as both releases have them, so the simulation is written once.
pub(crate) trait Account: Session + 'static {
    fn user(&self) -> Option<&str>;
    fn visits(&self) -> u32;
    fn sign_in(&mut self, user: &str, notes: &str);
    fn bump(&mut self);
    /// A mutable borrow that changes nothing (`cart.retain(…)` that keeps every item).
    fn tidy(&mut self);
}

/// One session type per (kind, release): the old release's is unversioned, the new one is
/// `version = 2, migrate_from = <old>` with a field added. Same cookie name for all: each user
/// stays with one kind, and the "legacy" signed types stand for the servers before a move to
/// `encrypted` (an `accept_signed` user's first sign-in may come from them).
macro_rules! releases {
    ($old:ident, $old_name:tt, $new:ident $(, $flag:ident)*) => {
        #[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
        #[session(name = "fleet", permanent, lifetime = "10m", max_lifetime = "30m" $(, $flag)*)]
        pub(crate) struct $old {
            user: Option<String>,
            visits: u32,
            notes: String,
        }

        #[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
        #[session(
            name = "fleet", permanent, lifetime = "10m", max_lifetime = "30m",
            version = 2, migrate_from = $old_name $(, $flag)*
        )]
        pub(crate) struct $new {
            user: Option<String>,
            visits: u32,
            notes: String,
            theme: String,
        }

        impl From<$old> for $new {
            fn from(old: $old) -> $new {
                $new { user: old.user, visits: old.visits, notes: old.notes, theme: "light".into() }
            }
        }

        releases!(@account $old);
        releases!(@account $new);
    };
    (@account $ty:ident) => {
        impl Account for $ty {
            fn user(&self) -> Option<&str> {
                self.user.as_deref()
            }
            fn visits(&self) -> u32 {
                self.visits
            }
            fn sign_in(&mut self, user: &str, notes: &str) {
                self.user = Some(user.to_owned());
                self.notes = notes.to_owned();
            }
            fn bump(&mut self) {
                self.visits += 1;
            }
            fn tidy(&mut self) {
                let len = self.notes.len();
                self.notes.truncate(len);
            }
        }
    };
}

releases!(SignedV1, "SignedV1", SignedV2);
releases!(SealedV1, "SealedV1", SealedV2, encrypted);
releases!(AcceptV1, "AcceptV1", AcceptV2, encrypted, accept_signed);

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Signed,
    Sealed,
    /// `encrypted, accept_signed`: a live move from signed to sealed.
    Accept,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Release {
    V1,
    V2,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Read,
    /// Sets the user (and the notes), then `renew()`.
    SignIn(String, String),
    Change,
    /// `renew()` if the server sees someone signed in (a privilege change).
    Renew,
    /// `clear()`.
    SignOut,
    /// A mutable borrow that changes nothing.
    Tidy,
}

/// What one request saw and sent.
pub(crate) struct Outcome {
    pub(crate) rejection: Option<Rejection>,
    pub(crate) seen: Option<String>,
    pub(crate) visits: u32,
    pub(crate) saved: Result<Vec<String>, Error>,
    /// The backend counted a forced re-write it skipped because it did not fit.
    pub(crate) skipped: bool,
}

/// Opens the user's cookie with `T`, runs `action` (none: a probe that only reads and does not
/// save) and saves.
pub(crate) fn serve<T: Account>(
    backend: &Arc<SecureCookieSessionInterface>,
    cookie: Option<&str>,
    action: Option<&Action>,
) -> Outcome {
    let interface: Arc<dyn SessionInterface> = backend.clone();
    let before = backend.rewrites_skipped();
    let header = cookie.map(|value| format!("fleet={value}"));
    let mut session = Tracked::<T>::open_with(interface, T::config(), &request(header.as_deref()));
    let rejection = session.rejection();
    let seen = session.user().map(str::to_owned);
    let visits = session.visits();
    let mut resp = response();
    let saved = match action {
        None => Ok(Vec::new()),
        Some(action) => {
            match action {
                Action::Read => {}
                Action::SignIn(user, notes) => {
                    session.sign_in(user, notes);
                    session.renew();
                }
                Action::Change => session.bump(),
                Action::Renew => {
                    if session.user().is_some() {
                        session.renew();
                    }
                }
                Action::SignOut => session.clear(),
                Action::Tidy => session.tidy(),
            }
            session.save(&mut resp).map(|_| set_cookies(&resp))
        }
    };
    Outcome { rejection, seen, visits, saved, skipped: backend.rewrites_skipped() > before }
}

pub(crate) fn dispatch(
    kind: Kind,
    release: Release,
    legacy: bool,
    backend: &Arc<SecureCookieSessionInterface>,
    cookie: Option<&str>,
    action: Option<&Action>,
) -> Outcome {
    match (kind, legacy, release) {
        (Kind::Signed, _, Release::V1) | (Kind::Accept, true, Release::V1) => {
            serve::<SignedV1>(backend, cookie, action)
        }
        (Kind::Signed, _, Release::V2) | (Kind::Accept, true, Release::V2) => {
            serve::<SignedV2>(backend, cookie, action)
        }
        (Kind::Sealed, _, Release::V1) => serve::<SealedV1>(backend, cookie, action),
        (Kind::Sealed, _, Release::V2) => serve::<SealedV2>(backend, cookie, action),
        (Kind::Accept, false, Release::V1) => serve::<AcceptV1>(backend, cookie, action),
        (Kind::Accept, false, Release::V2) => serve::<AcceptV2>(backend, cookie, action),
    }
}

/// splitmix64: small, seedable, good enough to pick actions.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn offset(&mut self) -> i64 {
        self.below(SKEW + 1) as i64 - (SKEW / 2) as i64
    }
}

/// A server's clock: the simulated time plus its own offset, moved by the simulation.
#[derive(Debug, Clone)]
pub(crate) struct Adjustable(pub(crate) Arc<AtomicU64>);

impl Clock for Adjustable {
    fn now_unix(&self) -> Option<u64> {
        Some(self.0.load(Ordering::Relaxed))
    }
}

/// The key ring every server has: `current` signs, `fallback` only verifies. Stages: the old
/// key alone; the new key current with the old as fallback; the new key alone (then the next
/// rotation).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ring {
    pub(crate) current: u32,
    pub(crate) fallback: Option<u32>,
}

pub(crate) fn secret(id: u32) -> SecretKey {
    let mut bytes = [0x5a; 32];
    bytes[..4].copy_from_slice(&id.to_le_bytes());
    SecretKey::try_from(&bytes[..]).expect("32-byte key")
}

impl Ring {
    pub(crate) fn keys(self) -> Keys {
        Keys::new(secret(self.current)).with_fallbacks(self.fallback.map(secret))
    }
    pub(crate) fn verifies(self, id: u32) -> bool {
        id == self.current || self.fallback == Some(id)
    }
}

pub(crate) struct Server {
    pub(crate) release: Release,
    pub(crate) offset: i64,
    pub(crate) clock: Arc<AtomicU64>,
    pub(crate) backend: Arc<SecureCookieSessionInterface>,
}

pub(crate) fn backend(ring: Ring, clock: &Arc<AtomicU64>) -> Arc<SecureCookieSessionInterface> {
    Arc::new(
        SecureCookieSessionInterface::new(ring.keys())
            .with_clock(Adjustable(clock.clone()))
            .with_future_skew(SKEW),
    )
}

/// `(value, expiry)` of a `Set-Cookie` line: no value for a deletion (`Max-Age` ≤ 0, or an
/// `Expires` in the past); `Max-Age` wins over `Expires`, as in browsers.
pub(crate) fn parse_set_cookie(line: &str, now: u64) -> (Option<String>, Option<u64>) {
    let mut parts = line.split(';').map(str::trim);
    let value = parts.next().and_then(|pair| pair.split_once('=')).map(|(_, value)| value.to_owned());
    let (mut max_age, mut expires) = (None, None);
    for part in parts {
        match part.split_once('=') {
            Some((name, value)) if name.eq_ignore_ascii_case("max-age") => {
                max_age = Some(value.parse::<i64>().expect("Max-Age"));
            }
            Some((name, value)) if name.eq_ignore_ascii_case("expires") => {
                let at = httpdate::parse_http_date(value).expect("Expires");
                expires = Some(at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
            }
            _ => {}
        }
    }
    let expiry = match (max_age, expires) {
        (Some(seconds), _) if seconds <= 0 => return (None, None),
        (Some(seconds), _) => Some(now + seconds as u64),
        (None, Some(at)) if at <= now => return (None, None),
        (None, at) => at,
    };
    (value, expiry)
}

pub(crate) fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim().replace('_', "");
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={text}: not a number")))
}

/// The cookie in a user's jar, with what the model says it holds.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub(crate) value: String,
    /// Simulated time at which the jar drops it (`Max-Age`, or `Expires`); none: a browser
    /// session cookie.
    pub(crate) expires: Option<u64>,
    pub(crate) user: Option<String>,
    pub(crate) visits: u32,
    /// Simulated time the session was issued (first saved, or renewed).
    pub(crate) issued: u64,
    /// Simulated time the cookie was written (its signing time, give or take the server's offset).
    pub(crate) written: u64,
    pub(crate) key: u32,
    pub(crate) v2: bool,
    pub(crate) sealed: bool,
}

pub(crate) struct User {
    pub(crate) kind: Kind,
    /// Notes that compress well: 6 000 bytes, small signed, too large sealed.
    pub(crate) big: bool,
    pub(crate) held: Option<Held>,
    pub(crate) sign_ins: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) requests: u64,
    pub(crate) sign_ins: [u64; 2],
    pub(crate) legacy_sign_ins: u64,
    pub(crate) sign_outs: u64,
    /// Refused as idle past the lifetime (or under a dropped key and idle past it anyway).
    pub(crate) expired: u64,
    /// Refused as past `max_lifetime`.
    pub(crate) too_old: u64,
    /// Dropped by the browser at its `Max-Age`: idle past the lifetime, or past `max_lifetime`
    /// (the cookie's `Max-Age` never reaches past it).
    pub(crate) jar_expired: u64,
    pub(crate) jar_too_old: u64,
    pub(crate) dropped_key_sign_outs: u64,
    pub(crate) older_release_replaced: u64,
    pub(crate) newer_unreadable: u64,
    pub(crate) rewrites_skipped: u64,
    pub(crate) documented_too_large: u64,
    pub(crate) tampered_refused: u64,
    pub(crate) idle_lifetime: u64,
    pub(crate) idle_max_lifetime: u64,
    pub(crate) deploys: u64,
    pub(crate) rollbacks: u64,
    pub(crate) rotations: u64,
    pub(crate) probes: u64,
}

#[derive(Debug, PartialEq)]
pub(crate) enum Phase {
    /// Moving servers one by one to the new release.
    Forward,
    /// Every server is new: the next deploy event rolls some back.
    Steady,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Tri {
    Alive,
    Either,
    Dead,
}

pub(crate) fn classify(elapsed: u64, limit: u64) -> Tri {
    if elapsed + BAND < limit {
        Tri::Alive
    } else if elapsed > limit + BAND {
        Tri::Dead
    } else {
        Tri::Either
    }
}

/// What a walk does beyond the default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Walk {
    Default,
    /// Handlers also borrow the session mutably without changing it (tests/fleet/findings.rs).
    NoOpBorrows,
    /// The sign-out check makes no exception for the known finding (tests/fleet/findings.rs).
    StrictSignOut,
}

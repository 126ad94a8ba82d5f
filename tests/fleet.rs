//! A fleet simulation (issue 25, "Proof"): 3–5 servers whose clocks differ within the configured
//! skew, two releases of versioned session types rolled forward and back, a key ring moved through
//! the three rotation stages, signed, sealed and `accept_signed` sessions, and users whose data
//! compresses well but does not fit sealed. Users walk at random (sign in, read, change, renew,
//! sign out, go idle past `lifetime` or `max_lifetime`) and every response is checked against a
//! reference model of what each user should see. Invariants, at every step:
//!
//! - a user is signed out only by their own sign-out or a timeout (or a documented cause below);
//! - a sign-out is honoured on every server (no server sees the user signed in afterwards);
//! - no save fails because of a cookie (no 5xx), and no open panics;
//! - a refusal is labelled as tampering (`Malformed`, `BadSignature`) only when the bytes were
//!   tampered with (a few deliberately tampered requests check the other direction).
//!
//! Where the library's documented behaviour differs from "never signed out", the model follows
//! the documentation (each place says so):
//!
//! - a timeout within `BAND` seconds of its boundary may go either way (clocks differ);
//! - a newer release's cookie is unreadable on an older server (`NewerVersion`), and a real
//!   change there replaces it: the user is signed out (docs/guide.md, rolling deploys);
//! - a key dropped from the ring before a user came back refuses their cookie (`BadSignature`):
//!   an expected sign-out, as removing a key is documented to be (docs/guide.md, rotation);
//! - a real change (or `renew()`) to a session too large to be sealed fails with `TooLarge`
//!   (docs/attributes.md, `encrypted`), and such a signed cookie on an `accept_signed` server is
//!   never re-written, so it is not refreshed either (the forced re-write is skipped and counted).
//!
//! Run it longer or elsewhere with `FLEET_SEED=<n> FLEET_STEPS=<n>`; a failure prints the seed
//! and the step. No HTTP: each request is `Tracked::open_with` + `save` with `http` types, and
//! each user's browser is a one-cookie jar that honours `Max-Age`/`Expires` and deletions.

mod common;
#[path = "fleet/findings.rs"]
mod findings;
#[path = "fleet/world.rs"]
mod world;

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use common::NOW;
use session_runtime::{Error, Rejection};
use world::*;

/// The future skew every backend tolerates; server clocks lie within ±SKEW/2 of the true time,
/// so any two differ by at most SKEW.
const SKEW: u64 = 10;
/// `lifetime = "10m"` and `max_lifetime = "30m"` below.
const LIFETIME: u64 = 600;
const MAX_LIFETIME: u64 = 1_800;
/// Within this distance of a timeout boundary, the answer depends on which two servers' clocks
/// wrote and read the cookie (each up to SKEW/2 off, and an issue time clamped to a slower
/// signing clock): either answer is right there. Outside it, only one is.
const BAND: u64 = 2 * SKEW + 2;
const DEFAULT_SEED: u64 = 0x5eed_f1ee_7000_0025;
const DEFAULT_STEPS: u64 = 20_000;

/// The fleet, the users' jars and the model, and what the run has seen so far.
struct Sim {
    seed: u64,
    step: u64,
    rng: Rng,
    t: u64,
    walk: Walk,
    ring: Ring,
    phase: Phase,
    servers: Vec<Server>,
    users: Vec<User>,
    stats: Stats,
    violations: Vec<String>,
    /// The server and the user of the request being checked.
    at: usize,
    user: usize,
}

impl Sim {
    fn new(seed: u64, walk: Walk) -> Sim {
        let mut rng = Rng(seed);
        let ring = Ring { current: 1, fallback: None };
        let servers = (0..3 + rng.below(3))
            .map(|_| {
                let offset = rng.offset();
                let clock = Arc::new(AtomicU64::new(NOW.saturating_add_signed(offset)));
                Server { release: Release::V1, offset, backend: backend(ring, &clock), clock }
            })
            .collect();
        let users = (0..12)
            .map(|i| {
                let kind = [Kind::Signed, Kind::Sealed, Kind::Accept][i % 3];
                User { kind, big: kind != Kind::Sealed && (i / 3) % 2 == 0, held: None, sign_ins: 0 }
            })
            .collect();
        Sim {
            seed,
            step: 0,
            rng,
            t: NOW,
            walk,
            ring,
            phase: Phase::Forward,
            servers,
            users,
            stats: Stats::default(),
            violations: Vec::new(),
            at: 0,
            user: 0,
        }
    }

    fn violation(&mut self, message: String) {
        let user = &self.users[self.user];
        let server = &self.servers[self.at];
        let line = format!(
            "seed {:#x} step {}: user {} ({:?}{}) on server {} ({:?}, clock {:+}), t = NOW+{}, ring {:?}: {message}",
            self.seed,
            self.step,
            self.user,
            user.kind,
            if user.big { ", big" } else { "" },
            self.at,
            server.release,
            server.offset,
            self.t - NOW,
            self.ring,
        );
        eprintln!("{line}");
        self.violations.push(line);
    }

    fn step(&mut self) {
        self.fleet_events();
        let roll = self.rng.below(1_000);
        if roll < 4 {
            // Everyone idles past the lifetime (the servers keep their clocks' offsets).
            self.t += LIFETIME + BAND + 1 + self.rng.below(600);
            self.stats.idle_lifetime += 1;
            return;
        }
        if roll < 6 {
            // Past the absolute limit too (users who stay active reach it by themselves:
            // `SessionTooOld`).
            self.t += MAX_LIFETIME + BAND + 1 + self.rng.below(600);
            self.stats.idle_max_lifetime += 1;
            return;
        }
        self.t += self.rng.below(31);
        for server in &self.servers {
            server.clock.store(self.t.saturating_add_signed(server.offset), Ordering::Relaxed);
        }
        // The last quarter of the users come back four times less often: some of them are away
        // when the old key is dropped.
        self.user = self.rng.below(self.users.len() as u64) as usize;
        if self.user >= self.users.len() * 3 / 4 && self.rng.below(4) != 0 {
            self.user = self.rng.below(self.users.len() as u64 * 3 / 4) as usize;
        }
        self.at = self.rng.below(self.servers.len() as u64) as usize;
        self.expire_jar();
        if self.rng.below(100) < 2 {
            self.tampered();
        }
        let action = self.pick_action();
        self.request(action);
    }

    /// Deploys (rolling forward one server at a time, rolling some back once all are new) and
    /// key rotation stages, fleet-wide.
    fn fleet_events(&mut self) {
        if self.rng.below(1_000) < 8 {
            let old: Vec<usize> =
                (0..self.servers.len()).filter(|&i| self.servers[i].release == Release::V1).collect();
            match self.phase {
                Phase::Forward if old.is_empty() => self.phase = Phase::Steady,
                Phase::Forward => {
                    let pick = old[self.rng.below(old.len() as u64) as usize];
                    self.redeploy(pick, Release::V2);
                    self.stats.deploys += 1;
                }
                Phase::Steady => {
                    for _ in 0..1 + self.rng.below(self.servers.len() as u64) {
                        let pick = self.rng.below(self.servers.len() as u64) as usize;
                        self.redeploy(pick, Release::V1);
                    }
                    self.stats.rollbacks += 1;
                    self.phase = Phase::Forward;
                }
            }
        }
        // The key ring changes on every server at once: rolled server by server, "old key
        // alone" to "new key current" would leave the servers not yet changed refusing the
        // others' new cookies as `BadSignature` (that needs a stage with the new key as a
        // fallback first, which docs/guide.md's rotation steps do not mention). Dropping the fallback may come before
        // every user came back: those users' cookies are refused (`BadSignature`), the
        // documented cost of removing a key, modelled as an expected sign-out.
        let rotation_odds = if self.ring.fallback.is_some() { 15 } else { 3 };
        if self.rng.below(1_000) < rotation_odds {
            self.ring = match self.ring {
                Ring { current, fallback: Some(_) } => Ring { current, fallback: None },
                Ring { current, fallback: None } => Ring { current: current + 1, fallback: Some(current) },
            };
            for server in &mut self.servers {
                server.backend = backend(self.ring, &server.clock);
            }
            self.stats.rotations += 1;
        }
    }

    /// A new machine with the given release: a new clock offset too.
    fn redeploy(&mut self, server: usize, release: Release) {
        let offset = self.rng.offset();
        let server = &mut self.servers[server];
        server.release = release;
        server.offset = offset;
        server.clock.store(self.t.saturating_add_signed(offset), Ordering::Relaxed);
    }

    fn pick_action(&mut self) -> Action {
        let weights = [10, 35, 25, 5, 8, if self.walk == Walk::NoOpBorrows { 10 } else { 0 }];
        let mut roll = self.rng.below(weights.iter().sum());
        let mut index = 0;
        while roll >= weights[index] {
            roll -= weights[index];
            index += 1;
        }
        match index {
            0 => {
                let user = &mut self.users[self.user];
                user.sign_ins += 1;
                let name = format!("u{}.{}", self.user, user.sign_ins);
                let notes = if user.big {
                    "a".repeat(6_000)
                } else {
                    let len = self.rng.below(200) as usize;
                    (0..len).map(|_| char::from(b'a' + self.rng.below(26) as u8)).collect()
                };
                Action::SignIn(name, notes)
            }
            1 => Action::Read,
            2 => Action::Change,
            3 => Action::Renew,
            4 => Action::SignOut,
            _ => Action::Tidy,
        }
    }

    /// The browser drops an expired cookie: only past a timeout.
    fn expire_jar(&mut self) {
        let t = self.t;
        let Some(held) = &self.users[self.user].held else { return };
        if held.expires.is_none_or(|expires| expires > t) {
            return;
        }
        let held = self.users[self.user].held.take().expect("held");
        let (idle, age) = (t - held.written, t - held.issued);
        if classify(idle, LIFETIME) == Tri::Alive && classify(age, MAX_LIFETIME) == Tri::Alive {
            self.violation(format!("the jar dropped a live cookie (idle {idle} s, age {age} s)"));
        }
        if held.user.is_some() && classify(age, MAX_LIFETIME) != Tri::Alive {
            self.stats.jar_too_old += 1;
        } else if held.user.is_some() {
            self.stats.jar_expired += 1;
        }
    }

    /// Someone sends the user's cookie with one character changed: refused as tampering, and
    /// the user's own cookie (the model) is untouched.
    fn tampered(&mut self) {
        let Some(held) = &self.users[self.user].held else { return };
        let mut bytes = held.value.clone().into_bytes();
        let len = bytes.len() as u64;
        let index = (len / 4 + self.rng.below(len / 2 + 1)) as usize;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        // A fixed number of draws whatever the bytes (sealed cookies differ from run to run:
        // fresh nonces), so a seed replays the same walk.
        let position = alphabet.iter().position(|&byte| byte == bytes[index]).unwrap_or(0);
        let replacement = alphabet[(position + 1 + self.rng.below(63) as usize) % alphabet.len()];
        bytes[index] = replacement;
        let value = String::from_utf8(bytes).expect("ascii");
        let (kind, server) = (self.users[self.user].kind, &self.servers[self.at]);
        let out = dispatch(kind, server.release, false, &server.backend, Some(&value), Some(&Action::Read));
        match (&out.rejection, &out.saved) {
            (Some(Rejection::Malformed | Rejection::BadSignature), Ok(_)) => self.stats.tampered_refused += 1,
            (rejection, saved) => self.violation(format!(
                "a tampered cookie (index {index}) was answered {rejection:?}, save {:?}",
                saved.as_ref().map(|_| ())
            )),
        }
    }

    fn request(&mut self, action: Action) {
        self.stats.requests += 1;
        let (kind, big) = (self.users[self.user].kind, self.users[self.user].big);
        let held = self.users[self.user].held.clone();
        let legacy = kind == Kind::Accept
            && held.is_none()
            && matches!(action, Action::SignIn(..))
            && (big || self.rng.below(2) == 0);
        let server = &self.servers[self.at];
        let release = server.release;
        let out = dispatch(
            kind,
            release,
            legacy,
            &server.backend,
            held.as_ref().map(|held| held.value.as_str()),
            Some(&action),
        );
        self.check_open(held.as_ref(), &out);
        let lines = match out.saved {
            Ok(ref lines) => lines.clone(),
            Err(ref error) => {
                // A real change to a session that cannot be sealed within `max_size` is the
                // handler's error (docs/attributes.md, `encrypted`): the response is a 500, the
                // jar keeps its cookie. Only for the big users on `accept_signed`.
                // `renew()` is the handler's own request to write the cookie (not a forced
                // re-write): it fails as a change does. A mutable borrow that changes nothing is
                // not a change (`Tracked`: "a mutable borrow without a change sends nothing").
                let handler_change = matches!(action, Action::SignIn(..) | Action::Change | Action::Renew);
                if kind == Kind::Accept && big && handler_change && matches!(error, Error::TooLarge { .. }) {
                    self.stats.documented_too_large += 1;
                } else {
                    self.violation(format!("{action:?}: the save failed: {error}"));
                }
                return;
            }
        };
        if out.skipped {
            self.stats.rewrites_skipped += 1;
        }
        if let Action::SignIn(..) = action {
            self.stats.sign_ins[usize::from(self.ring.fallback.is_some())] += 1;
            self.stats.legacy_sign_ins += u64::from(legacy);
        }
        self.apply(&action, held, &out, &lines, release, legacy);
        if action == Action::SignOut {
            self.probe_everywhere();
        }
    }

    /// What the open saw against what the model allows.
    fn check_open(&mut self, held: Option<&Held>, out: &Outcome) {
        let Some(held) = held else {
            if out.rejection.is_some() || out.seen.is_some() {
                self.violation(format!("no cookie, yet {:?} / {:?}", out.rejection, out.seen));
            }
            return;
        };
        let server = &self.servers[self.at];
        let idle = classify(self.t - held.written, LIFETIME);
        let age = classify(self.t - held.issued, MAX_LIFETIME);
        let mut allowed = Vec::new();
        if !self.ring.verifies(held.key) {
            allowed.push(Some(Rejection::BadSignature));
        } else {
            if idle != Tri::Alive {
                allowed.push(Some(Rejection::Expired));
            }
            if idle != Tri::Dead {
                if held.v2 && server.release == Release::V1 {
                    allowed.push(Some(Rejection::NewerVersion));
                } else {
                    if age != Tri::Alive {
                        allowed.push(Some(Rejection::SessionTooOld));
                    }
                    if age != Tri::Dead {
                        allowed.push(None);
                    }
                }
            }
        }
        if !allowed.contains(&out.rejection) {
            let message = format!(
                "refused as {:?}, allowed {allowed:?} (cookie written NOW+{}, issued NOW+{}, key {}, v2 {}, sealed {}, user {:?})",
                out.rejection,
                held.written - NOW,
                held.issued - NOW,
                held.key,
                held.v2,
                held.sealed,
                held.user
            );
            self.violation(message);
            return;
        }
        match out.rejection {
            None if out.seen != held.user || out.visits != held.visits => {
                let message = format!(
                    "data lost: saw {:?} with {} visits, the model has {:?} with {}",
                    out.seen, out.visits, held.user, held.visits
                );
                self.violation(message);
            }
            Some(Rejection::Expired) if held.user.is_some() => self.stats.expired += 1,
            Some(Rejection::SessionTooOld) if held.user.is_some() => self.stats.too_old += 1,
            Some(Rejection::BadSignature) if held.user.is_some() && idle == Tri::Alive => {
                self.stats.dropped_key_sign_outs += 1;
            }
            Some(Rejection::BadSignature) if held.user.is_some() => self.stats.expired += 1,
            Some(Rejection::NewerVersion) => self.stats.newer_unreadable += 1,
            _ => {}
        }
    }

    /// The response's `Set-Cookie` into the jar, and the model's new expectation.
    fn apply(
        &mut self,
        action: &Action,
        held: Option<Held>,
        out: &Outcome,
        lines: &[String],
        release: Release,
        legacy: bool,
    ) {
        if lines.len() > 1 {
            self.violation(format!("{} Set-Cookie lines: {lines:?}", lines.len()));
        }
        let accepted = held.is_some() && out.rejection.is_none();
        let newer_kept = out.rejection == Some(Rejection::NewerVersion);
        let user = &self.users[self.user];
        let (kind, big) = (user.kind, user.big);
        let Some(line) = lines.first() else {
            let real_change = match action {
                Action::SignIn(..) | Action::Change => true,
                // Nothing to delete when the cookie was refused (it is expired or unreadable).
                Action::SignOut => accepted && (out.seen.is_some() || out.visits > 0),
                _ => false,
            };
            // A permanent session is re-sent on every request, except when the only reason is a
            // forced re-write that does not fit (a big signed session on `accept_signed`):
            // kept, counted (SecureCookieSessionInterface::rewrites_skipped).
            let kept_big =
                out.skipped && kind == Kind::Accept && big && held.as_ref().is_some_and(|h| !h.sealed);
            if real_change || (accepted && *action != Action::SignOut && !kept_big) {
                self.violation(format!("{action:?}: nothing was sent (rejection {:?})", out.rejection));
            }
            return;
        };
        let (value, expiry) = parse_set_cookie(line, self.t);
        let Some(value) = value else {
            // A deletion: only a sign-out empties a session. A cookie sent with `Max-Age=0` is
            // a session that reaches `max_lifetime` at this very second (accepted at `age ==
            // max_lifetime`, its `Max-Age` capped to what is left): a timeout.
            let at_its_end = line.contains("Max-Age=0")
                && !line.starts_with("fleet=;")
                && held
                    .as_ref()
                    .is_some_and(|held| classify(self.t - held.issued, MAX_LIFETIME) != Tri::Alive);
            if at_its_end {
                self.stats.jar_too_old += u64::from(held.as_ref().is_some_and(|held| held.user.is_some()));
            } else if *action != Action::SignOut {
                self.violation(format!(
                    "{action:?} deleted the cookie (rejection {:?}): {line}",
                    out.rejection
                ));
            } else if held.as_ref().is_some_and(|held| held.user.is_some()) {
                self.stats.sign_outs += 1;
            }
            self.users[self.user].held = None;
            return;
        };
        if *action == Action::SignOut {
            self.violation(format!("a sign-out sent a cookie: {line}"));
        }
        let modifies = match action {
            Action::Read => false,
            Action::Renew => out.seen.is_some(),
            _ => true,
        };
        let renewed =
            matches!(action, Action::SignIn(..)) || (*action == Action::Renew && out.seen.is_some());
        let mut next = match held {
            // An older release re-sends a newer release's cookie it only read, as it came.
            Some(held) if newer_kept && !modifies => Held { sealed: kind != Kind::Signed, ..held },
            held => {
                if newer_kept && held.as_ref().is_some_and(|held| held.user.is_some()) {
                    // Documented (docs/guide.md, rolling deploys; tests/fleet_findings.rs): a
                    // change on an older server replaces the newer cookie it cannot read, so the
                    // newer data, the signed-in user included, is lost.
                    self.stats.older_release_replaced += 1;
                }
                let (user, visits) = match action {
                    Action::SignIn(user, _) => (Some(user.clone()), out.visits),
                    Action::Change => (out.seen.clone(), out.visits + 1),
                    _ => (out.seen.clone(), out.visits),
                };
                Held {
                    value: String::new(),
                    expires: None,
                    user,
                    visits,
                    issued: match &held {
                        Some(held) if accepted && !renewed => held.issued,
                        _ => self.t,
                    },
                    written: self.t,
                    key: 0,
                    v2: release == Release::V2,
                    sealed: kind != Kind::Signed && !legacy,
                }
            }
        };
        next.value = value;
        next.expires = expiry;
        next.written = self.t;
        next.key = self.ring.current;
        self.users[self.user].held = Some(next);
    }

    /// After a sign-out, no server sees the user signed in with what the jar holds.
    fn probe_everywhere(&mut self) {
        let Some(held) = self.users[self.user].held.clone() else { return };
        let kind = self.users[self.user].kind;
        for index in 0..self.servers.len() {
            let server = &self.servers[index];
            let out = dispatch(kind, server.release, false, &server.backend, Some(&held.value), None);
            self.stats.probes += 1;
            if let Some(user) = out.seen {
                self.violation(format!(
                    "signed out, yet server {index} sees {user} (jar cookie kept: {held:?})"
                ));
            }
        }
    }
}

/// Runs `steps` steps from `seed`; returns the violations (each naming the seed and the step).
fn run(seed: u64, steps: u64, walk: Walk) -> (Vec<String>, Stats) {
    let mut sim = Sim::new(seed, walk);
    let started = Instant::now();
    for step in 0..steps {
        sim.step = step;
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| sim.step())) {
            eprintln!(
                "fleet: panic at seed {seed:#x} step {step} (FLEET_SEED={seed:#x} FLEET_STEPS={})",
                step + 1
            );
            resume_unwind(panic);
        }
        if sim.violations.len() >= 200 {
            break;
        }
    }
    println!(
        "fleet: seed {seed:#x}, {} steps, {} servers, {walk:?} walk, {:.1?}, {} violations\n{:#?}",
        sim.step + 1,
        sim.servers.len(),
        started.elapsed(),
        sim.violations.len(),
        sim.stats
    );
    (sim.violations, sim.stats)
}

fn assert_clean(violations: &[String], seed: u64) {
    assert!(
        violations.is_empty(),
        "{} violations (reproduce with FLEET_SEED={seed:#x}):\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// The simulation CI runs: `FLEET_STEPS` steps (20 000 by default) from `FLEET_SEED`.
#[test]
fn a_fleet_keeps_every_session_it_should() {
    let seed = env_u64("FLEET_SEED").unwrap_or(DEFAULT_SEED);
    let steps = env_u64("FLEET_STEPS").unwrap_or(DEFAULT_STEPS);
    let (violations, stats) = run(seed, steps, Walk::Default);
    assert_clean(&violations, seed);
    // The run covered what it claims to.
    if steps >= DEFAULT_STEPS {
        assert!(stats.sign_ins.iter().all(|&count| count > 0), "{stats:?}");
        for count in [
            stats.legacy_sign_ins,
            stats.sign_outs,
            stats.expired,
            stats.jar_expired,
            stats.jar_too_old,
            stats.newer_unreadable,
            stats.rewrites_skipped,
            stats.tampered_refused,
            stats.rollbacks,
            stats.rotations,
        ] {
            assert!(count > 0, "{stats:?}");
        }
    }
}

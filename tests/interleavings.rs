//! Every interleaving of the store calls of 2 and 3 overlapping requests of one user, on the
//! memory store, Redis and PostgreSQL, checked against a small reference model: no acknowledged
//! write lost, no destroyed or revoked session reachable from any cookie, no delete cookie to a
//! browser whose session lives on, nothing crossing a destroy, every refused write visible to
//! its handler (`tests/interleave/scenarios.rs` states them). The requests are drawn from
//! reading, writing one field, writing another, writing the same field, `cycle_id`, `renew`,
//! `destroy`, `destroy` then a write, `revoke_user`, a sign-in of the same user on another
//! device, and another device's account page revoking this session by its handle or signing out
//! every other device: every pair, and the triples that mix a rotation or an ending with writes.
//!
//! Proof by enumeration, not by timing: each request's store calls are parked until the driver
//! releases them one at a time (`tests/interleave/gate.rs`), and every order is run. The number of
//! orders checked per store is printed (`--nocapture`).

#[path = "common/backends.rs"]
mod backends;

mod interleave {
    pub mod gate;
    pub mod scenarios;
}

use std::sync::Arc;

use interleave::gate::{Gate, next_prefix, run_order};
use interleave::scenarios::{ALL, Kind, World, check};
use session_runtime::backend::SessionStore;

/// The triples: a rotation or an ending among writes and reads.
const TRIPLES: [[Kind; 3]; 11] = [
    [Kind::WriteA, Kind::WriteB, Kind::Cycle],
    [Kind::WriteA, Kind::Renew, Kind::Destroy],
    [Kind::Read, Kind::Cycle, Kind::Destroy],
    [Kind::WriteA, Kind::DestroyWrite, Kind::WriteB],
    [Kind::SignIn, Kind::RevokeUser, Kind::WriteA],
    [Kind::Cycle, Kind::Renew, Kind::WriteA],
    [Kind::WriteA, Kind::WriteSameA, Kind::Cycle],
    [Kind::Destroy, Kind::Cycle, Kind::Read],
    [Kind::Cycle, Kind::WriteA, Kind::RevokeHandle],
    [Kind::SignIn, Kind::RevokeOthers, Kind::Renew],
    [Kind::WriteA, Kind::RevokeOthers, Kind::RevokeHandle],
];

/// Every scenario: each pair of kinds (a kind with itself too), then the triples.
fn scenarios() -> Vec<Vec<Kind>> {
    let mut all = Vec::new();
    for (i, &first) in ALL.iter().enumerate() {
        for &second in &ALL[i..] {
            all.push(vec![first, second]);
        }
    }
    all.extend(TRIPLES.iter().map(|triple| triple.to_vec()));
    all
}

/// Runs every order of every scenario on `store`; panics with the first violation, its scenario
/// and its order of store calls. Returns how many orders were checked.
async fn every_interleaving(store: Arc<dyn SessionStore>, name: &str) -> usize {
    let started = std::time::Instant::now();
    let mut orders = 0;
    let mut violations = Vec::new();
    // Violations grouped by scenario and invariant, for the summary.
    let mut by_kind = std::collections::BTreeMap::<String, usize>::new();
    for scenario in scenarios() {
        let mut prefix = Vec::new();
        loop {
            let world = World::signed_in(store.clone(), orders).await;
            let gate = Arc::new(Gate::default());
            let requests =
                scenario.iter().enumerate().map(|(index, &kind)| world.request(&gate, index, kind)).collect();
            let (branching, outcomes) = run_order(gate.clone(), requests, &prefix).await;
            orders += 1;
            if let Err(violation) = check(&world, &outcomes, &gate.log()).await {
                let invariant = violation.split(':').next().unwrap_or_default().to_owned();
                *by_kind.entry(format!("{scenario:?}: {invariant}")).or_default() += 1;
                violations.push(format!(
                    "{scenario:?}, calls {:?}: {violation}; outcomes {outcomes:?}",
                    gate.log()
                ));
            }
            match next_prefix(&prefix, &branching) {
                Some(next) => prefix = next,
                None => break,
            }
        }
    }
    println!(
        "{name}: {orders} orders of {} scenarios checked in {:.1} s, {} violations",
        scenarios().len(),
        started.elapsed().as_secs_f64(),
        violations.len()
    );
    let summary: Vec<String> = by_kind.iter().map(|(kind, count)| format!("{count:5} × {kind}")).collect();
    assert!(
        violations.is_empty(),
        "{} violations:\n{}\nfirst ones:\n{}",
        violations.len(),
        summary.join("\n"),
        violations
            .iter()
            .filter(|v| std::env::var("SHOW").is_ok_and(|show| v.starts_with(&show)))
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    orders
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_interleaving_on_memory() {
    let orders = every_interleaving(Arc::new(session_runtime::MemoryStore::new()), "memory").await;
    assert!(orders > 1_000, "{orders}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn every_interleaving_on_redis() {
    let orders = every_interleaving(Arc::new(backends::redis_store()), "redis").await;
    assert!(orders > 1_000, "{orders}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn every_interleaving_on_postgres() {
    let orders = every_interleaving(Arc::new(backends::postgres_store()), "postgres").await;
    assert!(orders > 1_000, "{orders}");
}

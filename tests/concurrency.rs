//! Server-side saves that lose no update, over loopback HTTP, on every server-side backend: many
//! clients share one session and each changes only its own entry; compare-and-set plus merge
//! keeps every increment, and the same run without compare-and-set shows what it prevents. Also:
//! the conflict policies, and a logout racing requests that rotate the id. The scenarios are in
//! `tests/common/races.rs` (`tests/redis_deploy.rs` runs them on a Redis Cluster).

#[path = "common/backends.rs"]
mod backends;
#[path = "common/races.rs"]
mod races;
#[path = "common/server.rs"]
mod server;

fn store() -> std::sync::Arc<dyn session_runtime::backend::SessionStore> {
    backends::current().store().expect("a server-side backend")
}

backends::server_side!(no_increment_is_lost, flavor = "multi_thread", worker_threads = 4);
/// 64 clients, each incrementing its own entry of one map 10 times: every acknowledged increment
/// is in the session. Without compare-and-set, the same run loses most of them.
async fn no_increment_is_lost() {
    races::no_increment_is_lost(store(), backends::current().name()).await;
}

backends::server_side!(
    rejected_conflicts_are_409_and_the_rest_is_exact,
    flavor = "multi_thread",
    worker_threads = 4
);
/// Every client increments the same entry: `Reject` gives 409s and an exact count, `LastWrite`
/// never more than the acknowledged increments.
async fn rejected_conflicts_are_409_and_the_rest_is_exact() {
    races::rejected_conflicts_are_409_and_the_rest_is_exact(store()).await;
}

backends::server_side!(
    a_logout_stays_a_logout_when_racing_requests_rotate_the_id,
    flavor = "multi_thread",
    worker_threads = 4
);
/// A sign-out racing slow requests that call `cycle_id()`: 100 times out of 100 the session
/// stays destroyed, and no cookie a racing request handed out opens it.
async fn a_logout_stays_a_logout_when_racing_requests_rotate_the_id() {
    races::a_logout_stays_a_logout_when_racing_requests_rotate_the_id(store()).await;
}

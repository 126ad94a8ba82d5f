//! Sets a cfg for each outside dependency of the workspace tests that is missing, so the tests
//! that need it are reported `ignored` with the reason rather than passing without running. Under
//! CI (`CI` set) none is set and a missing dependency fails its tests. The detection code is
//! shared with session-cookie's build script (session-cookie/build/detect.rs).

#[path = "session-cookie/build/detect.rs"]
mod detect;

use std::path::Path;

fn main() {
    let ci = detect::ci();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The Flask interop tests (tests/flask_interop.rs, tests/flask_live.rs).
    detect::cfg_when("no_flask", !ci && !detect::flask(root));
    // The encrypted format's golden vectors against Python's `cryptography` (tests/sealed_vectors.rs).
    detect::cfg_when("no_cryptography", !ci && !detect::cryptography(root));
    // The tests against a shared Redis (tests/common/backends.rs).
    detect::cfg_when("no_redis", !ci && !detect::redis_url());
    // The tests against a PostgreSQL at `POSTGRES_URL` (tests/common/backends.rs,
    // tests/postgres_store.rs; scripts/start-postgres.sh starts one). Only the variable is looked
    // at, as for REDIS_URL: a set but unreachable URL fails the tests.
    println!("cargo::rerun-if-env-changed=POSTGRES_URL");
    detect::cfg_when("no_postgres", !ci && std::env::var_os("POSTGRES_URL").is_none_or(|url| url.is_empty()));
    // The tests that start, kill and restart their own Redis (tests/common/redis_process.rs).
    detect::cfg_when("no_redis_server", !ci && !detect::on_path("redis-server"));
    // The tests that start a Redis Cluster of six nodes (tests/common/redis_cluster.rs): the
    // server, and redis-cli to create the cluster.
    let cluster = detect::on_path("redis-server") && detect::on_path("redis-cli");
    detect::cfg_when("no_redis_cluster", !ci && !cluster);
    // The TLS Redis test, whose certificates openssl makes at test time.
    let tls = detect::on_path("redis-server") && detect::on_path("openssl");
    detect::cfg_when("no_redis_tls", !ci && !tls);
    // An explicit opt-out of the compile-fail ui test (tests/ui.rs), which runs on every compiler
    // (exactly on the pinned one, rustc's own errors normalised on others).
    println!("cargo::rerun-if-env-changed=SESSION_SKIP_UI_TESTS");
    let skip_ui = std::env::var_os("SESSION_SKIP_UI_TESTS").is_some_and(|value| value != "0");
    detect::cfg_when("skip_ui_tests", skip_ui);
}

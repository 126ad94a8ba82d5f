#!/usr/bin/env bash
# Mutation testing of the session-runtime modules that decide security and correctness
# (docs/testing.md, "Mutation testing"). Not run by CI: about an hour on a shared 2-core machine.
#
#   bash scripts/mutants.sh                        # the whole scope; results in mutants.out/
#   bash scripts/mutants.sh --list | wc -l         # size it first
#   bash scripts/mutants.sh -F 'byte_sums'         # only some mutants (names as --list shows them)
#   JOBS=1 COPY_TARGET=false bash scripts/mutants.sh   # one job, in CARGO_TARGET_DIR (cargo-mutants
#                                                  # refuses a repeated --jobs or --copy-target)
#   SCOPE=server-side bash scripts/mutants.sh      # server_side/: merge, plan, commit, the stores
#   SCOPE=server-side GROUP=core bash scripts/mutants.sh   # one of its three groups (below)
#
# SCOPE=server-side needs REDIS_URL and POSTGRES_URL (real servers, as for the tests) so that the
# Redis and PostgreSQL stores' tests run for each mutant (built without them they are ignored,
# and every mutant of those stores would be missed).
#
# GROUP splits server_side/ so that each mutant runs only the tests that can catch it (the whole
# suite on every store is about five minutes a mutant): `core` mutates the store-agnostic files
# (merge, plan, commit, backoff, id, accounts, mod.rs and the memory store) and skips the tests
# named after Redis or PostgreSQL; `redis` mutates redis/ and skips the memory, PostgreSQL,
# cookie and custom-store tests; `postgres` mutates postgres/ and runs the PostgreSQL tests only.
# Without GROUP, all of server_side/ against every test (the results are the same, only slower).
#
# Needs cargo-mutants (`cargo install cargo-mutants --locked`) and Flask 3.1 for the
# flask_interop tests (`bash scripts/setup-python.sh`, or FLASK_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${FLASK_PYTHON:-}" ] && [ -x .venv/bin/python ]; then
    FLASK_PYTHON="$(pwd)/.venv/bin/python"
    export FLASK_PYTHON
fi
# No debug info: each mutant relinks some 17 test binaries, which then take 5 MB instead of 60 MB
# and link about three times faster.
# Unless set: CARGO_PROFILE_DEV_DEBUG=2 (the default) reuses a target directory a plain `cargo test`
# built, where 0 builds every dependency again first.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"

if [ "${SCOPE:-}" = server-side ]; then
    core=('session-runtime/src/server_side/*.rs')
    redis=(
        'session-runtime/src/server_side/redis/mod.rs' 'session-runtime/src/server_side/redis/listing.rs'
        'session-runtime/src/server_side/redis/stamp.rs' 'session-runtime/src/server_side/redis/scripts.rs'
    )
    postgres=('session-runtime/src/server_side/postgres/mod.rs')
    # `--skip` filters on test names: the backends' tests are `name::memory`, `name::redis`, ...
    # (tests/common/backends.rs), the others end in `_on_redis` and so on.
    other_stores() {
        for store in "$@"; do
            skip+=("::$store" "_on_$store")
        done
    }
    skip=()
    case "${GROUP:-}" in
        '') files=("${core[@]}" "${redis[@]}" "${postgres[@]}") ;;
        core) files=("${core[@]}"); other_stores redis postgres ;;
        redis) files=("${redis[@]}"); other_stores memory postgres cookie custom ;;
        postgres) files=("${postgres[@]}"); other_stores memory redis cookie custom ;;
        *) echo "GROUP is core, redis or postgres" >&2; exit 2 ;;
    esac
    # Debug output, builders and the redaction of URLs decide nothing about what is stored.
    exclude=(
        'fmt::Debug|redact\.rs|builder\.rs|connection\.rs|schema\.rs'
        'server_side/mod\.rs:.*(with_timeout|with_clock|with_future_skew|ServerSideSessionInterface::store\b|::global|without_keys)'
    )
    tests=(
        server_side merge_nested stale_tab server_side_rotation_races interleavings session_listing
        handler_conflict revoke_user_race save_reads_back server_side_index redis_write_stamp
    )
    # The PostgreSQL store's own tests (they need the server whatever their names).
    case "${GROUP:-}" in
        '' | postgres) tests+=(postgres_store) ;;
    esac
else
skip=()
files=(
    'session-runtime/src/format/*.rs'
    session-runtime/src/key.rs
    'session-runtime/src/envelope/*.rs'
    session-runtime/src/tracked.rs
    session-runtime/src/backend/decision.rs
    session-runtime/src/backend/state.rs
    session-runtime/src/backend/plan.rs
    session-runtime/src/secure_cookie.rs
    session-runtime/src/headers/set_cookie.rs
    session-runtime/src/headers/sink.rs
)
# The parts of tracked.rs and secure_cookie.rs outside the save path, the wire formats and the key
# ring: handle plumbing, opening, getters, builders, Debug.
exclude=(
    'tracked\.rs:.*(Shared<T>|ConfigRef|InterfaceRef|Tracked<T>::open|save_async|destroy|on_drop|cycle_id|is_permanent|is_new|is_null|rejection|is_modified|is_accessed|Tracked<T>::flashes|Tracked<T>::config|into_inner|Deref for Tracked|fmt::Debug|Drop for)'
    'secure_cookie\.rs:.*(make_null_session|is_null_session|without_keys|from_keys|::global|with_salt|with_clock|with_future_skew|::keys|fmt::Debug)'
)
# The session-runtime unit tests and the workspace tests that exercise these modules without a
# server (the e2e suites test the same code through HTTP and take far longer).
tests=(
    wire_format save_decision hostile_encoding hostile_signature hostile_timestamp hostile_header
    hostile_size hostile_json hostile_regressions hostile_config prop_mutation prop_roundtrip
    flask_interop derive_e2e allocations global_keys_env global_keys
)
fi

args=(--jobs "${JOBS:-2}" --all-features -p session-runtime --copy-target "${COPY_TARGET:-true}" --colors never)
# `-C` goes to every cargo call, the baseline's too (which only names the mutated package).
args+=(-C --package -C session-workspace -C --lib)
for t in "${tests[@]}"; do
    args+=(-C --test -C "$t")
done
for f in "${files[@]}"; do
    args+=(-f "$f")
done
for e in "${exclude[@]}"; do
    args+=(-E "$e")
done
# The test-name filters go last: after `-- --`, cargo passes them to every test binary.
test_args=()
for s in "${skip[@]}"; do
    test_args+=(--skip "$s")
done
if [ ${#test_args[@]} -gt 0 ]; then
    exec cargo mutants "${args[@]}" "$@" -- -- "${test_args[@]}"
fi
exec cargo mutants "${args[@]}" "$@"

#!/usr/bin/env bash
# The HTTP benchmark (docs/performance.md, "Over real HTTP"), one command:
#
#   bash benches/http/run.sh                 # 10 rounds of 1 s per variant (about 3 minutes)
#   bash benches/http/run.sh --smoke         # each variant checked, then 300 requests each
#   bash benches/http/run.sh --rounds 5 --seconds 2 --only axum,ours-signed,ts-memory-signed
#
# The store rows need REDIS_URL and POSTGRES_URL (and POSTGRES_DIR for PostgreSQL's CPU time:
# `eval "$(bash scripts/start-postgres.sh)"` sets both); without them they are skipped, unless
# --require-stores. Needs two cores and `taskset`. HTTP_BENCH_PROFILE=dev builds without
# optimisation (the CI smoke: the numbers are then meaningless, the checks are not).
set -euo pipefail
cd "$(dirname "$0")"
if [ "${HTTP_BENCH_PROFILE:-release}" = dev ]; then
  CARGO_PROFILE_DEV_DEBUG=0 cargo run --locked --quiet -- "$@"
else
  cargo run --release --locked --quiet -- "$@"
fi

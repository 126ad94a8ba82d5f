#!/usr/bin/env bash
# CI fuzz smoke test, on stable Rust (`-s none`: no sanitizer, which needs nightly and matters
# little with `#![forbid(unsafe_code)]`). For each target: replay the committed corpus (seeds and
# regression inputs of past findings), then fuzz for SMOKE_SECONDS (default 20) from it. Any crash
# fails the run and leaves the input in fuzz/artifacts/<target>/. Long runs: fuzz/long.sh.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${SMOKE_SECONDS:-20}
targets=(open_header signed_parts roundtrip config_save sealed_open inspect handle)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
cargo fuzz --version

echo "== building fuzz targets"
cargo fuzz build -s none

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
    echo "== $t: replay committed corpus"
    if ! cargo fuzz run -s none "$t" "corpus/$t" -- -runs=0 -max_len=16384 >"$scratch/$t.replay.log" 2>&1; then
        tail -n 80 "$scratch/$t.replay.log"
        echo "fuzz smoke: $t FAILED on the committed corpus"
        exit 1
    fi
    grep -E "^Done" "$scratch/$t.replay.log"
    echo "== $t: fuzz ${seconds}s"
    mkdir -p "$scratch/$t"
    if ! cargo fuzz run -s none "$t" "$scratch/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$scratch/$t.log" 2>&1; then
        tail -n 80 "$scratch/$t.log"
        echo "fuzz smoke: $t FAILED (input saved under fuzz/artifacts/$t/)"
        exit 1
    fi
    grep -E "^Done|stat::number_of_executed_units|stat::peak_rss_mb" "$scratch/$t.log"
done
echo "fuzz smoke: ${#targets[@]} targets, 0 crashes"

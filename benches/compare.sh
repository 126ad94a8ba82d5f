#!/usr/bin/env bash
# Times ours, the floor, the peer and Flask 3.1 in one run, interleaved round after round, and
# prints the medians and the ratios of the performance targets (docs/performance.md).
#
#   benches/compare.sh               # both formats against Flask + allocation counts (~4 minutes)
#   benches/compare.sh --criterion   # and the full criterion suite with its report (~6 minutes more)
#
# Flask runs in a long-lived worker (`benches/flask_bench.py --worker`) that `benches/ratios.rs`
# drives over a pipe: every round times a slice of each Rust row, then a slice of Flask, so each
# Flask ratio is taken within a round and reported as the median and range over the rounds.
# Flask 3.1 comes from .venv (made by scripts/setup-python.sh if missing). Times are thread CPU
# time on both sides (BENCH_CLOCK=wall for wall time on the Rust side); compare ratios, not
# absolute times, across machines or runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-python.sh >/dev/null

echo "== machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
rustc --version
echo "Flask $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("flask"))'), $(.venv/bin/python --version)"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u '+%Y-%m-%d %H:%M UTC')"

echo
echo "== ours, the floor, the peer and Flask, interleaved (cargo bench --bench ratios -- --flask .venv/bin/python)"
cargo bench --quiet --bench ratios -- --flask .venv/bin/python

echo
echo "== the Flask wire format against Flask itself, interleaved (--features flask -- --format flask)"
cargo bench --quiet --features flask --bench ratios -- --format flask --flask .venv/bin/python

echo
echo "== allocations per operation (cargo bench --bench allocations)"
cargo bench --quiet --bench allocations

if [[ "${1:-}" == "--criterion" ]]; then
    echo
    echo "== criterion (cargo bench --bench session; rows one after the other, not the targets)"
    cargo bench --quiet --bench session >/dev/null
    python3 benches/report.py
fi

#!/usr/bin/env bash
# Runs the Rust benchmarks and the Flask benchmark on the same payloads, then prints the medians
# and the ratios of the performance targets (docs/performance.md).
#
#   benches/compare.sh               # Flask + interleaved ratios (both formats) + allocation counts (~4 minutes)
#   benches/compare.sh --criterion   # and the full criterion suite with its report (~6 minutes more)
#
# Flask 3.1 comes from .venv (made here if missing: python3 -m venv + pip install "flask==3.1.*").
# Times are thread CPU time (BENCH_CLOCK=wall for wall time), so other load on the machine
# disturbs them less; compare ratios, not absolute times, across machines or runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c "import flask" 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet "flask==3.1.*"
fi

echo "== machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
rustc --version
echo "Flask $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("flask"))'), $(.venv/bin/python --version)"

mkdir -p target
echo
echo "== Flask 3.1 SecureCookieSessionInterface (benches/flask_bench.py)"
.venv/bin/python benches/flask_bench.py --json target/flask.json

echo
echo "== ours, the floor and the peer, interleaved (cargo bench --bench ratios)"
cargo bench --quiet --bench ratios -- --flask target/flask.json

echo
echo "== the Flask wire format against Flask itself (cargo bench --bench ratios --features flask -- --format flask)"
cargo bench --quiet --features flask --bench ratios -- --format flask --flask target/flask.json

echo
echo "== allocations per operation (cargo bench --bench allocations)"
cargo bench --quiet --bench allocations

if [[ "${1:-}" == "--criterion" ]]; then
    echo
    echo "== criterion (cargo bench --bench session)"
    cargo bench --quiet --bench session >/dev/null
    python3 benches/report.py --flask target/flask.json
fi

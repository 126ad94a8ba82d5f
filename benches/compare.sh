#!/usr/bin/env bash
# Runs the Rust benchmarks and the Flask benchmark on the same payloads, then prints the medians
# and the ratios of the performance targets (docs/performance.md).
#
#   benches/compare.sh            # full run (about 4 minutes)
#   benches/compare.sh --quick    # shorter criterion runs (noisier)
#
# Flask 3.1 comes from .venv (made here if missing: python3 -m venv + pip install "flask==3.1.*").
set -euo pipefail
cd "$(dirname "$0")/.."

criterion_args=()
if [[ "${1:-}" == "--quick" ]]; then
    criterion_args=(--warm-up-time 1 --measurement-time 2)
fi

if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c "import flask" 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet "flask==3.1.*"
fi

echo "== machine" >&2
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
rustc --version >&2
.venv/bin/python --version >&2

echo "== cargo bench --bench session" >&2
cargo bench --bench session -- "${criterion_args[@]}" >&2

echo "== Flask" >&2
mkdir -p target
.venv/bin/python benches/flask_bench.py --json target/flask.json

echo "== allocations per operation" >&2
cargo bench --bench allocations 2>/dev/null | grep allocations >&2 || true

python3 benches/report.py --flask target/flask.json

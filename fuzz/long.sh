#!/usr/bin/env bash
# Long fuzzing run: every target (or the ones named) in parallel at the lowest CPU priority, for
# SECONDS of wall time each, with the CPU time each really got recorded by /usr/bin/time.
#
#   fuzz/long.sh 3600                       # one hour of wall time, all four targets
#   fuzz/long.sh 600 open_header roundtrip  # ten minutes, two targets
#
# New corpus entries go to fuzz/work/corpus/<target> (not committed); the committed seeds in
# fuzz/corpus/<target> are read only. Crashes land in fuzz/artifacts/<target>/. Per target, the
# libFuzzer log is fuzz/logs/<target>.log and the CPU time fuzz/logs/<target>.time.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-3600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(open_header signed_parts roundtrip config_save)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo fuzz build -s none
bin=target/$(rustc -vV | sed -n 's/^host: //p')/release
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "work/corpus/$t" "artifacts/$t"
    /usr/bin/time -f "$t cpu_user_s=%U cpu_sys_s=%S wall_s=%e max_rss_kb=%M exit=%x" -o "logs/$t.time" \
        nice -n 19 "$bin/$t" "work/corpus/$t" "corpus/$t" \
        -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"logs/$t.log" 2>&1 &
done
wait || true
cat logs/*.time

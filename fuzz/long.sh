#!/usr/bin/env bash
# Long fuzzing run: every target (or the ones named) in parallel at the lowest CPU priority, each
# until it has had BUDGET seconds of CPU time (user + system), with the CPU time it really got
# recorded by /usr/bin/time. On a busy machine a nice-19 fuzzer gets a small share of a core, so the
# budget is CPU time, not wall time: the run stops a target only once the target has had its hour.
#
#   fuzz/long.sh 3600                       # one CPU-hour per target, all seven targets
#   fuzz/long.sh 600 open_header roundtrip  # ten CPU-minutes, two targets
#
# New corpus entries go to fuzz/work/corpus/<target> (not committed); the committed seeds in
# fuzz/corpus/<target> are read only. Crashes land in fuzz/artifacts/<target>/. Per target, the
# libFuzzer log is fuzz/logs/<target>.log and the CPU time fuzz/logs/<target>.time. A fuzzer stopped
# on its budget exits with 72. Do not pause the fuzzers (SIGSTOP): libFuzzer times each input in
# wall time, so the one running at the pause is reported as a timeout. Start every target from one
# long.sh: separate sessions get separate Linux autogroups, where nice 19 does not rank them below
# other work.
set -euo pipefail
cd "$(dirname "$0")"
budget=${1:-3600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(open_header signed_parts roundtrip config_save sealed_open inspect handle)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo fuzz build -s none
bin=target/$(rustc -vV | sed -n 's/^host: //p')/release
ticks=$(getconf CLK_TCK)
mkdir -p logs

# CPU seconds (user + system) a process has had so far, from /proc/<pid>/stat fields 14 and 15.
cpu_seconds() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -1; return; }
    stat=${stat##*) }                       # drop "pid (comm) ", comm may hold spaces
    set -- $stat                            # now $12 = utime, $13 = stime
    echo $(((${12} + ${13}) / ticks))
}

declare -A fuzzer
for t in "${targets[@]}"; do
    mkdir -p "work/corpus/$t" "artifacts/$t"
    # nice execs the fuzzer, so the child of /usr/bin/time is the fuzzer itself. The wall-time cap
    # (a day) only guards against a run nobody watches; the CPU budget below ends it.
    /usr/bin/time -f "$t cpu_user_s=%U cpu_sys_s=%S wall_s=%e max_rss_kb=%M exit=%x" -o "logs/$t.time" \
        nice -n 19 "$bin/$t" "work/corpus/$t" "corpus/$t" \
        -max_total_time=86400 -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"logs/$t.log" 2>&1 &
    timer=$!
    sleep 1
    fuzzer[$t]=$(pgrep -P "$timer")
done

# Interrupt each fuzzer (SIGINT: libFuzzer prints its final stats) once it has had its budget.
running=${#targets[@]}
while [ "$running" -gt 0 ]; do
    sleep 15
    running=0
    for t in "${targets[@]}"; do
        pid=${fuzzer[$t]}
        used=$(cpu_seconds "$pid")
        [ "$used" -lt 0 ] && continue
        if [ "$used" -ge "$budget" ]; then
            kill -INT "$pid" 2>/dev/null || true
        else
            running=$((running + 1))
        fi
    done
done
wait || true
cat logs/*.time

#!/usr/bin/env python3
"""Is any row slower than before? Builds `benches/ratios.rs` at two commits and runs the two
binaries alternately, so both see the same machine state, then prints per row the median time
of each and their ratio, and the same for each row's ratio to the floor measured in its own run
(which cancels most of the machine's drift).

    python3 benches/before_after.py BASE [HEAD] [--runs N] [--features flask] [-- ARGS...]

BASE and HEAD are commits (HEAD defaults to the working tree). Each is built in a temporary
worktree sharing one target directory (target/before-after), so only the workspace crates are
rebuilt. ARGS go to both binaries (e.g. `--format flask`, `--only small`). docs/performance.md
gives the results of the last structural change.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNITS = {"ns": 1.0, "µs": 1e3, "ms": 1e6, "s": 1e9}


def build(commit, features, scratch):
    """Builds the ratios bench at `commit` (None: the working tree) and returns a copy of it."""
    source = ROOT
    worktree = None
    if commit is not None:
        worktree = os.path.join(scratch, "tree-" + commit.replace("/", "_"))
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", worktree, commit], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        source = worktree
    target = os.path.join(ROOT, "target", "before-after")
    # Cargo names a path crate's artifacts by its path inside the workspace, so both trees' builds
    # of session-rules and friends share names here, and a fingerprint left by the other tree may
    # pass for fresh (its sources are older than the artifact): the build then links the other
    # commit's crate. Forgetting the workspace crates' fingerprints rebuilds them from this tree;
    # the registry crates, the bulk of the build, are still shared.
    fingerprints = os.path.join(target, "release", ".fingerprint")
    if os.path.isdir(fingerprints):
        for name in os.listdir(fingerprints):
            if name.startswith("session-") or name.startswith("session_"):
                shutil.rmtree(os.path.join(fingerprints, name), ignore_errors=True)
    command = ["cargo", "bench", "--quiet", "--bench", "ratios", "--no-run", "--message-format=json",
               "--target-dir", target]
    if features:
        command += ["--features", features]
    try:
        out = subprocess.run(command, cwd=source, check=True, capture_output=True, text=True).stdout
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", worktree], check=False)
    executables = re.findall(r'"executable":"([^"]+/ratios-[0-9a-f]+)"', out)
    if not executables:
        sys.exit(f"no ratios executable built for {commit or 'the working tree'}")
    copy = os.path.join(scratch, "ratios-" + (commit or "worktree").replace("/", "_"))
    shutil.copy(executables[-1], copy)
    return copy


def run(binary, args):
    """One run: {row: median ns} and {row: ratio to its floor in the same run}."""
    out = subprocess.run([binary, "--bench", *args], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    times = {}
    for payload, row, value, unit in re.findall(r"^\| (\w+) \| ([\w/]+) \| ([\d.]+) (ns|µs|ms|s) \|", out, re.M):
        times[f"{payload} {row}"] = float(value) * UNITS[unit]
    ratios = {}
    for key, ns in times.items():
        payload, row = key.split(" ")
        side, op = row.split("/")
        floor = times.get(f"{payload} floor/{op}")
        if side.startswith("ours") and floor:
            ratios[f"{payload} {row} / floor"] = ns / floor
    return times, ratios


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("head", nargs="?")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--features")
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    options = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    options.args = extra
    with tempfile.TemporaryDirectory() as scratch:
        before = build(options.base, options.features, scratch)
        after = build(options.head, options.features, scratch)
        samples = {"before": ({}, {}), "after": ({}, {})}
        for _ in range(options.runs):
            for name, binary in (("before", before), ("after", after)):
                times, ratios = run(binary, options.args)
                for table, values in zip(samples[name], (times, ratios)):
                    for key, value in values.items():
                        table.setdefault(key, []).append(value)
    print(f"{options.runs} alternating runs of each; medians over the runs")
    for index, title in enumerate(("median time per operation", "ratio to the floor in the same run")):
        print(f"\n| {title} | before | after | after/before |\n|---|---:|---:|---:|")
        for key, values in samples["before"][index].items():
            later = samples["after"][index].get(key)
            if not later:
                continue
            b, a = statistics.median(values), statistics.median(later)
            shown = (lambda v: f"{v:.0f} ns") if index == 0 else (lambda v: f"{v:.2f}×")
            print(f"| {key} | {shown(b)} | {shown(a)} | {a / b:.2f} |")


if __name__ == "__main__":
    main()

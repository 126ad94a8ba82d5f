#!/usr/bin/env python3
"""Prints the medians of the last `cargo bench --bench session` run (criterion's estimates in
target/criterion) and the ratios between its rows. Markdown output.

Criterion runs the rows one after the other, so these ratios are for per-row statistics and
history; the target ratios, Flask's included, come from the interleaved `benches/ratios.rs`
(`benches/compare.sh`), which times every side within each round.
"""

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"


def median_ns(group, bench):
    path = CRITERION / group / bench / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def fmt(ns):
    if ns is None:
        return "–"
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()

    if not CRITERION.exists():
        sys.exit("no criterion results: run `cargo bench --bench session` first")

    rows = ["ours_open", "floor_open", "floor_zlib_open", "peer_open", "ours_save", "floor_save",
            "floor_zlib_save", "peer_save", "ours_save_unchanged"]
    print("| payload | operation | median |")
    print("|---|---|---:|")
    for group in ("small", "large", "compressed"):
        for bench in rows:
            ns = median_ns(group, bench)
            if ns is not None:
                head, _, op = bench.rpartition("_") if bench.startswith("floor_zlib") else bench.partition("_")
                name = f"{head}/{op}"
                print(f"| {group} | {name} | {fmt(ns)} |")

    print()
    print("| payload | ours/floor open | ours/floor save | ours/peer open | ours/peer save |")
    print("|---|---:|---:|---:|---:|")
    for group in ("small", "large", "compressed"):
        o_open, o_save = median_ns(group, "ours_open"), median_ns(group, "ours_save")
        if o_open is None:
            continue
        print(f"| {group} | {ratio(o_open, median_ns(group, 'floor_open'))} "
              f"| {ratio(o_save, median_ns(group, 'floor_save'))} "
              f"| {ratio(o_open, median_ns(group, 'peer_open'))} "
              f"| {ratio(o_save, median_ns(group, 'peer_save'))} |")
    print()
    print("| payload | ours/floor_zlib open | ours/floor_zlib save |")
    print("|---|---:|---:|")
    for group in ("large", "compressed"):
        print(f"| {group} | {ratio(median_ns(group, 'ours_open'), median_ns(group, 'floor_zlib_open'))} "
              f"| {ratio(median_ns(group, 'ours_save'), median_ns(group, 'floor_zlib_save'))} |")
    c_save = median_ns("compressed", "ours_save")
    if c_save is not None:
        print()
        print(f"Compressed save of the ≈4 KB payload: {fmt(c_save)} (target ≤ 15 µs).")


if __name__ == "__main__":
    main()

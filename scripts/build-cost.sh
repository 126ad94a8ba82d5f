#!/usr/bin/env bash
# What a user's build pays for the library: the dependency count and a clean `cargo build` of two
# small apps that depend on session-runtime by path, one cookie-only (default features) and one
# with the axum layer, at a given commit (default: the working tree).
#
#   bash scripts/build-cost.sh [COMMIT]
#
# Prints one line per app: crates in `cargo tree -e normal` (deduplicated), the wall time and
# the CPU time (user + system) of a clean debug build in a fresh target directory. CPU time is
# what to compare between commits on a busy machine; wall time only on a quiet one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$scratch/tree" >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
if [ $# -ge 1 ]; then
  git -C "$root" worktree add --detach "$scratch/tree" "$1" >/dev/null 2>&1
  tree="$scratch/tree"
else
  tree="$root"
fi

app() {
  local name="$1" features="$2" extra="$3"
  mkdir -p "$scratch/$name/src"
  cat > "$scratch/$name/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
session-runtime = { path = "$tree/session-runtime", features = [$features] }
serde = { version = "1", features = ["derive"] }
http = "1"
$extra
TOML
  echo 'fn main() {}' > "$scratch/$name/src/main.rs"
  # The lock file of the workspace pins the versions both apps resolve to, so the comparison
  # between commits is of the library, not of the registry on that day.
  cp "$root/Cargo.lock" "$scratch/$name/Cargo.lock" 2>/dev/null || true
  local crates
  crates=$(cd "$scratch/$name" && cargo tree -e normal --prefix none 2>/dev/null | sed 's/ (\*)//' | sort -u | wc -l)
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$scratch/$name/time" cargo build --quiet \
    --manifest-path "$scratch/$name/Cargo.toml" --target-dir "$scratch/$name/target" >/dev/null 2>&1
  end=$(date +%s.%N)
  local cpu
  cpu=$(awk '{print $1 + $2}' "$scratch/$name/time")
  printf '%-12s crates %4d   clean build: wall %6.1f s, cpu %6.1f s\n' "$name" "$crates" \
    "$(echo "$end - $start" | bc)" "$cpu"
}

app cookie-only '' ''
app axum-app '"axum"' 'axum = "0.8"'

#!/usr/bin/env bash
# Starts a private PostgreSQL for the PostgreSQL store's tests and benchmarks: a fresh cluster
# (initdb) in a temporary directory, listening on 127.0.0.1 only, with a `sessions` role that
# logs in by SCRAM password. As root it runs the server as the unprivileged `postgres` user
# (PostgreSQL refuses to run as root). Debian: `apt-get install postgresql`.
#
#   eval "$(bash scripts/start-postgres.sh 6391)"   # exports POSTGRES_URL and POSTGRES_DIR
#   cargo test --all-features --test server_side
#   bash scripts/start-postgres.sh --stop "$POSTGRES_DIR"
#
# Durability is off (fsync, synchronous_commit): this cluster holds test data only, and CI time
# is short. Prints only `export …` lines on stdout; progress goes to stderr.
set -euo pipefail

if [ "${1:-}" = "--stop" ]; then
  dir="${2:?usage: start-postgres.sh --stop DIR}"
  bin="$(cat "$dir/bindir")"
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  else
    "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$dir"
  exit 0
fi

port="${1:-6391}"
bin="${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ ! -x "$bin/initdb" ]; then
  echo "start-postgres: no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql, or set PG_BINDIR)" >&2
  exit 1
fi

dir="$(mktemp -d /tmp/session-postgres.XXXXXX)"
echo "$bin" >"$dir/bindir"
password=sessions
printf '%s\n' "$password" >"$dir/pwfile"
as_owner=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown -R postgres "$dir"
  as_owner=(runuser -u postgres --)
fi

"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U sessions --pwfile="$dir/pwfile" \
  --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2 ||
  { cat "$dir/server.log" >&2; exit 1; }

echo "start-postgres: PostgreSQL on 127.0.0.1:$port (data in $dir)" >&2
echo "export POSTGRES_URL=postgres://sessions:$password@127.0.0.1:$port/postgres"
echo "export POSTGRES_DIR=$dir"

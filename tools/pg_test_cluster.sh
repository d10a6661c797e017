#!/usr/bin/env bash
# A throw-away PostgreSQL/PostGIS cluster for geoplan's database tests.
#
#   bash tools/pg_test_cluster.sh start [DIR] [PORT]   prints  GEOPLAN_TEST_DSN=postgresql://...
#   bash tools/pg_test_cluster.sh stop  [DIR]
#
# Uses Debian's PostgreSQL binaries (postgresql + postgresql-NN-postgis-3, installed by
# tools/setup.sh --test). The cluster listens on localhost only, trusts local
# connections (it holds test data only) and lives in DIR (default: a folder under /tmp).
# Run as root, the server runs as the `postgres` system user (PostgreSQL refuses root).
set -euo pipefail
cmd=${1:-start}
dir=${2:-${TMPDIR:-/tmp}/geoplan-pgtest}
port=${3:-54329}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL er ikke installert (fant ikke initdb). Installer med: bash tools/setup.sh --test" >&2
  exit 3
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      # already running: its port is line 4 of postmaster.pid
      sed -n 4p "$dir/data/postmaster.pid" >"$dir/port.tmp"
      rm -f "$dir/port"
    else
      rm -rf "$dir"
      mkdir -p "$dir"
      # the first free port from PORT on (another cluster may be running here)
      while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
      echo "$port" >"$dir/port.tmp"
      [ "$(id -u)" = 0 ] && chown postgres: "$dir"
      as_owner "$bindir/initdb" -D "$dir/data" -U geoplan -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
      "$bindir/createdb" -h 127.0.0.1 -p "$port" -U geoplan geoplan_test
      "$bindir/psql" -q -h 127.0.0.1 -p "$port" -U geoplan -d geoplan_test -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    fi
    [ -f "$dir/port" ] || mv "$dir/port.tmp" "$dir/port"
    port=$(cat "$dir/port")
    echo "GEOPLAN_TEST_DSN=postgresql://geoplan@127.0.0.1:$port/geoplan_test"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
      rm -rf "$dir"
    fi
    ;;
  *)
    echo "bruk: $0 start|stop [MAPPE] [PORT]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A PostgreSQL cluster of the project's own: start | stop | url.
# Data lives in .pg/ at the repo root (git-ignored; FOCUS_PG_DIR moves it); the server
# listens on 127.0.0.1:54329 only (FOCUS_PG_PORT moves it) and `start` creates the
# database focus_test (FOCUS_PG_DB names others, space-separated; `url` is the first's). Throwaway by default, for tests:
# fsync off; FOCUS_PG_FSYNC=on for data that must survive a crash (the scaled profile).
# Uses installed binaries, else installs Debian's postgresql.
# PostgreSQL refuses to run as root, so as root the cluster is run as user "postgres".
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PGDIR="${FOCUS_PG_DIR:-$ROOT/.pg}"
DATA="$PGDIR/data"
PORT="${FOCUS_PG_PORT:-54329}"
DBS="${FOCUS_PG_DB:-focus_test}"
DB="${DBS%% *}"
FSYNC="${FOCUS_PG_FSYNC:-off}"
URL="postgresql+asyncpg://focus@127.0.0.1:$PORT/$DB"

find_bin() {
  for dir in "" /usr/lib/postgresql/*/bin; do
    if [ -z "$dir" ]; then
      command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1 \
        && { dirname "$(command -v pg_ctl)"; return; }
    elif [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
      echo "$dir"; return
    fi
  done
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ] && [ "${1:-}" = start ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  BIN="$(find_bin)"
fi

PSQL="$BIN/psql"
[ -x "$PSQL" ] || PSQL=psql

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}

case "${1:-}" in
  start)
    mkdir -p "$PGDIR"
    [ "$(id -u)" = 0 ] && chown -R postgres "$PGDIR" 2>/dev/null || true
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_owner "'$BIN/initdb' -D '$DATA' -U focus --auth=trust -E UTF8 --no-locale >'$PGDIR/initdb.log'"
    fi
    if ! as_owner "'$BIN/pg_ctl' -D '$DATA' status" >/dev/null 2>&1; then
      as_owner "'$BIN/pg_ctl' -D '$DATA' -l '$PGDIR/server.log' -w -t 60 \
        -o \"-p $PORT -k '$PGDIR' -c listen_addresses=127.0.0.1 -c fsync=$FSYNC\" start" >/dev/null
    fi
    for db in $DBS; do
      if ! "$PSQL" -h 127.0.0.1 -p "$PORT" -U focus -d postgres -tAc \
          "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        "$PSQL" -h 127.0.0.1 -p "$PORT" -U focus -d postgres -qc "CREATE DATABASE $db"
      fi
    done
    echo "$URL"
    ;;
  stop)
    if [ -f "$DATA/PG_VERSION" ]; then
      as_owner "'$BIN/pg_ctl' -D '$DATA' -m fast stop" >/dev/null 2>&1 || true
    fi
    ;;
  url)
    echo "$URL"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac

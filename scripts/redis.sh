#!/usr/bin/env bash
# Redis for Rasa's lock store in the scaled profile: start | run | stop | url.
# Config and data live in .redis/ at the repo root (git-ignored); the server listens on
# 127.0.0.1:6379 only (FOCUS_REDIS_PORT moves it), never as the system service.
# `start` runs it in the background; `run` in the foreground (scripts/stack.py supervises
# that one). Uses an installed redis-server, else installs Debian's.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/.redis"
PORT="${FOCUS_REDIS_PORT:-6379}"
CONF="$DIR/redis-$PORT.conf"

install_if_missing() {
  command -v redis-server >/dev/null 2>&1 && return
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
}

# Locks only: nothing worth persisting, so no snapshots and no append-only file.
write_config() {
  mkdir -p "$DIR"
  cat >"$CONF" <<CONF
bind 127.0.0.1
protected-mode yes
port $PORT
dir $DIR
save ""
appendonly no
pidfile $DIR/redis-$PORT.pid
logfile ""
CONF
}

case "${1:-}" in
  start)
    install_if_missing
    write_config
    redis-server "$CONF" --daemonize yes --logfile "$DIR/redis-$PORT.log"
    echo "redis://127.0.0.1:$PORT"
    ;;
  run)
    install_if_missing
    write_config
    exec redis-server "$CONF"
    ;;
  stop)
    if [ -f "$DIR/redis-$PORT.pid" ]; then
      kill "$(cat "$DIR/redis-$PORT.pid")" 2>/dev/null || true
    fi
    ;;
  url)
    echo "redis://127.0.0.1:$PORT"
    ;;
  *)
    echo "usage: $0 start|run|stop|url" >&2
    exit 2
    ;;
esac

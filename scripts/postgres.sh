#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for tests and benchmarks, separate from any cluster the
# Debian package set up (that one is never used or started).
#
#   scripts/postgres.sh start DIR   creates a cluster in DIR, listening on 127.0.0.1 only on a
#                                   free port and on a socket in DIR, trust auth for local
#                                   connections, with database medulla_test; prints its URL
#   scripts/postgres.sh stop DIR    stops it (fast shutdown) and removes DIR
#
# PostgreSQL refuses to run as root, so under root (as in CI) the cluster runs as the
# `postgres` OS user and DIR is handed to it.
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
database=medulla_test

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir="$1"
  if [ ! -x "$bin/initdb" ]; then
    echo "postgres.sh: $bin/initdb not found; install the postgresql package" >&2
    exit 1
  fi
  if [ -e "$dir" ]; then
    echo "postgres.sh: $dir already exists; stop that cluster first" >&2
    exit 1
  fi

  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
  fi

  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

  local port
  port="$(free_port)"
  cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
synchronous_commit = on
fsync = on
max_connections = 200
CONF
  echo "$port" > "$dir/port"

  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start > /dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"

  echo "postgresql://postgres@127.0.0.1:$port/$database"
}

stop() {
  local dir="$1"
  if [ ! -d "$dir" ]; then
    return 0
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null || true
  fi
  rm -rf "$dir"
}

[ $# -eq 2 ] || usage
case "$1" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) usage ;;
esac

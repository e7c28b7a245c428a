#!/usr/bin/env bash
# Starts or stops the sandbox EHR in the background, keeping its files in a state directory.
#
#   sandbox/ehr/run.sh start <statedir> [--journal]   prints the FHIR base URL once healthy
#   sandbox/ehr/run.sh stop <statedir>
#
# Files in <statedir>: ehr.port, ehr.pid, ehr.log and, with --journal, ehr-journal.ndjson.
# Relative paths are taken from the repository root.
set -euo pipefail

readonly HEALTH_TIMEOUT_SECONDS=120
readonly EHR_DIR=sandbox/ehr

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

usage() {
  echo "usage: $0 start <statedir> [--journal] | stop <statedir>" >&2
  exit 2
}

install_modules() {
  local modules="$EHR_DIR/node_modules"
  # A folder emptied by an interrupted install is newer than the lock file too: look for the
  # engine itself.
  if [[ -f "$modules/@medplum/fhir-router/package.json" && \
        "$modules" -nt "$EHR_DIR/package-lock.json" ]]; then
    return
  fi
  echo "installing sandbox EHR node modules" >&2
  (cd "$EHR_DIR" && npm ci --no-audit --no-fund >&2)
  touch "$modules"
}

is_running() {
  local pid_file="$1/ehr.pid"
  [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

wait_until_healthy() {
  local state="$1" deadline=$((SECONDS + HEALTH_TIMEOUT_SECONDS))
  while ((SECONDS < deadline)); do
    if ! is_running "$state"; then
      echo >&2
      echo "sandbox EHR exited during start; see $state/ehr.log" >&2
      return 1
    fi
    if [[ -s "$state/ehr.port" ]] &&
      curl -fsS "http://127.0.0.1:$(cat "$state/ehr.port")/__admin/health" >/dev/null 2>&1; then
      echo >&2
      return 0
    fi
    printf '.' >&2
    sleep 1
  done
  echo >&2
  echo "sandbox EHR not healthy after ${HEALTH_TIMEOUT_SECONDS}s; see $state/ehr.log" >&2
  return 1
}

start() {
  local state="$1" journal_flag="${2:-}"
  local -a journal=()
  case "$journal_flag" in
    "") ;;
    --journal) journal=(--journal "$state/ehr-journal.ndjson") ;;
    *) usage ;;
  esac

  mkdir -p "$state"
  if is_running "$state"; then
    echo "sandbox EHR already running (pid $(cat "$state/ehr.pid"))" >&2
    exit 1
  fi
  install_modules
  rm -f "$state/ehr.port"

  nohup node "$EHR_DIR/server.mjs" --host 127.0.0.1 --port 0 --data data/patients \
    --port-file "$state/ehr.port" "${journal[@]}" >"$state/ehr.log" 2>&1 &
  echo $! >"$state/ehr.pid"

  wait_until_healthy "$state"
  echo "http://127.0.0.1:$(cat "$state/ehr.port")/fhir/R4"
}

stop() {
  local state="$1"
  if ! is_running "$state"; then
    rm -f "$state/ehr.pid" "$state/ehr.port"
    echo "sandbox EHR not running" >&2
    return 0
  fi

  local pid
  pid="$(cat "$state/ehr.pid")"
  kill "$pid"
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
  fi
  rm -f "$state/ehr.pid" "$state/ehr.port"
}

[[ $# -ge 2 ]] || usage
case "$1" in
  start) start "$2" "${3:-}" ;;
  stop) stop "$2" ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# The clinic day: starts the sandbox EHR and one Medulla node on loopback, runs the shipped
# visits through Medulla, prints the summary and writes var/demo/report.json, then stops
# everything it started. The store and the EHR's journal persist in var/demo, so a second
# run finds the first run's work and must write nothing twice.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${1:-build/release}"
medulla="$build_dir/src/cli/medulla"
state=var/demo
mkdir -p "$state"

node_pid=""
stop_everything() {
  if [[ -n "$node_pid" ]] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" && wait "$node_pid" || true
  fi
  sandbox/ehr/run.sh stop "$state" >/dev/null 2>&1 || true
}
trap stop_everything EXIT

echo "medulla demo: starting the sandbox EHR (loading data/patients)"
ehr_url="$(sandbox/ehr/run.sh start "$state" --journal)"
echo "medulla demo: sandbox EHR at $ehr_url"

rm -f "$state/medulla.port"
"$medulla" serve --config config/medulla.yaml --port 0 --port-file "$state/medulla.port" \
  --store "sqlite:$state/medulla.db" --ehr-url "$ehr_url" >"$state/medulla.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$state/medulla.port" ]] && break
  kill -0 "$node_pid" 2>/dev/null || { echo "medulla failed to start; see $state/medulla.log"; exit 1; }
  sleep 0.1
done
server_url="http://127.0.0.1:$(cat "$state/medulla.port")"
echo "medulla demo: Medulla at $server_url (log in $state/medulla.log)"

"$medulla" clinic-day --config config/medulla.yaml --server "$server_url" --ehr-url "$ehr_url" \
  --report "$state/report.json"

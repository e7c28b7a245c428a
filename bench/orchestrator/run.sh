#!/usr/bin/env bash
# Builds Medulla's orchestration benchmark and runs it beside the same visit graph in
# LangGraph.js, at each number of tasks in flight, interleaving the engines in every repeat,
# and prints one markdown table of medians. Needs cmake, ninja, python3, node and npm.
#
# Usage: bench/orchestrator/run.sh [build dir, default build/bench-release]
# Environment:
#   LEVELS   tasks in flight to run, default "1 100 1000 10000"
#   REPEATS  runs per engine and level, default 3 (the table shows medians)
#   SINGLE_ROUNDS  sequential visits timed at one task in flight, default 20
#   FULL_SYNC_MAX  highest level at which Medulla also runs with its shipped full sync,
#            default 100: at full sync every event is its own synced commit, so the time per
#            step is the disk's sync time and does not change with the level, while 10,000
#            visits (600,000 events) would take the better part of an hour on these disks
#   RESULTS  file the result lines are appended to, default <build>/orchestration-bench-data/
#            results.jsonl (emptied first unless APPEND=1)
#   LANGGRAPH_FULL=1  also runs LangGraph with PRAGMA synchronous=FULL on its connection
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build/bench-release}"
data="$build/orchestration-bench-data"
levels="${LEVELS:-1 100 1000 10000}"
repeats="${REPEATS:-3}"
single_rounds="${SINGLE_ROUNDS:-20}"
langgraph="$root/bench/orchestrator/langgraph"
mkdir -p "$data"

# GCC 12 at -O3 warns -Wrestrict on some std::string copies where none can overlap, a known
# false positive of that compiler; with warnings as errors it would stop the Release build.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS=-Wno-restrict > "$build.configure.log"
ninja -C "$build" -j2 medulla_orchestration_bench > "$build.build.log"
bench="$build/bench/orchestrator/medulla_orchestration_bench"

# better-sqlite3 compiles from source: allowScripts in package.json lets npm run its install
# script, and the node headers are taken from the system instead of being downloaded.
if [ ! -d "$langgraph/node_modules" ]; then
  npm_config_nodedir=/usr npm ci --prefix "$langgraph" --no-audit --no-fund > /dev/null
fi

results="${RESULTS:-$data/results.jsonl}"
if [ "${APPEND:-0}" != 1 ]; then : > "$results"; fi
full_sync_max="${FULL_SYNC_MAX:-100}"

# Runs one engine at one level in a fresh directory, keeps its result line, removes the files.
run_one() {
  local name="$1" tasks="$2" rounds="$3"
  shift 3
  local dir="$data/run-$name-$tasks"
  rm -rf "$dir"
  mkdir -p "$dir"
  "$@" --tasks "$tasks" --rounds "$rounds" --dir "$dir" | grep -o '[a-z]*-orchestration-result .*' |
    cut -d' ' -f2- >> "$results"
  rm -rf "$dir"
}

for repeat in $(seq 1 "$repeats"); do
  for tasks in $levels; do
    rounds=1
    if [ "$tasks" = 1 ]; then rounds="$single_rounds"; fi
    echo "== repeat $repeat/$repeats, $tasks in flight" >&2
    if [ "$tasks" -le "$full_sync_max" ]; then
      run_one medulla-full "$tasks" "$rounds" "$bench" --sync full
    fi
    run_one medulla-normal "$tasks" "$rounds" "$bench" --sync normal
    run_one langgraph-normal "$tasks" "$rounds" node "$langgraph/bench.js" --sync normal
    if [ "${LANGGRAPH_FULL:-0}" = 1 ]; then
      run_one langgraph-full "$tasks" "$rounds" node "$langgraph/bench.js" --sync full
    fi
  done
done

python3 "$root/bench/orchestrator/summarise.py" "$results"

#!/usr/bin/env bash
# Builds the store benchmark in Release and runs it against SQLite (a file in the build
# directory) and a throw-away PostgreSQL 15 cluster started for the run, side by side, then
# prints the markdown table. Usage: bench/store/run.sh [build dir, default build/store-release]
# [seconds per row, default 5]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build/store-release}"
seconds="${2:-5}"
data="$build/store-bench-data"
postgres_dir="$build/store-bench-postgres"

# GCC 12 at -O3 warns -Wrestrict on some std::string copies where none can overlap, a known
# false positive of that compiler; with warnings as errors it would stop the Release build.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS=-Wno-restrict > "$build.configure.log"
ninja -C "$build" -j2 medulla_store_bench > "$build.build.log"

rm -rf "$data"
mkdir -p "$data"
bash "$root/scripts/postgres.sh" stop "$postgres_dir"
trap 'bash "$root/scripts/postgres.sh" stop "$postgres_dir"' EXIT
url="$(bash "$root/scripts/postgres.sh" start "$postgres_dir")"

"$build/bench/store/medulla_store_bench" --sqlite-dir "$data" --postgres-url "$url" \
  --seconds "$seconds"

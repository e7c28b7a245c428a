#!/usr/bin/env bash
# Builds the write-back benchmark in Release, starts a sandbox EHR on loopback for the run, and
# writes draft notes through Medulla's integration service and through a plain FHIR client side
# by side, then prints two markdown tables of medians (throughput and latency; where Medulla's
# time goes). Needs cmake, ninja, node and npm (the sandbox's modules are installed on first
# start). Every address used is 127.0.0.1.
#
# Usage: bench/writeback/run.sh [build dir, default build/bench-writeback]
# Environment:
#   WRITES          notes per run of each variant, default 1000
#   REPEATS         runs of each variant at each thread count, default 3
#   LEVELS          thread counts, comma separated, default "1,8"
#   LIMITED_WRITES  notes per run under the shipped rate limit (50/s), default 200
#   TMPFS_DIR       a tmpfs folder for the in-memory outbox rows, default /dev/shm
# One line per run goes to standard error and to <build>/writeback-bench-data/runs.log.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build/bench-writeback}"
data="$build/writeback-bench-data"
tmpfs="${TMPFS_DIR:-/dev/shm}/medulla-writeback-bench-$$"

# GCC 12 at -O3 warns -Wrestrict on some std::string copies where none can overlap, a known
# false positive of that compiler; with warnings as errors it would stop the Release build.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS=-Wno-restrict > "$build.configure.log"
ninja -C "$build" -j2 medulla_writeback_bench > "$build.build.log"

rm -rf "$data"
mkdir -p "$data/sandbox" "$tmpfs"
cd "$root"
trap 'bash sandbox/ehr/run.sh stop "$data/sandbox" > /dev/null 2>&1 || true; rm -rf "$tmpfs"' EXIT
fhir_base="$(bash sandbox/ehr/run.sh start "$data/sandbox")"

"$build/bench/writeback/medulla_writeback_bench" --fhir-base "$fhir_base" \
  --origin "${fhir_base%/fhir/R4}" --disk-dir "$data" --tmpfs-dir "$tmpfs" \
  --writes "${WRITES:-1000}" --repeats "${REPEATS:-3}" --levels "${LEVELS:-1,8}" \
  --limited-writes "${LIMITED_WRITES:-200}" 2> >(tee "$data/runs.log" >&2)

#!/usr/bin/env bash
# Builds and runs the policy benchmark for Medulla and for Cedar on the same statements and
# questions, and prints one markdown table. Run from anywhere; needs cmake, ninja, python3,
# node and npm. Usage: bench/policy/run.sh [build dir, default build/policy-release]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build/policy-release}"
data="$build/policy-bench-data"

# GCC 12 at -O3 warns -Wrestrict on some std::string copies where none can overlap, a known
# false positive of that compiler; with warnings as errors it would stop the Release build.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS=-Wno-restrict > "$build.configure.log"
ninja -C "$build" -j2 medulla_policy_bench > "$build.build.log"

python3 "$root/bench/policy/generate.py" --out "$data"
bench="$build/bench/policy/medulla_policy_bench"
"$bench" --data "$data" --dump "$data/medulla-decisions.json"

if [ ! -d "$root/bench/policy/cedar/node_modules" ]; then
  npm ci --prefix "$root/bench/policy/cedar" --no-audit --no-fund > /dev/null
fi
cedar_line="$(node "$root/bench/policy/cedar/bench.js" "$data" "$data/medulla-decisions.json" |
  grep -o 'cedar-policy-result .*')"
medulla_line="$("$bench" --data "$data" --benchmark_min_time=2 --benchmark_color=false |
  tee "$data/medulla-bench.txt" | grep -o 'medulla-policy-result .*')"

python3 - "$medulla_line" "$cedar_line" <<'PY'
import json, sys
medulla, cedar = (json.loads(line.split(" ", 1)[1]) for line in sys.argv[1:3])
print("| engine | statements | questions | decisions/s | p50 µs | p99 µs | ratio |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for row in (medulla, cedar):
    ratio = row["decisions_per_s"] / cedar["decisions_per_s"]
    print(f"| {row['engine']} | {row['statements']} | {row['questions']} | "
          f"{row['decisions_per_s']:,.0f} | {row['p50_us']:.2f} | {row['p99_us']:.2f} | "
          f"{ratio:,.1f}× |")
print(f"\nBoth engines gave the same decision on all {cedar['agreed']} questions.")
PY

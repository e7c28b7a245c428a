#!/usr/bin/env bash
# Runs every test: the C++ suites through ctest (end-to-end suites start their own sandbox
# EHR on loopback) and the sandbox EHR's own node tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${1:-build/release}"

echo "== sandbox EHR tests (node --test)"
node --test sandbox/ehr/test/

echo "== Medulla tests (ctest)"
ctest --test-dir "$build_dir" --output-on-failure -j 2 --timeout 600

#!/usr/bin/env bash
# Runs every test: the C++ suites through ctest (end-to-end suites start their own sandbox
# EHR on loopback; the store suites run against a throw-away PostgreSQL cluster started
# here) and the sandbox EHR's own node tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${1:-build/release}"

echo "== sandbox EHR tests (node --test)"
node --test sandbox/ehr/test/

echo "== PostgreSQL for the store tests"
postgres_dir=var/test-postgres
# A cluster left by an interrupted run would block the new one.
bash scripts/postgres.sh stop "$postgres_dir"
trap 'bash scripts/postgres.sh stop "$postgres_dir"' EXIT
MEDULLA_TEST_POSTGRES_URL="$(bash scripts/postgres.sh start "$postgres_dir")"
export MEDULLA_TEST_POSTGRES_URL
echo "$MEDULLA_TEST_POSTGRES_URL"

echo "== Medulla tests (ctest)"
ctest --test-dir "$build_dir" --output-on-failure -j 2 --timeout 600

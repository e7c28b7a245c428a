#!/usr/bin/env bash
# Installs the sandbox EHR's npm packages from its lock file when they are missing or stale.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

modules=sandbox/ehr/node_modules
if [[ -d "$modules" && "$modules" -nt sandbox/ehr/package-lock.json ]]; then
  exit 0
fi
echo "medulla: installing the sandbox EHR's npm packages (npm ci)"
(cd sandbox/ehr && npm ci --no-audit --no-fund)
touch "$modules"

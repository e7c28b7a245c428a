#!/usr/bin/env bash
# Installs what Medulla needs to build, test and run its demo on Debian 12.
# Safe to run repeatedly: it only asks apt for packages that are missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libssl-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libvalijson-dev
  libgtest-dev libgmock-dev libbenchmark-dev prometheus-cpp-dev
  libpq-dev postgresql
  curl ca-certificates
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

if ! command -v node >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} > 0)); then
  echo "medulla: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The FHIR R4 definitions and UCUM table that outgoing resources are validated against; only
# their data is used, so package scripts are not run.
fhir_definitions="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/third_party/fhir-definitions"
if [[ ! -d "$fhir_definitions/node_modules" ]]; then
  echo "medulla: installing FHIR definitions"
  (cd "$fhir_definitions" && npm ci --ignore-scripts --no-audit --no-fund)
fi

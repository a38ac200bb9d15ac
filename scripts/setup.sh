#!/usr/bin/env bash
# Installs what agentrt needs to build and test, from Debian only. Idempotent: packages already
# present are skipped, and apt is not touched at all when nothing is missing.
#   scripts/setup.sh [--bench]   # --bench: also what bench/run.sh needs (gnuplot, python3, node)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcaf-dev nlohmann-json3-dev libsimdjson-dev libjemalloc-dev
  libboost1.81-dev libboost-filesystem1.81-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev
  libsqlite3-dev procps clang-format openssl libssl-dev curl
  clang libclang-rt-14-dev
)
if [ "${1:-}" = --bench ]; then
  packages+=(gnuplot-nox python3)
  command -v node >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

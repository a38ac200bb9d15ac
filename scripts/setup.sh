#!/usr/bin/env bash
# Installs what agentrt needs to build and test, from Debian only. Idempotent: packages already
# present are skipped, and apt is not touched at all when nothing is missing.
#   scripts/setup.sh [--bench]   # --bench: also what bench/run.sh needs (gnuplot, python3, node)
#   scripts/setup.sh --caf-source DIR   # CAF's Debian source package into DIR (scripts/tsan.sh)
set -euo pipefail

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# Source packages come from the machine's own apt sources: a deb-src twin of each enabled deb
# entry (deb822 .sources files and one-line lists alike), added once.
if [ "${1:-}" = --caf-source ]; then
  dir=${2:?usage: setup.sh --caf-source DIR}
  if ! apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -q '^Sources$'; then
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] && grep -q '^Types: deb$' "$f" || continue
      case "$f" in */agentrt-src-*) continue ;; esac
      sed 's/^Types: deb$/Types: deb-src/' "$f" |
        $sudo tee "/etc/apt/sources.list.d/agentrt-src-$(basename "$f")" >/dev/null
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] && grep -q '^deb ' "$f" || continue
      sed -n 's/^deb /deb-src /p' "$f" |
        $sudo tee "/etc/apt/sources.list.d/agentrt-src-$(basename "$f")" >/dev/null
    done
    $sudo apt-get update -qq
  fi
  mkdir -p "$dir"
  # The caller checks the upstream tarball against the .dsc's checksum; a missing Debian patch
  # tarball (not needed here) does not stop it.
  (cd "$dir" && apt-get source --download-only actor-framework=0.17.6-2.1 >/dev/null 2>&1) || true
  exit 0
fi

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcaf-dev nlohmann-json3-dev libsimdjson-dev libjemalloc-dev
  libboost1.81-dev libboost-filesystem1.81-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev
  libsqlite3-dev liblz4-dev procps clang-format openssl libssl-dev curl
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
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Sets up, builds and runs the demo: several fake agent sessions at once, no API key needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)" --target agentrt agentrt-fake-agent
./build/agentrt demo

#!/usr/bin/env bash
# Sets up, builds and runs every test: a release build, then the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer, then under ThreadSanitizer, then the libFuzzer
# targets for a bounded time (FUZZ_SECONDS each, default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

# Formatting is part of the build's contract (.clang-format).
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$jobs"
(cd build && ctest -j "$jobs" --output-on-failure)

# The embedding package: install it, build examples/embed against it from its own build
# directory, and run the example.
rm -rf build/install build/embed
cmake --install build --prefix "$PWD/build/install"
cmake -S examples/embed -B build/embed -G Ninja -DCMAKE_PREFIX_PATH="$PWD/build/install"
cmake --build build/embed
build/embed/embed "$PWD/build/install/bin/agentrt-fake-agent"

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAGENTRT_SANITIZE=ON
cmake --build build-asan -j "$jobs"
(cd build-asan && ctest -j "$jobs" --output-on-failure)

# The same tests under ThreadSanitizer, against a CAF built with it (the first run builds it).
bash scripts/tsan.sh

bash scripts/fuzz.sh

#!/usr/bin/env bash
# The actor tests under ThreadSanitizer.
#
# TSan sees a happens-before edge only in code built with it. Debian's libcaf is not, so every
# message handed from one thread to another through CAF's mailboxes would look like a race.
# This script therefore first builds CAF 0.17.6 (core, io, openssl) with TSan from Debian's own
# source package (fetched through apt by scripts/setup.sh --caf-source; the tarball is checked
# against the checksum of the .dsc), once, into build-tsan-caf/, then builds agentrt
# against it in build-tsan/ and runs the tests. A report fails the run (halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
caf_prefix="$PWD/build-tsan-caf/install"
tarball=actor-framework_0.17.6.orig.tar.gz
sha256=e2bf5bd243f08bb7d8adde197cfe3e6d71314ed3378fe0692f8932f4c3b3928c

if [ ! -f "$caf_prefix/lib/libcaf_core.so" ]; then
  mkdir -p build-tsan-caf
  [ -f "build-tsan-caf/$tarball" ] || bash scripts/setup.sh --caf-source build-tsan-caf
  echo "$sha256  build-tsan-caf/$tarball" | sha256sum -c -
  rm -rf build-tsan-caf/src && mkdir build-tsan-caf/src
  tar xzf "build-tsan-caf/$tarball" -C build-tsan-caf/src
  # No memory cache: TSan must see each allocation. `-include limits`: a header of CAF 0.17.6
  # misses it for GCC 12 (Debian patches the same).
  cmake -S build-tsan-caf/src/actor-framework-0.17.6 -B build-tsan-caf/build -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=thread -O1 -include limits" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" -DCMAKE_INSTALL_PREFIX="$caf_prefix" \
    -DCAF_NO_MEM_MANAGEMENT=yes -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes \
    -DCAF_NO_TOOLS=yes -DCAF_NO_PYTHON=yes -DCAF_NO_OPENCL=yes -DCAF_NO_COMPILER_CHECK=yes
  cmake --build build-tsan-caf/build -j "$jobs"
  cmake --install build-tsan-caf/build
fi

cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGENTRT_TSAN=ON \
  -DAGENTRT_BENCH=OFF -DCMAKE_PREFIX_PATH="$caf_prefix"
cmake --build build-tsan -j "$jobs"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# One test at a time: TSan makes each process several times slower, and two spawn-heavy tests side
# by side (300 agents started and stopped by a sidecar) went past the sidecar's bounded drain.
(cd build-tsan && ctest -j 1 --output-on-failure "$@")

#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang, ASan and UBSan, and runs each for
# FUZZ_SECONDS (default 30), starting from the real CLI captures (../shared/fixtures/real-cli)
# and the sidecar protocol's requests. A finding fails the script; its input is left in
# build-fuzz/findings/. The corpus grows in build-fuzz/corpus/ from run to run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
shared=${SHARED:-$PWD/../shared}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAGENTRT_SANITIZE=ON -DAGENTRT_FUZZ=ON -DAGENTRT_TESTS=OFF -DAGENTRT_BENCH=OFF >/dev/null
targets=(line_splitter_fuzz adapters_fuzz sidecar_request_fuzz)
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"

# Seeds: each line of the captures (small inputs fuzz faster), and one request of each kind.
seeds=build-fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds/stream" "$seeds/requests" build-fuzz/findings
i=0
for capture in "$shared"/fixtures/real-cli/*.stdout; do
  while IFS= read -r line && [ $i -lt 400 ]; do
    printf '%s\n' "$line" > "$seeds/stream/$i"
    i=$((i + 1))
  done < "$capture"
done
j=0
for request in '{"type":"ping"}' '{"type":"list"}' '{"type":"stop","sessionId":"s"}' \
  '{"type":"query","sessionId":"s","prompt":"p","provider":"fake","maxTurns":3,"extraEnv":{"A":"b"},"providerConfig":{"x":1},"additionalDirectories":["/tmp"],"node":"127.0.0.1:1"}' \
  '{"type":"prompt","sessionId":"s","prompt":"p"}' '{"type":"interrupt","sessionId":"s"}' \
  '{"type":"options","normalized":true}'; do
  printf '%s' "$request" > "$seeds/requests/$j"
  j=$((j + 1))
done

run() {  # run TARGET SEEDS: the fuzzer's status; its output in build-fuzz/TARGET.log
  local log=build-fuzz/$1.log status=0
  mkdir -p "build-fuzz/corpus/$1"
  echo "fuzz: $1 for ${seconds}s" >&2
  "build-fuzz/tests/fuzz/$1" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=build-fuzz/findings/ \
    "build-fuzz/corpus/$1" "$2" > "$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" >&2 || true
  [ "$status" -eq 0 ] || tail -n 60 "$log" >&2
  return "$status"
}
run line_splitter_fuzz "$seeds/stream"
run adapters_fuzz "$seeds/stream"
run sidecar_request_fuzz "$seeds/requests"

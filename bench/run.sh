#!/bin/sh
# bench/run.sh: every benchmark of BENCHMARKS.md in one run, agentrt and the Node sidecar it
# replaces side by side on the same fake agent (../shared/peers/node-sidecar/fake-claude.c).
#
#   bash bench/run.sh                  # full matrix, about 15 minutes on 2 cores
#   QUICK=1 bash bench/run.sh          # N up to 100, a minute
#
# Writes JSON lines to bench/results/latest.jsonl (one per run; "bench" names the driver), then
# bench/summarize.py prints the tables and ratios of BENCHMARKS.md and draws bench/load.png.
# env: BUILD=build-bench  K=100  NS="1 10 100 1000 3000 5000"  PEER_NS="1 10 100 500 1000 2000"
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
BUILD=${BUILD:-$ROOT/build-bench}
# Every agentrt of the run keeps its journal (on by default, as users run it) in a scratch
# directory, not in the user's own state directory.
XDG_STATE_HOME=$(mktemp -d)
export XDG_STATE_HOME
trap 'rm -rf "$XDG_STATE_HOME"' EXIT
# The fake agents are "claude", which admission control runs 3 at a time by default: the load
# measures the runtime, so every agentrt here runs them all at once, as Node does.
UNLIMITED="--max-per-provider claude=0"
K=${K:-100}
if [ "${QUICK:-0}" = 1 ]; then
  NS=${NS:-"1 10 100"} PEER_NS=${PEER_NS:-"1 10 100"} PACED_NS=${PACED_NS:-"100"} IDLE_N=${IDLE_N:-100}
else
  NS=${NS:-"1 10 100 1000 3000 5000"} PEER_NS=${PEER_NS:-"1 10 100 500 1000 2000"}
  PACED_NS=${PACED_NS:-"100 1000 3000"} IDLE_N=${IDLE_N:-3000}
fi
OUT=$ROOT/bench/results/latest.jsonl
mkdir -p "$ROOT/bench/results"
: > "$OUT"

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAGENTRT_TESTS=OFF >/dev/null
ninja -C "$BUILD" agentrt agentrt_load_bench agentrt_floor agentrt_micro_bench >/dev/null

# The peer: a copy of the harness (../shared is read-only), its fake agent and the Node sidecar.
PEER=$BUILD/peer
rm -rf "$PEER" && cp -r "$SHARED/peers/node-sidecar" "$PEER"
mkdir -p "$PEER/bin" && cc -O2 -o "$PEER/bin/claude" "$PEER/fake-claude.c"
(cd "$PEER" && SEED="$SHARED/seeds/000_f90a911268d473d8.txt" sh extract.sh)
FAKE=$PEER/bin

ulimit -n "$(ulimit -Hn)"
echo "bench: nofile $(ulimit -n), pid_max $(cat /proc/sys/kernel/pid_max), $(nproc) cores" >&2

tag() { sed "s/^{/{\"bench\":\"$1\",/" >> "$OUT"; }
load() {  # load MODE LABEL ARGS...; a failed run is recorded with its end reason
  mode=$1 label=$2; shift 2
  echo "bench: load $mode $label $*" >&2
  rm -rf "$XDG_STATE_HOME/agentrt"  # each run starts with an empty journal
  "$BUILD/agentrt_load_bench" --mode "$mode" --label "$label" --fake-dir "$FAKE" "$@" | tag load || true
}

echo "bench: micro" >&2
"$BUILD/agentrt_micro_bench" --benchmark_format=json --benchmark_min_time=0.5 2>/dev/null |
  python3 -c 'import json,sys
for b in json.load(sys.stdin)["benchmarks"]:
    print(json.dumps({"name": b["name"], "bytes_per_second": b.get("bytes_per_second"),
                      "items_per_second": b.get("items_per_second"), "cpu_ns": b["cpu_time"]}))' |
  tag micro

for n in $NS; do
  "$BUILD/agentrt_floor" --n "$n" --k "$K" --fake-dir "$FAKE" 2>&1 >/dev/null | tag floor
  load inproc agentrt --n "$n" --k "$K"
  load sidecar agentrt --n "$n" --k "$K" -- "$BUILD/agentrt" sidecar $UNLIMITED
done
for n in $PACED_NS; do
  "$BUILD/agentrt_floor" --n "$n" --k "$K" --delay 10 --fake-dir "$FAKE" 2>&1 >/dev/null | tag floor
  load inproc agentrt --n "$n" --k "$K" --delay 10
  load sidecar agentrt --n "$n" --k "$K" --delay 10 -- "$BUILD/agentrt" sidecar $UNLIMITED
done
load inproc agentrt --scenario stop --n "$IDLE_N"
load sidecar agentrt --scenario stop --n "$IDLE_N" -- "$BUILD/agentrt" sidecar $UNLIMITED
for n in $PEER_NS; do
  load sidecar agentrt --n "$n" --k "$K" -- "$BUILD/agentrt" sidecar $UNLIMITED
  load sidecar agentrt-normalized --n "$n" --k "$K" -- "$BUILD/agentrt" sidecar $UNLIMITED --normalized
  load sidecar node --n "$n" --k "$K" --timeout 600 -- node "$PEER/agent-runner.mjs"
done
load sidecar agentrt --scenario stop --n 500 -- "$BUILD/agentrt" sidecar $UNLIMITED
load sidecar node --scenario stop --n 500 -- node "$PEER/agent-runner.mjs"

# Memory bounded from the agent to the host (issue 16): a host that reads nothing for 20 s while
# 200 agents write ~1 MB each, and one agent writing at full speed to a slow (2 MB/s) and to a
# fast host, a stop after 20 s.
for who in agentrt node; do
  if [ "$who" = node ]; then set -- node "$PEER/agent-runner.mjs"; else set -- "$BUILD/agentrt" sidecar $UNLIMITED; fi
  load sidecar "$who" --scenario stuck --hold 20 --n 200 --k 1700 --timeout 300 -- "$@"
done
for rate in 2 0; do
  load sidecar agentrt --scenario flood --hold 20 --read-mbps "$rate" --n 1 --k 2000000000 -- \
    "$BUILD/agentrt" sidecar $UNLIMITED
done

# Distributed: the same load through a coordinator (this driver) and two agentrt nodes on
# loopback, against in-process. The nodes find the fake claude on their PATH.
echo "bench: distributed (two nodes)" >&2
start_node() {  # start_node LOG: prints the node's HOST:PORT once it listens
  PATH="$FAKE:$PATH" "$BUILD/agentrt" node --listen 127.0.0.1:0 --state-dir "$1.state" $UNLIMITED > "$1" 2>&1 &
  for _ in $(seq 100); do
    grep -q 'listening on' "$1" 2>/dev/null && break
    sleep 0.1
  done
  sed -n 's/.*listening on //p' "$1"
}
NODE_A=$(start_node "$BUILD/node-a.log")
NODE_B=$(start_node "$BUILD/node-b.log")
# In-process the driver starts each session with an engine call and its answer, one at a time; a
# sidecar's host sends its queries at once, as the seed's does (issue 16's method).
for n in ${CLUSTER_NS:-100 1000}; do
  load inproc cluster --n "$n" --k "$K" --node "$NODE_A" --node "$NODE_B"
  load sidecar cluster --n "$n" --k "$K" -- "$BUILD/agentrt" sidecar --normalized --node "$NODE_A" --node "$NODE_B"
done
load inproc cluster --n 100 --k "$K" --delay 10 --node "$NODE_A" --node "$NODE_B"
pkill -f "$BUILD/agentrt node" || true

# The peer's own driver and table, unchanged, for both.
echo "bench: peer driver (shared/peers/node-sidecar/run.sh)" >&2
for who in node agentrt; do
  if [ "$who" = node ]; then set --; else set -- "$BUILD/agentrt" sidecar $UNLIMITED; fi
  (cd "$PEER" && REPS=1 NS="${PEER_DRIVER_NS:-1 10 100 500}" OUT="$PEER/results-$who.jsonl" NAME=$who \
    SEED="$SHARED/seeds/000_f90a911268d473d8.txt" sh run.sh "$@" >&2) || true
  tag "peer-$who" < "$PEER/results-$who.jsonl"
done

python3 "$ROOT/bench/summarize.py" "$OUT" | tee "$ROOT/bench/results/summary.md"

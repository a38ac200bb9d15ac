#!/usr/bin/env python3
"""bench/summarize.py RESULTS.jsonl: the tables, ratios and target checks of BENCHMARKS.md.

Prints markdown; writes bench/results/summary.json (ratios and targets, machine-readable) and,
when gnuplot is installed, benchmarks.png next to BENCHMARKS.md (events/s and peak RSS against
N, agentrt and the Node sidecar, through the same driver).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]


def pick(bench, **match):
    return [r for r in rows if r.get("bench") == bench and all(r.get(k) == v for k, v in match.items())]


def one(bench, **match):
    found = pick(bench, **match)
    return found[-1] if found else None


def fmt(x, digits=1):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(fmt(c) if not isinstance(c, str) else c for c in line) + " |" for line in lines]
    return "\n".join(out)


summary = {"targets": {}, "ratios": {}}
print("## Micro (Google Benchmark)\n")
print(table(["benchmark", "MB/s", "items/s"],
            [[r["name"], (r["bytes_per_second"] or 0) / 1e6, r["items_per_second"]] for r in pick("micro")]))

print("\n## Load, unpaced (K lines per agent, all at once)\n")
lines = []
for r in sorted(pick("load", scenario="run", delay_ms=0, label="agentrt"), key=lambda r: (r["mode"], r["n"])):
    floor = one("floor", n=r["n"], delay_ms=0)
    mult = r.get("cpu_us_per_event") / floor["cpu_us_per_event"] if floor and r.get("cpu_us_per_event") else None
    lines.append([r["mode"], r["n"], r.get("events_per_s"), r.get("cpu_us_per_event"), mult, r["peak_rss_mb"],
                  r.get("spawn_per_s"), r["lat_p50_ms"], r["lat_p99_ms"], r["lat_max_ms"], r["ping_p99_ms"],
                  r["lost"], r["late_events"], r["end"]])
print(table(["mode", "N", "events/s", "CPU µs/event", "× floor", "peak RSS MB", "spawn/s", "lat p50 ms",
             "lat p99 ms", "lat max ms", "ping p99 ms", "lost", "late", "end"], lines))
print("\nfloor (epoll, no parsing): " + ", ".join(
    f"N={r['n']}: {r['cpu_us_per_event']:.2f} µs/event" for r in pick("floor", delay_ms=0)))

print("\n## Load, paced (10 ms between lines)\n")
lines = []
for r in sorted(pick("load", scenario="run", label="agentrt"), key=lambda r: (r["mode"], r["n"])):
    if r["delay_ms"] == 0:
        continue
    lines.append([r["mode"], r["n"], r.get("events_per_s"), r.get("cpu_us_per_event"), r["peak_rss_mb"],
                  r["lat_p50_ms"], r["lat_p99_ms"], r["lat_max_ms"], r["ping_p99_ms"], r["lost"], r["late_events"]])
print(table(["mode", "N", "events/s", "CPU µs/event", "peak RSS MB", "lat p50 ms", "lat p99 ms", "lat max ms",
             "ping p99 ms", "lost", "late"], lines))

print("\n## Idle sessions and stop\n")
lines = []
for r in pick("load", scenario="stop"):
    lines.append([r["label"], r["mode"], r["n"], r.get("idle_kib_per_session"), r.get("base_rss_mb"),
                  r.get("idle_rss_mb"), r.get("spawn_per_s"), r.get("stop_ms"), r["ended"], r["end"]])
print(table(["runtime", "mode", "N", "KiB per idle session", "RSS before MB", "RSS idle MB", "spawn/s",
             "stop N ms", "ended", "end"], lines))

print("\n## A host that stops reading, an agent that never stops writing\n")
lines = []
for r in pick("load", scenario="stuck"):
    lines.append([r["label"], "stuck %gs" % r.get("hold_s", 0), r["n"], r.get("held_max_rss_mb"), r["peak_rss_mb"],
                  r.get("resume_pong_ms"), "", "", r["lost"], r["end"]])
for r in pick("load", scenario="flood"):
    rss = r.get("rss_mb_every_500ms") or [None]
    lines.append([r["label"], "flood, host %s MB/s" % (r.get("read_mbps") or "max"), r["n"], max(rss), r["peak_rss_mb"],
                  r.get("ping_p99_ms"), r.get("stop_effect_ms"), r.get("stop_ms"), r["lost"], r["end"]])
print(table(["runtime", "scenario", "N", "RSS while held / flooding MB", "peak RSS MB", "pong ms (stuck: first after; flood: p99)",
             "stop: agent's last write ms", "stop: agent_stopped ms", "lost", "end"], lines))

print("\n## Against the Node sidecar (same driver, same fake agent, same run)\n")
lines = []
plot = []
for n in sorted({r["n"] for r in pick("load", mode="sidecar", label="node", scenario="run")}):
    node = one("load", mode="sidecar", label="node", scenario="run", n=n, delay_ms=0)
    ours = one("load", mode="sidecar", label="agentrt", scenario="run", n=n, delay_ms=0)
    norm = one("load", mode="sidecar", label="agentrt-normalized", scenario="run", n=n, delay_ms=0)
    if not (node and ours and norm):
        continue

    def ratio(a, b, key):
        return a[key] / b[key] if a.get(key) and b.get(key) else None

    cpu_ratio = ratio(norm, node, "cpu_us_per_event")
    rss_ratio = ratio(ours, node, "peak_rss_mb")
    summary["ratios"][str(n)] = {"cpu_per_event_normalized": cpu_ratio, "cpu_per_event_dropin": ratio(ours, node, "cpu_us_per_event"),
                                 "peak_rss": rss_ratio, "events_per_s": ratio(ours, node, "events_per_s")}
    lines.append([n, node.get("events_per_s"), ours.get("events_per_s"), node.get("cpu_us_per_event"),
                  ours.get("cpu_us_per_event"), norm.get("cpu_us_per_event"), cpu_ratio, node["peak_rss_mb"],
                  ours["peak_rss_mb"], rss_ratio, node["ping_p99_ms"], ours["ping_p99_ms"], node["lost"], ours["lost"]])
    plot.append((n, node.get("events_per_s") or 0, ours.get("events_per_s") or 0, node["peak_rss_mb"], ours["peak_rss_mb"]))
print(table(["N", "node ev/s", "agentrt ev/s", "node µs/ev", "agentrt µs/ev", "agentrt --normalized µs/ev",
             "normalized ÷ node", "node RSS MB", "agentrt RSS MB", "RSS ratio", "node ping p99", "agentrt ping p99",
             "node lost", "agentrt lost"], lines))


print("## Distributed: through a coordinator and two nodes on loopback, against in-process\n")
print("inproc: the driver embeds the coordinator and starts each session with a call and its answer, one at a time; "
      "sidecar: `agentrt sidecar --normalized --node A --node B`, against `agentrt sidecar --normalized`, its host "
      "sending the queries at once.\n")
lines = []
cluster_ratio = {}
for r in sorted(pick("load", label="cluster", scenario="run"), key=lambda r: (r["mode"], r["delay_ms"], r["n"])):
    local_label = "agentrt" if r["mode"] == "inproc" else "agentrt-normalized"
    local = one("load", mode=r["mode"], label=local_label, scenario="run", n=r["n"], delay_ms=r["delay_ms"])
    def added(key):
        return r.get(key) - local.get(key) if local and r.get(key) is not None and local.get(key) is not None else None
    ratio = (r["events_per_s"] / local["events_per_s"]
             if local and local.get("events_per_s") and r.get("events_per_s") else None)
    if r["delay_ms"] == 0 and ratio is not None:
        cluster_ratio[(r["mode"], r["n"])] = ratio
    lines.append([r["mode"], r["n"], r["delay_ms"], local.get("events_per_s") if local else None, r.get("events_per_s"),
                  f"{ratio:.2f}" if ratio is not None else "-",
                  local.get("lat_p50_ms") if local else None, r.get("lat_p50_ms"), added("lat_p50_ms"),
                  local.get("lat_p99_ms") if local else None, r.get("lat_p99_ms"), added("lat_p99_ms"),
                  r["lost"] + r["late_events"], r["end"]])
print(table(["driver", "N", "delay ms", "in-process ev/s", "2 nodes ev/s", "÷ in-process", "in-process lat p50 ms", "2 nodes lat p50 ms",
             "added p50 ms", "in-process lat p99 ms", "2 nodes lat p99 ms", "added p99 ms", "lost + late", "end"],
            lines))
print()

def target(name, value, limit, ok):
    summary["targets"][name] = {"value": value, "limit": limit, "met": ok}
    print(f"- {name}: {fmt(value, 3)} (target {limit}) {'met' if ok else 'MISSED'}")


print("\n## Targets\n")
r500 = summary["ratios"].get("500", {})
if r500.get("cpu_per_event_normalized") is not None:
    target("CPU per event at N=500, --normalized, ÷ Node", r500["cpu_per_event_normalized"], "≤ 0.25",
           r500["cpu_per_event_normalized"] <= 0.25)
if r500.get("peak_rss") is not None:
    target("peak RSS at N=500 ÷ Node", r500["peak_rss"], "≤ 0.25", r500["peak_rss"] <= 0.25)
for r in pick("load", scenario="stop", label="agentrt"):
    if r["n"] >= 3000 and r.get("idle_kib_per_session") is not None:
        target(f"KiB per idle session, {r['mode']}, N={r['n']}", r["idle_kib_per_session"], "≤ 16",
               r["idle_kib_per_session"] <= 16)
burst = one("load", mode="sidecar", label="agentrt", scenario="run", n=2000, delay_ms=0)
if burst:
    target("ping p99 ms during a 2000-session burst", burst["ping_p99_ms"], "≤ 10", 0 <= burst["ping_p99_ms"] <= 10)
for r in pick("load", scenario="run", label="agentrt"):
    if r["n"] == 3000:
        target(f"lost + late at N=3000, {r['mode']}, delay {r['delay_ms']} ms", r["lost"] + r["late_events"], "= 0",
               r["lost"] == 0 and r["late_events"] == 0)
if ("sidecar", 1000) in cluster_ratio:
    target("events/s through two nodes ÷ in-process, sidecar --normalized, N=1000", cluster_ratio[("sidecar", 1000)],
           "≥ 0.6", cluster_ratio[("sidecar", 1000)] >= 0.6)
spawn = [r.get("spawn_per_s") for r in pick("load", label="agentrt") if r["n"] >= 1000 and r.get("spawn_per_s")]
if spawn:
    target("sessions started per second (worst, N ≥ 1000)", min(spawn), "≥ 300", min(spawn) >= 300)

with open(os.path.join(ROOT, "bench", "results", "summary.json"), "w") as f:
    json.dump(summary, f, indent=1)

if plot and shutil.which("gnuplot"):
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as dat:
        for row in plot:
            dat.write(" ".join(str(x) for x in row) + "\n")
    script = f"""
set terminal pngcairo size 1000,420 font ',10'
set output '{os.path.join(ROOT, 'benchmarks.png')}'
set multiplot layout 1,2 title 'Sidecar protocol, K=100 lines of about 600 bytes per agent, 2 cores (bench/run.sh)'
set logscale x
set xlabel 'concurrent sessions N'
set key top left
set ylabel 'events/s'
plot '{dat.name}' u 1:3 w lp lw 2 t 'agentrt sidecar', '' u 1:2 w lp lw 2 t 'Node sidecar (seed)'
set ylabel 'peak RSS (MB)'
plot '{dat.name}' u 1:5 w lp lw 2 t 'agentrt sidecar', '' u 1:4 w lp lw 2 t 'Node sidecar (seed)'
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)
    os.unlink(dat.name)
    print("\nplot: benchmarks.png")

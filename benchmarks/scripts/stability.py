#!/usr/bin/env python3
"""Reads a JMH JSON result (-rf json -rff FILE) and prints, per benchmark, the median of the
measured iterations, the slowest and fastest iteration against that median (stable: every one
within 1.5x), each fork's median, and each median as a ratio of the --against benchmark's with
the same parameters (above 1.0x: better than that peer). When the run used MachineNoiseProfiler
(-prof io.github.eventbus.benchmarks.MachineNoiseProfiler), each iteration outside 1.5x is listed
under its row with what else took the processors while it ran.

    python3 benchmarks/scripts/stability.py async.json --against disruptorBlocking
"""
import argparse
import json
import statistics

parser = argparse.ArgumentParser()
parser.add_argument("result")
parser.add_argument("--against", help="benchmark method name to compare with, e.g. disruptorBlocking")
args = parser.parse_args()

NOISE = ("steal", "other-processes", "jit", "gc", "runqueue-wait", "idle")
rows = []
for run in json.load(open(args.result)):
    name = run["benchmark"].rsplit(".", 1)[1]
    params = run.get("params") or {}
    if params:
        name += "(" + ",".join(f"{k}={v}" for k, v in params.items()) + ")"
    forks = run["primaryMetric"]["rawData"]
    raw = [x for fork in forks for x in fork]
    noise = {label.lstrip("\u00b7"): [x for fork in metric["rawData"] for x in fork]
             for label, metric in (run.get("secondaryMetrics") or {}).items()
             if label.lstrip("\u00b7") in NOISE}
    rows.append((name, run["mode"], raw, run["primaryMetric"]["scoreUnit"], noise, forks))

def params_of(name):
    return name[name.index("("):] if "(" in name else ""

# The peer's median for each parameter set, e.g. subscribers=1 and subscribers=10 separately.
bases = {}
if args.against:
    for r in rows:
        if r[0].split("(")[0] == args.against:
            bases[params_of(r[0])] = statistics.median(r[2])

print(f"{'benchmark':40} {'median':>10} {'min/med':>8} {'max/med':>8} {'stable':>6} {'vs':>7}  iterations")
for name, mode, raw, unit, noise, forks in rows:
    med = statistics.median(raw)
    lo, hi = min(raw) / med, max(raw) / med
    stable = "yes" if hi <= 1.5 and lo >= 1 / 1.5 else "NO"
    vs = ""
    base = bases.get(params_of(name))
    if base:
        # time modes: lower is better, so the ratio is base / ours; throughput: ours / base
        vs = f"{(base / med if mode in ('ss', 'avgt', 'sample') else med / base):.2f}x"
    print(f"{name:40} {med:10.2f} {lo:8.2f} {hi:8.2f} {stable:>6} {vs:>7}  "
          + " ".join(f"{x:.0f}" for x in raw) + f" {unit}")
    if len(forks) > 1:
        print("    fork medians: " + " ".join(f"{statistics.median(f):.1f}" for f in forks))
    if noise:
        for i, x in enumerate(raw):
            if not 1 / 1.5 <= x / med <= 1.5:
                print(f"    iteration {i + 1}: {x:.1f} ({x / med:.2f}x)  "
                      + "  ".join(f"{k} {noise[k][i]:.0f} ms" for k in NOISE if k in noise))

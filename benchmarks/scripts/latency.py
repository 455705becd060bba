#!/usr/bin/env python3
"""Reads a JMH JSON result of a sampled-time benchmark (-rf json -rff FILE), such as
AsyncLatencyBenchmark, and prints one row per benchmark and parameter set: the number of samples
and the 50th, 99th and 99.9th percentiles and the maximum, in the benchmark's unit.

    python3 benchmarks/scripts/latency.py latency.json
"""
import argparse
import json

parser = argparse.ArgumentParser()
parser.add_argument("result")
args = parser.parse_args()

print(f"{'benchmark':40} {'samples':>8} {'p50':>9} {'p99':>9} {'p99.9':>9} {'max':>9}  unit")
with open(args.result) as f:
    runs = json.load(f)
for run in runs:
    name = run["benchmark"].rsplit(".", 1)[1]
    params = run.get("params") or {}
    if params:
        name += "(" + ",".join(f"{k}={v}" for k, v in params.items()) + ")"
    metric = run["primaryMetric"]
    pct = metric["scorePercentiles"]
    samples = sum(n for fork in metric["rawDataHistogram"] for it in fork for _, n in it)
    print(f"{name:40} {samples:8d} {pct['50.0']:9.2f} {pct['99.0']:9.2f} {pct['99.9']:9.2f} "
          f"{pct['100.0']:9.2f}  {metric['scoreUnit']}")

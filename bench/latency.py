#!/usr/bin/env python3
"""Reads hey's CSV output (one file per hey process) and prints: requests ok(2xx) p50_ms p99_ms max_ms.
Usage: latency.py FILE..."""
import csv
import sys

times, ok = [], 0
for path in sys.argv[1:]:
    with open(path) as f:
        for row in csv.DictReader(f):
            times.append(float(row["response-time"]) * 1000)
            ok += 200 <= int(row["status-code"]) < 300
times.sort()
n = len(times)
pick = lambda p: times[min(n - 1, int(p * n))] if n else 0.0
print(n, ok, f"{pick(0.50):.2f}", f"{pick(0.99):.2f}", f"{(times[-1] if n else 0):.2f}")

"""Forwarded-call latency: os.stat of one tmpfs file, CALLS times.

Usage: stat.py DIR CALLS. Creates DIR/statme, makes 1000 unmeasured calls,
then CALLS calls in 5 batches, and prints {"per_call_us": X, "mean_us": Y}:
the mean per call of the fastest batch (the least disturbed by other
processes on a shared machine) and of all CALLS.
"""
import json
import os
import sys
import time

path = os.path.join(sys.argv[1], "statme")
calls = int(sys.argv[2])
with open(path, "w") as f:
    f.write("x")
stat = os.stat
for _ in range(1000):
    stat(path)
batch = max(calls // 5, 1)
times = []
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(batch):
        stat(path)
    times.append((time.perf_counter() - t0) / batch * 1e6)
print(json.dumps({"per_call_us": min(times), "mean_us": sum(times) / len(times)}))
os.unlink(path)

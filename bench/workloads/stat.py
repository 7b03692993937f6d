"""Forwarded-call latency: os.stat of one tmpfs file, CALLS times.

Usage: stat.py DIR CALLS. Creates DIR/statme, then prints
{"per_call_us": X} (the mean of CALLS calls after 1000 unmeasured ones).
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
t0 = time.perf_counter()
for _ in range(calls):
    stat(path)
print(json.dumps({"per_call_us": (time.perf_counter() - t0) / calls * 1e6}))
os.unlink(path)

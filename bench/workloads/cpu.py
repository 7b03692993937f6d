"""CPU-bound: a pure-Python loop (integers, a dict, a list), timed in-process.

Usage: cpu.py ROUNDS. Prints {"seconds": S, "cpu_seconds": C, "check": N}:
wall-clock and CPU time of the loop (CPU time is what the loop itself
used, so it moves less than wall time when other processes load the
machine).
"""
import json
import sys
import time


def work(rounds: int) -> int:
    acc = 0
    table: dict[int, int] = {}
    for i in range(rounds):
        acc = (acc * 31 + i) % 1000003
        table[i & 1023] = acc
        if i % 97 == 0:
            acc ^= sum(sorted(table.values())[:8])
    return acc


rounds = int(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
check = work(rounds)
t1, c1 = time.perf_counter(), time.process_time()
print(json.dumps({"seconds": t1 - t0, "cpu_seconds": c1 - c0, "check": check}))

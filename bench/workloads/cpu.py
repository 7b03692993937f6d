"""CPU-bound: a pure-Python loop (integers, a dict, a list), timed in-process.

Usage: cpu.py ROUNDS. Prints {"seconds": S, "check": C}.
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
t0 = time.perf_counter()
check = work(rounds)
print(json.dumps({"seconds": time.perf_counter() - t0, "check": check}))

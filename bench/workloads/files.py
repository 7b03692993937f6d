"""File-heavy: walk a tree, stat and read every file, timed in-process.

Usage: files.py ROOT. Prints {"seconds": S, "files": N, "bytes": B}.
"""
import json
import os
import sys
import time

root = sys.argv[1]
t0 = time.perf_counter()
files = size = 0
for top, _dirs, names in os.walk(root):
    for name in names:
        path = os.path.join(top, name)
        os.stat(path)
        with open(path, "rb") as f:
            size += len(f.read())
        files += 1
print(json.dumps({"seconds": time.perf_counter() - t0, "files": files, "bytes": size}))

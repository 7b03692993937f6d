#!/usr/bin/python3.11
"""Deliberately broken drivers for the suite's self-test: each wraps a
working driver and breaks one behaviour the suite must catch.

  broken.py drop-output DRIVER... [--child PATH]   results lose stdout and stderr
  broken.py no-timeout  DRIVER... [--child PATH]   where the parent timed out, waits forever instead
"""

import json
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    mode, cmd = argv[0], argv[1:]
    proc = subprocess.run(cmd, stdin=sys.stdin.buffer, stdout=subprocess.PIPE)
    if proc.returncode != 0:
        sys.stdout.buffer.write(proc.stdout)
        return proc.returncode
    out = json.loads(proc.stdout)
    errors = [out.get("error")] + [s.get("error") for s in out.get("steps", []) if isinstance(s, dict)]
    if mode == "no-timeout" and any(isinstance(e, dict) and e.get("kind") == "timeout" for e in errors):
        time.sleep(3600)
    if mode == "drop-output":
        for s in out.get("steps", []):
            if isinstance(s, dict) and isinstance(s.get("result"), dict):
                s["result"]["stdout"] = s["result"]["stderr"] = ""
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

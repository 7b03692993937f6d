"""Self-test of the suite: broken drivers fail exactly the cases they should.

For each broken driver, the suite runs a fixed selection of cases with the
working driver (the baseline) and with the broken one; the cases that fail
only with the broken one must be exactly the declared set.
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BASE = f"{ROOT}/conformance/drivers/adapt.py node"
BROKEN = {
    "drop-output": (
        "^(execute-print|execute-stderr|stdin-data|exception-builtin|output-limit|host-echo|normal-session|unknown-fields|cancel-idle)$",
        {"e2e/execute-print", "e2e/execute-stderr", "e2e/stdin-data", "e2e/output-limit", "e2e/host-echo",
         "parent/normal-session", "parent/unknown-fields", "e2e/cancel-idle"},
    ),
    "no-timeout": (
        "^(truncated-then-silence|request-timeout|normal-session|timeout|execute-print)$",
        {"parent/truncated-then-silence", "parent/request-timeout"},
    ),
}


def failures(driver: str, cases: str) -> set[str]:
    proc = subprocess.run([f"{ROOT}/conformance/run", "--driver", driver, "--child", f"{ROOT}/build/sandbox",
                           "--case", cases, "--jobs", "4"], stdout=subprocess.PIPE, text=True, timeout=300)
    return set(re.findall(r"^not ok \d+ - ([a-z0-9]+/[a-z0-9-]+):", proc.stdout, re.M))


def main() -> int:
    bad = 0
    for mode, (cases, expected) in BROKEN.items():
        base = failures(BASE, cases)
        broken = failures(f"{HERE}/broken.py {mode} {BASE}", cases)
        got = broken - base
        ok = got == expected - base
        bad += not ok
        print(f"{'ok' if ok else 'not ok'} - broken driver {mode}: fails {sorted(got)}"
              + ("" if ok else f", expected {sorted(expected - base)}"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

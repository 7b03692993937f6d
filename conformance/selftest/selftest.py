"""Self-test of the suite: broken drivers fail exactly the cases they should.

The working driver is selftest/refdriver.py, a small parent written from the
spec; each broken driver is the same program with one behaviour broken
(--break). For each, the suite runs a fixed selection of cases with both,
and the cases that fail only with the broken one must be exactly the
declared set (the working driver's own failures, which come from the real
child, cancel out). A case that fails only once, unexpectedly, is printed
with its diagnostics and run again: it counts only if it fails again.
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKING = f"{HERE}/refdriver.py"
BROKEN = {
    "frame-limit": (
        "^(frame-limit-outgoing|frame-limit-initialize|normal-session|oversized-frame|execute-print|host-large-answer)$",
        {"parent/frame-limit-outgoing", "parent/frame-limit-initialize"},
    ),
    "no-timeout": (
        "^(truncated-then-silence|request-timeout|normal-session|timeout|crash-mid-request)$",
        {"parent/truncated-then-silence", "parent/request-timeout"},
    ),
    "drop-output": (
        "^(execute-print|execute-stderr|stdin-data|exception-builtin|output-limit|host-echo|normal-session"
        "|unknown-fields|cancel-idle|host-call-wrong-run)$",
        {"e2e/execute-print", "e2e/execute-stderr", "e2e/stdin-data", "e2e/output-limit", "e2e/host-echo",
         "parent/normal-session", "parent/unknown-fields", "e2e/cancel-idle"},
    ),
    "stream-runs": (
        "^(output-streams-interleaved|normal-session|execute-print|execute-stderr|exception-builtin)$",
        {"parent/output-streams-interleaved"},
    ),
    "later-minor": (
        "^(negotiated-version-only|normal-session|execute-print|frame-limit-initialize)$",
        {"parent/negotiated-version-only", "parent/normal-session"},
    ),
}


def failures(driver: str, cases: str) -> dict[str, str]:
    """Runs CASES with DRIVER: the failing case ids, each with its TAP diagnostics."""
    proc = subprocess.run([f"{ROOT}/conformance/run", "--driver", driver, "--child", f"{ROOT}/build/sandbox",
                           "--case", cases, "--jobs", "4", "--timeout-cap", "25"],
                          stdout=subprocess.PIPE, text=True, timeout=300)
    if not re.search(r"^\d+ passed, \d+ failed$", proc.stdout, re.M):
        raise SystemExit(f"selftest: the suite did not finish: {proc.stdout[-500:]}")
    found = re.findall(r"^not ok \d+ - ([a-z0-9]+/[a-z0-9-]+):.*\n((?:  .*\n)*)", proc.stdout, re.M)
    return dict(found)


def main() -> int:
    bad = 0
    print("TAP version 13")
    print(f"1..{len(BROKEN)}")
    for n, (mode, (cases, expected)) in enumerate(BROKEN.items(), 1):
        base = failures(WORKING, cases)
        broken = failures(f"{WORKING} --break {mode}", cases)
        got = broken.keys() - base.keys()
        for case in sorted(got - expected):  # a one-off failure is reported, then given a second run
            print(f"# {case} failed unexpectedly once:\n" + "".join(f"# {line}\n" for line in broken[case].splitlines()),
                  end="")
            again = f"^{case.split('/')[1]}$"
            if case not in failures(f"{WORKING} --break {mode}", again).keys() - failures(WORKING, again).keys():
                got.discard(case)
        ok = got == expected - base.keys() and expected - base.keys()
        bad += not ok
        print(f"{'ok' if ok else 'not ok'} {n} - broken driver {mode} fails {sorted(got)}"
              + ("" if ok else f", expected {sorted(expected - base.keys())}"))
    print(f"{len(BROKEN) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

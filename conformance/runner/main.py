"""Command line of conformance/run."""

from __future__ import annotations

import argparse
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import cases as casemod
import childgroup
import coverage
import deviations
import e2e
import parentgroup
from tap import Tap


def _args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="conformance/run", description="protocol v1 (1.0 and 1.1) conformance suite")
    p.add_argument("--driver", help="command of a parent's conformance driver (shell words)")
    p.add_argument("--child", help="path of the real child (build/sandbox)")
    p.add_argument("--group", action="append", choices=casemod.GROUPS,
                   help="run only this group (repeatable); default e2e+parent with --driver, else child")
    p.add_argument("--case", help="run only cases whose id matches this regular expression")
    p.add_argument("--mockchild", help="mock child binary (default build/conformance/mockchild)")
    p.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    p.add_argument("--timeout-cap", type=float, help="cap every case's timeout_s at this many seconds")
    p.add_argument("--coverage", action="store_true", help="print the anchors no case cites and exit")
    p.add_argument("--list", action="store_true", help="list the selected cases and exit")
    return p.parse_args(argv)


def _runner(case: casemod.Case, a: argparse.Namespace):
    if case.group == "e2e":
        return lambda: e2e.run_case(case, a.driver, a.child)
    if case.group == "parent":
        return lambda: parentgroup.run_case(case, a.driver, a.mockchild, a.schemas)
    return lambda: childgroup.run_case(case, a.child)


def _guarded(fn) -> list[str]:
    try:
        return fn()
    except Exception as e:  # one broken case fails that case only
        return [f"runner error: {type(e).__name__}: {e}"]


def _hold_fds_3_4() -> None:
    """Keeps fds 3 and 4 open in this process. subprocess makes pass_fds
    inheritable before preexec_fn runs, so childproto's pass_fds=(3, 4)
    fails with EBADF whenever this process has nothing open there."""
    for fd in (3, 4):
        try:
            os.fstat(fd)
        except OSError:
            got = os.open(os.devnull, os.O_RDONLY)
            if got != fd:
                os.dup2(got, fd, inheritable=False)
                os.close(got)


def main(argv: list[str], here: str) -> int:
    _hold_fds_3_4()
    a = _args(argv)
    root = os.path.dirname(here)
    spec = os.path.join(root, "protocol", "SPEC.md")
    try:
        all_cases = casemod.load(os.path.join(here, "cases"), list(casemod.GROUPS))
        waivers = deviations.load(os.path.join(here, "deviations.json"), {f"{c.group}/{c.id}" for c in all_cases})
    except casemod.CaseError as e:
        print(f"conformance: {e}", file=sys.stderr)
        return 2
    if a.coverage:
        return coverage.report(all_cases, spec, waivers)
    groups = a.group or (["e2e", "parent"] if a.driver else ["child"])
    selected = [c for c in all_cases if c.group in groups and (not a.case or re.search(a.case, c.id))]
    if a.list:
        for c in selected:
            print(f"{c.group}/{c.id}  {' '.join(c.reqs)}")
        return 0
    if ("e2e" in groups or "parent" in groups) and not a.driver:
        print("conformance: groups e2e and parent need --driver", file=sys.stderr)
        return 2
    if "child" in groups and not a.child:
        print("conformance: group child needs --child", file=sys.stderr)
        return 2
    if a.timeout_cap:
        for c in selected:
            c.timeout_s = min(c.timeout_s, a.timeout_cap)
    a.mockchild = os.path.abspath(a.mockchild or os.path.join(root, "build", "conformance", "mockchild"))
    if "parent" in groups and not os.access(a.mockchild, os.X_OK):
        print(f"conformance: no mock child at '{a.mockchild}' (make build/conformance/mockchild)", file=sys.stderr)
        return 2
    if a.child and not os.access(a.child, os.X_OK):
        print(f"conformance: the child '{a.child}' is not an executable file", file=sys.stderr)
        return 2
    a.schemas = parentgroup.load_schemas(os.path.join(root, "protocol", "schema"))
    tap = Tap(len(selected))
    with ThreadPoolExecutor(max(1, min(a.jobs, 8))) as pool:
        futures = [pool.submit(_guarded, _runner(c, a)) for c in selected]
        for c, f in zip(selected, futures):
            fails, notes = deviations.apply(waivers, f"{c.group}/{c.id}", f.result())
            tap.result(f"{c.group}/{c.id}: {c.title}", fails, c.reqs, notes)
    return tap.finish()

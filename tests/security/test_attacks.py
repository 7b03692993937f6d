"""Runs every case of cases.py in its own child, as one test each.

A case listed in KNOWN-FAILURES.md is an expected failure.  One that
starts passing (the child was fixed) passes, and REPORT.md marks it
"fixed: remove from KNOWN-FAILURES.md", so a fix in child/ never turns
this suite red while its row is still here.
Every other case must also leave the supervisor answering shutdown and
exiting 0 afterwards: no attack may crash or wedge it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

import report
from cases import CASES
from kit import Case, check, run_case

HERE = os.path.dirname(os.path.abspath(__file__))


def known_failures() -> dict[str, str]:
    """Case id -> one-line reason, from the table in KNOWN-FAILURES.md."""
    known: dict[str, str] = {}
    with open(os.path.join(HERE, "KNOWN-FAILURES.md")) as f:
        for line in f:
            m = re.match(r"\|\s*`([A-Za-z0-9_.-]+)`\s*\|\s*([^|]*)\|", line)
            if m:
                known[m.group(1)] = m.group(2).strip()
    return known


KNOWN = known_failures()


def substitute(case: Case, canary: dict[str, Any]) -> Case:
    text = json.dumps(case.init)
    if "@BIND@" not in text and "@CANARY@" not in text:
        return case
    text = text.replace("@BIND@", canary["bind_dir"])
    init = json.loads(text.replace("@CANARY@", canary["path"]))
    return Case(**{**case.__dict__, "init": init})


def test_unique_ids() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert set(KNOWN) <= set(ids), set(KNOWN) - set(ids)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, canary: dict[str, Any]) -> None:
    got, result, note = run_case(substitute(case, canary), canary)
    ok = check(case.expect, got)
    status = "pass" if ok and not note else "FAIL"
    if case.id in KNOWN:
        status = "known failure" if not ok or note else \
            "fixed: remove from KNOWN-FAILURES.md"
    report.record(case, status, got if not isinstance(got, KeyError)
                  else f"missing; outcome {result.get('outcome')}", note)
    if case.id in KNOWN and (not ok or note):
        pytest.xfail(KNOWN[case.id])
    assert not note, f"{case.id}: supervisor unhealthy: {note}"
    assert ok, (f"{case.id}: expected {case.expect.describe()}, got {got!r}; "
                f"result {json.dumps({k: v for k, v in result.items() if k != 'stdout'})[:600]}"
                f" stdout {result.get('stdout', '')[:300]!r}")

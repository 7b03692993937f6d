"""The programs make demo runs give identical results through every parent.

Each example runs through the conformance driver of the C, Node and PHP
parents (docs/conformance.md, "The driver contract"), all three against
the same child; the outcome, output, exception and violation must agree,
and match what the demo says each example shows.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHILD = os.environ.get("PYSANDBOX_CHILD", os.path.join(ROOT, "build", "sandbox"))
DRIVERS = {
    "c": [os.path.join(ROOT, "build", "c", "conformance-driver")],
    "node": ["node", os.path.join(ROOT, "parents", "node", "conformance-driver.js")],
    "php": [os.path.join(ROOT, "parents", "php", "bin", "conformance-driver")],
}
EXAMPLES = {
    "wordstats.py": ("ok", {}),
    "roundtrip.py": ("ok", {}),
    "runaway.py": ("cpu_limit", {"cpu_ms": 1000}),
    "escape.py": ("violation", {}),
}


def run(driver: list[str], name: str, limits: dict[str, int]) -> dict:
    with open(os.path.join(ROOT, "examples", name)) as f:
        code = f.read()
    session = {"limits": limits,
               "steps": [{"execute": {"code": code, "filename": name}}]}
    done = subprocess.run(driver + ["--child", CHILD], input=json.dumps(session),
                          capture_output=True, text=True, timeout=60, check=True)
    out = json.loads(done.stdout)
    assert out["error"] is None, out
    return out["steps"][0]["result"]


def essence(result: dict) -> dict:
    keep = ("outcome", "session_usable", "exit_status", "exception",
            "violation", "signal", "stdout", "stderr")
    return {k: result.get(k) for k in keep}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_parent_agrees(name: str) -> None:
    outcome, limits = EXAMPLES[name]
    results = {p: essence(run(d, name, limits)) for p, d in DRIVERS.items()}
    assert results["c"]["outcome"] == outcome, results["c"]
    assert results["node"] == results["c"]
    assert results["php"] == results["c"]

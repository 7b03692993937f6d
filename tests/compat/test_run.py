"""Tests of the compatibility harness itself (tests/compat/run.py).

The parsing, retry and comparison logic is checked on scripted driver
output; one end-to-end case runs a real module against an empty document
to show that --check fails on a difference nobody listed.
"""

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hints  # noqa: E402
import run  # noqa: E402

ROOT = run.ROOT


def line(**fields):
    return run.MARK + json.dumps(fields)


class ScriptedRunner(run.Runner):
    """A Runner whose attempts replay scripted driver output."""

    place = "scripted"

    def __init__(self, attempts):
        super().__init__("test_x", "/nonexistent")
        self.script = list(attempts)
        self.excluded_seen = []

    def attempt(self, excluded):
        self.excluded_seen.append(excluded)
        stdout = "\n".join(self.script.pop(0))
        return stdout, {"place": self.place, "outcome": "violation",
                        "violation": {"syscall": "ptrace"}}


def test_a_run_to_its_end_is_one_attempt():
    r = ScriptedRunner([[
        line(event="start", id="t.a"), "noise from the test",
        line(event="result", id="t.a", status="pass"),
        line(event="result", id="setUpClass (t.C)", status="skip", detail="no"),
        line(event="done", run=1),
    ]])
    assert r.run() == {"t.a": ["pass", ""], "setUpClass (t.C)": ["skip", "no"]}
    assert r.excluded_seen == [[]]


def test_a_crash_marks_the_running_test_and_resumes_after_it():
    r = ScriptedRunner([
        [line(event="start", id="t.a"), line(event="result", id="t.a", status="pass"),
         line(event="start", id="t.b")],
        [line(event="start", id="t.c"), line(event="result", id="t.c", status="fail"),
         line(event="done", run=1)],
    ])
    results = r.run()
    assert results["t.a"] == ["pass", ""]
    assert results["t.b"][0] == "crash"
    assert "violation (syscall ptrace)" in results["t.b"][1]
    assert results["t.c"] == ["fail", ""]
    assert r.excluded_seen == [[], ["t.a", "t.b"]]


def test_a_crash_outside_any_test_ends_the_module():
    r = ScriptedRunner([[line(event="start", id="t.a"),
                         line(event="result", id="t.a", status="pass")]])
    results = r.run()
    assert results["test.test_x.<module>"][0] == "crash"
    assert len(r.excluded_seen) == 1


def test_retries_are_bounded():
    crashes = [[line(event="start", id="t.%d" % i)] for i in range(run.MAX_ATTEMPTS + 5)]
    r = ScriptedRunner(crashes)
    results = r.run()
    assert len(r.excluded_seen) == run.MAX_ATTEMPTS
    assert len(results) == run.MAX_ATTEMPTS


@pytest.mark.parametrize("bare,sandbox,diffs", [
    ({"a": ["pass", ""]}, {"a": ["pass", ""]}, []),
    ({"a": ["pass", ""]}, {"a": ["error", "E"]}, [("a", "error")]),
    ({"a": ["pass", ""]}, {}, [("a", "missing")]),
    ({"a": ["skip", ""]}, {"a": ["error", "E"]}, []),
    ({"a": ["fail", ""]}, {"a": ["pass", ""]}, []),
    ({"a": ["pass", ""]}, {"a": ["skip", "no locale"]}, [("a", "skip")]),
])
def test_compare(bare, sandbox, diffs):
    s = run.compare("test_x", bare, sandbox, [])
    assert [(d["id"], d["status"]) for d in s["differences"]] == diffs
    assert s["bare_pass"] - s["sandbox_pass"] == len(diffs)


def test_known_rows_and_globs(tmp_path):
    doc = tmp_path / "c.md"
    doc.write_text("| test | reason |\n|---|---|\n"
                   "| `test.test_a.T.test_one` | spawns |\n"
                   "| `test.test_b.C.*` | whole class |\n"
                   "| `ctypes.test.test_find.*` | no gcc |\n"
                   "| `test_socket` | a module row, not a test |\n"
                   "| `test.test_c.T.test_no_reason` |  |\n")
    known = run.load_known(str(doc))
    assert run.known_reason("test.test_a.T.test_one", known) == "spawns"
    assert run.known_reason("test.test_b.C.test_x", known) == "whole class"
    assert run.known_reason("test.test_a.T.test_two", known) is None
    assert run.known_reason("ctypes.test.test_find.F.test_gl", known) == "no gcc"
    assert run.known_reason("test_socket", known) is None
    assert run.known_reason("test.test_c.T.test_no_reason", known) is None


@pytest.mark.parametrize("detail,expected", [
    ("  File \"/usr/lib/python3.11/subprocess.py\", line 1834, in _execute_child\n"
     "    self.pid = _fork_exec(\nPermissionError: [Errno 1] Operation not permitted",
     "subprocess"),
    ("multiprocessing/popen_fork.py\", line 66, in _launch\n    self.pid = os.fork()\n"
     "PermissionError: [Errno 1] Operation not permitted", "multiprocessing"),
    ("asyncio/selector_events.py\", line 107, in _make_self_pipe\n"
     "PermissionError: [Errno 13] Permission denied", "asyncio"),
    ("KeyError: 'getpwuid(): uid not found: 0'", "root"),
    ("AssertionError: 1 != 2", "?"),
])
def test_hints(detail, expected):
    assert hints.hint(detail)[0] == expected


def test_propose_groups_a_class_sharing_one_cause():
    fork = "_fork_exec(\nPermissionError: [Errno 1] Operation not permitted"
    bare = {"test.test_x.A.a": ["pass", ""], "test.test_x.A.b": ["pass", ""],
            "test.test_x.B.a": ["pass", ""], "test.test_x.B.b": ["pass", ""]}
    sandbox = {"test.test_x.A.a": ["error", fork], "test.test_x.A.b": ["error", fork],
               "test.test_x.B.a": ["error", fork], "test.test_x.B.b": ["pass", ""]}
    rows = run.propose([run.compare("test_x", bare, sandbox, [])])
    assert rows[0].startswith("| `test.test_x.A.*` | runs a program")
    assert rows[1].startswith("| `test.test_x.B.a` | runs a program")
    assert len(rows) == 2

    sandbox["test.test_x.B.b"] = ["error", fork]
    rows = run.propose([run.compare("test_x", bare, sandbox, [])])
    assert [r.split("|")[1].strip() for r in rows] == ["`test.test_x.*`"]


def test_check_fails_on_an_unlisted_difference(tmp_path):
    """test_base64 spawns subprocesses in TestMain: differences exist."""
    if not os.access(os.environ.get("PYSANDBOX_CHILD", ""), os.X_OK):
        pytest.fail("PYSANDBOX_CHILD must name the built sandbox")
    empty = tmp_path / "empty.md"
    empty.write_text("# nothing listed\n")
    cmd = [run.PYTHON, os.path.join(ROOT, "tests", "compat", "run.py"), "--check",
           "--known", str(empty), "--out", str(tmp_path / "out"), "test_base64"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "compat: not listed: test.test_base64.TestMain." in proc.stdout
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "NOT LISTED" in summary


def test_bad_module_name_is_refused():
    proc = subprocess.run([run.PYTHON, os.path.join(ROOT, "tests", "compat", "run.py"),
                           "../etc/passwd"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "invalid module name '../etc/passwd'" in proc.stderr


def test_every_test_module_is_compared_or_excused():
    """modules.txt plus the document's not-run table cover the whole suite."""
    suite = set()
    for name in os.listdir("/usr/lib/python3.11/test"):
        base = name[:-3] if name.endswith(".py") else name
        path = os.path.join("/usr/lib/python3.11/test", name)
        if run.MODULE_NAME.match(base) and (name.endswith(".py") or os.path.isdir(path)):
            suite.add(base)
    compared = set(run.read_list(os.path.join(ROOT, "tests", "compat", "modules.txt")))
    not_run = run.load_not_run(os.path.join(ROOT, "docs", "compatibility.md"))

    assert not compared & set(not_run), "both compared and not run"
    assert sorted(suite - compared - set(not_run)) == []
    assert sorted((compared | set(not_run)) - suite) == []

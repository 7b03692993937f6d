"""The pysandbox CLI's messages against the real child (build/sandbox).

Run with PYSANDBOX_CLI and SANDBOX_CHILD set (make test-cli-real does);
the companion of tests/cli/test_real_child.py for the findings of
notes/newuser-findings.md: what the child refuses is named by the option
that set it, and python's own argv rules hold.
"""
import json
import os
import subprocess

import pytest

CLI = os.environ["PYSANDBOX_CLI"]
CHILD = os.environ["SANDBOX_CHILD"]
TIMEOUT = 60


def run(*args, stdin=b""):
    return subprocess.run([CLI, "run", "--child", CHILD] + list(args),
                          input=stdin, capture_output=True, timeout=TIMEOUT)


def last_line(p, status, *words):
    """Exit status STATUS and a last stderr line `pysandbox: ...` with
    WORDS; the child's own diagnostics may come before it."""
    err = p.stderr.decode().splitlines()
    assert p.returncode == status, (p.returncode, err)
    assert err and err[-1].startswith("pysandbox: "), err
    assert sum(line.startswith("pysandbox: ") for line in err) == 1, err
    for w in words:
        assert w in err[-1], (w, err)
    return err[-1]


def test_c_code_and_double_dash_as_python():
    code = "import sys; print(sys.argv)"
    p = run("-c", code, "--", "x", "--json")
    assert p.returncode == 0, p.stderr
    py = subprocess.run(["/usr/bin/python3.11", "-c", code, "--", "x",
                         "--json"], capture_output=True)
    assert p.stdout == py.stdout == b"['-c', '--', 'x', '--json']\n"


def test_missing_cwd_names_the_option():
    line = last_line(run("--cwd", "/nope", "-c", "print(1)"), 122)
    assert line == "pysandbox: --cwd '/nope' does not exist in the sandbox"


@pytest.mark.parametrize("args,words", [
    (["--memory", "1K"], ["--memory:", "33554432..1099511627776",
                          "/limits/memory_bytes"]),
    (["--cpu", "100000m"], ["--cpu:", "1..86400000"]),
    (["--threads", "5000"], ["--threads:", "1..1024"]),
    (["--tmpfs", "/a", "--tmpfs", "/out:1K:2"],
     ["--tmpfs /out:1K:2:", "max_bytes", "/filesystem/1/max_bytes"]),
    (["--tmpfs", "/out:1M:9999999"], ["--tmpfs /out:1M:9999999:",
                                      "max_files"]),
])
def test_refused_value_names_the_option(args, words):
    last_line(run(*args, "-c", "print(1)"), 123, *words)


@pytest.mark.parametrize("opt,words", [
    ("--cpu", ["'0'", "--cpu", "out of range 1ms..24h"]),
    ("--memory", ["'0'", "--memory", "out of range 32M..1024G"]),
])
def test_zero_is_out_of_range(opt, words):
    last_line(run(opt, "0", "-c", "print(1)"), 123, *words)


def test_interpreter_exit_is_a_crash():
    p = run("-c", "import os; os._exit(5)")
    assert last_line(p, 117) == \
        "pysandbox: crash: the interpreter exited with status 5"


def test_json_traceback_is_in_the_result():
    p = run("--json", "-c", "1/0")
    out = json.loads(p.stdout)
    assert p.returncode == out["status"] == 1
    assert "ZeroDivisionError" in out["result"]["exception"]["traceback"]
    assert "ZeroDivisionError" not in out["stderr"]

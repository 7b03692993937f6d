"""The pysandbox CLI's argument and input handling against the fake child.

Run with PYSANDBOX_CLI and FAKE_CHILD set (make test-cli does); the
companion of tests/cli/test_cli.py for the findings of
notes/newuser-findings.md.
"""
import json
import os
import subprocess

import pytest

CLI = os.environ["PYSANDBOX_CLI"]
FAKE = os.environ["FAKE_CHILD"]
TIMEOUT = 30
MIB = 1024 * 1024


def run(*args, stdin=b""):
    cmd = [CLI, "run", "--child", FAKE] + list(args)
    return subprocess.run(cmd, input=stdin, capture_output=True,
                          timeout=TIMEOUT)


def one_line_error(p, status, *words):
    err = p.stderr.decode()
    assert p.returncode == status, (p.returncode, err)
    assert err.startswith("pysandbox: ") and err.count("\n") == 1, err
    for w in words:
        assert w in err, (w, err)


# ---- options end at -c CODE, as with python -c ----------------------------

@pytest.mark.parametrize("after", [
    ["--json"],
    ["--wall", "1s"],
    ["-c", "print y"],
    ["--frobnicate"],
    ["--", "x"],
    ["-v", "--", "--json"],
])
def test_everything_after_c_code_is_argv(after):
    p = run("--json", "-c", "print x", *after)
    assert p.returncode == 0, p.stderr
    echo = json.loads(p.stdout)["child"]["echo"]
    assert echo["argv"] == ["-c"] + after
    assert echo["limits"].get("wall_ms") != 1000


def test_options_before_c_code_still_count():
    p = run("--wall", "1s", "--json", "-c", "print x", "a")
    echo = json.loads(p.stdout)["child"]["echo"]
    assert echo["limits"]["wall_ms"] == 1000
    assert echo["argv"] == ["-c", "a"]


def test_everything_after_file_is_argv(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("print from script")
    p = run("--json", str(script), "--json", "--", "x")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(b"{"), p.stdout
    echo = json.loads(p.stdout)["child"]["echo"]
    assert echo["argv"] == [str(script), "--json", "--", "x"]


def test_attached_c_code_ends_options_too():
    p = run("--json", "-cprint x", "--wall", "1s")
    echo = json.loads(p.stdout)["child"]["echo"]
    assert echo["argv"] == ["-c", "--wall", "1s"]


# ---- stdin: the child's own bound, 1 MiB ------------------------------------

def test_stdin_of_1_mib_is_passed():
    p = run("-c", "stdin", stdin=b"x" * MIB)
    assert p.returncode == 0, p.stderr
    assert len(p.stdout) == MIB


def test_stdin_over_1_mib_is_refused_before_the_child_starts():
    p = run("--env", "FAKE_INIT=die", "-c", "stdin", stdin=b"x" * (MIB + 1))
    one_line_error(p, 121, "stdin is larger than 1048576 bytes")


# ---- verbosity ----------------------------------------------------------------

def test_verbose_up_to_three():
    assert run("-vvv", "-c", "print x").returncode == 0
    one_line_error(run("-vvvv", "-c", "print x"), 125, "-v", "3")
    one_line_error(run("-v", "-v", "--verbose", "-v", "-c", "x"), 125, "-v")


# ---- versions: the child is 1.1.0 and speaks protocol 1.1 ------------------

def test_version_is_the_libraries_and_protocol_1_1():
    p = subprocess.run([CLI, "--version"], capture_output=True,
                       timeout=TIMEOUT)
    assert p.stdout == b"pysandbox 1.1.0 (protocol 1.1)\n"
    with open(os.environ["PYSANDBOX_PC"]) as pc:
        assert "Version: 1.1.0\n" in pc.read()

"""The pysandbox CLI against the fake child (parents/c/tests/fake_child.c).

Run with PYSANDBOX_CLI and FAKE_CHILD set (make test-cli does). The fake
child takes the code as a script of commands ("print hi;exit 3") and
misbehaves on command; env FAKE_INIT picks start-up misbehaviour.
"""
import json
import os
import signal
import subprocess
import time

import pytest

CLI = os.environ["PYSANDBOX_CLI"]
FAKE = os.environ["FAKE_CHILD"]
TIMEOUT = 30


def run(*args, stdin=b"", child=True, env=None):
    cmd = [CLI, "run"] + (["--child", FAKE] if child else []) + list(args)
    return subprocess.run(cmd, input=stdin, capture_output=True,
                          timeout=TIMEOUT, env=env)


def raw(*args):
    return subprocess.run([CLI] + list(args), capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=TIMEOUT)


def one_line_error(p, status, *words):
    """Exit status STATUS and a single `pysandbox: ` line naming WORDS."""
    err = p.stderr.decode()
    assert p.returncode == status, (p.returncode, err)
    assert err.startswith("pysandbox: "), err
    assert err.count("\n") == 1, err
    for w in words:
        assert w in err, (w, err)


# ---- outcomes and exit statuses ----------------------------------------

OUTCOMES = [
    ("print hi", 0),
    ("exit 0", 0),
    ("exit 3", 3),
    ("exit 256", 0),
    ("exception ValueError bad", 1),
    ("outcome timeout", 124),
    ("outcome cpu_limit", 113),
    ("outcome memory_limit", 114),
    ("outcome output_limit", 115),
    ("outcome violation", 116),
    ("outcome crash", 117),
    ("outcome cancelled", 118),
]


@pytest.mark.parametrize("code,status", OUTCOMES)
def test_exit_status_mirrors_outcome(code, status):
    assert run("-c", code).returncode == status


@pytest.mark.parametrize("code,words", [
    ("outcome violation", ["violation: syscall socket (41, x86_64) refused"]),
    ("outcome timeout", ["timeout:", "30000 ms"]),
    ("outcome cpu_limit", ["cpu_limit:", "10000 ms"]),
    ("outcome memory_limit", ["memory_limit:", "536870912 bytes"]),
    ("outcome output_limit", ["output_limit:"]),
    ("outcome crash", ["crash:", "signal 11"]),
    ("outcome cancelled", ["cancelled:"]),
])
def test_refusal_is_one_line(code, words):
    p = run("-c", code)
    one_line_error(p, dict(OUTCOMES)[code], *words)


def test_output_is_streamed_to_stdout_and_stderr():
    p = run("-c", "print out;eprint err")
    assert p.stdout == b"out\n"
    assert p.stderr == b"err\n"


def test_exception_prints_traceback():
    p = run("-c", "exception ZeroDivisionError division by zero")
    assert p.returncode == 1
    assert p.stderr.decode().endswith(
        "Traceback (most recent call last):\n"
        "ZeroDivisionError: division by zero\n")


# ---- the script, argv and stdin ------------------------------------------

def test_script_is_inline_file_at_sandbox(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("print from script\n")
    p = run("--json", str(script), "a", "b")
    out = json.loads(p.stdout)
    echo = out["child"]["echo"]
    assert out["stdout"] == "from script\n"
    assert echo["argv"] == [str(script), "a", "b"]
    entry = echo["filesystem"][0]
    assert entry["type"] == "file" and entry["target"] == "/sandbox/prog.py"


def test_code_argv_starts_with_dash_c():
    p = run("--json", "-c", "print x", "one", "--two")
    assert json.loads(p.stdout)["child"]["echo"]["argv"] == [
        "-c", "one", "--two"]


def test_stdin_is_passed():
    assert run("-c", "stdin", stdin=b"some input\n").stdout == b"some input\n"


def test_stdin_of_one_mib_is_passed():
    p = run("-c", "stdin", stdin=b"x" * (1024 * 1024))
    assert p.returncode == 0, p.stderr


def test_stdin_over_one_mib_is_refused():
    """The child takes at most 1 MiB of stdin: the CLI says so before starting it."""
    p = run("-c", "stdin", stdin=b"x" * (1024 * 1024 + 1))
    one_line_error(p, 121, "stdin is larger than 1048576 bytes")


def test_stdin_over_explicit_frame_is_refused():
    p = run("--frame", "64K", "-c", "stdin", stdin=b"x" * 100000)
    one_line_error(p, 121, "do not fit in one frame")


# ---- options reach initialize ----------------------------------------------

def echo_of(*args):
    p = run("--json", *args, "-c", "print x")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["child"]["echo"]


def test_limits_with_units():
    lim = echo_of("--memory", "256M", "--cpu", "5s", "--wall", "500ms",
                  "--output", "1M", "--open-files", "32", "--threads", "4",
                  "--frame", "4M", "--host-call", "64K", "--file-size", "1G")["limits"]
    assert lim == {
        "memory_bytes": 256 << 20, "cpu_ms": 5000, "wall_ms": 500,
        "output_bytes": 1 << 20, "open_files": 32, "threads": 4,
        "frame_bytes": 4 << 20, "host_call_bytes": 64 << 10,
        "file_bytes": 1 << 30}


def test_output_and_file_size_may_be_zero():
    # Their protocol ranges start at 0 (no output, no byte in a file).
    assert echo_of("--output", "0", "--file-size", "0K")["limits"] == {
        "output_bytes": 0, "file_bytes": 0}


@pytest.mark.parametrize("opt,rng", [
    ("--cpu", "1ms..24h"), ("--threads", "1..1024"), ("--frame", "64K..64M"),
])
def test_zero_is_refused_where_the_range_starts_above_it(opt, rng):
    one_line_error(run(opt, "0", "-c", "x"), 123,
                   f"invalid value '0' for {opt} (out of range {rng})")


def test_duration_in_minutes_and_plain_seconds():
    assert echo_of("--wall", "1m", "--cpu", "7")["limits"] == {
        "wall_ms": 60000, "cpu_ms": 7000}


def test_filesystem_entries(tmp_path):
    (tmp_path / "data.txt").write_text("hello")
    fs = echo_of("--bind", f"{tmp_path}:/data", "--bind-include", "*.txt",
                 "--bind-exclude", "secret*", "--file",
                 f"{tmp_path}/data.txt:/etc/data.txt", "--tmpfs",
                 "/scratch:1M:10", "--tmpfs", "/t", "--no-defaults")
    assert fs["defaults"] is False
    assert fs["filesystem"] == [
        {"type": "bind", "target": "/data", "source": str(tmp_path),
         "include": ["*.txt"], "exclude": ["secret*"]},
        {"type": "file", "target": "/etc/data.txt", "data": "aGVsbG8=",
         "mode": 0o644},
        {"type": "tmpfs", "target": "/scratch", "max_bytes": 1 << 20,
         "max_files": 10},
        {"type": "tmpfs", "target": "/t"},
    ]


def test_env_cwd_verbose():
    e = echo_of("--env", "A=1", "--env", "B=x=y", "--cwd", "/work", "-vv")
    assert e["env"] == {"A": "1", "B": "x=y"}
    assert e["cwd"] == "/work"
    assert e["verbosity"] == 2


def test_child_from_environment():
    env = dict(os.environ, PYSANDBOX_CHILD=FAKE)
    assert run("-c", "print via env", child=False, env=env).stdout == \
        b"via env\n"


# ---- --json -----------------------------------------------------------------

def test_json_shape():
    p = run("--json", "-c", "print hi;eprint warn;exit 4")
    out = json.loads(p.stdout)
    assert p.returncode == 4
    assert set(out) == {"status", "outcome", "result", "stdout", "stderr",
                        "output_truncated", "child"}
    assert out["status"] == 4 and out["outcome"] == "exit"
    assert out["result"]["exit_status"] == 4
    assert out["stdout"] == "hi\n" and out["stderr"] == "warn\n"
    assert p.stderr == b""


def test_json_violation_keeps_details():
    p = run("--json", "-c", "outcome violation")
    out = json.loads(p.stdout)
    assert p.returncode == 116
    assert out["result"]["violation"] == {
        "syscall": "socket", "number": 41, "arch": "x86_64"}


def test_json_error_object():
    p = run("--json", "--child", "/nonexistent", "-c", "x")
    assert p.returncode == 126
    out = json.loads(p.stdout)
    assert out["status"] == 126 and "/nonexistent" in out["error"]["message"]


def test_json_output_is_valid_utf8():
    p = run("--json", "-c", "stdin", stdin=b"ok \xff\xfe \xc3\xa9")
    assert json.loads(p.stdout)["stdout"] == "ok \ufffd\ufffd \u00e9"


# ---- bad input ----------------------------------------------------------------

@pytest.mark.parametrize("args,status,words", [
    (["--memory", "12Q", "-c", "x"], 123, ["'12Q'", "--memory"]),
    (["--wall", "5h", "-c", "x"], 123, ["'5h'", "--wall"]),
    (["--threads", "0", "-c", "x"], 123, ["--threads"]),
    (["--cpu", "-1s", "-c", "x"], 123, ["--cpu"]),
    (["--memory", "99999999999G", "-c", "x"], 123, ["--memory"]),
    (["--frame", "1K", "-c", "x"], 123, ["frame_bytes"]),
    (["--tmpfs", "/t:lots", "-c", "x"], 123, ["'lots'"]),
    (["--tmpfs", "relative", "-c", "x"], 123, ["relative"]),
    (["--env", "NOEQUALS", "-c", "x"], 123, ["NAME=VALUE"]),
    (["--bind", "nocolon", "-c", "x"], 123, ["HOST:SANDBOX"]),
    (["--cwd", "rel", "-c", "x"], 123, ["cwd"]),
    (["--foo", "-c", "x"], 125, ["unknown option '--foo'"]),
    (["-q", "-c", "x"], 125, ["unknown option '-q'"]),
    (["--memory"], 125, ["'--memory' needs a value"]),
    ([], 125, ["missing FILE or -c CODE"]),
    (["--bind-include", "*.py", "-c", "x"], 125, ["without a preceding bind"]),
    (["/nonexistent/script.py"], 120, ["'/nonexistent/script.py'",
                                       "does not exist"]),
    (["--file", "/nonexistent:/x", "-c", "x"], 120, ["does not exist"]),
    (["/"], 121, ["not a regular file"]),
    (["--bind", "/nonexistent:/x", "-c", "x"], 122,
     ["bind source '/nonexistent' does not exist"]),
])
def test_bad_input(args, status, words):
    one_line_error(run(*args), status, *words)


def test_unreadable_file(tmp_path):
    # Root reads any file whatever its mode, so a directory stands in for
    # an unreadable source: the CLI refuses anything but a regular file.
    one_line_error(run("--file", f"{tmp_path}:/x", "-c", "x"), 121,
                   "not a regular file")


def test_large_file_is_refused(tmp_path):
    f = tmp_path / "big.py"
    f.write_bytes(b"#" * (1024 * 1024 + 1))
    one_line_error(run(str(f)), 121, "larger than 1048576 bytes")


def test_usage_and_version():
    assert raw("--help").returncode == 0
    assert b"pysandbox run" in raw("--help").stdout
    assert raw("run", "--help").returncode == 0
    v = raw("--version")
    assert v.returncode == 0 and v.stdout.startswith(b"pysandbox ")
    one_line_error(raw(), 125, "missing command")
    one_line_error(raw("launch"), 125, "unknown command 'launch'")


# ---- a misbehaving child ---------------------------------------------------------

@pytest.mark.parametrize("mode,status,words", [
    ("die", 126, ["exited with status 3"]),
    ("error", 126, ["setup failed at step seccomp"]),
    ("version", 127, ["protocol_version"]),
    ("garbage", 127, ["malformed frames"]),
])
def test_child_failing_at_start(mode, status, words):
    one_line_error(run("--env", f"FAKE_INIT={mode}", "-c", "x"), status,
                   *words)


def test_verbose_keeps_the_childs_line_about_a_refusal():
    # Without -v the CLI's line is the only one (FAKE_INIT=error above).
    p = run("-v", "--env", "FAKE_INIT=error", "-c", "x")
    err = p.stderr.decode().splitlines()
    assert p.returncode == 126, err
    assert len(err) == 2, err
    assert err[0].startswith("sandbox[") and "filter refused" in err[0], err
    assert err[1].startswith("pysandbox: sandbox setup failed"), err


def test_diagnostics_of_an_unexplained_failure_are_kept():
    p = run("--env", "FAKE_INIT=diesaying", "-c", "x")
    err = p.stderr.decode().splitlines()
    assert p.returncode == 126, err
    assert len(err) == 2, err
    assert err[0].endswith("]: fake_child: giving up"), err
    assert "exited with status 3" in err[1], err


def test_a_child_flooding_stderr_does_not_hold_up_the_run():
    # Its stderr is a pipe the CLI reads while the start waits; held
    # lines are bounded, and the run and its output go on.
    p = run("--env", "FAKE_INIT=stderrflood", "-c", "print hi")
    assert p.returncode == 0, p.stderr[-300:]
    assert p.stdout == b"hi\n"
    assert b"pysandbox:" not in p.stderr, p.stderr[-300:]


def test_a_descendant_keeping_stderr_busy_does_not_hold_up_the_exit():
    # The child has exited, but a process it left behind writes to its
    # stderr without a pause: the CLI stops forwarding and exits.
    cmd = [CLI, "run", "--child", FAKE, "--env", "FAKE_INIT=stderrorphan",
           "-c", "print hi"]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=TIMEOUT)
    assert p.returncode == 0
    assert p.stdout == b"hi\n"


@pytest.mark.parametrize("code,words", [
    ("print partial;die", ["exited with status 9"]),
    ("badresult", ["malformed run result"]),
    ("errorreply", ["refused the run", "busy"]),
])
def test_child_failing_mid_run(code, words):
    p = run("-c", code)
    assert p.returncode == 127
    assert p.stderr.decode().splitlines()[-1].startswith("pysandbox: ")
    for w in words:
        assert w in p.stderr.decode()


def test_silent_child_is_killed_after_wall_plus_grace():
    start = time.monotonic()
    p = run("--wall", "200ms", "-c", "silence")
    assert p.returncode == 127
    assert "backstop" in p.stderr.decode()
    assert time.monotonic() - start < 15


def test_not_a_child_binary():
    one_line_error(run("--child", "/etc/passwd", "-c", "x", child=False), 126,
                   "/etc/passwd")


def test_sigint_cancels_the_run():
    p = subprocess.Popen([CLI, "run", "--child", FAKE, "-c", "print ready;wait"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=TIMEOUT)
    assert p.returncode == 118
    assert b"pysandbox: cancelled" in err


def test_closed_standard_descriptors_are_not_reused():
    """Started with stdin and stderr closed, the CLI's own pipes must not
    take fds 0 and 2: the output still arrives, whole, on stdout."""
    p = subprocess.run(["sh", "-c", 'exec "$0" run --child "$1" -c "print hi" <&- 2>&-', CLI, FAKE],
                       capture_output=True, timeout=TIMEOUT)
    assert (p.returncode, p.stdout) == (0, b"hi\n"), p

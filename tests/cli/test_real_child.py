"""The pysandbox CLI against the real child (build/sandbox).

Run with PYSANDBOX_CLI and SANDBOX_CHILD set (make test-cli-real does).
These check that the CLI's options reach a real sandbox and that each
outcome maps to its exit status and one-line explanation.
"""
import json
import os
import pathlib
import subprocess
import tempfile

import pytest

CLI = os.environ["PYSANDBOX_CLI"]
CHILD = os.environ["SANDBOX_CHILD"]
TIMEOUT = 60


def run(*args, stdin=b""):
    return subprocess.run([CLI, "run", "--child", CHILD] + list(args),
                          input=stdin, capture_output=True, timeout=TIMEOUT)


def test_prints_and_succeeds():
    p = run("-c", "print('hello')")
    assert (p.returncode, p.stdout, p.stderr) == (0, b"hello\n", b"")


def test_script_argv_and_file(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import sys\nprint(sys.argv[1:], __file__)\n"
                      "sys.exit(7)\n")
    p = run(str(script), "a", "b")
    assert p.returncode == 7
    assert p.stdout == b"['a', 'b'] /sandbox/prog.py\n"


def test_exception_traceback():
    p = run("-c", "1/0")
    assert p.returncode == 1
    assert p.stderr.decode().splitlines()[-1] == \
        "ZeroDivisionError: division by zero"


def test_stdin():
    p = run("-c", "import sys; print(sys.stdin.read().upper())",
            stdin=b"quiet\n")
    assert p.stdout == b"QUIET\n\n"


@pytest.mark.parametrize("args,status,line", [
    (["--wall", "1s", "-c", "while True: pass"], 124,
     "pysandbox: timeout: wall time limit of 1000 ms exceeded"),
    (["--cpu", "500ms", "-c", "while True: pass"], 113,
     "pysandbox: cpu_limit: CPU time limit of 500 ms exceeded"),
    (["--memory", "256M", "-c", "x = bytearray(400 << 20)"], 114,
     "pysandbox: memory_limit: memory limit of 268435456 bytes exceeded"),
    (["--output", "1K", "-c", "print('x' * 5000)"], 115,
     "pysandbox: output_limit: output limit of 1024 bytes exceeded"),
    (["--output", "0", "-c", "print('x')"], 115,
     "pysandbox: output_limit: output limit of 0 bytes exceeded"),
    (["-c", "import ctypes; ctypes.CDLL(None).syscall(101, 0, 0, 0, 0)"],
     116, "pysandbox: violation: syscall ptrace (101, x86_64) refused"),
    (["-c", "import ctypes; ctypes.string_at(0)"], 117,
     "pysandbox: crash: the code was killed by signal 11 (Segmentation fault)"),
])
def test_refusals(args, status, line):
    p = run(*args)
    assert p.returncode == status, p.stderr
    assert p.stderr.decode().splitlines()[-1] == line


def test_a_missing_cwd_is_one_line():
    p = run("--cwd", "/nonexistent", "-c", "print(1)")
    assert p.returncode == 122
    assert p.stderr.decode() == \
        "pysandbox: --cwd '/nonexistent' does not exist in the sandbox\n"


def test_verbose_shows_the_childs_own_line_too():
    p = run("-v", "--cwd", "/nonexistent", "-c", "print(1)")
    err = p.stderr.decode().splitlines()
    assert p.returncode == 122
    assert any(line.startswith("sandbox[") and "/nonexistent" in line
               for line in err[:-1]), err
    assert err[-1] == \
        "pysandbox: --cwd '/nonexistent' does not exist in the sandbox"


@pytest.fixture
def shared_dir():
    """A world-readable directory: started as root, the child drops to an
    unprivileged uid before opening bind sources, and pytest's own
    tmp_path sits under a 0700 directory."""
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        os.chmod(d, 0o755)
        yield pathlib.Path(d)


def test_bind_file_tmpfs_env_cwd(shared_dir):
    tmp_path = shared_dir
    (tmp_path / "in.txt").write_text("bound")
    (tmp_path / "f.txt").write_text("inline")
    code = ("import os\n"
            "open('/scratch/o', 'w').write('w')\n"
            "print(open('/data/in.txt').read(), open('/etc/f.txt').read(),"
            " os.environ['FOO'], os.getcwd(), os.listdir('/scratch'))\n")
    p = run("--bind", f"{tmp_path}:/data", "--file",
            f"{tmp_path}/f.txt:/etc/f.txt", "--tmpfs", "/scratch:1M:4",
            "--env", "FOO=bar", "--cwd", "/scratch", "-c", code)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"bound inline bar /scratch ['o']\n"


def test_json_result():
    p = run("--json", "-c", "print('j'); raise SystemExit(3)")
    out = json.loads(p.stdout)
    assert p.returncode == 3 and out["status"] == 3
    assert out["outcome"] == "exit" and out["stdout"] == "j\n"
    assert out["result"]["usage"]["wall_ms"] >= 0
    assert out["child"]["isolation"]["seccomp"] is True


def test_refused_limit_names_the_field():
    p = run("--open-files", "1", "-c", "pass")
    assert p.returncode == 123
    assert "open_files" in p.stderr.decode()

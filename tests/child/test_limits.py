"""Every limit ends a run with its own outcome, enforced outside the jail."""

from __future__ import annotations

import pytest

from childproto import Child


def start(child: Child, **limits: int) -> Child:
    res = child.initialize(limits=limits)
    assert "result" in res, res
    return child


def test_memory_limit(child: Child) -> None:
    r = start(child, memory_bytes=256 << 20).execute("x = bytearray(400 << 20)")
    assert r["outcome"] == "memory_limit"
    assert r["session_usable"] is False


def test_cpu_limit(child: Child) -> None:
    r = start(child, cpu_ms=300).execute("while True: pass")
    assert r["outcome"] == "cpu_limit"
    assert r["usage"]["cpu_ms"] >= 300
    assert r["session_usable"] is False


def test_cpu_limit_with_signals_blocked(child: Child) -> None:
    code = ("import signal\n"
            "signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals))\n"
            "while True: pass\n")
    assert start(child, cpu_ms=300).execute(code)["outcome"] == "cpu_limit"


def test_wall_limit(child: Child) -> None:
    r = start(child, wall_ms=300).execute("import time; time.sleep(30)")
    assert r["outcome"] == "timeout"
    assert 300 <= r["usage"]["wall_ms"] < 5000


def test_output_limit_delivers_exactly_the_limit(child: Child) -> None:
    r = start(child, output_bytes=1000).execute(
        "import sys\nfor i in range(100): sys.stdout.write('x' * 100)\n"
        "sys.stdout.flush()")
    assert r["outcome"] == "output_limit"
    assert len(child.output["stdout"]) == 1000
    assert r["usage"]["stdout_bytes"] == 1000


def test_open_files_limit(child: Child) -> None:
    r = start(child, open_files=32).execute(
        "fs = [open('/dev/null') for _ in range(100)]")
    assert r["exception"]["type"] == "OSError"
    assert "Too many open files" in r["exception"]["message"]
    assert r["session_usable"] is True


def test_threads_limit(child: Child) -> None:
    code = ("import threading, time\n"
            "ts = [threading.Thread(target=time.sleep, args=(1,))"
            " for _ in range(20)]\n"
            "for t in ts: t.start()\n")
    r = start(child, threads=4).execute(code)
    assert r["exception"]["type"] == "RuntimeError"
    assert "can't start new thread" in r["exception"]["message"]


def test_threads_work_below_the_limit(child: Child) -> None:
    code = ("import threading\nout = []\n"
            "ts = [threading.Thread(target=out.append, args=(i,))"
            " for i in range(8)]\n"
            "[t.start() for t in ts]; [t.join() for t in ts]\n"
            "print(sorted(out))\n")
    r = start(child, threads=16).execute(code)
    assert r["outcome"] == "ok", r
    assert child.output["stdout"] == b"[0, 1, 2, 3, 4, 5, 6, 7]\n"


@pytest.mark.parametrize("files", [True, False])
def test_tmpfs_quota(child: Child, files: bool) -> None:
    res = child.initialize(filesystem=[{
        "type": "tmpfs", "target": "/tmp", "max_bytes": 1 << 20,
        "max_files": 10}])
    assert "result" in res, res
    code = ("for i in range(50): open(f'/tmp/f{i}', 'w').close()" if files
            else "open('/tmp/big', 'wb').write(b'x' * (4 << 20))")
    r = child.execute(code)
    assert r["exception"]["type"] == "OSError"
    assert "No space left on device" in r["exception"]["message"]


def test_file_size_limit(child: Child) -> None:
    r = start(child, file_bytes=1 << 20).execute(
        "open('/tmp/big', 'wb').write(b'x' * (2 << 20))")
    assert r["exception"]["type"] == "OSError"
    assert "File too large" in r["exception"]["message"]


def test_violation_names_the_syscall(child: Child) -> None:
    r = start(child).execute(
        "import ctypes\nctypes.CDLL(None).syscall(101, 0, 0, 0, 0)")
    assert r["outcome"] == "violation"
    assert r["violation"] == {"syscall": "ptrace", "number": 101,
                              "arch": "x86_64"}
    assert r["session_usable"] is False


def test_session_ends_after_fatal_outcome(child: Child) -> None:
    start(child, wall_ms=200).execute("import time; time.sleep(10)")
    res = child.request("execute", {"code": "1"})
    assert res["error"]["code"] == -32003
    assert child.request("shutdown")["result"] == {}
    ended = child.recv()
    assert ended["method"] == "ended"
    assert ended["params"]["reason"] == "fatal_outcome"


def test_x32_number_is_a_violation(child: Child) -> None:
    r = start(child).execute(
        "import ctypes\nctypes.CDLL(None).syscall(0x40000000 | 39)")
    assert r["outcome"] == "violation"
    assert r["violation"] == {"syscall": "getpid", "number": 0x40000027,
                              "arch": "x32"}


def test_int80_entry_is_a_violation(child: Child) -> None:
    # mov eax, 20 (getpid on i386); int 0x80; ret
    code = ("import ctypes, mmap\n"
            "m = mmap.mmap(-1, 4096, prot=7)\n"
            "m.write(bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3]))\n"
            "f = ctypes.CFUNCTYPE(ctypes.c_int)("
            "ctypes.addressof(ctypes.c_char.from_buffer(m)))\n"
            "f()\n")
    r = start(child).execute(code)
    assert r["outcome"] == "violation"
    assert r["violation"] == {"syscall": "getpid", "number": 20,
                              "arch": "x86"}


def test_threads_limit_counts_the_main_thread(child: Child) -> None:
    code = ("import threading, time\nev = threading.Event()\nn = 0\n"
            "try:\n"
            "    for _ in range(50):\n"
            "        threading.Thread(target=ev.wait).start(); n += 1\n"
            "except RuntimeError:\n    pass\n"
            "ev.set()\nprint(n)\n")
    r = start(child, threads=8).execute(code)
    assert r["outcome"] == "ok", r
    assert child.output["stdout"] == b"7\n"


def test_usage_of_a_crashed_run(child: Child) -> None:
    r = start(child).execute(
        "import ctypes\nx = bytearray(50 << 20)\nctypes.string_at(0)")
    assert r["outcome"] == "crash"
    assert r["signal"] == 11
    assert 0 <= r["usage"]["cpu_ms"] < 60000
    assert r["usage"]["peak_memory_bytes"] > 50 << 20


def test_signals_the_code_sends_itself(child: Child) -> None:
    # The jail is not its pid namespace's init, so default actions apply.
    r = start(child).execute("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)")
    assert r["outcome"] == "crash" and r["signal"] == 15
    c = Child()
    try:
        c.initialize()
        r = c.execute("import os\nos.abort()")
        assert r["outcome"] == "crash" and r["signal"] == 6
    finally:
        c.close()


def test_signal_handlers_work(session: Child) -> None:
    r = session.execute(
        "import os, signal\ngot = []\n"
        "signal.signal(signal.SIGUSR1, lambda *a: got.append(1))\n"
        "os.kill(os.getpid(), signal.SIGUSR1)\n"
        "try:\n    signal.raise_signal(signal.SIGINT)\n"
        "except KeyboardInterrupt:\n    got.append(2)\n"
        "print(got, os.getpid())\n")
    assert r["outcome"] == "ok", r
    assert session.output["stdout"] == b"[1, 2] 2\n"

"""Warm-session findings of the attack on protocol 1.1, each fixed in the child.

One test per finding, named after it: F1 env and argv bounded by the
session's frame limit in configure; F2 a failed configure answered as
success; F3 a filesystem_error in warm left the jail running on the freed
default layout (use after free); F4 configure deadlocked with a preload
thread holding the GIL; F5 what preload printed landed in the first run;
F6 sys.orig_argv; F7 a preload name with NUL; F8 defaults false broke the
runner's lazy imports; F9 a preload that exits was reported as "jail
start"; F10 a dead jail reported as ENOMEM; F11 the session's TZ and
locale ignored; F12 (cold too) the CPU backstop could not be raised after
the first run.

Some tests need a preload module that is not in the standard library
(a thread that keeps making forwarded calls): they run a private copy of
the build whose lib/ holds that module, as scripts/as-nobody.sh copies it.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Any, Iterator

import pytest

import childproto  # noqa: E402
from childproto import Child  # noqa: E402


def warm(child: Child, **params: Any) -> dict[str, Any]:
    params.setdefault("protocol_version", "1.1")
    return child.request("warm", params)


def code_of(resp: dict[str, Any]) -> int:
    assert "error" in resp, resp
    return resp["error"]["code"]


@pytest.fixture
def child() -> Iterator[Child]:
    c = Child()
    yield c
    c.close()


def _descendants(pid: int) -> list[int]:
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as f:
            for kid in f.read().split():
                out.append(int(kid))
                out += _descendants(int(kid))
    return out


def _jails(child: Child) -> list[int]:
    found = []
    for pid in _descendants(child.proc.pid):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "sandbox-jail":
                    found.append(pid)
        except FileNotFoundError:
            pass
    return found


# Modules for a private install: preload imports them from /usr/lib/python-sandbox.
MODULES = {
    # A background thread making forwarded calls (stat) all the time.
    "sbstat": ("import os, threading, time\n"
               "def _loop():\n"
               "    while True:\n"
               "        for p in ('/usr/lib/python3.11', '/tmp', '/etc/passwd', '/nope'):\n"
               "            try:\n                os.stat(p)\n"
               "            except OSError:\n                pass\n"
               "        time.sleep(0.001)\n"
               "threading.Thread(target=_loop, daemon=True).start()\n"),
    # The same with the GIL held across the call, as any C extension that
    # opens a file, or dlopen() during an import, does.
    "sbgil": ("import ctypes, threading\n"
              "_access = ctypes.PyDLL(None).access\n"
              "def _loop():\n"
              "    while True:\n"
              "        _access(b'/tmp', 0)\n"
              "threading.Thread(target=_loop, daemon=True).start()\n"),
    # A module that ends the process while it is imported.
    "sbexit": "import os\nos._exit(3)\n",
}


def private_install(build_dir: str | None = None) -> str:
    """A copy of the build (or of BUILD_DIR's sandbox) whose lib/ also has
    MODULES; returns its sandbox. Readable by the dropped uid."""
    src_build = os.path.dirname(childproto.CHILD)
    # Where the child itself looks (config_find_install): build/../lib,
    # or build/san/../../lib for a variant build.
    lib = next(os.path.realpath(p) for p in (os.path.join(src_build, "..", "lib"),
                                             os.path.join(src_build, "..", "..", "lib"))
               if os.path.isfile(os.path.join(p, "sandbox", "__init__.py")))
    root = tempfile.mkdtemp(prefix="warm-attack-")
    os.chmod(root, 0o755)
    build = os.path.join(root, "build")
    os.mkdir(build)
    for name in ("sandbox", "sandbox-jail", "libsbpreload.so"):
        shutil.copy2(os.path.join(src_build, name), build)
    if build_dir:
        shutil.copy2(os.path.join(build_dir, "sandbox"), build)
    shutil.copytree(lib, os.path.join(root, "lib"))
    for name, source in MODULES.items():
        with open(os.path.join(root, "lib", name + ".py"), "w") as f:
            f.write(source)
    subprocess.run(["chmod", "-R", "a+rX", root], check=True)
    return os.path.join(build, "sandbox")


@pytest.fixture
def private(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    sandbox = private_install()
    monkeypatch.setattr(childproto, "CHILD", sandbox)
    yield sandbox
    shutil.rmtree(os.path.dirname(os.path.dirname(sandbox)), ignore_errors=True)


# ---- F1: configure is bounded by the session's frame_bytes ---------------

def test_f1_large_env_with_small_frame_limit() -> None:
    """A cold initialize with 100 KB of env and frame_bytes 64 KiB starts;
    the same initialize on a warm child fails (setup_failed, jail configure,
    EPIPE): configure_jail sends env and argv within frame_bytes."""
    env = {f"V{i}": "x" * 1000 for i in range(100)}
    for mode in ("cold", "warm"):
        c = Child()
        try:
            if mode == "warm":
                assert "result" in warm(c)
            res = c.initialize(protocol_version="1.1", env=env, limits={"frame_bytes": 65536})
            assert "result" in res, (mode, res)
            assert c.execute("import os; print(len(os.environ))")["outcome"] == "ok"
            assert c.output["stdout"] == b"100\n"
        finally:
            c.close()


# ---- F2: a failed configure is answered as a started session ------------

def test_f2_configure_failure_is_setup_failed(child: Child) -> None:
    """frame_bytes 64 MiB and memory_bytes 64 MiB: the warm jail cannot grow
    its control reader under the lowered RLIMIT_AS, reports fail(config,
    ENOMEM) and exits; the supervisor takes that frame as the configure
    answer and tells the parent the session started (a cold child answers
    setup_failed)."""
    assert "result" in warm(child)
    res = child.initialize(protocol_version="1.1",
                           limits={"memory_bytes": 64 << 20, "frame_bytes": 64 << 20})
    assert code_of(res) == -32006, res


# ---- F3: a filesystem_error in warm leaves the jail running, and the
# notify handler on the freed default layout ------------------------------

def test_f3_filesystem_error_in_warm_ends_the_jail(child: Child) -> None:
    assert "result" in warm(child, preload=["json"])
    res = child.initialize(protocol_version="1.1",
                           filesystem=[{"type": "bind", "source": "/nonexistent", "target": "/d"}])
    assert code_of(res) == -32007
    time.sleep(0.3)
    assert _jails(child) == [], "the warm jail outlives the session that failed"


def test_f3_filesystem_error_in_warm_with_a_busy_jail(private: str) -> None:
    """A jail thread still making forwarded calls after the failure: the
    supervisor resolves them in the vfs initialize_warm() freed (ASan:
    heap-use-after-free in vfs_lookup <- defer_host <- do_stat). Without
    ASan it may survive by luck; the child must stay up and answer
    shutdown with exit status 0."""
    c = Child()
    try:
        assert "result" in warm(c, preload=["sbstat"])
        res = c.initialize(protocol_version="1.1", defaults=False,
                           filesystem=[{"type": "tmpfs", "target": "/t"}])  # cwd /tmp: ENOENT
        assert code_of(res) == -32007
        time.sleep(1)
        assert _jails(c) == []
        assert c.request("shutdown", {})["result"] == {}
    finally:
        assert c.close() == 0, c.diagnostics()


# ---- F4: configure_jail blocks on the jail without serving its calls ----

def test_f4_configure_with_a_preload_thread_holding_the_gil(private: str) -> None:
    """A preloaded module's thread makes a forwarded call with the GIL held
    while configure is in flight: the jail cannot answer configure until the
    call is answered, the supervisor does not answer calls until configure
    is answered. initialize never returns and the child no longer reads
    the parent (shutdown included)."""
    c = Child(timeout=10)
    try:
        assert "result" in warm(c, preload=["sbgil"])
        res = c.initialize(protocol_version="1.1")
        assert "result" in res or code_of(res) == -32006
    finally:
        c.proc.kill()
        c.close()


# ---- F5: what a preload prints is the first run's output ----------------

def test_f5_preload_output_is_not_the_first_runs(child: Child) -> None:
    """`this` prints the Zen at import into sys.stdout's buffer; the buffer
    is flushed at the end of the session's first run, so the parent gets
    it as that run's output, counted against the session's output_bytes:
    with output_bytes 100 the first run ends output_limit (fatal)."""
    assert "result" in warm(child, preload=["this"])
    assert "result" in child.initialize(protocol_version="1.1", limits={"output_bytes": 100})
    res = child.execute("print('mine')")
    assert res["outcome"] == "ok", res
    assert child.output == {"stdout": b"mine\n", "stderr": b""}


# ---- F6: sys.orig_argv is the warm jail's --------------------------------

def test_f6_orig_argv_as_cold() -> None:
    seen = []
    for mode in ("cold", "warm"):
        c = Child()
        try:
            if mode == "warm":
                assert "result" in warm(c)
            assert "result" in c.initialize(protocol_version="1.1", argv=["prog", "x"])
            assert c.execute("import sys; print(sys.orig_argv, sys.argv)")["outcome"] == "ok"
            seen.append(c.output["stdout"])
        finally:
            c.close()
    assert seen[1] == seen[0]


# ---- F7: a module name with NUL --------------------------------------------

def test_f7_preload_name_with_nul(child: Child) -> None:
    """"json\\u0000.evil" is not a module name (schema pattern): the child
    imports "json" and reports "json\\u0000.evil" as preloaded."""
    child.raw(b'{"jsonrpc":"2.0","id":1,"method":"warm","params":'
              b'{"protocol_version":"1.1","preload":["json\\u0000.evil"]}}\n')
    res = child.recv()
    assert code_of(res) == -32602 and res["error"]["data"]["field"] == "/preload/0", res


# ---- F8: defaults false: the runner's lazy imports are gone --------------

@pytest.mark.parametrize("run", ["raise", "stdin", "invoke"])
def test_f8_defaults_false_runs(child: Child, run: str) -> None:
    """With the default layout dropped, the runner's own lazy imports
    (traceback for an exception, base64 for stdin, importlib for invoke)
    fail: an exception, a run with stdin, any invoke end as crash and the
    session with them."""
    assert "result" in warm(child, preload=["json"])
    data = base64.b64encode(b"x = 1\n").decode()
    assert "result" in child.initialize(protocol_version="1.1", defaults=False, cwd="/",
                                        filesystem=[{"type": "file", "target": "/m.py", "data": data}])
    if run == "raise":
        res = child.execute("raise ValueError('mine')")
        assert res["outcome"] == "exception" and res["exception"]["type"] == "ValueError", res
    elif run == "stdin":
        res = child.execute("print(input())", params={"stdin_data": base64.b64encode(b"hi\n").decode()})
        assert res["outcome"] == "ok" and child.output["stdout"] == b"hi\n", res
    else:
        assert child.execute("def f(): return 42")["outcome"] == "ok"
        res = child.request("invoke", {"callable": "__main__.f"})["result"]
        assert res["outcome"] == "ok" and res["value"] == 42, res


# ---- F9: a preload that ends the process is not step "preload" -----------

def test_f9_preload_exit_names_the_module(private: str) -> None:
    c = Child()
    try:
        res = warm(c, preload=["json", "sbexit"])
        assert code_of(res) == -32006
        assert res["error"]["data"].get("step") == "preload", res
        assert res["error"]["data"].get("module") == "sbexit", res
    finally:
        c.close()


# ---- F10: a jail that died before initialize is reported as ENOMEM ------

def test_f10_dead_jail_is_not_enomem(child: Child) -> None:
    """Kill the jail, then send initialize at once: when initialize is read
    before the jail's end, lower_limits() finds no /proc/PID/statm and
    answers rlimits/ENOMEM ("memory below what the jail uses"). Racy: tried
    a few times; any ENOMEM answer is the bug."""
    for _ in range(20):
        c = Child()
        try:
            assert "result" in warm(c)
            pid = _jails(c)[0]
            os.kill(pid, signal.SIGKILL)
            c.send({"jsonrpc": "2.0", "id": 7, "method": "initialize",
                    "params": {"protocol_version": "1.1", "limits": {"memory_bytes": 1 << 30}}})
            res = c.recv()
            if "error" in res:
                assert res["error"].get("data", {}).get("errno") != "ENOMEM", res
        finally:
            c.close()


# ---- F11: the session's TZ and locale variables do not take effect -------

def test_f11_session_tz_applies() -> None:
    """env TZ is the session's, but libc and the time module read TZ once,
    in warm (with the default environment): local time in a warm session
    is UTC whatever TZ says; LC_ALL/LANG likewise stay the warm locale."""
    seen = []
    for mode in ("cold", "warm"):
        c = Child()
        try:
            if mode == "warm":
                assert "result" in warm(c)
            assert "result" in c.initialize(protocol_version="1.1", env={"TZ": "XYZ-5", "LC_ALL": "C"})
            code = ("import time, locale\n"
                    "print(time.tzname, time.timezone, time.localtime(0).tm_hour)\n"
                    "print(locale.setlocale(locale.LC_CTYPE))\n")
            assert c.execute(code)["outcome"] == "ok"
            seen.append(c.output["stdout"])
        finally:
            c.close()
    assert seen[0] == b"('XYZ', 'XYZ') -18000 5\nC\n"
    assert seen[1] == seen[0]


# ---- F12 (cold and warm): the CPU backstop cannot be raised again --------

@pytest.mark.parametrize("mode", ["cold", "warm"])
def test_f12_cpu_backstop_per_run(mode: str) -> None:
    """set_cpu_backstop() lowers RLIMIT_CPU's hard limit to used + budget + 2
    s at the first run; the supervisor (no CAP_SYS_RESOURCE in the initial
    user namespace) could not raise it for later runs, so once a session
    with cpu_ms 1000 had used about 3 s, its run died of SIGXCPU and was
    reported cpu_limit. Six runs of 0.6 s pass that mark while each keeps
    0.4 s of its own limit spare (0.7 s runs left too little on a loaded
    machine). A warm jail's preload CPU counts in "used" as well."""
    c = Child()
    try:
        if mode == "warm":
            assert "result" in warm(c, preload=["json"])
        assert "result" in c.initialize(protocol_version="1.1", limits={"cpu_ms": 1000})
        burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.6: pass\n"
        for i in range(6):
            res = c.execute(burn)
            assert res["outcome"] == "ok", (i, res)
    finally:
        c.close()

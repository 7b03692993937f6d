"""A whole session driven through build/sandbox, field by field."""

from __future__ import annotations

import base64
import os
import resource
import tempfile

import pytest

from childproto import Child


def host(params):
    if params["function"] == "add":
        return {"result": {"value": sum(params["args"])}}
    return {"error": {"code": -32050, "message": "no such key",
                      "data": {"type": "KeyError"}}}


def test_initialize_reports_isolation(child: Child) -> None:
    res = child.initialize()["result"]
    assert res["protocol_version"] == "1.0"
    assert res["python"]["version"].startswith("3.11")
    iso = res["isolation"]
    assert iso["seccomp"] is True and iso["no_new_privs"] is True
    assert iso["uid"] == (65534 if os.geteuid() == 0 else os.geteuid())
    assert iso["privileges_dropped"] is (os.geteuid() == 0)
    assert set(iso["namespaces"]) == {"user", "pid", "net", "ipc", "uts"}
    assert iso["supervisor_filter"] is True
    assert iso["landlock_abi"] >= 1
    assert res["limits"]["memory_bytes"] == 512 * 1024 * 1024


def test_whole_session() -> None:
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        with open(os.path.join(d, "data.csv"), "w") as f:
            f.write("a,b\n1,2\n")
        os.chmod(os.path.join(d, "data.csv"), 0o644)
        c = Child()
        try:
            _whole_session(c, d)
        finally:
            c.close()


def _whole_session(c: Child, d: str) -> None:
    inline = base64.b64encode(b"inline data").decode()
    res = c.initialize(
        host_functions=[{"name": "add"}, {"name": "lookup"}],
        filesystem=[
            {"type": "bind", "source": d, "target": "/data"},
            {"type": "file", "target": "/etc/app.txt", "data": inline},
        ])
    assert "result" in res, res

    r = c.execute(
        "import json, re, decimal, datetime, sqlite3, hashlib, zlib, ctypes\n"
        "print(json.dumps([1]), re.sub('a', 'b', 'aa'),"
        " decimal.Decimal('0.1') * 3, hashlib.md5(b'').hexdigest()[:6],"
        " len(zlib.compress(b'x' * 100)) < 100,"
        " sqlite3.connect(':memory:').execute('select 6*7').fetchone()[0])\n")
    assert r["outcome"] == "ok", r
    assert c.output["stdout"] == b'[1] bb 0.3 d41d8c True 42\n'
    assert r["session_usable"] is True
    assert r["usage"]["forwarded_calls"] > 0
    assert r["usage"]["stdout_bytes"] == len(c.output["stdout"])

    r = c.execute(
        "open('/tmp/out.txt', 'w').write('written')\n"
        "print(open('/data/data.csv').read().splitlines()[1])\n"
        "print(open('/etc/app.txt').read())\n"
        "import os; print(sorted(os.listdir('/')), os.listdir('/data'))\n")
    assert r["outcome"] == "ok", r
    assert c.output["stdout"] == (
        b"1,2\ninline data\n"
        b"['data', 'dev', 'etc', 'lib', 'tmp', 'usr'] ['data.csv']\n")

    r = c.execute("import sandbox\nprint(sandbox.add(1, 2, 3))\n"
                  "try:\n    sandbox.lookup('k')\n"
                  "except KeyError as e:\n    print('KeyError', e)\n",
                  host=host)
    assert r["outcome"] == "ok", r
    assert c.output["stdout"] == b"6\nKeyError 'no such key'\n"
    assert r["usage"]["host_calls"] == 2

    r = c.execute("def double(x):\n    return 2 * x\nraise ValueError('bad')")
    assert r["outcome"] == "exception"
    assert r["exception"]["type"] == "ValueError"
    assert r["exception"]["message"] == "bad"
    assert "Traceback" in r["exception"]["traceback"]
    assert r["session_usable"] is True

    res = c.request("invoke", {"callable": "__main__.double", "args": [21]})
    assert res["result"]["outcome"] == "ok"
    assert res["result"]["value"] == 42

    res = c.request("tmpfs/list", {"path": "/tmp"})["result"]
    assert [e["path"] for e in res["entries"]] == ["/tmp/out.txt"]
    res = c.request("tmpfs/read", {"path": "/tmp/out.txt"})["result"]
    assert base64.b64decode(res["data"]) == b"written" and res["eof"]

    r = c.execute("import sys; sys.exit(7)")
    assert r["outcome"] == "exit" and r["exit_status"] == 7
    assert r["session_usable"] is True

    res = c.request("shutdown")
    assert res["result"] == {}
    assert c.recv()["method"] == "ended"
    assert c.recv() is None


def test_state_persists_between_runs(session: Child) -> None:
    assert session.execute("x = 41")["outcome"] == "ok"
    r = session.execute("print(x + 1)")
    assert session.output["stdout"] == b"42\n", r


def test_stdin_per_run(session: Child) -> None:
    data = base64.b64encode(b"line one\nline two\n").decode()
    r = session.execute("import sys; print(len(sys.stdin.readlines()))",
                        params={"stdin_data": data})
    assert r["outcome"] == "ok"
    assert session.output["stdout"] == b"2\n"


def test_missing_file_is_enoent(session: Child) -> None:
    r = session.execute("open('/etc/shadow')")
    assert r["exception"]["type"] == "FileNotFoundError"


def test_write_outside_tmpfs_is_erofs(session: Child) -> None:
    r = session.execute("open('/usr/lib/python3.11/os.py', 'a')")
    assert r["exception"]["type"] == "OSError"
    assert "Read-only file system" in r["exception"]["message"]


def test_no_network(session: Child) -> None:
    r = session.execute("import socket; socket.socket()")
    assert r["exception"]["type"] == "PermissionError"


def test_no_processes(session: Child) -> None:
    r = session.execute("import subprocess; subprocess.run(['true'])")
    assert r["outcome"] == "exception"
    r = session.execute("import os; os.fork()")
    assert r["exception"]["type"] == "PermissionError"


def test_environment_is_clean(session: Child) -> None:
    session.execute("import os; print(sorted(os.environ))")
    assert session.output["stdout"] == b"['HOME', 'LANG', 'PATH']\n"


def test_hostname_and_identity(session: Child) -> None:
    session.execute("import os, pwd; print(os.uname().nodename, os.getuid(),"
                    " pwd.getpwuid(os.getuid()).pw_name)")
    assert session.output["stdout"] == b"sandbox 1000 sandbox\n"


def test_trailing_slash_needs_a_directory(session: Child) -> None:
    r = session.execute(
        "import os\nopen('/tmp/f', 'w').close()\nout = []\n"
        "for p in ['/tmp/f/', '/tmp/', '/usr/lib/python3.11/os.py/']:\n"
        "    try:\n        os.stat(p); out.append('ok')\n"
        "    except NotADirectoryError:\n        out.append('ENOTDIR')\n"
        "print(out)\n")
    assert r["outcome"] == "ok", r
    assert session.output["stdout"] == b"['ENOTDIR', 'ok', 'ENOTDIR']\n"


def test_invoke_values_cross_as_json(session: Child) -> None:
    session.execute("def f(x):\n    return {'in': x, 't': (1, 2.5, None, True)}\n"
                    "def g():\n    return {1, 2}\n"
                    "def h():\n    return float('nan')\n")
    r = session.request("invoke", {"callable": "__main__.f",
                                   "args": [{"a": [1, "é"]}]})["result"]
    assert r["value"] == {"in": {"a": [1, "é"]}, "t": [1, 2.5, None, True]}
    for name, kind in (("g", "set is not JSON"), ("h", "NaN")):
        r = session.request("invoke", {"callable": f"__main__.{name}"})["result"]
        assert r["outcome"] == "exception"
        assert r["exception"]["type"] == "TypeError"
        assert kind in r["exception"]["message"]
        assert r["session_usable"] is True


def test_host_call_arguments_must_be_json(session: Child) -> None:
    r = session.execute("import sandbox\nsandbox.add(object())")
    assert r["exception"]["type"] == "TypeError"
    assert "not JSON" in r["exception"]["message"]
    r = session.execute("import sandbox\nsandbox.add(2 ** 70)")
    assert r["exception"]["type"] == "TypeError"


def test_too_large_invoke_value_is_a_value_error(child: Child) -> None:
    child.initialize(limits={"frame_bytes": 65536, "host_call_bytes": 1024})
    child.execute("def big():\n    return 'x' * 100000\n")
    r = child.request("invoke", {"callable": "__main__.big"})["result"]
    assert r["outcome"] == "exception", r
    assert r["exception"]["type"] == "ValueError"
    assert "too large" in r["exception"]["message"]


def test_os_exit_is_a_crash_with_its_status(session: Child) -> None:
    r = session.execute("import os; os._exit(3)")
    assert r["outcome"] == "crash"
    assert r["exit_status"] == 3 and r["signal"] is None


def test_tmpfs_listing_sizes(session: Child) -> None:
    session.execute("import os; os.mkdir('/tmp/d'); open('/tmp/d/f', 'w').write('abc')")
    entries = session.request("tmpfs/list", {"path": "/tmp"})["result"]["entries"]
    assert {e["path"]: e["size"] for e in entries} == {"/tmp/d": 0, "/tmp/d/f": 3}


def test_context_describes_the_run(session: Child) -> None:
    session.send({"jsonrpc": "2.0", "id": "run-7", "method": "execute",
                  "params": {"code": "import sandbox\nc = sandbox.context()\n"
                             "print(c['run'], c['limits']['threads'],"
                             " c['functions'])"}})
    out = b""
    while True:
        m = session.recv()
        if m.get("method") == "output":
            import base64
            out += base64.b64decode(m["params"]["data"])
        else:
            break
    assert m["result"]["outcome"] == "ok", m
    assert out == b"run-7 16 ['add', 'fail']\n"


def test_exception_text_is_bounded_and_valid(session: Child) -> None:
    r = session.execute("raise ValueError('é' * 100000 + '\\ud800')")
    e = r["exception"]
    assert r["outcome"] == "exception" and e["type"] == "ValueError"
    assert len(e["message"].encode()) <= 16384 and set(e["message"]) == {"é"}
    assert len(e["traceback"].encode()) <= 16384
    r = session.execute("raise KeyError('\\udc80')")
    assert r["exception"]["message"] == "'\\udc80'"


def test_signals_do_not_interrupt_path_calls(session: Child) -> None:
    r = session.execute(
        "import signal, os\n"
        "signal.signal(signal.SIGALRM, lambda *a: None)\n"
        "signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)\n"
        "open('/tmp/f', 'w').close()\nbad = 0\n"
        "for i in range(3000):\n"
        "    try:\n        os.stat('/tmp/f'); os.lstat('/tmp/f')\n"
        "    except InterruptedError:\n        bad += 1\n"
        "signal.setitimer(signal.ITIMER_REAL, 0)\nprint(bad)\n")
    assert r["outcome"] == "ok", r
    assert session.output["stdout"] == b"0\n"


def test_glob_hidden_names_fail_like_missing_ones() -> None:
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        for name in ("shown.txt", "hidden.key"):
            with open(os.path.join(d, name), "w") as f:
                f.write("x")
            os.chmod(os.path.join(d, name), 0o644)
        c = Child()
        try:
            c.initialize(filesystem=[{"type": "bind", "source": d,
                                      "target": "/d", "exclude": ["*.key"]}])
            r = c.execute(
                "import os\nout = []\n"
                "for p in ['/d/hidden.key', '/d/missing.key']:\n"
                "    try:\n        os.open(p, os.O_RDONLY | os.O_DIRECTORY)\n"
                "    except OSError as e:\n        out.append(e.errno)\n"
                "print(out)\n")
            assert c.output["stdout"] == b"[2, 2]\n", r
        finally:
            c.close()


def test_locks_never_reach_host_files() -> None:
    import fcntl
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        path = os.path.join(d, "db")
        with open(path, "w") as f:
            f.write("x")
        os.chmod(path, 0o644)
        c = Child()
        try:
            c.initialize(filesystem=[{"type": "bind", "source": d,
                                      "target": "/d"}])
            c.send({"jsonrpc": "2.0", "id": 1, "method": "execute",
                    "params": {"code": (
                        "import fcntl, struct, time\nf = open('/d/db')\n"
                        "fcntl.flock(f, fcntl.LOCK_SH)\n"
                        "fcntl.lockf(f, fcntl.LOCK_SH)\ntime.sleep(0.5)\n")}})
            import time
            time.sleep(0.3)
            with open(path, "r+") as host:
                fcntl.flock(host, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.lockf(host, fcntl.LOCK_EX | fcntl.LOCK_NB)
            while "id" not in (m := c.recv()):
                pass
            assert m["result"]["outcome"] == "ok", m
        finally:
            c.close()


def test_locks_and_sqlite_on_tmpfs(session: Child) -> None:
    r = session.execute(
        "import fcntl, sqlite3, threading\nf = open('/tmp/l', 'w')\n"
        "fcntl.flock(f, fcntl.LOCK_EX)\n"
        "g = open('/tmp/l')\n"
        "try:\n    fcntl.flock(g, fcntl.LOCK_EX | fcntl.LOCK_NB); out = 'not exclusive'\n"
        "except BlockingIOError:\n    out = 'exclusive'\n"
        "db = sqlite3.connect('/tmp/t.db'); db.execute('create table t(x)')\n"
        "db.execute('insert into t values (5)'); db.commit()\n"
        "print(out, db.execute('select x from t').fetchone()[0])\n")
    assert r["outcome"] == "ok", r
    assert session.output["stdout"] == b"exclusive 5\n"


def test_plain_programs_run_as_under_bare_python(session: Child) -> None:
    r = session.execute(
        "import asyncio, locale, pwd, grp, sys\n"
        "async def main():\n    await asyncio.sleep(0)\n    return 'async'\n"
        "print('café', sys.stdout.encoding, sys.getfilesystemencoding(),\n"
        "      pwd.getpwuid(0).pw_name, grp.getgrgid(0).gr_name,\n"
        "      locale.setlocale(locale.LC_ALL, ''), asyncio.run(main()))\n"
        "try:\n    open('/tmp/missing/', 'w')\n"
        "except IsADirectoryError:\n    print('EISDIR')\n"
        "exit(4)\n")
    assert r["outcome"] == "exit" and r["exit_status"] == 4, r
    assert session.output["stdout"] == (
        "café utf-8 utf-8 root root C.UTF-8 async\nEISDIR\n".encode())


def test_tmpfs_permissions_and_umask_apply(session: Child) -> None:
    r = session.execute(
        "import os\nout = []\n"
        "open('/tmp/ro', 'w').write('data'); os.chmod('/tmp/ro', 0o444)\n"
        "try:\n    open('/tmp/ro', 'a')\nexcept PermissionError:\n    out.append('ro')\n"
        "os.mkdir('/tmp/d'); os.chmod('/tmp/d', 0o555)\n"
        "try:\n    open('/tmp/d/x', 'w')\nexcept PermissionError:\n    out.append('dir')\n"
        "out.append(oct(os.umask(0)))\n"
        "open('/tmp/u', 'w').close(); os.mkdir('/tmp/ud', 0o777)\n"
        "out.append(oct(os.stat('/tmp/u').st_mode & 0o777))\n"
        "out.append(oct(os.stat('/tmp/ud').st_mode & 0o777))\n"
        "os.chmod('/tmp/ro', 0)\nprint(out)\n")
    assert r["outcome"] == "ok", r
    assert session.output["stdout"] == (
        b"['ro', 'dir', '0o22', '0o666', '0o777']\n")
    # The parent still reads back what the code locked itself out of.
    res = session.request("tmpfs/read", {"path": "/tmp/ro"})["result"]
    assert base64.b64decode(res["data"]) == b"data"


def test_jail_exports_what_python_exports(session: Child) -> None:
    """The jail links CPython statically: every C API function bare
    python3.11 exports is there for ctypes.pythonapi and extensions,
    including those of archive members the jail itself never calls."""
    r = session.execute(
        "import ctypes\n"
        "names = ['Py_BytesMain', 'Py_Main', 'Py_RunMain', 'Py_FrozenMain',"
        " 'PyUnicode_FromString']\n"
        "print([n for n in names if not hasattr(ctypes.pythonapi, n)])\n")
    assert r["outcome"] == "ok", r
    assert session.output["stdout"] == b"[]\n"


def test_jail_never_runs_real_time() -> None:
    """A host running SCHED_FIFO hands its policy to the child; the
    untrusted code must not keep it (it could starve the supervisor)."""
    if os.geteuid() != 0 and resource.getrlimit(resource.RLIMIT_RTPRIO)[0] == 0:
        pytest.skip("starting SCHED_FIFO needs root or RLIMIT_RTPRIO")
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    try:
        c = Child()
    finally:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    try:
        assert "result" in c.initialize()
        r = c.execute("import os\nprint(os.sched_getscheduler(0), os.sched_getscheduler(0) == os.SCHED_OTHER)\n")
        assert r["outcome"] == "ok", r
        assert c.output["stdout"] == f"{os.SCHED_OTHER} True\n".encode()
    finally:
        c.close()

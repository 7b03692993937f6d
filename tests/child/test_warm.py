"""Protocol 1.1's warm child: the jail started before the session is known.

Each test drives build/sandbox through `warm` and then `initialize`, and
checks what SPEC.md's warm section requires: the state table, version
negotiation, preload and its failures, and above all that the session the
code sees is the one initialize described, not the warm jail's defaults.
"""

from __future__ import annotations

import base64
from typing import Any, Iterator

import pytest
from childproto import Child

HEAVY = ["asyncio", "unittest", "email.mime.multipart", "decimal", "xml.etree.ElementTree",
         "http.client", "argparse", "logging", "json", "sqlite3", "ssl"]


def warm(child: Child, **params: Any) -> dict[str, Any]:
    params.setdefault("protocol_version", "1.1")
    return child.request("warm", params)


def code_of(resp: dict[str, Any]) -> int:
    assert "error" in resp, resp
    return resp["error"]["code"]


@pytest.fixture
def warmed(child: Child) -> Iterator[Child]:
    res = warm(child, preload=["json", "decimal"])
    assert res["result"] == {"protocol_version": "1.1", "python": res["result"]["python"],
                             "preloaded": ["json", "decimal"]}
    yield child


def test_session_applied(warmed: Child) -> None:
    """What initialize says is what the code gets: env, argv, cwd, limits, functions."""
    res = warmed.initialize(protocol_version="1.1", env={"GREETING": "hi"}, argv=["prog", "x"],
                            cwd="/out", filesystem=[{"type": "tmpfs", "target": "/out"}],
                            limits={"memory_bytes": 256 << 20, "open_files": 64, "threads": 4,
                                    "file_bytes": 4096},
                            host_functions=[{"name": "add"}])
    assert res["result"]["protocol_version"] == "1.1"
    run = warmed.execute(
        "import os, sys, resource as r, sandbox\n"
        "print(dict(os.environ), os.environ.get('PATH'), sys.argv, os.getcwd())\n"
        "print([r.getrlimit(x) for x in (r.RLIMIT_AS, r.RLIMIT_NOFILE, r.RLIMIT_FSIZE, r.RLIMIT_NPROC)])\n"
        "print(sandbox.functions(), 'decimal' in sys.modules)\n")
    assert run["outcome"] == "ok", run
    assert warmed.output["stdout"].decode().splitlines() == [
        "{'GREETING': 'hi'} None ['prog', 'x'] /out",
        f"[({256 << 20}, {256 << 20}), (64, 64), (4096, 4096), (5, 5)]",
        "('add',) True",
    ]


def test_process_environment_replaced(warmed: Child) -> None:
    """The C environment follows os.environ: a subprocess-free check through libc."""
    warmed.initialize(protocol_version="1.1", env={"ONLY": "1"})
    run = warmed.execute("import ctypes; g = ctypes.CDLL(None).getenv; g.restype = ctypes.c_char_p\n"
                         "print(g(b'ONLY'), g(b'PATH'), g(b'HOME'))")
    assert run["outcome"] == "ok", run
    assert warmed.output["stdout"] == b"b'1' None None\n"


def test_limits_enforced(warmed: Child) -> None:
    warmed.initialize(protocol_version="1.1", limits={"memory_bytes": 128 << 20, "cpu_ms": 300})
    assert warmed.execute("x = bytearray(200 << 20)")["outcome"] == "memory_limit"


def test_cpu_limit_counts_only_the_run(warmed: Child) -> None:
    warmed.initialize(protocol_version="1.1", limits={"cpu_ms": 200})
    assert warmed.execute("pass")["outcome"] == "ok"
    assert warmed.execute("while True: pass")["outcome"] == "cpu_limit"


def test_frame_limit_reaches_the_jail(warmed: Child) -> None:
    """A value too large for the session's frame is a ValueError (REQ-INVOKE-4), not a broken frame."""
    warmed.initialize(protocol_version="1.1", limits={"frame_bytes": 65536})
    warmed.execute("def big(): return 'x' * 100000")
    warmed.output = {"stdout": b"", "stderr": b""}
    res = warmed.request("invoke", {"callable": "__main__.big"})
    assert res["result"]["outcome"] == "exception", res
    assert res["result"]["exception"]["type"] == "ValueError"


def test_filesystem_replaced(warmed: Child) -> None:
    """defaults false: the warm jail's layout is gone, only the session's entries remain."""
    data = base64.b64encode(b"print('from m')").decode()
    res = warmed.initialize(protocol_version="1.1", defaults=False, cwd="/",
                            filesystem=[{"type": "file", "target": "/m.py", "data": data}])
    assert "result" in res, res
    run = warmed.execute("import os; print(sorted(os.listdir('/'))); exec(open('/m.py').read())\n"
                         "print(os.path.exists('/usr/lib/python3.11/os.py'))")
    assert run["outcome"] == "ok", run
    assert warmed.output["stdout"] == b"['m.py']\nfrom m\nFalse\n"


FORK = ("import ctypes, os\n"
        "try:\n    os.fork()\nexcept OSError as e:\n    print('libc', e.errno)\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print('raw', libc.syscall(57), ctypes.get_errno())\n")  # fork(2) on x86_64


def test_filter_still_refuses(warmed: Child) -> None:
    """The jail's filter holds in a warm session as in a cold one: fork through libc and raw."""
    cold = Child()
    try:
        cold.initialize()
        expected = cold.execute(FORK)
        expected_out = cold.output["stdout"]
    finally:
        cold.close()
    warmed.initialize(protocol_version="1.1")
    run = warmed.execute(FORK)
    assert (run["outcome"], warmed.output["stdout"]) == (expected["outcome"], expected_out)
    assert warmed.output["stdout"].startswith(b"libc ") and b"raw -1 " in warmed.output["stdout"]


def test_states(child: Child) -> None:
    """The state table of 1.1 for warm: before, during and after."""
    assert code_of(child.request("tmpfs/list", {"path": "/tmp"})) == -32000
    assert "result" in warm(child)
    assert code_of(warm(child)) == -32001
    assert code_of(child.request("execute", {"code": "1"})) == -32000
    assert code_of(child.request("tmpfs/list", {"path": "/tmp"})) == -32000
    assert code_of(child.request("cancel", {})) == -32000
    assert "result" in child.initialize(protocol_version="1.1")
    assert code_of(warm(child)) == -32001
    assert child.execute("print(1)")["outcome"] == "ok"


def test_shutdown_in_warm(child: Child) -> None:
    warm(child)
    assert child.request("shutdown", {})["result"] == {}
    assert child.recv()["params"]["reason"] == "shutdown"
    assert child.close() == 0


def test_end_of_file_in_warm(child: Child) -> None:
    warm(child, preload=["json"])
    assert child.close() == 0


def test_version(child: Child) -> None:
    res = warm(child, protocol_version="1.0")
    assert code_of(res) == -32005 and res["error"]["data"] == {"supported": ["1.0", "1.1"]}
    assert code_of(warm(child, protocol_version="2.1")) == -32005
    assert code_of(warm(child, protocol_version="one")) == -32602
    res = warm(child, protocol_version="1.7")
    assert res["result"]["protocol_version"] == "1.1"

    res = child.initialize(protocol_version="1.0")
    assert code_of(res) == -32602 and res["error"]["data"]["field"] == "/protocol_version"
    assert child.initialize(protocol_version="1.1")["result"]["protocol_version"] == "1.1"


def test_cold_version_negotiated(child: Child) -> None:
    assert child.initialize(protocol_version="1.0")["result"]["protocol_version"] == "1.0"


@pytest.mark.parametrize("preload,field", [
    ("json", "/preload"), (["a-b"], "/preload/0"), (["json."], "/preload/0"), ([1], "/preload/0"),
    (["x" * 129], "/preload/0"), (["json"] * 65, "/preload"),
])
def test_preload_invalid(child: Child, preload: Any, field: str) -> None:
    res = warm(child, preload=preload)
    assert code_of(res) == -32602 and res["error"]["data"]["field"] == field
    assert "result" in warm(child), "invalid params leave the session in new"


def test_preload_missing_module(child: Child) -> None:
    res = warm(child, preload=["json", "no_such_module"])
    assert code_of(res) == -32006
    assert res["error"]["data"] == {"step": "preload", "module": "no_such_module"}
    assert "no_such_module" in res["error"]["message"]
    assert code_of(child.initialize(protocol_version="1.1")) == -32003
    assert child.request("shutdown", {})["result"] == {}
    assert child.recv()["params"]["reason"] == "setup_failed"


def test_preload_raising_module(child: Child) -> None:
    """A module that exists but fails while importing is a preload failure too."""
    res = warm(child, preload=["asyncio.windows_events"])  # imports _winapi: not on Linux
    assert code_of(res) == -32006
    assert res["error"]["data"] == {"step": "preload", "module": "asyncio.windows_events"}


def test_memory_below_what_the_jail_uses(child: Child) -> None:
    assert "result" in warm(child, preload=HEAVY)
    res = child.initialize(protocol_version="1.1", limits={"memory_bytes": 32 << 20})
    assert code_of(res) == -32006
    assert res["error"]["data"] == {"step": "rlimits", "errno": "ENOMEM"}
    assert code_of(child.request("execute", {"code": "1"})) == -32003


def test_bad_initialize_keeps_warm(warmed: Child) -> None:
    res = warmed.initialize(protocol_version="1.1", limits={"cpu_ms": 0})
    assert code_of(res) == -32602 and res["error"]["data"]["field"] == "/limits/cpu_ms"
    assert warmed.initialize(protocol_version="1.1")["result"]
    assert warmed.execute("import json; print(json.dumps([1]))")["outcome"] == "ok"
    assert warmed.output["stdout"] == b"[1]\n"


def test_filesystem_error_ends(warmed: Child) -> None:
    res = warmed.initialize(protocol_version="1.1",
                            filesystem=[{"type": "bind", "source": "/nonexistent", "target": "/d"}])
    assert code_of(res) == -32007 and res["error"]["data"]["reason"] == "ENOENT"
    assert code_of(warmed.request("execute", {"code": "1"})) == -32003


def test_host_served_directory(warmed: Child) -> None:
    """A warm session's host entries are served by the parent like a cold one's."""
    warmed.files = {"Mod.py": b"def hello():\n    return 'hello from the host'\n"}
    res = warmed.initialize(protocol_version="1.1", filesystem=[{"type": "host", "target": "/modules"}])
    assert res["result"]["capabilities"]["hostfs"] is True
    run = warmed.execute("import sys; sys.path.insert(0, '/modules')\nimport Mod; print(Mod.hello())")
    assert run["outcome"] == "ok", run
    assert warmed.output["stdout"] == b"hello from the host\n"
    assert "hostfs/read Mod.py" in warmed.fs_requests


def test_tmpfs_read_back(warmed: Child) -> None:
    """What the code writes to the session's tmpfs is what tmpfs/read returns."""
    warmed.initialize(protocol_version="1.1", filesystem=[{"type": "tmpfs", "target": "/out"}])
    assert warmed.execute("open('/out/r.txt', 'w').write('result')")["outcome"] == "ok"
    listing = warmed.request("tmpfs/list", {"path": "/out"})["result"]
    assert [e["path"] for e in listing["entries"]] == ["/out/r.txt"]
    data = warmed.request("tmpfs/read", {"path": "/out/r.txt"})["result"]
    assert base64.b64decode(data["data"]) == b"result"


def test_warm_unknown_in_a_1_0_session(child: Child) -> None:
    """A session that negotiated 1.0 knows no warm: method_not_found, as a 1.0 child (REQ-VER-2)."""
    assert child.initialize(protocol_version="1.0")["result"]["protocol_version"] == "1.0"
    assert code_of(warm(child)) == -32601


def test_warm_known_in_a_1_1_session(child: Child) -> None:
    assert child.initialize(protocol_version="1.1")["result"]["protocol_version"] == "1.1"
    assert code_of(warm(child)) == -32001


def test_unsupported_version_data(child: Child) -> None:
    """unsupported_version's data is exactly what its schema declares."""
    for method in ("warm", "initialize"):
        res = child.request(method, {"protocol_version": "2.0"})
        assert res["error"]["data"] == {"supported": ["1.0", "1.1"]}, res

"""Attacks on a warm session (warm, then initialize, then runs).

A warm jail starts with the default layout, the default environment and
every limit at its largest; initialize then swaps in the session's
filesystem and lowers the limits from outside (SPEC: REQ-WARM-5..7).
Each test here plays native code in the jail, or a hostile parent, and
checks that the warm session refuses what a cold one refuses: through
libc, through a raw system call (ctypes), and where it applies through a
raw protocol message. Most compare a warm session with a cold one built
from the same initialize, so whatever holds for a cold session must hold
for a warm one too.
"""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

import pytest
from childproto import Child

HEAVY = ["json", "decimal", "asyncio", "ctypes", "threading", "email.mime.multipart"]


def warm(child: Child, **params: Any) -> dict[str, Any]:
    params.setdefault("protocol_version", "1.1")
    return child.request("warm", params)


def code_of(resp: dict[str, Any]) -> int:
    assert "error" in resp, resp
    return resp["error"]["code"]


def start(mode: str, preload: list[str] | None = None, **init: Any) -> Child:
    """A child in READY, started cold or warm with the same initialize."""
    c = Child()
    if mode == "warm":
        res = warm(c, preload=preload or ["json"])
        assert "result" in res, res
    init.setdefault("protocol_version", "1.1")
    res = c.initialize(**init)
    assert "result" in res, res
    return c


def run_both(code: str, preload: list[str] | None = None, **init: Any
             ) -> dict[str, tuple[dict[str, Any], str]]:
    """Runs CODE in a cold and a warm session; outcome and stdout of each."""
    out = {}
    for mode in ("cold", "warm"):
        c = start(mode, preload, **init)
        try:
            res = c.execute(code)
            out[mode] = (res, c.output["stdout"].decode() + c.output["stderr"].decode())
        finally:
            c.close()
    return out


def same_in_both(code: str, **init: Any) -> str:
    """CODE prints the same in a cold and a warm session; returns stdout."""
    out = run_both(code, **init)
    cold, warm_ = out["cold"], out["warm"]
    assert cold[0]["outcome"] == "ok", cold
    assert warm_[0]["outcome"] == "ok", warm_
    assert warm_[1] == cold[1]
    return warm_[1]


# Raw system calls from the jail: ctypes' syscall() with errno kept.
RAW = """
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def raw(nr, *args):
    ctypes.set_errno(0)
    conv = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    r = libc.syscall(ctypes.c_long(nr), *conv)
    return r, (errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()) if r == -1 else 0)
"""

SYS_open, SYS_stat, SYS_access, SYS_readlinkat = 2, 4, 21, 267
SYS_openat, SYS_newfstatat, SYS_faccessat = 257, 262, 269
SYS_prlimit64, SYS_setrlimit, SYS_dup3, SYS_mmap, SYS_write = 302, 160, 292, 9, 1
AT_FDCWD = -100


# ---- limits: lowered from outside, never raised again ---------------------

RLIMITS = """
import resource as r
names = ["RLIMIT_AS", "RLIMIT_NOFILE", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_CORE",
         "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE"]
class RL(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_uint64), ("max", ctypes.c_uint64)]
for name in names:
    res = getattr(r, name)
    soft, hard = r.getrlimit(res)
    up = hard + 1 if hard != r.RLIM_INFINITY else hard
    try:
        r.setrlimit(res, (up, up))
        libc_says = "raised"
    except (ValueError, OSError) as e:
        libc_says = type(e).__name__
    new = RL(up, up)
    own = raw(SYS_prlimit64, 0, res, ctypes.byref(new), None)
    init = raw(SYS_prlimit64, 1, res, ctypes.byref(new), None)
    mine = raw(SYS_prlimit64, os.getpid(), res, ctypes.byref(new), None)
    old = raw(SYS_setrlimit, res, ctypes.byref(new))
    print(name, soft, hard, libc_says, own, init, mine, old[0], r.getrlimit(res) == (soft, hard))
"""


def test_rlimits_cannot_be_raised() -> None:
    """Every rlimit the warm jail got lowered stays lowered: libc, raw
    prlimit64 (own pid 0, own pid, init) and the old setrlimit; hard equals
    soft and equals the session's limit, as in a cold session."""
    limits = {"memory_bytes": 200 << 20, "open_files": 40, "threads": 5, "file_bytes": 8192}
    code = RAW + f"SYS_prlimit64, SYS_setrlimit = {SYS_prlimit64}, {SYS_setrlimit}\n" + RLIMITS
    out = same_in_both(code, limits=limits)
    rows = {line.split()[0]: line.split(None, 3)[1:] for line in out.splitlines()}
    assert rows["RLIMIT_AS"][:2] == [str(200 << 20)] * 2
    assert rows["RLIMIT_NOFILE"][:2] == ["40", "40"]
    assert rows["RLIMIT_FSIZE"][:2] == ["8192", "8192"]
    assert rows["RLIMIT_NPROC"][:2] == ["6", "6"]
    for name in ("RLIMIT_CORE", "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE"):
        assert rows[name][:2] == ["0", "0"], out
    for line in out.splitlines():
        assert "raised" not in line and line.endswith("True"), out
        assert "(0, 0)" not in line, f"a raw prlimit64 succeeded: {line}"


THREADS = """
import threading
stop = threading.Event()
started = []
while len(started) < 64:
    t = threading.Thread(target=stop.wait)
    try:
        t.start()
    except RuntimeError:
        break
    started.append(t)
stop.set()
for t in started:
    t.join()
print("threads", len(started))
"""


def test_threads_limit_as_cold() -> None:
    """RLIMIT_NPROC lowered from outside counts like the jail's own: the
    same number of threads start in a warm session as in a cold one."""
    out = same_in_both(THREADS, limits={"threads": 3})
    assert out == "threads 2\n"


MMAP = """
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
p = libc.mmap(None, 300 << 20, 3, 0x22, -1, 0)
print("libc mmap", p == ctypes.c_void_p(-1).value or p is None and False, ctypes.get_errno() == errno.ENOMEM)
r, e = raw(SYS_mmap, 0, 300 << 20, 3, 0x22, -1, 0)
print("raw mmap", r, e)
# Reserving without touching counts too: PROT_NONE, MAP_NORESERVE.
r, e = raw(SYS_mmap, 0, 300 << 20, 0, 0x22 | 0x4000, -1, 0)
print("raw reserve", r, e)
try:
    x = bytearray(300 << 20)
    print("bytearray allocated")
except MemoryError:
    print("bytearray MemoryError")
"""


def test_memory_limit_applies_to_every_mapping() -> None:
    """The address space a warm jail may still grow is the session's:
    through malloc, libc mmap, a raw mmap and a PROT_NONE reservation."""
    code = RAW + f"SYS_mmap = {SYS_mmap}\n" + MMAP
    out = same_in_both(code, preload=HEAVY, limits={"memory_bytes": 160 << 20})
    assert out == ("libc mmap True True\nraw mmap -1 ENOMEM\nraw reserve -1 ENOMEM\n"
                   "bytearray MemoryError\n")


FILES = """
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    print("libc", errno.errorcode[e.errno], len(fds) + 4 <= 40)
for fd in fds:
    os.close(fd)
print("dup3", raw(SYS_dup3, 0, 40, 0))
print("dup3 high", raw(SYS_dup3, 0, 1000, 0))
import fcntl
try:
    fcntl.fcntl(0, fcntl.F_DUPFD, 40)
except OSError as e:
    print("F_DUPFD", errno.errorcode[e.errno])
"""


def test_open_files_limit_as_cold() -> None:
    code = RAW + f"SYS_dup3 = {SYS_dup3}\n" + FILES
    out = same_in_both(code, preload=HEAVY, limits={"open_files": 40})
    assert out.splitlines() == ["libc EMFILE True", "dup3 (-1, 'EBADF')",
                                "dup3 high (-1, 'EBADF')", "F_DUPFD EINVAL"]


FSIZE = """
fd = os.open("/tmp/big", os.O_WRONLY | os.O_CREAT, 0o600)
try:
    os.write(fd, b"x" * 5000)
    print("libc wrote")
except OSError as e:
    print("libc", errno.errorcode[e.errno])
buf = ctypes.create_string_buffer(b"y" * 5000)
os.lseek(fd, 4096, 0)
print("raw", raw(SYS_write, fd, buf, 5000))
print("size", os.fstat(fd).st_size <= 4096)
"""


def test_file_bytes_limit_as_cold() -> None:
    """RLIMIT_FSIZE lowered from outside: a write past it is EFBIG (the
    signal is ignored, as in bare python), through libc and raw write."""
    code = RAW + f"SYS_write = {SYS_write}\n" + FSIZE
    out = same_in_both(code, limits={"file_bytes": 4096})
    assert out.splitlines() in (["libc wrote", "raw (-1, 'EFBIG')", "size True"],
                                ["libc EFBIG", "raw (-1, 'EFBIG')", "size True"])


def test_memory_check_counts_preloaded_modules() -> None:
    """REQ-WARM-6 as nobody and as root: a limit below what the warm jail
    maps is refused before any code runs; one above it is enforced."""
    c = Child()
    try:
        assert "result" in warm(c, preload=HEAVY)
        res = c.initialize(protocol_version="1.1", limits={"memory_bytes": 32 << 20})
        assert res["error"]["data"] == {"step": "rlimits", "errno": "ENOMEM"}
        assert code_of(c.request("execute", {"code": "1"})) == -32003
    finally:
        c.close()


# ---- the filesystem swap --------------------------------------------------

DEFAULT_PATHS = ["/usr/lib/python3.11/os.py", "/usr/lib/python3.11", "/usr/lib/python-sandbox",
                 "/usr/lib/python-sandbox/sandbox/__init__.py", "/etc/passwd", "/etc/group",
                 "/dev/null", "/dev/urandom", "/tmp", "/etc/ld.so.cache", "/usr/lib/locale",
                 "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
                 "usr/lib/python3.11/os.py", "../usr/lib/python3.11/json/__init__.py"]

GONE = """
paths = %r
for p in paths:
    b = p.encode()
    seen = []
    for f in (os.stat, os.lstat, lambda p: os.open(p, os.O_RDONLY), lambda p: os.open(p, os.O_PATH),
              os.listdir, os.readlink):
        try:
            f(p)
            seen.append("ok")
        except OSError as e:
            seen.append(errno.errorcode[e.errno])
    st = ctypes.create_string_buffer(256)
    buf = ctypes.create_string_buffer(4096)
    seen.append(raw(SYS_open, b, 0, 0)[1])
    seen.append(raw(SYS_openat, AT_FDCWD, b, 0x10000, 0)[1])
    seen.append(raw(SYS_stat, b, st)[1])
    seen.append(raw(SYS_newfstatat, AT_FDCWD, b, st, 0)[1])
    seen.append(raw(SYS_access, b, 0)[1])
    seen.append(raw(SYS_faccessat, AT_FDCWD, b, 0)[1])
    seen.append(raw(SYS_readlinkat, AT_FDCWD, b, buf, 4096)[1])
    print(p, sorted(set(seen)))
import sys
try:
    import colorsys
    print("import colorsys")
except ImportError as e:
    print("ImportError", type(e).__name__)
import json
print(json.dumps([1]), "json" in sys.modules)
""" % (DEFAULT_PATHS,)


@pytest.mark.parametrize("preload", [["json", "ctypes", "traceback"], HEAVY + ["traceback"]])
def test_default_layout_unreachable_after_swap(preload: list[str]) -> None:
    """defaults false: nothing of the warm jail's layout is reachable by
    path, whichever call names it (libc and raw), relative or absolute;
    a module not imported in warm cannot be imported, a preloaded one works."""
    c = start("warm", preload, defaults=False, cwd="/",
              filesystem=[{"type": "file", "target": "/m.py", "data": "eA=="}])
    try:
        code = RAW + (f"SYS_open, SYS_stat, SYS_access, SYS_readlinkat = {SYS_open}, {SYS_stat}, "
                      f"{SYS_access}, {SYS_readlinkat}\nSYS_openat, SYS_newfstatat, SYS_faccessat = "
                      f"{SYS_openat}, {SYS_newfstatat}, {SYS_faccessat}\nAT_FDCWD = {AT_FDCWD}\n") + GONE
        res = c.execute(code)
        assert res["outcome"] == "ok", res
        lines = c.output["stdout"].decode().splitlines()
        for line in lines[:len(DEFAULT_PATHS)]:
            assert line.endswith("['ENOENT']"), lines
        assert lines[len(DEFAULT_PATHS):] == ["ImportError ModuleNotFoundError", "[1] True"]
    finally:
        c.close()


DIRFD = """
O_DIRECTORY = os.O_DIRECTORY
py = os.open("/py", os.O_RDONLY | O_DIRECTORY)
sub = os.open("/py/json", os.O_RDONLY | O_DIRECTORY)
def tries(dirfd, name):
    try:
        fd = os.open(name, os.O_RDONLY, dir_fd=dirfd)
        data = os.read(fd, 64)
        os.close(fd)
        return data[:20]
    except OSError as e:
        return errno.errorcode[e.errno]
def raw_open(dirfd, name):
    r, e = raw(SYS_openat, dirfd, name.encode(), 0, 0)
    if r >= 0:
        data = os.read(r, 20)
        os.close(r)
        return data
    return e
for d, name in ((py, "os.py"), (sub, "../os.py"), (py, "json/__init__.py"), (py, "../usr/lib/python3.11/os.py"),
                (py, "../../etc/passwd"), (sub, "../../../usr/lib/python3.11/os.py"), (py, "abc.py")):
    print(name, tries(d, name), raw_open(d, name))
print(sorted(os.listdir(py))[:3], "os.py" in os.listdir(py))
os.fchdir(sub)
print(os.getcwd(), tries(AT_FDCWD, "../os.py"), tries(AT_FDCWD, "decoder.py")[:5])
"""


def test_dir_fd_resolves_in_session_tree() -> None:
    """A directory the warm jail opened under the default layout (the
    stdlib, for its own imports) is bound again by the session at another
    target: descriptors for it resolve in the session's tree only, with
    the session's globs, never under the warm name, even where the session
    mounts something else at that old name."""
    marker = "bWFya2VyIG9zLnB5Cg=="  # "marker os.py\n"
    c = start("warm", ["json", "decimal", "ctypes", "traceback"], defaults=False, cwd="/",
              filesystem=[{"type": "bind", "source": "/usr/lib/python3.11", "target": "/py",
                           "exclude": ["os.py", "abc.py"]},
                          {"type": "tmpfs", "target": "/usr/lib/python3.11"},
                          {"type": "file", "target": "/usr/lib/python3.11/os.py", "data": marker},
                          {"type": "file", "target": "/usr/lib/python3.11/abc.py", "data": marker}])
    try:
        code = RAW + f"SYS_openat = {SYS_openat}\nAT_FDCWD = {AT_FDCWD}\n" + DIRFD
        res = c.execute(code)
        assert res["outcome"] == "ok", res
        lines = c.output["stdout"].decode().splitlines()
        assert lines[0] == "os.py ENOENT ENOENT"
        assert lines[1] == "../os.py ENOENT ENOENT"
        assert lines[2].startswith("json/__init__.py b'") and "ENOENT" not in lines[2]
        # "/py/../usr/lib/python3.11/os.py" is the session's own tmpfs file.
        assert lines[3] == "../usr/lib/python3.11/os.py b'marker os.py\\n' b'marker os.py\\n'"
        assert lines[4] == "../../etc/passwd ENOENT ENOENT"
        assert lines[5] == "../../../usr/lib/python3.11/os.py b'marker os.py\\n' b'marker os.py\\n'"
        assert lines[6] == "abc.py ENOENT ENOENT"
        assert lines[7].endswith("False")
        assert lines[8].startswith("/py/json ENOENT b'\"\"\"")
    finally:
        c.close()


def test_stdlib_excludes_hold_after_warm_imports() -> None:
    """The session rebinds the stdlib with excludes at its own target: a
    module the warm jail never imported stays unimportable although the
    warm interpreter's finders cached the full listing; listings and stat
    show the session's view."""
    fs = [{"type": "bind", "source": "/usr/lib/python3.11", "target": "/usr/lib/python3.11",
           "exclude": ["sqlite3", "lib-dynload/_sqlite3*", "sitecustomize.py", "colorsys.py"]}]
    code = ("import os\nfor m in ('sqlite3', '_sqlite3', 'colorsys', 'json', 'csv'):\n"
            "    try:\n        __import__(m); print(m, 'ok')\n"
            "    except ImportError as e:\n        print(m, type(e).__name__)\n"
            "print(os.path.exists('/usr/lib/python3.11/colorsys.py'),"
            " 'colorsys.py' in os.listdir('/usr/lib/python3.11'))\n")
    out = same_in_both(code, preload=["json", "decimal"], filesystem=fs)
    assert out.splitlines() == ["sqlite3 ModuleNotFoundError", "_sqlite3 ModuleNotFoundError",
                                "colorsys ModuleNotFoundError", "json ok", "csv ok", "False False"]


def test_private_source_as_cold() -> None:
    """REQ-WARM-9: a bind source only its owner may read. Started as root the
    warm supervisor has dropped privileges before it opens the source, the
    cold one opens it as root: either way the jail reads below it with the
    dropped identity, so both refuse (root) or both read (the owner)."""
    import tempfile
    d = tempfile.mkdtemp(prefix="warm-private-")
    try:
        os.chmod(d, 0o700)
        with open(os.path.join(d, "f.txt"), "w") as f:
            f.write("secret")
        os.chmod(os.path.join(d, "f.txt"), 0o600)
        code = ("try:\n    print(open('/d/f.txt').read())\n"
                "except OSError as e:\n    print(type(e).__name__)\n")
        out = same_in_both(code, filesystem=[{"type": "bind", "source": d, "target": "/d"}])
        assert out == ("PermissionError\n" if os.geteuid() == 0 else "secret\n")
    finally:
        import shutil
        shutil.rmtree(d)


def test_warm_tmp_is_not_the_session_tmp() -> None:
    """The warm jail's /tmp (a tmpfs of the default layout) is replaced:
    the session's /tmp starts empty and tmpfs/list sees only its files."""
    c = start("warm", ["tempfile"])
    try:
        res = c.execute("import os; print(os.listdir('/tmp')); open('/tmp/a', 'w').write('1')")
        assert res["outcome"] == "ok" and c.output["stdout"] == b"[]\n", (res, c.output)
        listing = c.request("tmpfs/list", {"path": "/tmp"})["result"]
        assert [e["path"] for e in listing["entries"]] == ["/tmp/a"]
    finally:
        c.close()


# ---- the process: descriptors, environment, isolation --------------------

FDS = """
import os, stat
kinds = []
for fd in range(4096):
    try:
        st = os.fstat(fd)
    except OSError:
        continue
    kinds.append((fd, stat.S_IFMT(st.st_mode)))
print(kinds)
import ctypes
libc = ctypes.CDLL(None)
environ = ctypes.POINTER(ctypes.c_char_p).in_dll(libc, "environ")
env, i = [], 0
while environ[i]:
    env.append(environ[i])
    i += 1
print(sorted(env), sorted(os.environ.items()))
print(os.getcwd())
import posix
print(posix.environ is os.environ._data, sorted(os.environb) == sorted(k.encode() for k in os.environ))
"""


def test_descriptors_and_environment_as_cold() -> None:
    """After heavy preloads the warm jail holds the descriptors a cold one
    does (0-3), and its C environment is exactly the session's."""
    env = {"ONLY": "1", "PATH": "/x"}
    out = same_in_both(FDS, preload=HEAVY, env=env, cwd="/out",
                       filesystem=[{"type": "tmpfs", "target": "/out"}])
    assert out.splitlines()[1] == "[b'ONLY=1', b'PATH=/x'] [('ONLY', '1'), ('PATH', '/x')]"
    assert out.splitlines()[2] == "/out"
    assert out.splitlines()[3] == "True True"


def test_initialize_result_as_cold() -> None:
    """The isolation layers and limits a warm initialize reports are those
    of a cold one, as root (privileges dropped) and as nobody."""
    params = {"protocol_version": "1.1", "limits": {"memory_bytes": 300 << 20, "threads": 4}}
    results = []
    for mode in ("cold", "warm"):
        c = Child()
        try:
            if mode == "warm":
                assert "result" in warm(c, preload=["json"])
            results.append(c.initialize(**params)["result"])
        finally:
            c.close()
    assert results[0] == results[1]
    iso = results[1]["isolation"]
    assert iso["seccomp"] and iso["no_new_privs"] and iso["rlimits"] and iso["supervisor_filter"]
    assert iso["privileges_dropped"] == (os.geteuid() == 0)


# ---- the control channel after configure ---------------------------------

FORGED = """
import os, json
pad = "x" * 100000
os.write(3, json.dumps({"t": "result", "outcome": "exit", "exit_status": 7, "pad": pad}).encode() + b"\\n")
print("wrote")
"""


def test_oversized_jail_frame_after_configure() -> None:
    """The warm jail started with a 4 MiB control frame; the session's
    frame_bytes (64 KiB) bounds what the supervisor takes from it: a forged
    100 KB result written raw to the control socket is not a result."""
    out = run_both(FORGED, limits={"frame_bytes": 65536})
    for mode in ("cold", "warm"):
        res, _ = out[mode]
        assert res["outcome"] != "exit" and res["exit_status"] != 7, (mode, res)


def test_oversized_host_call_after_configure() -> None:
    """A host call larger than the session's frame_bytes fails in the jail
    as in a cold session, although the warm jail's reader started larger."""
    code = ("import sandbox\ntry:\n    sandbox.call('add', 'x' * 200000)\n"
            "except Exception as e:\n    print(type(e).__name__)\n")
    for mode in ("cold", "warm"):
        c = start(mode, limits={"frame_bytes": 65536}, host_functions=[{"name": "add"}])
        try:
            calls = []
            res = c.execute(code, host=lambda p: calls.append(p) or {"result": {"value": 1}})
            assert res["outcome"] == "ok", res
            assert calls == [] and c.output["stdout"] != b"", (mode, c.output)
        finally:
            c.close()


# ---- a hostile or buggy parent --------------------------------------------

@pytest.mark.parametrize("frag", [
    b'"preload":null', b'"preload":{}', b'"preload":[""]', b'"preload":["a..b"]', b'"preload":[".a"]',
    b'"preload":["1a"]', b'"preload":["\\u00e9t\\u00e9"]', b'"preload":["os/path"]', b'"preload":["os path"]',
    b'"preload":[null]', b'"preload":[["json"]]', b'"preload":"json"', b'"verbosity":7', b'"verbosity":-1',
    b'"verbosity":"1"', b'"preload":["../../etc/passwd"]',
])
def test_warm_bad_params_raw(child: Child, frag: bytes) -> None:
    """Raw warm frames with bad members: invalid_params, the session stays in new."""
    child.raw(b'{"jsonrpc":"2.0","id":1,"method":"warm","params":{"protocol_version":"1.1",' + frag + b'}}\n')
    res = child.recv()
    assert res["id"] == 1 and code_of(res) == -32602, res
    assert "result" in warm(child)


@pytest.mark.parametrize("body", [b'{"jsonrpc":"2.0","id":1,"method":"warm"}',
                                  b'{"jsonrpc":"2.0","id":1,"method":"warm","params":[]}',
                                  b'{"jsonrpc":"2.0","id":1,"method":"warm","params":null}',
                                  b'{"jsonrpc":"2.0","id":1,"method":"warm","params":{}}',
                                  b'{"jsonrpc":"2.0","id":1,"method":"warm","params":{"protocol_version":1.1}}'])
def test_warm_malformed_params(child: Child, body: bytes) -> None:
    child.raw(body + b"\n")
    res = child.recv()
    assert code_of(res) in (-32600, -32602), res  # params null: not a JSON-RPC request
    assert "result" in warm(child)


@pytest.mark.parametrize("frag", [
    b'"protocol_version":"1.0"', b'"protocol_version":"2.1"', b'"protocol_version":11',
    b'"protocol_version":"1.1","limits":{"memory_bytes":"1"}', b'"protocol_version":"1.1","limits":{"memory_bytes":1}',
    b'"protocol_version":"1.1","limits":{"threads":0}', b'"protocol_version":"1.1","limits":{"open_files":1e9}',
    b'"protocol_version":"1.1","limits":{"frame_bytes":1024}', b'"protocol_version":"1.1","limits":[]',
    b'"protocol_version":"1.1","env":{"A=B":"1"}', b'"protocol_version":"1.1","env":{"":"1"}',
    b'"protocol_version":"1.1","env":{"A":"a\\u0000b"}', b'"protocol_version":"1.1","env":{"A":1}',
    b'"protocol_version":"1.1","argv":"x"', b'"protocol_version":"1.1","argv":[1]',
    b'"protocol_version":"1.1","cwd":"tmp"', b'"protocol_version":"1.1","cwd":"/tmp/../etc"',
    b'"protocol_version":"1.1","filesystem":[{"type":"bind","source":"rel","target":"/d"}]',
    b'"protocol_version":"1.1","filesystem":[{"type":"file","target":"/a/../b","data":""}]',
    b'"protocol_version":"1.1","filesystem":[{"type":"device","target":"/dev/mem","device":"mem"}]',
    b'"protocol_version":"1.1","filesystem":{}', b'"protocol_version":"1.1","defaults":"no"',
    b'"protocol_version":"1.1","host_functions":[{"name":"a b"}]',
    b'"protocol_version":"1.1","host_functions":[{"name":"f"},{"name":"f"}]',
])
def test_initialize_in_warm_bad_params_raw(child: Child, frag: bytes) -> None:
    """Raw initialize frames with bad members, sent to a warm child: each is
    refused as in new and keeps the jail warm and unchanged (the warm
    layout and limits are not half-replaced); a good one then starts."""
    assert "result" in warm(child, preload=["json"])
    child.raw(b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{' + frag + b'}}\n')
    res = child.recv()
    assert res["id"] == 1 and code_of(res) in (-32602, -32005), res
    assert "result" in child.initialize(protocol_version="1.1", limits={"memory_bytes": 200 << 20})
    assert child.execute("import resource as r, os; print(r.getrlimit(r.RLIMIT_AS)[0], os.listdir('/tmp'))"
                         )["outcome"] == "ok"
    assert child.output["stdout"] == f"{200 << 20} []\n".encode()


def test_unsolicited_responses_in_warm(child: Child) -> None:
    """Responses the parent was never asked for (host call ids, hostfs ids,
    odd ids) reach a warm child: ignored, never answered, never taken for
    a later request's answer."""
    assert "result" in warm(child, preload=["json"])
    for rid in ("h1", "h0", "f1", 1, None, -1, {"a": 1}):
        child.send({"jsonrpc": "2.0", "id": rid, "result": {"value": "forged"}})
        child.send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32050, "message": "x",
                                                            "data": {"type": "ValueError"}}})
    assert "result" in child.initialize(protocol_version="1.1", host_functions=[{"name": "add"}],
                                        filesystem=[{"type": "host", "target": "/h"}])
    child.files = {"m.txt": b"real"}
    res = child.execute("import sandbox\nprint(sandbox.call('add', 1), open('/h/m.txt').read())",
                        host=lambda p: {"result": {"value": "real"}})
    assert res["outcome"] == "ok", res
    assert child.output["stdout"] == b"real real\n"


def test_pipelined_warm_initialize_execute(child: Child) -> None:
    """warm is synchronous: an initialize and an execute written in the
    same write as warm wait for it, and are answered in order."""
    frames = [{"jsonrpc": "2.0", "id": 1, "method": "warm",
               "params": {"protocol_version": "1.1", "preload": ["json", "decimal"]}},
              {"jsonrpc": "2.0", "id": 2, "method": "initialize",
               "params": {"protocol_version": "1.1", "limits": {"threads": 2}}},
              {"jsonrpc": "2.0", "id": 3, "method": "execute", "params": {"code": "print(6*7)"}}]
    child.raw(b"".join(json.dumps(f).encode() + b"\n" for f in frames))
    seen = []
    while len(seen) < 3:
        m = child.recv()
        if m.get("method") == "output":
            assert m["params"]["run"] == 3
            continue
        seen.append(m)
    assert [m["id"] for m in seen] == [1, 2, 3]
    assert all("result" in m for m in seen), seen
    assert seen[2]["result"]["outcome"] == "ok"


def test_pipelined_after_failed_preload(child: Child) -> None:
    """A preload that fails ends the session: a pipelined initialize is
    answered session_ended, never run on a half-started jail."""
    frames = [{"jsonrpc": "2.0", "id": 1, "method": "warm",
               "params": {"protocol_version": "1.1", "preload": ["json", "no_such_mod"]}},
              {"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {"protocol_version": "1.1"}},
              {"jsonrpc": "2.0", "id": 3, "method": "execute", "params": {"code": "print(1)"}}]
    child.raw(b"".join(json.dumps(f).encode() + b"\n" for f in frames))
    answers = [child.recv() for _ in range(3)]
    assert [code_of(a) for a in answers] == [-32006, -32003, -32003]


def _descendants(pid: int) -> list[int]:
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as f:
            for kid in f.read().split():
                out.append(int(kid))
                out += _descendants(int(kid))
    return out


def _jail_pid(child: Child) -> int:
    for pid in _descendants(child.proc.pid):
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() == "sandbox-jail":
                return pid
    raise AssertionError("no jail")


def test_jail_killed_while_warm(child: Child) -> None:
    """The warm jail dies before the session is known: initialize is
    session_ended, never an answer for a dead jail; the child exits 0."""
    assert "result" in warm(child, preload=["json"])
    os.kill(_jail_pid(child), signal.SIGKILL)
    time.sleep(0.3)
    assert code_of(child.initialize(protocol_version="1.1")) == -32003
    assert child.request("shutdown", {})["result"] == {}
    assert child.recv()["method"] == "ended"
    assert child.close() == 0


def test_jail_killed_during_initialize(child: Child) -> None:
    """Killing the jail as initialize arrives: whatever the order, the
    parent gets an error or a session that then reports its end, and the
    child neither hangs nor crashes."""
    assert "result" in warm(child)
    pid = _jail_pid(child)
    child.send({"jsonrpc": "2.0", "id": 9, "method": "initialize",
                "params": {"protocol_version": "1.1"}})
    os.kill(pid, signal.SIGKILL)
    res = child.recv()
    if "result" in res:
        time.sleep(0.2)
        assert code_of(child.request("execute", {"code": "1"})) == -32003
    else:
        assert code_of(res) in (-32006, -32003)
    assert child.request("shutdown", {})["result"] == {}
    assert child.close() == 0


def test_memory_limit_of_session_not_of_warm() -> None:
    """A warm jail's address space limit is the session's, not the warm
    template's largest one: an allocation above it is memory_limit."""
    c = start("warm", ["json"], limits={"memory_bytes": 128 << 20})
    try:
        assert c.execute("x = bytearray(200 << 20)")["outcome"] == "memory_limit"
    finally:
        c.close()


def test_initialize_twice_after_warm_session() -> None:
    """initialize in ready, after a warm session started: already_initialized,
    whatever its limits say (no second lowering, no re-raise)."""
    c = start("warm", ["json"], limits={"memory_bytes": 128 << 20})
    try:
        res = c.initialize(protocol_version="1.1", limits={"memory_bytes": 1 << 40})
        assert code_of(res) == -32001
        assert c.execute("import resource as r; print(r.getrlimit(r.RLIMIT_AS))")["outcome"] == "ok"
        assert c.output["stdout"] == f"({128 << 20}, {128 << 20})\n".encode()
    finally:
        c.close()


def test_bad_initialize_in_warm_many_times(child: Child) -> None:
    """A parent retrying bad initializes keeps the child warm and bounded:
    each is invalid_params, then a good one starts the session."""
    assert "result" in warm(child, preload=["json"])
    for i in range(50):
        res = child.initialize(protocol_version="1.1",
                               filesystem=[{"type": "tmpfs", "target": f"/t{j}"} for j in range(20)]
                               + [{"type": "nope", "target": "/x"}])
        assert code_of(res) == -32602
    assert "result" in child.initialize(protocol_version="1.1")
    assert child.execute("print(1)")["outcome"] == "ok"


@pytest.mark.parametrize("preload", [["antigravity"], ["__main__"], ["sandbox._runner"], ["_sandbox"],
                                     ["sandbox"], ["json"] * 64, ["__hello__", "__phello__"]])
def test_odd_preloads(child: Child, preload: list[str]) -> None:
    """Odd but valid preloads (modules with import side effects, the runner
    itself, duplicates up to the limit): the session still starts, and the
    first run's output is its own."""
    res = warm(child, preload=preload)
    assert "result" in res, res
    assert "result" in child.initialize(protocol_version="1.1")
    assert child.execute("print('mine')")["outcome"] == "ok"
    assert child.output == {"stdout": b"mine\n", "stderr": b""}

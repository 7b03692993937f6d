"""The attack suite's machinery: jail-side helpers, one case, one result.

A case is data (see cases.py): an id, a category, the routes it takes to
the boundary, the code the jail runs, and one expectation.  Every case
runs in a fresh child through tests/child/childproto.py, so one case that
kills its jail cannot disturb another.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "child"))

from childproto import Child  # noqa: E402

# Run before every case's code.  It gives two routes to any system call:
#   sc(nr, *args)    libc's syscall(), full 64-bit number and arguments;
#   raw(nr, *args)   a machine-code stub in an RWX page (no libc at all);
# both answer "ok" or the errno's name.  i386(nr, a, b, c) enters the
# kernel through int 0x80 (the 32-bit entry).  s2e() names an OSError.
# OTHER_PID is a pid of the jail's namespace that is not the jail.
PRELUDE = r'''
import ctypes as _ct, errno as _en, mmap as _mm, os, sys
_libc = _ct.CDLL(None, use_errno=True)
_libc.syscall.restype = _ct.c_long
_M = (1 << 64) - 1
def _u(x):
    return _ct.c_ulong(x & _M)
def _ename(e):
    return _en.errorcode.get(e, "E%d" % e)
def sc(nr, *a):
    _ct.set_errno(0)
    r = _libc.syscall(_u(nr), *[_u(x) for x in a])
    return _ename(_ct.get_errno()) if r == -1 else "ok"
_page = _mm.mmap(-1, 4096, prot=_mm.PROT_READ | _mm.PROT_WRITE | _mm.PROT_EXEC)
_page.write(bytes.fromhex(
    "4889f8" "4889f7" "4889d6" "4889ca" "4d89c2" "4d89c8" "4c8b4c2408"
    "0f05" "c3"))
_page.seek(256)
_page.write(bytes.fromhex("53" "89f8" "89f3" "4887ca" "cd80" "5b" "c3"))
_base = _ct.addressof(_ct.c_char.from_buffer(_page))
_stub = _ct.CFUNCTYPE(_ct.c_long, *([_ct.c_ulong] * 7))(_base)
_stub32 = _ct.CFUNCTYPE(_ct.c_int, *([_ct.c_ulong] * 4))(_base + 256)
def raw(nr, *a):
    a = list(a) + [0] * (6 - len(a))
    r = _stub(nr & _M, *[x & _M for x in a])
    return _ename(-r) if -4096 < r < 0 else "ok"
def i386(nr, a=0, b=0, c=0):
    r = _stub32(nr, a & _M, b & _M, c & _M)
    return _ename(-r) if -4096 < r < 0 else "ok"
def s2e(f, *a, **k):
    try:
        f(*a, **k)
    except OSError as e:
        return _ename(e.errno)
    return "ok"
# A pid in the jail's namespace that is not the jail: its init when the
# jail runs under one (pid 2 under pid 1), else pid 2.
OTHER_PID = 1 if os.getpid() != 1 else 2
def out(x):
    sys.stdout.write(str(x) + "\n")
    sys.stdout.flush()
'''


@dataclasses.dataclass(frozen=True)
class Expect:
    """One exact expectation on a run's result.

    path is a dotted path into the RunResult ("outcome", "violation",
    "exception.type", "usage.cpu_ms") or "stdout"; op is one of ==, <=,
    in, len<=, range; value is what it is compared with.
    """
    path: str
    op: str
    value: Any

    def describe(self) -> str:
        return f"{self.path} {self.op} {self.value!r}"


@dataclasses.dataclass(frozen=True)
class Case:
    """One attack: run `code` in a fresh session set up by `init`."""
    id: str
    category: str
    routes: tuple[str, ...]
    what: str
    code: str
    expect: Expect
    init: dict[str, Any] = dataclasses.field(default_factory=dict)
    host: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # A custom driver replaces "initialize + execute code" (raw frames).
    driver: Callable[["Session", "Case"], dict[str, Any]] | None = None
    prelude: bool = True
    timeout: float = 20.0


def violation(name: str, nr: int, arch: str = "x86_64") -> Expect:
    return Expect("violation", "==", {"syscall": name, "number": nr,
                                      "arch": arch})


def stdout(text: str) -> Expect:
    return Expect("stdout", "==", text)


def outcome(name: str) -> Expect:
    return Expect("outcome", "==", name)


class Session(Child):
    """A Child with the canaries of the run (Child records frame lengths)."""

    def __init__(self, timeout: float = 20.0) -> None:
        super().__init__(timeout)
        self.canary: dict[str, Any] = {}


def lookup(result: dict[str, Any], path: str) -> Any:
    cur: Any = result
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return KeyError(path)
        cur = cur[part]
    return cur


def check(expect: Expect, got: Any) -> bool:
    op, want = expect.op, expect.value
    if isinstance(got, KeyError):
        return False
    if op == "==":
        return bool(got == want)
    if op == "<=":
        return isinstance(got, int) and got <= want
    if op == "in":
        return got in want
    if op == "len<=":
        return isinstance(got, str) and len(got.encode()) <= want
    if op == "range":
        return isinstance(got, int) and want[0] <= got <= want[1]
    raise ValueError(f"unknown op {op}")


def format_code(case: Case, canary: dict[str, Any]) -> str:
    head = PRELUDE + f"CANARY = {canary!r}\n" if case.prelude else ""
    return head + case.code


def run_case(case: Case, canary: dict[str, Any]) -> tuple[Any, dict[str, Any], str]:
    """Runs CASE; returns (observed value, whole result, supervisor note).

    The note is "" when the supervisor answered shutdown and exited 0
    afterwards: no attack may crash or wedge it.
    """
    s = Session(timeout=case.timeout)
    s.canary = canary
    try:
        try:
            if case.driver:
                result = case.driver(s, case)
            else:
                init = s.initialize(**case.init)
                assert "result" in init, init
                result = s.execute(format_code(case, canary), host=case.host)
        except TimeoutError:
            # A wedged supervisor is a finding, reported like any other.
            result = {"outcome": f"no response in {case.timeout:g} s"}
            return (lookup(result, case.expect.path), result,
                    f"supervisor sent nothing for {case.timeout:g} s")
        result = dict(result)
        result["stdout"] = s.output["stdout"].decode(errors="replace")
        result["stderr_text"] = s.output["stderr"].decode(errors="replace")
        result["longest_frame"] = s.longest_frame
        note = supervisor_health(s)
    finally:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
    return lookup(result, case.expect.path), result, note


def supervisor_health(s: Session) -> str:
    try:
        res = s.request("shutdown")
    except (TimeoutError, OSError, AssertionError, ValueError) as e:
        return f"no shutdown response: {e!r}"
    if "result" not in res:
        return f"shutdown refused: {res}"
    rc = s.close()
    if rc != 0:
        return f"supervisor exited {rc}: {s.diagnostics()[-400:]}"
    return ""

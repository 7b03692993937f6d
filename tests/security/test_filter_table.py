"""The compiled filter, probed number by number from inside the jail.

For every x86_64 system call number 0..460 (and the x32-only range
512..547 called without the x32 bit) the jail calls the number through
the raw machine-code stub with harmless bad arguments (every argument -1
unless ARGS says otherwise) and the result is classified:

  violation     the supervisor ended the run naming the call
  forward       the call reached the supervisor (usage.forwarded_calls)
  errno E       the call failed with E without reaching the supervisor
  kernel        anything else: the kernel itself ran the call

and compared with `build/sandbox --print-policy` (allow / forward / kill /
errno E; a number the policy does not list must give ENOSYS, the
default).  A violation ends the session; a fresh one continues from the
next number.  Samples of x32 numbers and of the i386 entry (int 0x80)
must all end as violations of their architecture.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
from typing import Any

import report
from kit import PRELUDE, Session

SCMP_ARCH_X86_64 = 0xC000003E
_seccomp = ctypes.CDLL("libseccomp.so.2")
_seccomp.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p

# Calls that must not be made even with bad arguments: they would end or
# corrupt the probing thread rather than fail.
SKIP = {
    "exit": "ends the probing thread",
    "exit_group": "ends the jail",
    "rt_sigreturn": "restores a garbage signal frame and crashes",
    "pause": "waits for a signal forever",
}
# Calls whose -1 arguments the kernel itself answers with ENOSYS (or that
# need a safer argument), given arguments that fail differently.
ARGS = {
    "futex": (0, 0, 0, 0, 0, 0),          # FUTEX_WAIT on NULL: EFAULT
    "munmap": (1, 0),                     # unaligned: EINVAL, maps nothing
    "restart_syscall": (),
}
# The argument-checked rules (docs/architecture.md), with -1 arguments.
ARG_CHECKED = {
    "clone": "errno ENOSYS", "kill": "kill", "tgkill": "kill",
    "rt_sigqueueinfo": "kill", "rt_tgsigqueueinfo": "kill",
    "ioctl": "errno ENOSYS", "prctl": "errno ENOSYS",
    "prlimit64": "errno EPERM",
    # Unix stream sockets only (socketpair); -1 arguments reach the kernel.
    "sendmsg": "errno EINVAL", "recvmsg": "errno EINVAL",
    "sendto": "errno EFAULT", "recvfrom": "errno EFAULT",
    "getsockname": "errno EBADF", "getpeername": "errno EBADF",
    "getsockopt": "errno EBADF", "socketpair": "errno ENOSYS",
    "fcntl": "errno ENOSYS",
}
# Numbers the kernel runs without consulting seccomp at all (Linux 6.11+
# kernel/seccomp.c, the uprobe exception): uretprobe answers a call from
# outside its trampoline with SIGILL, uprobe with ENXIO.  Older kernels
# give the filter's ENOSYS.
KERNEL_PASSTHROUGH = {335: ("outcome crash", "errno ENOSYS"),
                      336: ("errno ENXIO", "errno ENOSYS")}
# Disagreements recorded in KNOWN-FAILURES.md (case id T-<nr>): number ->
# name.  Empty since getrlimit and setrlimit (T-97, T-160) were listed.
KNOWN_DISAGREEMENTS: dict[int, str] = {}
RANGES = list(range(0, 461)) + list(range(512, 548))
X32_SAMPLES = [0x40000000 | n for n in (0, 1, 2, 39, 59, 101, 257, 435, 512, 520)]
# i386 numbers that name allowed or forwarded x86_64 calls (3: i386 read,
# x86_64 close; 4: write, stat; 5: open, fstat) or multiplex many calls
# (102 socketcall, 117 ipc).
I386_SAMPLES = [1, 2, 3, 4, 5, 11, 20, 26, 102, 117, 120, 190, 295]


def syscall_name(nr: int) -> str | None:
    p = _seccomp.seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr)
    if not p:
        return None
    name = ctypes.string_at(p).decode()
    ctypes.CDLL(None).free(ctypes.c_void_p(p))
    return name


def printed_policy() -> dict[str, str]:
    out = subprocess.run([os.environ.get("PYSANDBOX_CHILD", os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        "build", "sandbox")), "--print-policy"], capture_output=True,
        text=True, check=True, timeout=10).stdout
    policy = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("syscall", "---"):
            policy[cells[0]] = cells[1]
    return policy


def expected(name: str | None, policy: dict[str, str]) -> str:
    if name in ARG_CHECKED:
        return ARG_CHECKED[name]
    action = policy.get(name or "", "errno ENOSYS")
    return "kernel" if action == "allow" else action


class Prober:
    """Runs one probe per execute, restarting the session after a kill."""

    def __init__(self) -> None:
        self.s: Session | None = None

    def _start(self) -> Session:
        s = Session(timeout=10)
        assert "result" in s.initialize(limits={"wall_ms": 3000}), "initialize"
        r = s.execute(PRELUDE)
        assert r["outcome"] == "ok", r
        return s

    def probe(self, code: str) -> tuple[str, dict[str, Any]]:
        if self.s is None:
            self.s = self._start()
        r = self.s.execute(code)
        text = self.s.output["stdout"].decode().strip()
        if r["outcome"] == "violation":
            self.close()
            return "kill", r
        if r["outcome"] != "ok":
            self.close()
            return f"outcome {r['outcome']}", r
        if r["usage"]["forwarded_calls"] > 0:
            return "forward", r
        if text == "ENOTSUP":
            text = "EOPNOTSUPP"     # one value, two names
        return ("kernel" if text == "ok" else f"errno {text}"), r

    def close(self) -> None:
        if self.s is not None:
            self.s.proc.kill()
            self.s.proc.wait()
            self.s = None


def classify(observed: str, want: str) -> bool:
    if want == "kernel":
        return observed == "kernel" or (observed.startswith("errno ") and
                                        observed != "errno ENOSYS")
    return observed == want


def test_filter_table() -> None:
    policy = printed_policy()
    prober = Prober()
    rows: list[tuple[Any, ...]] = []
    bad: list[tuple[Any, ...]] = []
    known: list[tuple[Any, ...]] = []
    try:
        for nr in RANGES:
            name = syscall_name(nr)
            if name in SKIP:
                rows.append((nr, name, "skipped", SKIP[name], True))
                continue
            args = ARGS.get(name or "", (-1,) * 6)
            observed, r = prober.probe(
                f"out(raw({nr}, {', '.join(map(str, args))}))\n")
            want = expected(name, policy)
            ok = classify(observed, want)
            if nr in KERNEL_PASSTHROUGH:
                want = " or ".join(KERNEL_PASSTHROUGH[nr]) + " (kernel bypass)"
                ok = observed in KERNEL_PASSTHROUGH[nr]
            if observed == "kill":
                v = r["violation"]
                ok = ok and v == {"syscall": name, "number": nr,
                                  "arch": "x86_64"}
                observed = f"kill {v}"
            if not ok and KNOWN_DISAGREEMENTS.get(nr) == name:
                observed += " (known: T-%d)" % nr
                known.append((nr, name, observed, want))
            elif not ok:
                bad.append((nr, name, observed, want))
            rows.append((nr, name, observed, want, ok))
        for nr in X32_SAMPLES:
            observed, r = prober.probe(f"out(raw({nr}, -1, -1, -1))\n")
            ok = observed == "kill"     # its naming: F-X32-REPORT-libc
            rows.append((nr, "x32", f"{observed} {r['violation']}", "kill", ok))
            if not ok:
                bad.append((nr, "x32", observed, r["violation"]))
        for nr in I386_SAMPLES:
            observed, r = prober.probe(f"out(i386({nr}, -1, -1, -1))\n")
            ok = observed == "kill"     # its naming: F-I386-REPORT-raw
            rows.append((nr, "i386", f"{observed} {r['violation']}", "kill", ok))
            if not ok:
                bad.append((nr, "i386", observed, r["violation"]))
    finally:
        prober.close()
    _report(rows, bad, known)
    assert not bad, f"{len(bad)} numbers disagree with the policy: {bad[:20]}"


def _report(rows: list[tuple[Any, ...]], bad: list[tuple[Any, ...]],
            known: list[tuple[Any, ...]]) -> None:
    counts: dict[str, int] = {}
    for _, _, observed, _, _ in rows:
        key = observed.split(" {")[0]
        counts[key] = counts.get(key, 0) + 1
    lines = ["## Filter table (test_filter_table.py)", "",
             f"{len(rows)} numbers probed through the raw stub; "
             f"{len(bad)} disagree with `--print-policy`"
             + (", besides the known (KNOWN-FAILURES.md): " + ", ".join(
                 f"{n} {m}" for n, m, _, _ in known) if known else "") + ".",
             "",
             "Observed classes: " + ", ".join(
                 f"{k} {v}" for k, v in sorted(counts.items())), "",
             "Skipped, with reason: " + "; ".join(
                 f"{k} ({v})" for k, v in SKIP.items()), ""]
    if bad:
        lines += ["| nr | name | observed | policy |", "|---|---|---|---|"]
        lines += [f"| {n} | {m} | {o} | {w} |" for n, m, o, w in bad]
    lines += ["", "<details><summary>Every number</summary>", "",
              "| nr | name | observed | policy | agrees |", "|---|---|---|---|---|"]
    lines += [f"| {n} | {m} | {o} | {w} | {'yes' if ok else 'NO'} |"
              for n, m, o, w, ok in rows]
    lines += ["", "</details>", ""]
    report.EXTRA.extend(lines)

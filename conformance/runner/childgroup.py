"""Group child: scripted parent sessions against the real child.

Uses tests/child/childproto.py to start the child with fds 3 and 4 and to
send raw bytes; every frame the child sends is checked against the schemas.
"""

from __future__ import annotations

import base64
import json
import os
import select
import socket
import subprocess
import sys
import time
from typing import Any

from cases import Case
from match import expand, match

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "child"))

import childproto  # noqa: E402
from schemas import BASE, for_version  # noqa: E402

PROTOCOL = os.path.join(ROOT, "protocol")
FAULTSHIM = os.path.join(ROOT, "build", "conformance", "faultshim.so")


def _pair_child(child: str, timeout: float) -> childproto.Child:
    """A Child whose fds 3 and 4 are the same socketpair end [REQ-PROC-9]."""
    mine, theirs = socket.socketpair()
    c = childproto.Child.__new__(childproto.Child)
    end = childproto._high(theirs.detach())  # above 9, so dup2 onto 3 and 4 cannot clobber it

    def fds() -> None:
        os.dup2(end, 3)
        os.dup2(end, 4)

    c.diag = childproto.tempfile.TemporaryFile()
    c.proc = subprocess.Popen([child], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=c.diag,
                              pass_fds=(3, 4), preexec_fn=fds, env={})
    os.close(end)
    c.w = c.r = childproto._high(mine.detach())
    c.timeout, c.buf, c.next_id, c.output = timeout, b"", 100, {"stdout": b"", "stderr": b""}
    return c


def _pipe_child(child: str, timeout: float, extra_fd: bool, env: dict[str, str]) -> tuple[childproto.Child, int | None]:
    """A Child with pipes on fds 3 and 4 and the environment ENV; with EXTRA_FD it
    also inherits a pipe's read end as fd 5, to check that the child keeps
    inherited descriptors from the jail (returns that pipe's inode)."""
    fds = [childproto._high(fd) for fd in os.pipe() + os.pipe() + (os.pipe() if extra_fd else ())]
    to_r, to_w, from_r, from_w = fds[:4]
    extra_r, extra_w = fds[4:] if extra_fd else (-1, -1)

    def setup() -> None:
        os.dup2(to_r, 3)
        os.dup2(from_w, 4)
        if extra_fd:
            os.dup2(extra_r, 5)

    c = childproto.Child.__new__(childproto.Child)
    c.diag = childproto.tempfile.TemporaryFile()
    c.proc = subprocess.Popen([child], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=c.diag,
                              pass_fds=(3, 4, 5) if extra_fd else (3, 4), preexec_fn=setup, env=env)
    ino = os.fstat(extra_r).st_ino if extra_fd else None
    for fd in (to_r, from_w, extra_r):
        if fd >= 0:
            os.close(fd)
    if extra_fd:
        c.extra_w = extra_w  # kept open so the pipe stays alive during the session
    c.w, c.r = to_w, from_r
    c.timeout, c.buf, c.next_id, c.output = timeout, b"", 100, {"stdout": b"", "stderr": b""}
    c.files, c.fs_requests = {}, []
    return c, ino


def fault_env(fault: str | None) -> dict[str, str]:
    """The child's environment for a case's "fault": the fault shim preloaded."""
    if fault is None:
        return {}
    if not os.path.isfile(FAULTSHIM):
        raise FileNotFoundError(f"no fault shim at '{FAULTSHIM}' (make build/conformance/faultshim.so)")
    return {"LD_PRELOAD": FAULTSHIM, "CONFORMANCE_FAULT": fault}


class Session:
    def __init__(self, child: str, timeout: float, pair: bool = False, extra_fd: bool = False,
                 fault: str | None = None) -> None:
        childproto.CHILD = child
        self.pair = pair
        self.extra_ino = None
        if pair:
            self.c = _pair_child(child, timeout)
        else:
            self.c, self.extra_ino = _pipe_child(child, timeout, extra_fd, fault_env(fault))
        self.child_open: set[str] = set()   # the child's outstanding request ids
        self.sent: dict[str, str] = {}      # our request ids -> methods
        self.fails: list[str] = []
        self.next_id = 1000  # clear of the small ids cases send by hand
        self.chunks: list[tuple[str, bytes]] = []  # the last request's output, in order
        self.version = "1.0"  # until the child answers initialize or warm

    def note_sent(self, msg: Any) -> None:
        if isinstance(msg, dict) and "method" in msg and "id" in msg:
            self.sent.setdefault(json.dumps(msg["id"]), msg["method"])

    def raw(self, data: bytes) -> None:
        for line in data.split(b"\n"):
            try:
                self.note_sent(json.loads(line))
            except ValueError:
                pass
        self.c.raw(data)

    def send(self, msg: Any) -> None:
        self.note_sent(msg)
        if isinstance(msg, dict) and "id" in msg and "method" not in msg:
            self.child_open.discard(json.dumps(msg["id"]))
        self.c.raw(json.dumps(msg, separators=(",", ":")).encode() + b"\n")

    def recv(self, timeout: float) -> Any:
        m = self.c.recv(timeout)
        if m is not None:
            self.validate(m)
        return m

    def negotiate(self, m: Any) -> None:
        """The version in force: the child's answer to initialize or warm names it ([REQ-VER-2])."""
        if isinstance(m, dict) and isinstance(m.get("result"), dict) \
                and self.sent.get(json.dumps(m.get("id"))) in ("initialize", "warm"):
            self.version = m["result"].get("protocol_version", self.version)

    def validate(self, m: Any) -> None:
        self.negotiate(m)
        sch = for_version(PROTOCOL, self.version)
        errs = sch.errors(BASE + "defs.json#/$defs/Message", m)
        uri = None
        if not errs and isinstance(m, dict):
            if "method" in m and "id" in m:
                key = json.dumps(m["id"])
                if key in self.child_open:
                    errs.append(f"[REQ-ID-1] the child reused its outstanding id {m['id']!r}")
                self.child_open.add(key)
            if "method" in m:
                uri = sch.methods.get(m["method"])
                if uri is None:
                    errs.append(f"unknown method {m['method']!r} in version {self.version}")
            else:
                key = json.dumps(m.get("id"))
                method = self.sent.pop(key, None) if "result" in m else self.sent.get(key)
                if method in sch.methods and sch.is_parent_request(method):
                    uri = sch.methods[method] + "#/$defs/response"
                elif "error" in m:
                    uri = BASE + "defs.json#/$defs/ErrorResponse"
                else:
                    errs = ["a success response to an id this parent never used"]
            if uri:
                errs += sch.errors(uri, m)
            if uri and not errs:
                errs += [f"[REQ-VER-2] {e}" for e in sch.undeclared(uri, m)]
        self.fails += [f"[schema] {e}: {json.dumps(m)[:150]}" for e in errs]

    def quiet(self, ms: int) -> Any:
        """The first frame within MS, or None."""
        end = time.monotonic() + ms / 1000
        while b"\n" not in self.c.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.c.r], [], [], left)[0]:
                return None
            chunk = os.read(self.c.r, 1 << 20)
            if not chunk:
                return None
            self.c.buf += chunk
        return self.recv(1)

    def request(self, step: dict[str, Any]) -> tuple[Any, dict[str, str], float]:
        """Sends STEP's request, answers host calls, returns the response."""
        self.next_id += 1
        rid = step.get("id", self.next_id)
        start = time.monotonic()
        msg = {"jsonrpc": "2.0", "id": rid, "method": step["request"]}
        if "params" in step:
            msg["params"] = step["params"]
        self.send(msg)
        out = {"stdout": b"", "stderr": b""}
        self.chunks = []
        while True:
            m = self.recv(step.get("wait_s", 20))
            if m is None:
                return None, {k: v.decode(errors="replace") for k, v in out.items()}, time.monotonic() - start
            if m.get("method") == "output":
                data = base64.b64decode(m["params"]["data"])
                out[m["params"]["stream"]] += data
                self.chunks.append((m["params"]["stream"], data))
            elif m.get("method") == "host/call":
                if "host" in step:
                    self.send({"jsonrpc": "2.0", "id": m["id"], **step["host"]})
            elif str(m.get("method")).startswith("hostfs/"):
                answer = step.get("hostfs", {}).get(m["method"][7:])
                if answer is None:
                    self.fails.append(f"unexpected {m['method']} for {m['params'].get('path')!r}")
                    answer = {"error": {"code": -32051, "message": "no", "data": {"errno": "ENOENT"}}}
                self.send({"jsonrpc": "2.0", "id": m["id"], **answer})
            elif m.get("id") == rid and "method" not in m:
                return m, {k: v.decode(errors="replace") for k, v in out.items()}, time.monotonic() - start
            else:
                self.fails.append(f"unexpected frame during {step['request']}: {json.dumps(m)[:200]}")


def runs(chunks: list[tuple[str, bytes]]) -> list[list[str]]:
    """CHUNKS as [stream, text] runs: consecutive chunks of one stream joined,
    so that a case sees the cross-stream order and not how the child cut
    each stream ([REQ-OUT-2])."""
    out: list[list[Any]] = []
    for stream, data in chunks:
        if out and out[-1][0] == stream:
            out[-1][1] += data
        else:
            out.append([stream, data])
    return [[stream, data.decode(errors="replace")] for stream, data in out]


def _step(s: Session, step: dict[str, Any], i: int) -> None:
    where = f"step {i}"
    if "send" in step:
        s.send(step["send"])
    elif "raw" in step:
        s.raw(step["raw"].encode("utf-8", "surrogatepass"))
    elif "raw_bytes" in step:
        s.raw(base64.b64decode(step["raw_bytes"]))
    elif "raw_repeat" in step:
        text, n = step["raw_repeat"]
        s.c.raw(text.encode() * n)
    elif "request" in step:
        resp, out, secs = s.request(step)
        s.fails += [f"{where}: {f}" for f in match(step.get("expect", {"$any": True}), resp)]
        if "output" in step:
            s.fails += [f"{where} output: {f}" for f in match(step["output"], out)]
        if "output_order" in step:
            s.fails += [f"{where} output order: {f}" for f in match(step["output_order"], runs(s.chunks))]
        if "within_s" in step and secs > step["within_s"]:
            s.fails.append(f"{where}: answered after {secs:.1f} s, more than {step['within_s']} s")
    elif "expect" in step:
        m = s.recv(step.get("wait_s", 10))
        s.fails += [f"{where}: {f}" for f in match(step["expect"], m)]
    elif "quiet_ms" in step:
        m = s.quiet(step["quiet_ms"])
        if m is not None:
            s.fails.append(f"{where}: child sent {json.dumps(m)[:200]}, expected nothing")
    elif "close" in step:
        _close(s, step, where)
    elif "jail_fds" in step:
        _jail_fds(s, where)
    elif "diagnostics_prefixed" in step:
        prefix = f"sandbox[{s.c.proc.pid}]: "
        lines = s.c.diagnostics().splitlines()
        bad = [ln for ln in lines if not ln.startswith(prefix)]
        if bad or len(lines) < step["diagnostics_prefixed"]:
            s.fails.append(f"{where}: {len(lines)} diagnostic lines, {len(bad)} without '{prefix}': {bad[:2]}")
    else:
        raise ValueError(f"{where}: unknown action {sorted(step)}")


JAIL_FDS = ("import os, json\nfds = []\nfor fd in range(3, 1024):\n    try:\n"
            "        fds.append([fd, os.fstat(fd).st_ino])\n    except OSError:\n        pass\n"
            "print(json.dumps(fds))")


def _jail_fds(s: Session, where: str) -> None:
    """The jail must hold none of the child's fds 3 and 4 nor an inherited one [REQ-SEC-6]."""
    resp, out, _ = s.request({"request": "execute", "params": {"code": JAIL_FDS}})
    try:
        fds = json.loads(out["stdout"])
    except ValueError:
        s.fails.append(f"{where}: the jail's descriptor list is not JSON: {out['stdout'][:200]!r} ({resp})")
        return
    ours = {os.fstat(s.c.w).st_ino: "the pipe of fd 3", os.fstat(s.c.r).st_ino: "the pipe of fd 4"}
    if s.extra_ino is not None:
        ours[s.extra_ino] = "the descriptor the child inherited as fd 5"
    for fd, ino in fds:
        if ino in ours:
            s.fails.append(f"{where}: the jail holds {ours[ino]} as its fd {fd}")


def _close(s: Session, step: dict[str, Any], where: str) -> None:
    """Reads to end of file (after closing fd 3 if asked); checks what came and the exit status."""
    if step["close"] == "fd3" and s.pair:
        sock = socket.socket(fileno=os.dup(s.c.w))
        sock.shutdown(socket.SHUT_WR)
        sock.close()
        s.c.w = -1
    elif step["close"] == "fd3":
        os.close(s.c.w)
        s.c.w = -1
    rest = []
    while True:
        m = s.recv(step.get("wait_s", 10))
        if m is None:
            break
        rest.append(m)
    s.fails += [f"{where} frames before end of file: {f}" for f in match(step.get("then", []), rest)]
    status = s.c.close()
    if "exit_status" in step:
        ok = status == step["exit_status"] if step["exit_status"] != "nonzero" else status != 0
        if not ok:
            s.fails.append(f"{where}: child exited with {status}, expected {step['exit_status']}")


def run_case(case: Case, child: str) -> list[str]:
    try:
        s = Session(child, case.timeout_s, case.body.get("transport") == "socketpair",
                    bool(case.body.get("inherit_extra_fd")), case.body.get("fault"))
    except FileNotFoundError as e:
        return [str(e)]
    try:
        for i, step in enumerate(expand(case.body["script"])):
            _step(s, step, i)
    except TimeoutError as e:
        s.fails.append(f"child sent nothing in time: {e}")
    except (ValueError, KeyError) as e:
        s.fails.append(f"bad frame or script: {type(e).__name__}: {e}")
    finally:
        if s.c.proc.poll() is None:
            s.c.proc.kill()
        s.c.proc.wait()
        for fd in {s.c.w, s.c.r, getattr(s.c, "extra_w", -1)} - {-1}:
            os.close(fd)
    return s.fails

"""A minimal protocol-v1 parent for the child's own tests.

It speaks to build/sandbox exactly as protocol/SPEC.md says, and lets a
test send raw bytes too, so bad input can be tested at the frame level.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import tempfile
import time
from typing import Any, Callable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHILD = os.environ.get("PYSANDBOX_CHILD", os.path.join(ROOT, "build", "sandbox"))


def _high(fd: int) -> int:
    """Moves FD above 9, so that dup2 onto 3 and 4 cannot clobber it."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Child:
    """One child process with fds 3 (to it) and 4 (from it) as pipes."""

    # The longest frame received, LF included (a class default, so that
    # subclasses with their own transport have it too).
    longest_frame = 0

    def __init__(self, timeout: float = 20.0) -> None:
        to_r, to_w = (_high(fd) for fd in os.pipe())
        from_r, from_w = (_high(fd) for fd in os.pipe())
        self.timeout = timeout
        self.diag = tempfile.TemporaryFile()

        def fds() -> None:
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)
            os.close(to_r)
            os.close(from_w)

        # subprocess closes every descriptor but pass_fds after
        # preexec_fn, so 3 and 4 are named there.
        self.proc = subprocess.Popen(
            [CHILD], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.diag, pass_fds=(3, 4), preexec_fn=fds,
            env={})
        os.close(to_r)
        os.close(from_w)
        self.w = to_w
        self.r = from_r
        self.buf = b""
        self.next_id = 100
        self.output: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        self.files: dict[str, bytes | None] = {}  # hostfs: None is a dir
        self.fs_requests: list[str] = []

    def raw(self, data: bytes) -> None:
        os.write(self.w, data)

    def send(self, msg: dict[str, Any]) -> None:
        self.raw(json.dumps(msg).encode() + b"\n")

    def recv(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next message, or None at end of file."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("child sent nothing")
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        self.longest_frame = max(self.longest_frame, len(line) + 1)
        return json.loads(line)

    def request(self, method: str, params: dict[str, Any] | None = None,
                host: Callable[[dict[str, Any]], dict[str, Any]] | None = None
                ) -> dict[str, Any]:
        """Sends a request; answers host calls; returns the response."""
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method,
                   "params": params or {}})
        while True:
            m = self.recv()
            assert m is not None, "child closed fd 4"
            if m.get("method") == "output":
                p = m["params"]
                assert p["run"] == rid
                self.output[p["stream"]] += base64.b64decode(p["data"])
            elif m.get("method") == "host/call":
                answer = host(m["params"]) if host else {"result": {"value": None}}
                self.send({"jsonrpc": "2.0", "id": m["id"], **answer})
            elif str(m.get("method")).startswith("hostfs/"):
                answer = self.hostfs(m["method"], m["params"])
                self.send({"jsonrpc": "2.0", "id": m["id"], **answer})
            elif m.get("id") == rid:
                return m
            else:
                raise AssertionError(f"unexpected message {m}")

    def hostfs(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Serves hostfs/* from self.files ("dir/name" -> bytes, or None
        for a directory; "" is the root)."""
        path = params["path"]
        self.fs_requests.append(f"{method} {path}")
        if path != "" and path not in self.files:
            return {"error": {"code": -32051, "message": "missing",
                              "data": {"errno": "ENOENT"}}}
        data = self.files.get(path)
        if method == "hostfs/stat":
            kind = "dir" if data is None else "file"
            return {"result": {"type": kind, "size": len(data or b""),
                               "mode": 0o755 if data is None else 0o644}}
        if method == "hostfs/read":
            if data is None:
                return {"error": {"code": -32051, "message": "dir",
                                  "data": {"errno": "EISDIR"}}}
            return {"result": {"data": base64.b64encode(data).decode()}}
        prefix = path + "/" if path else ""
        names = {p[len(prefix):].split("/")[0]: p for p in self.files
                 if p.startswith(prefix) and p != path}
        entries = [{"name": n, "type": "dir" if self.files.get(prefix + n, b"") is None
                    else "file"} for n in sorted(names)]
        return {"result": {"entries": entries}}

    def initialize(self, **params: Any) -> dict[str, Any]:
        params.setdefault("protocol_version", "1.0")
        return self.request("initialize", params)

    def execute(self, code: str, **kw: Any) -> dict[str, Any]:
        self.output = {"stdout": b"", "stderr": b""}
        res = self.request("execute", {"code": code, **kw.pop("params", {})}, **kw)
        assert "result" in res, res
        return res["result"]

    def close(self) -> int:
        """Closes fd 3 (end of file for the child) and reaps it."""
        if self.w >= 0:
            os.close(self.w)
            self.w = -1
        try:
            self.proc.wait(timeout=self.timeout)
        finally:
            if self.r >= 0:
                os.close(self.r)
                self.r = -1
        return self.proc.returncode

    def diagnostics(self) -> str:
        self.diag.seek(0)
        return self.diag.read().decode(errors="replace")

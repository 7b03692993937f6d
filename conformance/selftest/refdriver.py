#!/usr/bin/python3.11
"""A small reference parent that meets the driver contract of
docs/conformance.md directly, written from protocol/SPEC.md alone. The
suite's self-test runs it as the working driver and, with --break, as the
deliberately broken ones:

  refdriver.py [--break frame-limit|no-timeout|drop-output|stream-runs|later-minor] [--child PATH] < session.json

  frame-limit   sends frames whatever their size (ignores [REQ-FRAME-8])
  no-timeout    waits for every response forever (ignores [REQ-TIME-3])
  drop-output   loses the output notifications' bytes
  stream-runs   assumes one stream's chunks are not interleaved with the
                other's: decodes each run of one stream apart (ignores [REQ-OUT-2])
  later-minor   sends execute and invoke a member no negotiated version
                declares (ignores [REQ-VER-2])
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "conformance", "runner"))

from schemas import BASE, Schemas  # noqa: E402

NAMES = {-32700: "parse_error", -32600: "invalid_request", -32601: "method_not_found", -32602: "invalid_params",
         -32603: "internal_error", -32000: "not_initialized", -32001: "already_initialized", -32002: "busy",
         -32003: "session_ended", -32004: "frame_too_large", -32005: "unsupported_version",
         -32006: "setup_failed", -32007: "filesystem_error", -32008: "not_found", -32009: "not_tmpfs",
         -32010: "is_directory", -32050: "host_error", -32051: "fs_error"}
FATAL = {"timeout", "cpu_limit", "memory_limit", "output_limit", "violation", "crash", "cancelled"}
HOST_TYPES = {"ValueError", "TypeError", "KeyError", "IndexError", "LookupError", "PermissionError",
              "FileNotFoundError", "TimeoutError", "RuntimeError", "SandboxError"}


class Failure(Exception):
    """A failure of the contract's ERROR vocabulary."""

    def __init__(self, kind: str, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.kind, self.code = kind, code

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "message": str(self)}
        if self.code is not None:
            out.update(code=self.code, name=NAMES.get(self.code, "unknown"))
        return out


def _high(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class Parent:
    def __init__(self, case: dict[str, Any], child: str, breaks: str | None) -> None:
        self.case, self.breaks = case, breaks
        self.schemas = Schemas(os.path.join(ROOT, "protocol", "schema"))
        self.limit = 1 << 20
        self.limits: dict[str, int] = {}
        self.buf, self.discarding = b"", False
        self.next_id, self.responses = 0, {}
        self.run: Any = None
        self.out = {"stdout": b"", "stderr": b""}
        self.last_stream: str | None = None
        self.deferred: list[tuple[float, dict[str, Any]]] = []
        self.closing = self.ended = self.broken = False
        self.hosts = {e["target"]: e.get("files", {}) for e in case.get("filesystem") or [] if e.get("type") == "host"}
        self.functions = {f["name"]: f for f in case.get("host_functions") or []}
        self.start(child)

    def start(self, child: str) -> None:
        to_r, to_w = (_high(fd) for fd in os.pipe())
        from_r, from_w = (_high(fd) for fd in os.pipe())

        def fds() -> None:
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        try:
            self.proc = subprocess.Popen([child], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, pass_fds=(3, 4), preexec_fn=fds, env={})
        except OSError as e:
            raise Failure("spawn", f"cannot start {child}: {e}") from None
        finally:
            os.close(to_r)
            os.close(from_w)
        self.w, self.r = to_w, from_r

    # ---- frames out -------------------------------------------------
    def write(self, msg: dict[str, Any]) -> None:
        data = json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        if len(data) > self.limit and self.breaks != "frame-limit":
            raise Failure("frame_too_large", f"frame of {len(data)} bytes over the limit of {self.limit}")
        view = memoryview(data)
        try:
            while view:  # the whole frame, one writer [REQ-FRAME-3]
                view = view[os.write(self.w, view):]
        except OSError:
            raise Failure("child_exited", "the child closed fd 3") from None

    def answer(self, rid: Any, result: Any = None, error: dict[str, Any] | None = None) -> None:
        if self.closing:
            return  # [REQ-SHUT-3]
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
        msg.update({"error": error} if error else {"result": result})
        try:
            self.write(msg)
        except Failure as f:
            if f.kind != "frame_too_large":
                raise
            self.write({"jsonrpc": "2.0", "id": rid, "error": {"code": -32603, "message": "answer too large"}})

    # ---- frames in --------------------------------------------------
    def pump(self, timeout: float) -> None:
        """Reads what fd 4 has within TIMEOUT and handles every whole frame."""
        if self.deferred:
            timeout = max(0.0, min(timeout, self.deferred[0][0] - time.monotonic()))
        if select.select([self.r], [], [], timeout)[0]:
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise Failure("child_exited", "the child closed fd 4")
            self.take(chunk)
        while self.deferred and self.deferred[0][0] <= time.monotonic():
            _, msg = self.deferred.pop(0)
            self.answer(msg["id"], msg.get("result"), msg.get("error"))

    def take(self, chunk: bytes) -> None:
        self.buf += chunk
        while True:
            nl = self.buf.find(b"\n")
            if self.discarding:
                if nl < 0:
                    self.buf = b""
                    return
                self.buf, self.discarding = self.buf[nl + 1:], False
                continue
            if nl < 0:
                if len(self.buf) >= self.limit:  # [REQ-BAD-2]: drop it without buffering
                    self.buf, self.discarding = b"", True
                    self.answer(None, error={"code": -32004, "message": "frame too large"})
                return
            line, self.buf = self.buf[:nl], self.buf[nl + 1:]
            if nl + 1 > self.limit:
                self.answer(None, error={"code": -32004, "message": "frame too large"})
                continue
            self.frame(line)

    def frame(self, line: bytes) -> None:
        try:
            msg = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            self.answer(None, error={"code": -32700, "message": "malformed JSON"})
            return
        if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
            if not (isinstance(msg, dict) and ("result" in msg or "error" in msg) and "method" not in msg):
                self.answer(None, error={"code": -32600, "message": "not JSON-RPC 2.0"})
            return
        if "method" not in msg:
            key = json.dumps(msg.get("id"))
            if key in self.responses and self.responses[key] is None:
                self.responses[key] = msg  # [REQ-BAD-10]: others are ignored
            return
        if "id" in msg:
            self.request(msg)
        elif msg["method"] == "output":
            self.output(msg)

    def output(self, msg: dict[str, Any]) -> None:
        if self.schemas.errors(BASE + "output.json", msg):
            raise Failure("protocol", "invalid output notification")  # [REQ-BAD-16]
        p = msg["params"]
        if p["run"] != self.run or self.breaks == "drop-output":
            return  # [REQ-STATE-7]
        data = base64.b64decode(p["data"])
        if self.breaks == "stream-runs" and self.last_stream not in (None, p["stream"]):
            # A stream switch taken as the end of the other stream's text so far.
            other = self.out[self.last_stream]
            self.out[self.last_stream] = other.decode(errors="replace").encode()
        self.last_stream = p["stream"]
        self.out[p["stream"]] += data
        if sum(map(len, self.out.values())) > self.limits.get("output_bytes", 16 << 20):
            raise Failure("protocol", "the child sent more output than output_bytes")

    def request(self, msg: dict[str, Any]) -> None:
        method, rid = msg["method"], msg["id"]
        uri = self.schemas.methods.get(method)
        if uri is None or method not in ("host/call", "hostfs/stat", "hostfs/read", "hostfs/list"):
            self.answer(rid, error={"code": -32601, "message": f"no method {method[:100]}"})
            return
        errs = self.schemas.errors(uri, msg)
        if errs:
            self.answer(rid, error={"code": -32602, "message": errs[0][:200], "data": {"field": ""}})
        elif method == "host/call":
            self.host_call(rid, msg["params"])
        else:
            self.hostfs(rid, method, msg["params"])

    def host_call(self, rid: Any, p: dict[str, Any]) -> None:
        if p["run"] != self.run:
            self.answer(rid, error={"code": -32602, "message": "not the run in progress", "data": {"field": "/run"}})
            return
        spec = self.functions.get(p["function"])
        if spec is None:
            self.answer(rid, error={"code": -32602, "message": "no such function", "data": {"field": "/function"}})
            return
        if "raises" in spec:
            t = spec["raises"]["type"]
            reply = {"id": rid, "error": {"code": -32050, "message": spec["raises"]["message"],
                                          "data": {"type": t if t in HOST_TYPES else "SandboxError"}}}
        elif spec.get("echo"):
            reply = {"id": rid, "result": {"value": [p["args"], p["kwargs"]]}}
        elif spec.get("add"):
            reply = {"id": rid, "result": {"value": sum(a for a in p["args"] if isinstance(a, (int, float)))}}
        else:
            reply = {"id": rid, "result": {"value": spec.get("returns")}}
        size = len(json.dumps({"jsonrpc": "2.0", **reply}, separators=(",", ":"), ensure_ascii=False).encode()) + 1
        if size > self.limits.get("host_call_bytes", 1 << 20):
            reply = {"id": rid, "error": {"code": -32050, "message": "answer too large", "data": {"type": "ValueError"}}}
        due = time.monotonic() + spec.get("sleep_ms", 0) / 1000
        self.deferred.append((due, reply))
        self.deferred.sort(key=lambda d: d[0])

    def hostfs(self, rid: Any, method: str, p: dict[str, Any]) -> None:
        files = self.hosts.get(p["target"])
        path = p["path"]
        if files is None:
            return self.answer(rid, error=_fs("ENOENT"))
        if path and any(c in ("", ".", "..") for c in path.split("/")):
            return self.answer(rid, error={"code": -32602, "message": "bad path", "data": {"field": "/path"}})
        dirs = {""} | {"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)}
        if method == "hostfs/stat":
            if path in dirs:
                return self.answer(rid, {"type": "dir", "size": 0, "mode": 0o555})
            if path in files:
                return self.answer(rid, {"type": "file", "size": len(files[path].encode()), "mode": 0o444})
            return self.answer(rid, error=_fs("ENOENT"))
        if method == "hostfs/read":
            if path in dirs:
                return self.answer(rid, error=_fs("EISDIR"))
            if path not in files:
                return self.answer(rid, error=_fs("ENOENT"))
            return self.answer(rid, {"data": base64.b64encode(files[path].encode()).decode()})
        if path in files:
            return self.answer(rid, error=_fs("ENOTDIR"))
        if path not in dirs:
            return self.answer(rid, error=_fs("ENOENT"))
        prefix = path + "/" if path else ""
        names = {}
        for f in list(files) + sorted(dirs - {""}):
            if f.startswith(prefix) and f != path:
                rest = f[len(prefix):]
                names.setdefault(rest.split("/")[0], "dir" if "/" in rest or f in dirs else "file")
        return self.answer(rid, {"entries": [{"name": n, "type": t} for n, t in sorted(names.items())]})

    # ---- requests out -----------------------------------------------
    def call(self, method: str, params: dict[str, Any], wait_ms: int) -> Any:
        self.next_id += 1
        rid = self.next_id
        key = json.dumps(rid)
        self.responses[key] = None
        if self.breaks == "later-minor" and method in ("execute", "invoke"):
            params = dict(params, trace=True)
        self.write({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.monotonic() + wait_ms / 1000
        while self.responses[key] is None:
            left = deadline - time.monotonic()
            if left <= 0 and self.breaks != "no-timeout":
                raise Failure("timeout", f"no answer to {method} within {wait_ms} ms")  # [REQ-TIME-4]
            self.pump(max(0.0, min(left, 0.5)) if self.breaks != "no-timeout" else 0.5)
        resp = self.responses.pop(key)
        if "error" in resp:
            err = resp["error"]
            code = err.get("code") if isinstance(err, dict) else None
            raise Failure("remote", str(err.get("message", ""))[:300] if isinstance(err, dict) else "", code)
        if self.schemas.errors(self.schemas.methods[method] + "#/$defs/response", resp):
            raise Failure("protocol", f"invalid {method} response")  # [REQ-BAD-16], [REQ-SEC-3]
        return resp["result"]

    def warm(self, w: Any) -> str:
        """Protocol 1.1's warm with the case's preload; the version it negotiated,
        or 1.0 when the child does not know warm and starts cold [REQ-WARM-1]."""
        if not isinstance(w, dict) or not isinstance(w.get("preload", []), list):
            raise Failure("invalid_argument", "warm must be {\"preload\": [MODULE, ...]}")
        try:
            res = self.call("warm", {"protocol_version": "1.1", "preload": w.get("preload", [])}, 30000)
        except Failure as f:
            if f.kind == "remote" and f.code == -32601:
                return "1.0"
            raise
        return res["protocol_version"]

    def initialize(self) -> dict[str, Any]:
        c = self.case
        # A warm child keeps the version warm negotiated [REQ-WARM-2].
        params: dict[str, Any] = {"protocol_version": self.warm(c["warm"]) if "warm" in c else "1.0"}
        for k in ("limits", "defaults", "env", "argv", "cwd"):
            if k in c:
                params[k] = c[k]
        params["filesystem"] = [{k: v for k, v in e.items() if k != "files"} for e in c.get("filesystem") or []]
        params["host_functions"] = [{"name": f["name"]} for f in c.get("host_functions") or []]
        res = self.call("initialize", params, 30000)
        self.limits = res["limits"]
        self.limit = self.limits["frame_bytes"]  # [REQ-FRAME-7]
        self.caps = res["capabilities"]
        return {k: res[k] for k in ("protocol_version", "child", "python", "isolation", "limits")}

    def step(self, s: dict[str, Any]) -> dict[str, Any]:
        if self.ended:
            raise Failure("session_ended", "the session has ended")
        for name, cap in (("invoke", "invoke"), ("tmpfs_list", "tmpfs"), ("tmpfs_read", "tmpfs"), ("cancel", "cancel")):
            if name in s and not self.caps.get(cap):
                raise Failure("unsupported", f"the child does not support {cap}")  # [REQ-VER-4]
        if "execute" in s or "invoke" in s:
            return {"result": self.run_step(s)}
        if "tmpfs_list" in s:
            return self.call("tmpfs/list", {"path": s["tmpfs_list"]}, 5000)
        if "tmpfs_read" in s:
            data, offset = b"", 0
            while True:
                r = self.call("tmpfs/read", {"path": s["tmpfs_read"], "offset": offset}, 5000)
                chunk = base64.b64decode(r["data"])
                data, offset = data + chunk, offset + len(chunk)
                if r["eof"] or not chunk:
                    return {"data": base64.b64encode(data).decode()}
        if "cancel" in s:
            return self.call("cancel", {}, 5000)
        raise ValueError(f"unknown step {json.dumps(s)[:100]}")

    def run_step(self, s: dict[str, Any]) -> dict[str, Any]:
        x = s.get("execute") or s["invoke"]
        method = "execute" if "execute" in s else "invoke"
        params = {k: x[k] for k in ("code", "path", "filename", "callable", "args", "kwargs") if k in x}
        if "stdin" in x:
            params["stdin_data"] = base64.b64encode(x["stdin"].encode()).decode()
        self.out = {"stdout": b"", "stderr": b""}
        self.last_stream: str | None = None
        self.run = self.next_id + 1
        try:
            res = self.call(method, params, self.limits["wall_ms"] + 5000)
        finally:
            self.run = None
            # The run is over: stop working on its host calls [REQ-HOST-8], but answer them
            # now, before any next run [REQ-STATE-6].
            pending, self.deferred = self.deferred, []
            for _, msg in pending:
                self.answer(msg["id"], error={"code": -32603, "message": "the run has ended"})
        self.ended = res["outcome"] in FATAL
        return dict(res, **{k: v.decode(errors="replace") for k, v in self.out.items()})

    def close(self) -> None:
        """Shutdown, then end of file; kill after the grace period; reap [REQ-PROC-7]."""
        try:
            if self.proc.poll() is None and self.w >= 0 and not self.broken:
                self.closing = True  # no answers once shutdown is sent [REQ-SHUT-3]
                self.call("shutdown", {}, 5000)
        except Failure:
            pass
        self.closing = True
        if self.w >= 0:
            os.close(self.w)
            self.w = -1
        end = time.monotonic() + 2
        try:
            while time.monotonic() < end and self.proc.poll() is None:
                self.pump(0.1)
        except Failure:
            pass  # fd 4 is closed: nothing more to read, but the child may still be exiting
        try:
            self.proc.wait(max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        os.close(self.r)


def _fs(errno: str) -> dict[str, Any]:
    return {"code": -32051, "message": errno, "data": {"errno": errno}}


def main(argv: list[str]) -> int:
    breaks = child = None
    while argv:
        if argv[0] == "--break" and len(argv) > 1:
            breaks, argv = argv[1], argv[2:]
        elif argv[0] == "--child" and len(argv) > 1:
            child, argv = argv[1], argv[2:]
        else:
            print("usage: refdriver.py [--break MODE] [--child PATH] < session.json", file=sys.stderr)
            return 2
    try:
        case = json.load(sys.stdin)
        assert isinstance(case, dict)
    except (ValueError, AssertionError):
        print("refdriver: the session is not a JSON object", file=sys.stderr)
        return 2
    child = child or os.environ.get("PYSANDBOX_CHILD") or os.path.join(ROOT, "build", "sandbox")
    out: dict[str, Any] = {"initialize": None, "steps": [], "error": None}
    parent = None
    try:
        parent = Parent(case, child, breaks)
        out["initialize"] = parent.initialize()
        for s in case.get("steps") or []:
            try:
                out["steps"].append(parent.step(s))
            except Failure as f:
                if f.kind not in ("remote", "session_ended", "frame_too_large", "unsupported"):
                    raise
                out["steps"].append({"error": f.json()})
    except Failure as f:
        out["error"] = f.json()
        if parent is not None:
            parent.broken = f.kind in ("timeout", "protocol", "child_exited")
    finally:
        if parent is not None:
            parent.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

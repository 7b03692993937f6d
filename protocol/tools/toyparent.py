#!/usr/bin/python3.11
"""A toy parent of the python-sandbox protocol v1, written from SPEC.md alone.

It starts the child, initializes a session that exposes one host function,
runs `print(1+1)`, runs code that calls the host function, prints what came
back and shuts the session down. Standard library only; requirement anchors
in comments point at the SPEC.md sentences each step follows.

  toyparent.py [--child PATH] [--record FILE]

The child is PATH, else $PYSANDBOX_CHILD, else build/sandbox. --record
writes every frame of the session to FILE in the format of
protocol/examples/ ({"dir": "-->"|"<--", "msg": ...} per line, "raw" for a
frame that is not JSON), for `check.py --transcript FILE`.

Exit status 0 when both runs end with outcome ok, 1 otherwise.
"""

import argparse
import base64
import json
import os
import select
import signal
import subprocess
import sys
import time

INITIAL_FRAME = 1 << 20                  # REQ-FRAME-5
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND = -32700, -32600, -32601
INVALID_PARAMS, FRAME_TOO_LARGE = -32602, -32004
HOST_ERROR, FS_ERROR = -32050, -32051
GRACE_S = 2.0                            # REQ-TIME-4


class ChildError(Exception):
    """The child broke the protocol, timed out or went away."""


class ChildGone(ChildError):
    """End of file on fd 4."""


def greet(name, punctuation="!"):
    """The host function the sandboxed code may call."""
    if not isinstance(name, str) or not isinstance(punctuation, str):
        raise TypeError("greet(name: str, punctuation: str = '!')")
    return f"hello, {name}{punctuation}"


HOST_FUNCTIONS = {"greet": greet}


def spawn(path):
    """Starts PATH with fd 3 (its input) and fd 4 (its output), REQ-PROC-1.

    The child's ends are moved onto fds 3 and 4 here, around Popen, because
    pass_fds keeps descriptor numbers; whatever the parent had on 3 and 4
    is saved and restored. Not thread-safe, which a toy can afford.
    """
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    saved = {fd: _dup_if_open(fd) for fd in (3, 4)}
    ends = [os.dup(to_child_r), os.dup(from_child_w)]
    for fd in (to_child_r, from_child_w):
        os.close(fd)
    try:
        os.dup2(ends[0], 3)
        os.dup2(ends[1], 4)
        child = subprocess.Popen([path], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 pass_fds=(3, 4), close_fds=True)   # REQ-PROC-4, REQ-PROC-5
    finally:
        for fd in (3, 4):
            if saved[fd] is None:
                os.close(fd)
            else:
                os.dup2(saved[fd], fd)
                os.close(saved[fd])
        for fd in ends:
            os.close(fd)
    # The child's stderr is ours: it never blocks on it (REQ-PROC-3).
    return child, to_child_w, from_child_r


def _dup_if_open(fd):
    try:
        return os.dup(fd)
    except OSError:
        return None


class Session:
    """One child: frames in both directions and request bookkeeping."""

    def __init__(self, path, record=None):
        self.record = record
        self.child, self.out_fd, self.in_fd = spawn(path)
        self.limit = INITIAL_FRAME
        self.buffer = b""
        self.discarding = False
        self.frames = []
        self.next_id = 1
        self.run = None
        self.ended = None
        self.eof = False

    # ---- frames ----------------------------------------------------------

    def send(self, msg):
        frame = json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        if len(frame) > self.limit:                                  # REQ-FRAME-8
            raise ChildError(f"refusing to send a frame of {len(frame)} bytes")
        self.log("-->", frame[:-1])
        view = memoryview(frame)
        while view:                                                  # REQ-FRAME-3
            view = view[os.write(self.out_fd, view):]

    def next_frame(self, deadline):
        """The next complete frame, read before DEADLINE (or raises)."""
        while True:
            self.frames.extend(self._split())
            if self.frames:
                return self.frames.pop(0)
            if self.eof:
                raise ChildGone("the child closed fd 4")            # REQ-BAD-15
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildError("timed out waiting for the child")  # REQ-TIME-4
            ready, _, _ = select.select([self.in_fd], [], [], left)
            if ready:
                chunk = os.read(self.in_fd, 65536)
                self.eof = not chunk                                 # REQ-BAD-13
                self.buffer += chunk

    def _split(self):
        frames = []
        while True:
            cut = self.buffer.find(b"\n")
            if self.discarding:
                if cut < 0:
                    self.buffer = b""                                # REQ-BAD-2: no buffering
                    return frames
                self.buffer, self.discarding = self.buffer[cut + 1:], False
                continue
            if cut < 0:
                if len(self.buffer) >= self.limit:
                    self.buffer, self.discarding = b"", True
                    self.send(error(None, FRAME_TOO_LARGE, "frame too large"))
                return frames
            if cut + 1 > self.limit:
                self.buffer = self.buffer[cut + 1:]
                self.send(error(None, FRAME_TOO_LARGE, "frame too large"))
                continue
            frames.append(self.buffer[:cut])
            self.buffer = self.buffer[cut + 1:]

    # ---- messages --------------------------------------------------------

    def request(self, method, params, timeout):
        """Sends a request; handles everything else until its response."""
        rid = self.next_id
        self.next_id += 1                                            # REQ-ID-2
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.monotonic() + timeout                        # REQ-TIME-3
        while True:
            reply = self.dispatch(self.next_frame(deadline), rid)
            if reply is not None:
                return reply

    def log(self, direction, frame):
        if self.record is None:
            return
        try:
            entry = {"dir": direction, "msg": json.loads(frame)}
        except ValueError:
            entry = {"dir": direction, "raw": frame.decode("utf-8", "replace")}
        self.record.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def dispatch(self, frame, rid):
        """Handles one frame; returns the response to RID when it is one."""
        self.log("<--", frame)
        try:
            msg = json.loads(frame.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            self.send(error(None, PARSE_ERROR, "parse error"))      # REQ-BAD-1
            return None
        if not isinstance(msg, dict):
            self.send(error(None, INVALID_REQUEST, "not a JSON-RPC 2.0 message"))  # REQ-BAD-3
            return None
        if msg.get("jsonrpc") != "2.0" and "method" in msg:
            self.send(error(msg["id"] if valid_id(msg) else None,
                            INVALID_REQUEST, "not a JSON-RPC 2.0 message"))
            return None
        if "method" not in msg:
            return self.response(msg, rid)                          # REQ-BAD-4
        if "id" in msg:
            self.answer(msg)
        else:
            self.notification(msg)
        return None

    def response(self, msg, rid):
        if msg.get("id") != rid or not valid_id(msg):
            note(f"ignored a response to id {msg.get('id')!r}")     # REQ-BAD-10
            return None
        if msg.get("jsonrpc") != "2.0" or ("result" in msg) == ("error" in msg):
            raise ChildError("invalid response to our request")     # REQ-BAD-16
        return msg

    def answer(self, msg):
        """Answers a request of the child."""
        rid = msg["id"]
        if not valid_id(msg) or not isinstance(msg["method"], str):
            self.send(error(rid if valid_id(msg) else None, INVALID_REQUEST, "bad request"))
            return
        params = msg.get("params", {})                               # REQ-JSON-2
        if not isinstance(params, dict):
            self.send(error(rid, INVALID_PARAMS, "params must be an object", {"field": ""}))
            return
        method = msg["method"]
        if method == "host/call":
            self.send(self.host_call(rid, params))
        elif method in ("hostfs/stat", "hostfs/read", "hostfs/list"):
            # This parent has no host entries (REQ-HOSTFS-2).
            self.send(error(rid, FS_ERROR, "no such host entry", {"errno": "ENOENT"}))
        else:
            self.send(error(rid, METHOD_NOT_FOUND, f"unknown method {method!r}"))  # REQ-BAD-7

    def host_call(self, rid, params):
        if params.get("run") != self.run:                            # REQ-STATE-7
            return error(rid, INVALID_PARAMS, "no such run", {"field": "/run"})
        function = HOST_FUNCTIONS.get(params.get("function"))
        args, kwargs = params.get("args"), params.get("kwargs")
        if function is None:
            return error(rid, INVALID_PARAMS, "unknown host function", {"field": "/function"})
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            return error(rid, INVALID_PARAMS, "args and kwargs", {"field": "/args"})
        try:
            return {"jsonrpc": "2.0", "id": rid, "result": {"value": function(*args, **kwargs)}}
        except (TypeError, ValueError, KeyError) as e:               # REQ-HOST-4, REQ-HOST-5
            return error(rid, HOST_ERROR, str(e), {"type": type(e).__name__})

    def notification(self, msg):
        params = msg.get("params", {})
        if msg["method"] == "output" and isinstance(params, dict):
            if params.get("run") != self.run or params.get("stream") not in ("stdout", "stderr"):
                return                                               # REQ-STATE-7
            try:
                data = base64.b64decode(params.get("data", ""), validate=True)
            except (TypeError, ValueError):
                raise ChildError("output with invalid base64") from None  # REQ-BAD-16
            stream = sys.stdout if params["stream"] == "stdout" else sys.stderr
            stream.buffer.write(data)                                # REQ-OUT-5: bytes as they are
            stream.flush()
        elif msg["method"] == "ended" and isinstance(params, dict):
            self.ended = params
        # Any other notification is ignored (REQ-BAD-8).

    # ---- session -----------------------------------------------------------

    def initialize(self):
        reply = self.request("initialize", {
            "protocol_version": "1.0",
            "limits": {"wall_ms": 10000},
            "host_functions": [{"name": name} for name in HOST_FUNCTIONS],
        }, timeout=30.0)
        result = checked_result(reply, "initialize")
        if not str(result.get("protocol_version", "")).startswith("1."):
            raise ChildError(f"child speaks {result.get('protocol_version')!r}")  # REQ-INIT-2
        limits = result.get("limits", {})
        frame = limits.get("frame_bytes")
        if not isinstance(frame, int) or not 65536 <= frame <= 67108864:
            raise ChildError("initialize result without a valid limits.frame_bytes")
        self.limit = frame                                           # REQ-FRAME-7
        return result

    def execute(self, code, wall_ms):
        self.run = self.next_id                                      # the run's id, REQ-STATE-7
        try:
            reply = self.request("execute", {"code": code}, timeout=wall_ms / 1000 + 5.0)
        finally:
            self.run = None
        return checked_result(reply, "execute")

    def shutdown(self):
        """REQ-SHUT-2/3: answer, ended, end of file; then reap (REQ-PROC-7)."""
        try:
            checked_result(self.request("shutdown", {}, timeout=5.0), "shutdown")
            deadline = time.monotonic() + GRACE_S
            while True:
                self.dispatch(self.next_frame(deadline), None)
        except ChildGone:
            pass
        except ChildError as e:
            note(str(e))
        finally:
            self.close()

    def close(self):
        os.close(self.out_fd)                                        # REQ-TIME-4
        try:
            self.child.wait(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            self.child.send_signal(signal.SIGKILL)
            self.child.wait()
        os.close(self.in_fd)


def valid_id(msg):
    rid = msg.get("id")                                              # REQ-JSON-4
    if isinstance(rid, bool):
        return False
    return (isinstance(rid, str) and len(rid.encode()) <= 256) or \
        (isinstance(rid, int) and abs(rid) <= 2**53 - 1)


def error(rid, code, message, data=None):
    err = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": rid, "error": err}


def checked_result(reply, method):
    if "error" in reply:
        err = reply["error"] if isinstance(reply["error"], dict) else {}
        raise ChildError(f"{method} failed: {err.get('code')} {err.get('message')!r} "
                         f"{json.dumps(err.get('data'))}")
    if not isinstance(reply["result"], dict):
        raise ChildError(f"{method}: result is not an object")      # REQ-BAD-16
    return reply["result"]


def note(text):
    print(f"toyparent: {text}", file=sys.stderr)


def summary(result):
    outcome = result.get("outcome")
    line = f"outcome {outcome}, session_usable {result.get('session_usable')}"
    if isinstance(result.get("exception"), dict):
        line += f", {result['exception'].get('type')}: {result['exception'].get('message')}"
    return line


def main(argv):
    parser = argparse.ArgumentParser(description="a toy parent of protocol v1")
    parser.add_argument("--child", help="the child program (REQ-PROC-8)")
    parser.add_argument("--record", type=argparse.FileType("w", encoding="utf-8"),
                        help="write the session's frames to this file")
    args = parser.parse_args(argv)
    path = args.child or os.environ.get("PYSANDBOX_CHILD") or "build/sandbox"

    try:
        session = Session(path, args.record)
    except OSError as e:
        note(f"cannot start {path!r}: {e.strerror}")
        return 1
    try:
        info = session.initialize()
        note(f"child {info.get('child')} python {info.get('python')} "
             f"isolation {json.dumps(info.get('isolation'))}")
        wall_ms = info["limits"]["wall_ms"]
        results = [session.execute("print(1+1)", wall_ms),
                   session.execute("import sandbox\nprint(sandbox.call('greet', 'world'))",
                                   wall_ms)]
    except ChildError as e:
        note(str(e))
        session.close()
        return 1
    session.shutdown()
    for result in results:
        print(f"toyparent: {summary(result)}")
    note(f"ended: {session.ended}")
    return 0 if all(r.get("outcome") == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

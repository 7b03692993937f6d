#!/usr/bin/python3.11
"""Temporary adapters from the parents' current drivers to the driver
contract of docs/conformance.md. Each one goes away once its parent's own
driver meets the contract (the report of issue 7 lists what each must change).

  adapt.py node [--child PATH] < session.json
  adapt.py php  [--child PATH] < session.json
  adapt.py c    [--child PATH] < session.json    (through the pysandbox CLI)

What an adapter does: run the parent's driver unchanged and rewrite its
error objects to carry the contract's "kind". The C adapter also translates
a one-execute session into pysandbox CLI options, and answers
{"kind": "unsupported"} for anything the CLI cannot express.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NODE_KINDS = {
    "ERR_REMOTE": "remote", "ERR_TIMEOUT": "timeout", "ERR_CHILD_EXITED": "child_exited",
    "ERR_PROTOCOL": "protocol", "ERR_BUSY": "busy", "ERR_SESSION_ENDED": "session_ended",
    "ERR_FRAME_TOO_LARGE": "frame_too_large", "ERR_INVALID_ARG": "invalid_argument",
    "ERR_INVALID_OPTION": "invalid_argument", "ERR_SPAWN": "spawn", "ERR_CLOSED": "closed",
}
PHP_KINDS = {
    "RemoteException": "remote", "TimeoutException": "timeout", "ChildExitedException": "child_exited",
    "ProtocolException": "protocol", "InvalidOptionException": "invalid_argument",
    "SpawnException": "spawn", "UnsupportedException": "unsupported",
}


def node_kind(err: dict[str, Any]) -> str:
    return NODE_KINDS.get(str(err.get("node_code")), "other")


def php_kind(err: dict[str, Any]) -> str:
    cls = str(err.get("class"))
    if cls == "SessionStateException":
        return "busy" if "in progress" in str(err.get("message")) else "session_ended"
    return PHP_KINDS.get(cls, "other")


def normalise(out: dict[str, Any], kind) -> dict[str, Any]:
    """Adds "kind" to every error object of OUT."""
    if isinstance(out.get("error"), dict):
        out["error"]["kind"] = kind(out["error"])
    for step in out.get("steps") or []:
        if isinstance(step, dict) and isinstance(step.get("error"), dict):
            step["error"]["kind"] = kind(step["error"])
    return out


def wrap(argv: list[str], child: list[str], stdin: bytes, kind) -> int:
    proc = subprocess.run(argv + child, input=stdin, stdout=subprocess.PIPE)
    if proc.returncode != 0:
        sys.stdout.buffer.write(proc.stdout)
        return proc.returncode
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        sys.stdout.buffer.write(proc.stdout)
        return 0
    print(json.dumps(normalise(out, kind)))
    return 0


def unsupported(what: str) -> int:
    print(json.dumps({"initialize": None, "steps": [], "error": {
        "kind": "unsupported", "message": f"the pysandbox CLI cannot express {what}"}}))
    return 0


def _size(v: int) -> str:
    return str(v)


def cli_args(case: dict[str, Any], tmp: str) -> list[str] | str:
    """pysandbox options for CASE, or what the CLI cannot express."""
    names = {"memory_bytes": "--memory", "cpu_ms": "--cpu", "wall_ms": "--wall", "output_bytes": "--output",
             "open_files": "--open-files", "threads": "--threads", "frame_bytes": "--frame",
             "host_call_bytes": "--host-call", "file_bytes": "--file-size"}
    args: list[str] = []
    for k, v in (case.get("limits") or {}).items():
        if k not in names:
            return f"limit {k}"
        args += [names[k], f"{v}ms" if k.endswith("_ms") else _size(v)]
    for i, e in enumerate(case.get("filesystem") or []):
        t = e.get("type")
        if t == "bind":
            args += ["--bind", f"{e['source']}:{e['target']}"]
            for g in e.get("include") or []:
                args += ["--bind-include", g]
            for g in e.get("exclude") or []:
                args += ["--bind-exclude", g]
        elif t == "tmpfs":
            spec = e["target"]
            if "max_bytes" in e or "max_files" in e:
                spec += f":{e.get('max_bytes', 67108864)}:{e.get('max_files', 4096)}"
            args += ["--tmpfs", spec]
        elif t == "file" and "mode" not in e:
            import base64
            host = os.path.join(tmp, f"file{i}")
            with open(host, "wb") as f:
                f.write(base64.b64decode(e["data"]))
            args += ["--file", f"{host}:{e['target']}"]
        else:
            return f"filesystem entry {json.dumps(e)[:80]}"
    if case.get("defaults") is False:
        args.append("--no-defaults")
    for k, v in (case.get("env") or {}).items():
        args += ["--env", f"{k}={v}"]
    if "cwd" in case:
        args += ["--cwd", case["cwd"]]
    for key in ("host_functions", "argv"):
        if case.get(key):
            return key
    steps = case.get("steps") or []
    if len(steps) != 1 or set(steps[0]) != {"execute"} or set(steps[0]["execute"]) != {"code"}:
        return "a session other than one execute step with code"
    return args + ["-c", steps[0]["execute"]["code"]]


def c_driver(child: list[str], stdin: bytes) -> int:
    case = json.loads(stdin)
    with tempfile.TemporaryDirectory(prefix="conformance-c-") as tmp:
        args = cli_args(case, tmp)
        if isinstance(args, str):
            return unsupported(args)
        cli = os.path.join(ROOT, "build", "pysandbox")
        proc = subprocess.run([cli, "run", "--json"] + child + args, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        err = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        kind = {126: "spawn", 127: "protocol"}.get(proc.returncode, "remote")
        print(json.dumps({"initialize": None, "steps": [], "error": {"kind": kind, "message": err[0]}}))
        return 0
    if not isinstance(out.get("result"), dict):
        kind = {126: "spawn", 127: "protocol"}.get(proc.returncode, "remote")
        print(json.dumps({"initialize": None, "steps": [], "error": {
            "kind": kind, "message": proc.stderr.decode(errors="replace").strip()[-300:]}}))
        return 0
    info = out.get("child") or {}
    init = {k: info.get(k) for k in ("protocol_version", "child", "python", "isolation", "limits")}
    result = dict(out.get("result") or {}, stdout=out.get("stdout", ""), stderr=out.get("stderr", ""))
    print(json.dumps({"initialize": init if info else None, "steps": [{"result": result}], "error": None}))
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("node", "php", "c") or argv[1:2] not in ([], ["--child"]):
        print("usage: adapt.py node|php|c [--child PATH] < session.json", file=sys.stderr)
        return 2
    child = argv[1:3]
    stdin = sys.stdin.buffer.read()
    if argv[0] == "node":
        return wrap(["node", os.path.join(ROOT, "parents/node/conformance-driver.js")], child, stdin, node_kind)
    if argv[0] == "php":
        return wrap(["php", os.path.join(ROOT, "parents/php/bin/conformance-driver")], child, stdin, php_kind)
    return c_driver(["--child", child[1]] if child else [], stdin)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

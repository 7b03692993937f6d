#!/usr/bin/python3.11
"""Temporary adapters from the parents' current drivers to the driver
contract of docs/conformance.md. Each one goes away once its parent's own
driver meets the contract (the report of issue 7 lists what each must change).

  adapt.py node [--child PATH] < session.json
  adapt.py php  [--child PATH] < session.json

What an adapter does: run the parent's driver unchanged and rewrite its
error objects to carry the contract's "kind". The C parent's driver
(build/c/conformance-driver) meets the contract and needs no adapter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("node", "php") or argv[1:2] not in ([], ["--child"]):
        print("usage: adapt.py node|php [--child PATH] < session.json", file=sys.stderr)
        return 2
    child = argv[1:3]
    stdin = sys.stdin.buffer.read()
    if argv[0] == "node":
        return wrap(["node", os.path.join(ROOT, "parents/node/conformance-driver.js")], child, stdin, node_kind)
    return wrap(["php", os.path.join(ROOT, "parents/php/bin/conformance-driver")], child, stdin, php_kind)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

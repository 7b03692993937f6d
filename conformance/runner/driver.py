"""Running a driver on one session (the contract of docs/conformance.md)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Any

MAX_OUTPUT = 64 << 20


@dataclass
class DriverRun:
    status: int | None          # exit status; None when killed after its time
    output: Any                 # parsed stdout, or None
    problem: str | None         # why the run does not count, or None
    stderr: str
    seconds: float


def run_driver(cmd: str, child: str | None, session: dict[str, Any], timeout: float,
               env: dict[str, str] | None = None) -> DriverRun:
    """Runs CMD once with SESSION on stdin; never waits longer than TIMEOUT."""
    argv = shlex.split(cmd) + (["--child", child] if child else [])
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            env=dict(os.environ, **env) if env else None)
    try:
        out, err = proc.communicate(json.dumps(session).encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return DriverRun(None, None, f"driver did not finish within {timeout:g} s",
                         err[-2000:].decode(errors="replace"), time.monotonic() - start)
    secs = time.monotonic() - start
    errtext = err[-2000:].decode(errors="replace")
    if proc.returncode != 0:
        return DriverRun(proc.returncode, None,
                         f"driver exited with status {proc.returncode}", errtext, secs)
    if len(out) > MAX_OUTPUT:
        return DriverRun(0, None, "driver output larger than 64 MiB", errtext, secs)
    try:
        parsed = json.loads(out)
    except ValueError as e:
        return DriverRun(0, None, f"driver output is not JSON: {e}: {out[:200]!r}", errtext, secs)
    if not isinstance(parsed, dict) or not {"initialize", "steps", "error"} <= parsed.keys():
        return DriverRun(0, None, f"driver output lacks initialize/steps/error: {out[:200]!r}", errtext, secs)
    return DriverRun(0, parsed, None, errtext, secs)

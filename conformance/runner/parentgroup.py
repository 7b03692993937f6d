"""Group parent: a parent's driver against the scripted mock child.

The runner writes the case's script and a wrapper that execs the mock child
with it, passes the wrapper as the driver's child path, and then checks the
driver's output and the mock child's log: every frame the parent sent must
validate against protocol/schema/ and match the case's expectations.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from typing import Any

from cases import Case
from driver import run_driver
from match import expand, match
from schemas import Schemas, for_version

PROTOCOL = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "protocol")

INIT_RESULT: dict[str, Any] = {
    "protocol_version": "1.0",
    "child": {"name": "python-sandbox", "version": "1.0.0-mock"},
    "python": {"version": "3.11.2", "implementation": "cpython"},
    "capabilities": {"execute": True, "invoke": True, "tmpfs": True, "hostfs": True, "cancel": True},
    "isolation": {"seccomp": True, "no_new_privs": True, "privileges_dropped": False, "uid": 1000,
                  "landlock_abi": 0, "namespaces": ["user", "pid"], "rlimits": True,
                  "supervisor_filter": False},
    "limits": {"memory_bytes": 536870912, "cpu_ms": 10000, "wall_ms": 30000, "output_bytes": 16777216,
               "open_files": 256, "threads": 16, "host_call_bytes": 1048576, "frame_bytes": 4194304,
               "file_bytes": 67108864},
}
RUN_RESULT: dict[str, Any] = {
    "outcome": "ok", "session_usable": True, "exit_status": None, "exception": None,
    "usage": {"wall_ms": 1, "cpu_ms": 1, "peak_memory_bytes": 1048576, "forwarded_calls": 0,
              "host_calls": 0, "stdout_bytes": 0, "stderr_bytes": 0},
    "violation": None, "signal": None,
}
FAILING_NOTES = ("expected ", "timed out", "bad script", "storm:")


def load_schemas(directory: str) -> Schemas:
    return Schemas(directory)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for k, v in over.items():
            out[k] = _merge(out.get(k), v)
        return out
    return copy.deepcopy(over)


def script_macros(value: Any) -> Any:
    """Expands {"$INIT": overrides} and {"$RESULT": overrides} in a script."""
    if isinstance(value, dict):
        if len(value) == 1 and "$INIT" in value:
            return _merge(INIT_RESULT, value["$INIT"])
        if len(value) == 1 and "$RESULT" in value:
            return _merge(RUN_RESULT, value["$RESULT"])
        return {k: script_macros(v) for k, v in value.items()}
    if isinstance(value, list):
        return [script_macros(v) for v in value]
    return value


def read_log(path: str) -> list[dict[str, Any]]:
    records = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            records.append(json.loads(line))
    return records


def _frames(records: list[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    out = []
    for r in records:
        if r.get("dir") == direction and "frame" in r:
            try:
                out.append({"msg": json.loads(r["frame"]), "len": r["len"], "t": r["t"]})
            except ValueError:
                out.append({"msg": None, "len": r["len"], "t": r["t"], "text": r["frame"][:200]})
    return out


def _negotiated(msg: Any, direction: str, version: Any) -> Any:
    """The protocol version in force after MSG: the one the parent asks for in
    warm or initialize until the child answers it with the one both now speak."""
    if not isinstance(msg, dict):
        return version
    if direction == "in" and msg.get("method") in ("warm", "initialize") and isinstance(msg.get("params"), dict):
        return msg["params"].get("protocol_version", version)
    res = msg.get("result")
    if direction == "out" and isinstance(res, dict) and "protocol_version" in res \
            and ("capabilities" in res or "preloaded" in res):
        return res["protocol_version"]
    return version


def global_checks(records: list[dict[str, Any]], schemas: Schemas, case: Case) -> list[str]:
    """What every parent must do in every session, whatever the case. Frames
    are checked against the schemas of the version in force ([REQ-VER-2]);
    SCHEMAS serves until a version is named."""
    fails: list[str] = []
    child_requests: dict[str, str] = {}
    open_ids: set[str] = set()
    limit = 1 << 20
    version = None
    for r in records:
        if "note" in r and r["note"].startswith(FAILING_NOTES):
            fails.append(f"mock child: {r['note']}")
        if r.get("event") == "oversized":
            fails.append("[REQ-FRAME-8] parent sent a frame over 64 MiB")
        if "frame" not in r:
            continue
        try:
            msg = json.loads(r["frame"])
        except ValueError:
            if r["dir"] == "in":
                fails.append(f"[REQ-FRAME-1] parent sent a frame that is not JSON: {r['frame'][:100]!r}")
            continue
        version = _negotiated(msg, r["dir"], version)
        if r["dir"] == "out":
            if isinstance(msg, dict) and "method" in msg and "id" in msg:
                child_requests[json.dumps(msg["id"])] = msg["method"]
            if isinstance(msg, dict) and "id" in msg and "method" not in msg:
                open_ids.discard(json.dumps(msg["id"]))
                res = msg.get("result")
                if isinstance(res, dict) and isinstance(res.get("limits"), dict):
                    limit = res["limits"].get("frame_bytes", limit)
            continue
        if r["len"] + 1 > limit:
            fails.append(f"[REQ-FRAME-8] parent sent a frame of {r['len'] + 1} bytes over the limit of {limit}")
        in_force = for_version(PROTOCOL, version) if version is not None else schemas
        fails += [f"[REQ-SEC-3/schema] {e}: {r['frame'][:120]}"
                  for e in in_force.check_parent_frame(msg, child_requests)]
        if isinstance(msg, dict) and "method" in msg and "id" in msg:
            key = json.dumps(msg["id"])
            if key in open_ids:
                fails.append(f"[REQ-ID-1] parent reused its outstanding id {msg['id']!r}")
            open_ids.add(key)
        err = msg.get("error") if isinstance(msg, dict) else None
        if isinstance(err, dict) and isinstance(err.get("code"), int) and -32049 <= err["code"] <= -32000 \
                and err["code"] != -32004:
            # frame_too_large is in the child's range, yet [REQ-BAD-2] makes any receiver send it.
            fails.append(f"[REQ-ERR-2] parent sent code {err['code']} of the child's range")
    return fails


def _sent_checks(body: dict[str, Any], sent: list[Any]) -> list[str]:
    fails: list[str] = []
    if "sent" in body:
        fails += [f"sent: {f}" for f in match(body["sent"], sent)]
    for exp in body.get("sent_has", []):
        if not any(not match(exp, m) for m in sent):
            fails.append(f"parent never sent a frame matching {json.dumps(exp)[:200]}")
    for exp in body.get("sent_none", []):
        bad = [m for m in sent if not match(exp, m)]
        if bad:
            fails.append(f"parent sent {json.dumps(bad[0])[:200]}, matching {json.dumps(exp)[:150]}")
    for first, then in body.get("sent_order", []):
        i = next((n for n, m in enumerate(sent) if not match(first, m)), None)
        j = next((n for n, m in enumerate(sent) if not match(then, m)), None)
        if j is not None and (i is None or i > j):
            fails.append(f"parent sent {json.dumps(then)[:120]} before {json.dumps(first)[:120]}")
    for exp, count in body.get("sent_count", []):
        n = sum(1 for m in sent if not match(exp, m))
        if n != count:
            fails.append(f"parent sent {n} frames matching {json.dumps(exp)[:150]}, expected {count}")
    return fails


def run_case(case: Case, driver: str, mockchild: str, schemas: Schemas) -> list[str]:
    body = case.body
    with tempfile.TemporaryDirectory(prefix="conformance-") as tmp:
        script, log, wrapper = (os.path.join(tmp, n) for n in ("script.json", "log.jsonl", "child"))
        with open(script, "w") as f:
            json.dump(script_macros(body["script"]), f)
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec '{mockchild}' '{script}' '{log}'\n")
        if body.get("child_writable_by_others"):
            # [REQ-SEC-12]: any user can replace this child, so no parent can trust it.
            os.chmod(tmp, 0o755)
            os.chmod(wrapper, 0o777)
        else:
            os.chmod(wrapper, 0o755)
        open(log, "w").close()
        run = run_driver(driver, wrapper, expand(body["session"]), case.timeout_s)
        records = read_log(log)
    if run.problem:  # the log may still say why the driver got stuck
        fails = [run.problem] + [f"stderr: {x}" for x in run.stderr.splitlines()[-5:]]
    else:
        fails = match(expand(body.get("expect", {})), run.output)
    fails += global_checks(records, schemas, case)
    sent = [f["msg"] for f in _frames(records, "in")]
    fails += _sent_checks(body, sent)
    startup = [r for r in records if r.get("event") == "startup"]
    if "startup" in body:
        fails += [f"child's start: {f}" for f in match(body["startup"], startup[0] if startup else None)]
    events = [r.get("event") for r in records]
    if run.problem:
        return fails
    if body.get("expect_eof") and "eof" not in events:
        fails.append("[REQ-TIME-4/REQ-BAD-16] parent never closed fd 3")
    for k, cmp in (("max_seconds", lambda a, b: a > b), ("min_seconds", lambda a, b: a < b)):
        if k in body and cmp(run.seconds, body[k]):
            fails.append(f"driver took {run.seconds:.1f} s ({k} {body[k]})")
    return fails

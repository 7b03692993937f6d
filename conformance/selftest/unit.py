"""Fast checks of the suite itself (make conformance-unit, part of make test):
the matcher on a table of cases, and every case file loading with anchors
that protocol/SPEC.md defines."""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "conformance", "runner"))

import cases  # noqa: E402
import deviations  # noqa: E402
from match import expand, match  # noqa: E402
from schemas import BASE, for_version  # noqa: E402

# (expectation, actual, matches?)
TABLE = [
    ({"a": 1}, {"a": 1, "b": 2}, True),
    ({"a": 1}, {"a": 2}, False),
    ({"a": 1}, {}, False),
    ([1, 2], [1, 2], True),
    ([1, 2], [1, 2, 3], False),
    (True, 1, False),
    (1, True, False),
    (None, None, True),
    ({"a": {"$absent": True}}, {}, True),
    ({"a": {"$absent": True}}, {"a": None}, False),
    ({"a": {"$one_of": [{"$absent": True}, None]}}, {}, True),
    ({"a": {"$one_of": [{"$absent": True}, None]}}, {"a": 0}, False),
    ({"$re": "^ab+$"}, "abbb", True),
    ({"$re": "^ab+$"}, 5, False),
    ({"$contains": "x"}, "axb", True),
    ({"$gte": 3}, 3, True),
    ({"$gte": 3}, True, False),
    ({"$lte": 3}, 4, False),
    ({"$len": 2}, "ab", True),
    ({"$lenlte": 2}, [1, 2, 3], False),
    ({"$has": {"k": 1}}, [{"k": 2}, {"k": 1}], True),
    ({"$has": {"k": 1}}, [], False),
    ({"$not": 0}, 1, True),
    ({"$not": 0}, 0, False),
    ({"$type": "boolean"}, False, True),
    ({"$type": "integer"}, 1.5, False),
    ({"$any": True}, None, True),
    ({"x": {"$any": True}}, {}, False),
]

# [REQ-VER-2]: (schema, frame, the members found undeclared)
RUN = {"outcome": "ok", "session_usable": True, "exit_status": None, "exception": None, "violation": None,
       "signal": None, "usage": {"wall_ms": 1, "cpu_ms": 1, "peak_memory_bytes": 1, "forwarded_calls": 0,
                                 "host_calls": 0, "stdout_bytes": 0, "stderr_bytes": 0}}
STRICT = [
    ("execute.json", {"jsonrpc": "2.0", "id": 1, "method": "execute", "params": {"code": "x"}}, []),
    ("execute.json", {"jsonrpc": "2.0", "id": 1, "method": "execute", "params": {"code": "x", "trace": 1}},
     ["trace"]),
    ("execute.json", {"jsonrpc": "2.0", "id": 1, "method": "execute", "params": {"code": "x"}, "x": 1}, ["x"]),
    ("initialize.json", {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocol_version": "1.0", "env": {"ANY": "name"}, "limits": {"wall_ms": 5, "later": 1},
        "filesystem": [{"type": "tmpfs", "target": "/t", "quota": 1}], "host_functions": [{"name": "f", "doc": ""}]}},
     ["later", "quota", "doc"]),
    ("execute.json#/$defs/response", {"jsonrpc": "2.0", "id": 1, "result": dict(RUN, value={"free": [{"form": 1}]})},
     []),
    ("execute.json#/$defs/response", {"jsonrpc": "2.0", "id": 1, "result": dict(RUN, usage=dict(RUN["usage"], n=1))},
     ["n"]),
    ("execute.json#/$defs/response", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "m",
                                                                            "data": {"field": "", "why": 1}}}, ["why"]),
    ("execute.json#/$defs/response", {"jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": "m",
                                                                            "data": {"free": 1}}}, []),
    ("host-call.json", {"jsonrpc": "2.0", "id": 1, "method": "host/call", "params": {
        "run": 1, "function": "f", "args": [{"a": 1}], "kwargs": {"k": {"z": 1}}}}, []),
]


def strict_checks() -> int:
    """The undeclared-member check finds exactly the members it should."""
    bad = 0
    v10 = for_version(os.path.join(ROOT, "protocol"), "1.0")
    for uri, frame, want in STRICT:
        got = [m.split("'")[1] for m in v10.undeclared(BASE + uri, frame)]
        if got != want:
            bad += 1
            print(f"not ok - undeclared members of {frame!r:.100} against {uri}: {got}, expected {want}")
    return bad


def deviation_checks() -> int:
    """A waiver removes the failure it names, and fails its case once stale."""
    w = [deviations.Waiver("child/x", re.compile("known"), ["REQ-VER-2"], "why", "fix")]
    ok = deviations.apply(w, "child/x", ["a known one", "other", "known 2"]) == (
        ["other"], ["known deviation [REQ-VER-2]: why: a known one (and 1 more)"])
    stale, _ = deviations.apply(w, "child/x", [])
    other = deviations.apply(w, "child/y", ["a known one"])
    good = ok and len(stale) == 1 and "remove the waiver" in stale[0] and other == (["a known one"], [])
    if not good:
        print("not ok - deviations.apply")
    return 0 if good else 1


def main() -> int:
    bad = 0
    for n, (exp, act, want) in enumerate(TABLE, 1):
        got = not match(exp, act)
        if got != want:
            bad += 1
            print(f"not ok {n} - match({exp!r}, {act!r}) is {got}, expected {want}")
    if expand({"a": [{"$repeat": ["ab", 3]}]}) != {"a": ["ababab"]}:
        bad += 1
        print("not ok - $repeat expansion")
    spec = os.path.join(ROOT, "protocol", "SPEC.md")
    known = set(cases.known_anchors(spec))
    try:
        loaded = cases.load(os.path.join(ROOT, "conformance", "cases"), list(cases.GROUPS))
    except cases.CaseError as e:
        print(f"not ok - case files: {e}")
        return 1
    try:
        deviations.load(os.path.join(ROOT, "conformance", "deviations.json"), {f"{c.group}/{c.id}" for c in loaded})
    except cases.CaseError as e:
        print(f"not ok - deviations: {e}")
        return 1
    for c in loaded:
        for r in set(c.reqs) - known:
            bad += 1
            print(f"not ok - {c.group}/{c.id} cites {r}, which protocol/SPEC.md does not define")
    bad += strict_checks() + deviation_checks()
    print(f"{len(TABLE) + 1 + len(loaded) + len(STRICT) + 1 - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""Partial matching of actual JSON against a case's expectation.

An expectation is JSON where objects match a subset of members, arrays
match element by element (same length), scalars match by equality (a
boolean never equals a number), and objects whose only member starts
with "$" are operators; docs/conformance.md lists them.
"""

from __future__ import annotations

import re
from typing import Any

_MISSING = object()


def _is_op(exp: Any) -> bool:
    return isinstance(exp, dict) and len(exp) == 1 and next(iter(exp)).startswith("$")


def _show(act: Any) -> str:
    return "absent" if act is _MISSING else f"{act!r:.200}"


def _same(exp: Any, act: Any) -> bool:
    if isinstance(exp, bool) or isinstance(act, bool):
        return type(exp) is type(act) and exp == act
    return exp == act


def _op(name: str, arg: Any, act: Any, path: str) -> list[str]:
    if name == "$absent":
        return [] if act is _MISSING else [f"{path}: expected absent, got {act!r:.200}"]
    if name == "$one_of":
        ok = any(not match(e, act, path) for e in arg)
        return [] if ok else [f"{path}: {_show(act)} matches none of {arg!r:.200}"]
    if act is _MISSING:
        return [f"{path}: missing"]
    if name == "$any":
        return []
    if name == "$re":
        ok = isinstance(act, str) and re.search(arg, act) is not None
        return [] if ok else [f"{path}: {act!r:.200} does not match /{arg}/"]
    if name == "$contains":
        ok = isinstance(act, str) and arg in act
        return [] if ok else [f"{path}: {act!r:.200} does not contain {arg!r}"]
    if name in ("$gte", "$lte"):
        num = isinstance(act, (int, float)) and not isinstance(act, bool)
        ok = num and (act >= arg if name == "$gte" else act <= arg)
        return [] if ok else [f"{path}: {act!r:.100} is not {name[1:]} {arg}"]
    if name == "$lenlte":
        ok = isinstance(act, (str, list)) and len(act) <= arg
        return [] if ok else [f"{path}: length is more than {arg}"]
    if name == "$len":
        ok = isinstance(act, (str, list)) and len(act) == arg
        return [] if ok else [f"{path}: length is not {arg}"]
    if name == "$has":
        ok = isinstance(act, list) and any(not match(arg, a, path) for a in act)
        return [] if ok else [f"{path}: no element matches {arg!r:.200}"]
    if name == "$not":
        return [f"{path}: {act!r:.200} matches {arg!r:.200}"] if not match(arg, act, path) else []
    if name == "$type":
        kinds = {"string": str, "object": dict, "array": list, "null": type(None)}
        if arg == "integer":
            ok = isinstance(act, int) and not isinstance(act, bool)
        elif arg == "boolean":
            ok = isinstance(act, bool)
        elif arg == "number":
            ok = isinstance(act, (int, float)) and not isinstance(act, bool)
        else:
            ok = isinstance(act, kinds[arg])
        return [] if ok else [f"{path}: {act!r:.100} is not of type {arg}"]
    raise ValueError(f"unknown operator {name!r} at {path}")


def match(exp: Any, act: Any, path: str = "") -> list[str]:
    """The mismatches of ACT against EXP, as readable lines; [] when it matches."""
    if _is_op(exp):
        name, arg = next(iter(exp.items()))
        return _op(name, arg, act, path or "/")
    if act is _MISSING:
        return [f"{path or '/'}: missing"]
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            return [f"{path or '/'}: expected an object, got {act!r:.200}"]
        out: list[str] = []
        for key, sub in exp.items():
            out += match(sub, act.get(key, _MISSING), f"{path}/{key}")
        return out
    if isinstance(exp, list):
        if not isinstance(act, list):
            return [f"{path or '/'}: expected an array, got {act!r:.200}"]
        if len(exp) != len(act):
            return [f"{path or '/'}: expected {len(exp)} elements, got {len(act)}: {act!r:.300}"]
        out = []
        for i, (e, a) in enumerate(zip(exp, act)):
            out += match(e, a, f"{path}/{i}")
        return out
    return [] if _same(exp, act) else [f"{path or '/'}: expected {exp!r:.200}, got {act!r:.200}"]


def expand(value: Any) -> Any:
    """Expands the case macros ({"$repeat": [text, count]}) in a driver input."""
    if isinstance(value, dict):
        if len(value) == 1 and "$repeat" in value:
            text, count = value["$repeat"]
            if not isinstance(text, str) or not isinstance(count, int) or not 0 <= count <= 1 << 26:
                raise ValueError(f"bad $repeat {value['$repeat']!r:.100}")
            return text * count
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value

#!/usr/bin/python3.11
"""Checks that the current schemas are a compatible minor version of every
published version of the same major ([REQ-VER-1]).

A published version is frozen in protocol/versions/MAJOR.MINOR/schema/ as it
was released. Against each, the current protocol/schema/ must not:

  * remove a method (schema file), a member (`properties`), a definition
    (`$defs`), an error code or an enumeration value;
  * change a type: `type`, `const`, `$ref`, a bound, a pattern, a default or
    any other validation keyword must stay as it was, and no constraint may
    be added to or dropped from an existing subschema;
  * make a member required that was not;
  * add a value to an enumeration (`enum`, or a `oneOf` of alternatives),
    except in error-code positions: the spec lets a minor version add codes.

A new minor version may add methods, optional members and definitions, and
error alternatives (`anyOf`). Meaning cannot be judged mechanically beyond
`const`, `enum` and `default`: a changed description is printed as a note
for a reviewer, not failed.

  compat.py [--root DIR] [--self-test]

Exit status 0 when every published version is kept, 1 with one line per
problem otherwise, 2 on bad usage.
"""

import argparse
import copy
import json
import pathlib
import re
import sys

ANNOTATIONS = {"title", "$comment", "examples", "description"}
SCHEMA_MAPS = {"properties", "$defs", "patternProperties", "dependentSchemas"}
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf", "prefixItems"}
SUBSCHEMAS = {"items", "additionalProperties", "propertyNames", "not", "if", "then", "else",
              "contains", "unevaluatedProperties", "unevaluatedItems"}
VERSION_DIR = re.compile(r"^([0-9]{1,4})\.([0-9]{1,4})$")
ABSENT = object()


class Report:
    """Problems (failures) and notes (for a reviewer) of one comparison."""

    def __init__(self):
        self.problems = []
        self.notes = []


def _code_position(path):
    """True where the spec lets a minor version add values: error codes."""
    return "/properties/code/" in path + "/" or "#/$defs/ErrorCode/" in path + "/"


def _compare_map(key, old, new, path, rep):
    what = {"properties": "member", "$defs": "definition"}.get(key, key)
    for name, sub in old.items():
        if name not in new:
            rep.problems.append(f"{path}: removes {what} {name!r}")
        else:
            compare(sub, new[name], f"{path}/{key}/{name}", rep)


def _compare_list(key, old, new, path, rep):
    for i, sub in enumerate(old):
        if i >= len(new):
            rep.problems.append(f"{path}/{key}: removes alternative {i} ({json.dumps(sub)[:80]})")
        else:
            compare(sub, new[i], f"{path}/{key}/{i}", rep)
    if len(new) > len(old) and key != "anyOf" and not _code_position(path):
        rep.problems.append(f"{path}/{key}: adds {len(new) - len(old)} alternative(s), "
                            f"a new value or type where one was fixed")


def _compare_enum(old, new, path, rep):
    gone = [v for v in old if v not in new]
    added = [v for v in new if v not in old]
    if gone:
        rep.problems.append(f"{path}/enum: removes {json.dumps(gone)}")
    if added and not _code_position(path):
        rep.problems.append(f"{path}/enum: adds {json.dumps(added)} to an existing enumeration")


def _compare_keyword(key, old, new, path, rep):
    if key == "description":
        if old is not ABSENT and old != new:
            rep.notes.append(f"{path}: description changed; check that the meaning did not")
    elif key in ANNOTATIONS:
        return
    elif key == "required":
        made = sorted(set(new if new is not ABSENT else []) - set(old if old is not ABSENT else []))
        if made:
            rep.problems.append(f"{path}: makes {', '.join(map(repr, made))} required")
    elif old is ABSENT or new is ABSENT:
        if key in SCHEMA_MAPS and old is ABSENT:
            return  # new members or definitions where there were none
        rep.problems.append(f"{path}: {'adds' if old is ABSENT else 'drops'} {key!r}"
                            f"{'' if new is ABSENT else ' ' + json.dumps(new)[:80]}")
    elif key in SCHEMA_MAPS and isinstance(old, dict) and isinstance(new, dict):
        _compare_map(key, old, new, path, rep)
    elif key in SCHEMA_LISTS and isinstance(old, list) and isinstance(new, list):
        _compare_list(key, old, new, path, rep)
    elif key == "enum" and isinstance(old, list) and isinstance(new, list):
        _compare_enum(old, new, path, rep)
    elif key in SUBSCHEMAS:
        compare(old, new, f"{path}/{key}", rep)
    elif old != new:
        rep.problems.append(f"{path}: {key} changes from {json.dumps(old)[:80]} to {json.dumps(new)[:80]}")


def compare(old, new, path, rep):
    """Adds to REP what makes NEW, at PATH, incompatible with OLD."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            rep.problems.append(f"{path}: changes from {json.dumps(old)[:80]} to {json.dumps(new)[:80]}")
        return
    for key in sorted(set(old) | set(new)):
        _compare_keyword(key, old.get(key, ABSENT), new.get(key, ABSENT), path, rep)


def compare_dirs(old, new):
    """The Report of the schemas NEW ({file: schema}) against the published OLD."""
    rep = Report()
    for name, schema in sorted(old.items()):
        if name not in new:
            method = schema.get("x-method") if isinstance(schema, dict) else None
            rep.problems.append(f"{name}#: removed{f' (method {method!r})' if method else ''}")
            continue
        compare(schema, new[name], f"{name}#", rep)
    return rep


def load_dir(directory):
    out = {}
    for path in sorted(directory.glob("*.json")):
        out[path.name] = json.loads(path.read_text(encoding="utf-8"))
    if not out:
        raise ValueError(f"'{directory}' holds no schema")
    return out


def published(root):
    """(version, schema dir) of every frozen version, oldest first."""
    found = []
    base = root / "versions"
    for d in base.iterdir() if base.is_dir() else []:
        m = VERSION_DIR.match(d.name)
        if m and (d / "schema").is_dir():
            found.append(((int(m.group(1)), int(m.group(2))), d.name, d / "schema"))
    return [(name, path) for _, name, path in sorted(found)]


def check(root):
    """Compares protocol/schema with every published version; prints; 0 or 1."""
    current = load_dir(root / "schema")
    versions = published(root)
    if not versions:
        print(f"compat: no published version under '{root / 'versions'}'", file=sys.stderr)
        return 1
    bad = 0
    for version, directory in versions:
        rep = compare_dirs(load_dir(directory), current)
        for p in rep.problems:
            print(f"[REQ-VER-1] against {version}: {p}")
        for n in rep.notes:
            print(f"note: against {version}: {n}")
        bad += len(rep.problems)
        print(f"compat: {version}: {'kept' if not rep.problems else f'{len(rep.problems)} problem(s)'}"
              f" ({len(rep.notes)} note(s))")
    return 1 if bad else 0


def _edit(schemas, fn):
    out = copy.deepcopy(schemas)
    fn(out)
    return out


BREAKS = {
    "removes a member": lambda s: s["defs.json"]["$defs"]["Usage"]["properties"].pop("host_calls"),
    "changes a type": lambda s: s["execute.json"]["$defs"]["params"]["properties"]["code"].update(type="integer"),
    "makes an optional parameter required":
        lambda s: s["execute.json"]["$defs"]["params"].update(required=["code"]),
    "adds an enumeration value": lambda s: s["output.json"]["$defs"]["params"]["properties"]["stream"]["enum"]
    .append("stdin"),
    "adds an outcome": lambda s: s["defs.json"]["$defs"]["Outcome"]["enum"].append("killed"),
    "adds a filesystem entry kind": lambda s: s["defs.json"]["$defs"]["FsEntry"]["oneOf"].append({"type": "object"}),
    "removes a method": lambda s: s.pop("cancel.json"),
    "removes a code": lambda s: s["defs.json"]["$defs"]["ErrorCode"]["oneOf"].pop(),
    "changes a bound": lambda s: s["defs.json"]["$defs"]["Limits"]["properties"]["wall_ms"].update(maximum=1000),
    "changes a default": lambda s: s["initialize.json"]["$defs"]["params"]["properties"]["defaults"]
    .update(default=False),
}
ALLOWED = {
    "adds an optional member": lambda s: s["execute.json"]["$defs"]["params"]["properties"]
    .update(x_new={"type": "string"}),
    "adds a method": lambda s: s.update({"new.json": {"x-method": "new", "type": "object"}}),
    "adds an error code": lambda s: s["defs.json"]["$defs"]["ErrorCode"]["oneOf"].append({"const": -32011}),
    "adds a generic error code": lambda s: s["defs.json"]["$defs"]["GenericError"]["properties"]["error"]
    ["properties"]["code"]["enum"].append(-32011),
    "adds an error alternative": lambda s: s["execute.json"]["$defs"]["error"]["anyOf"].append({"const": 1}),
    "rewords a description": lambda s: s["output.json"].update(description="Reworded."),
}


def self_test(root):
    """Each break of the published schemas is found; each allowed change is not."""
    base = load_dir(published(root)[0][1])
    bad = 0
    for name, fn in BREAKS.items():
        if not compare_dirs(base, _edit(base, fn)).problems:
            bad += 1
            print(f"compat self-test: a new version that {name} passed")
    for name, fn in ALLOWED.items():
        problems = compare_dirs(base, _edit(base, fn)).problems
        if problems:
            bad += 1
            print(f"compat self-test: a new version that {name} failed: {problems[0]}")
    if compare_dirs(base, base).problems:
        bad += 1
        print("compat self-test: a version fails against itself")
    print(f"compat self-test: {len(BREAKS) + len(ALLOWED) + 1 - bad} passed, {bad} failed")
    return 1 if bad else 0


def main(argv):
    p = argparse.ArgumentParser(prog="compat.py", description="minor-version compatibility of the schemas")
    p.add_argument("--root", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent,
                   help="the protocol directory (default: the one holding this tool)")
    p.add_argument("--self-test", action="store_true", help="prove the check can fail, then run it")
    a = p.parse_args(argv)
    try:
        if a.self_test and self_test(a.root):
            return 1
        return check(a.root)
    except (OSError, ValueError) as e:
        print(f"compat: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

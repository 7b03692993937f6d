#!/usr/bin/python3.11
"""Checks that protocol/ is consistent with itself.

  * every schema in protocol/schema/ is valid JSON Schema draft 2020-12;
  * every message of protocol/examples/*.jsonl and of the ```session blocks
    of SPEC.md is valid against the schema of its method (responses against
    the method of the request they answer, found by id and direction);
  * the examples use every method and every registered error code;
  * the field tables of SPEC.md are exactly what the schemas generate
    (`--write` regenerates them in place);
  * every requirement anchor [REQ-...] is unique and sits on a line that
    states a BCP 14 requirement, and every such line outside the
    Conventions section carries one;
  * no published anchor disappears: tools/anchors.txt lists every anchor
    ever defined, and each is still defined or named as withdrawn in the
    changelog (`--write` appends new anchors to the list).

Exit status 0 when everything holds, 1 with one line per problem otherwise.
Uses Debian's python3-jsonschema (4.10); nothing is validated by hand.

  check.py [--root DIR] [--write] [--list-reqs] [--self-test]
  check.py [--root DIR] --transcript FILE...   (only validate recorded sessions)
"""

import argparse
import json
import pathlib
import re
import shutil
import sys
import tempfile

import jsonschema
from jsonschema import Draft202012Validator

BASE = "https://python-sandbox.example/protocol/v1/"
OUT, IN = "-->", "<--"  # parent->child, child->parent
DIRECTION = {"parent-to-child": OUT, "child-to-parent": IN}
BCP14 = re.compile(r"\b(MUST|MUST NOT|REQUIRED|SHALL|SHALL NOT|SHOULD|SHOULD NOT|"
                   r"RECOMMENDED|NOT RECOMMENDED|MAY|OPTIONAL)\b")
REQ = re.compile(r"\[(REQ-[A-Z0-9]+(?:-[A-Z0-9]+)*-[0-9]+)\]")
TABLE_BEGIN = re.compile(r"^<!-- schema-table: (\S+) -->$")
TABLE_END = "<!-- end schema-table -->"
MAX_EXAMPLE_LINE = 1 << 20


class Problems(list):
    def add(self, where, what):
        self.append(f"{where}: {what}")


class Schemas:
    """The schemas of one protocol/schema directory, by $id and by method."""

    def __init__(self, directory, problems):
        self.store = {}
        self.methods = {}
        self.files = {}
        for path in sorted(directory.glob("*.json")):
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                problems.add(path, f"cannot load: {e}")
                continue
            self._add(path, schema, problems)
        if BASE + "defs.json" not in self.store:
            problems.add(directory, "defs.json is missing")

    def _add(self, path, schema, problems):
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            problems.add(path, f"not a valid 2020-12 schema: {e.message} "
                         f"at {'/'.join(map(str, e.absolute_path))}")
            return
        expected = BASE + path.name
        if schema.get("$id") != expected:
            problems.add(path, f"$id is {schema.get('$id')!r}, expected {expected!r}")
            return
        self.store[expected] = schema
        self.files[path.name] = schema
        method = schema.get("x-method")
        if method is not None:
            if schema.get("x-direction") not in DIRECTION:
                problems.add(path, "x-direction must be parent-to-child or child-to-parent")
            if schema.get("x-kind") not in ("request", "notification"):
                problems.add(path, "x-kind must be request or notification")
            self.methods[method] = schema

    def errors(self, uri, instance):
        """Validation errors of INSTANCE against the schema at URI."""
        resolver = jsonschema.RefResolver("", {"$ref": uri}, store=self.store)
        validator = Draft202012Validator({"$ref": uri}, resolver=resolver)
        found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{e.message} at /{'/'.join(map(str, e.absolute_path))}" for e in found]

    def resolve(self, uri):
        resolver = jsonschema.RefResolver("", {}, store=self.store)
        return resolver.resolve(uri)


class Transcript:
    """Validates a sequence of (direction, message) as one session."""

    def __init__(self, schemas, problems, where):
        self.schemas = schemas
        self.problems = problems
        self.where = where
        self.pending = {OUT: {}, IN: {}}
        self.methods = set()
        self.codes = set()

    def message(self, line, direction, msg, valid=True):
        errors = self._errors(direction, msg)
        where = f"{self.where}:{line}"
        if not valid and isinstance(msg, dict) and "method" in msg and usable_id(msg.get("id")):
            # A deliberately bad request still gets an (error) answer by id.
            stack = self.pending[direction].setdefault(msg["id"], [])
            if not stack or stack[-1] is not None:
                stack.append(None)
        if valid and errors:
            for e in errors:
                self.problems.add(where, e)
        elif not valid and not errors:
            self.problems.add(where, "marked invalid but the schemas accept it")

    def _errors(self, direction, msg):
        envelope = self.schemas.errors(BASE + "defs.json#/$defs/Message", msg)
        if envelope:
            return ["not a JSON-RPC 2.0 message: " + envelope[0]]
        if "method" in msg:
            return self._call(direction, msg)
        return self._reply(direction, msg)

    def _call(self, direction, msg):
        schema = self.schemas.methods.get(msg["method"])
        if schema is None:
            return [f"unknown method {msg['method']!r}"]
        if DIRECTION[schema["x-direction"]] != direction:
            return [f"{msg['method']} is {schema['x-direction']}, sent {direction}"]
        if ("id" in msg) != (schema["x-kind"] == "request"):
            return [f"{msg['method']} is a {schema['x-kind']}"]
        self.methods.add(msg["method"])
        if "id" in msg:
            if self.pending[direction].get(msg["id"]):
                return [f"id {msg['id']!r} is already outstanding"]
            self.pending[direction][msg["id"]] = [msg["method"]]
        return [f"{msg['method']}: {e}" for e in self.schemas.errors(schema["$id"], msg)]

    def _reply(self, direction, msg):
        if "error" in msg and isinstance(msg["error"], dict):
            self.codes.add(msg["error"].get("code"))
        asker = IN if direction == OUT else OUT
        stack = self.pending[asker].get(msg["id"]) if usable_id(msg["id"]) else None
        if msg["id"] is None:
            return self.schemas.errors(BASE + "defs.json#/$defs/GenericError", msg)
        if not stack:
            return [f"response to id {msg['id']!r}, which is not outstanding"]
        method = stack.pop()
        if method is None:
            return self.schemas.errors(BASE + "defs.json#/$defs/ErrorResponse", msg)
        uri = self.schemas.methods[method]["$id"] + "#/$defs/response"
        return [f"response to {method}: {e}" for e in self.schemas.errors(uri, msg)]


def usable_id(value):
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def check_examples(root, schemas, problems):
    """Validates protocol/examples/*.jsonl; returns methods and codes seen."""
    methods, codes = set(), set()
    files = sorted((root / "examples").glob("*.jsonl"))
    if not files:
        problems.add(root / "examples", "no *.jsonl transcript")
    for path in files:
        transcript = Transcript(schemas, problems, path)
        with path.open(encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                example_line(transcript, number, text, problems, path)
        methods |= transcript.methods
        codes |= transcript.codes
    return methods, codes


def example_line(transcript, number, text, problems, path):
    where = f"{path}:{number}"
    if len(text) > MAX_EXAMPLE_LINE:
        problems.add(where, "line longer than 1 MiB")
        return
    try:
        entry = json.loads(text)
    except ValueError as e:
        problems.add(where, f"not JSON: {e}")
        return
    if not isinstance(entry, dict) or entry.get("dir") not in (OUT, IN):
        problems.add(where, 'each line must be {"dir": "-->"|"<--", ...}')
        return
    if "raw" in entry:
        if not isinstance(entry["raw"], str) or "msg" in entry:
            problems.add(where, "raw must be a string, without msg")
        return
    if "msg" not in entry:
        problems.add(where, "neither msg nor raw")
        return
    valid = entry.get("valid", True)
    if not isinstance(valid, bool):
        problems.add(where, "valid must be a boolean")
        return
    transcript.message(number, entry["dir"], entry["msg"], valid)


def check_spec_examples(spec_path, lines, schemas, problems):
    """Validates the ```session blocks of SPEC.md, each one transcript."""
    transcript = None
    for number, line in enumerate(lines, 1):
        if line.strip() == "```session":
            transcript = Transcript(schemas, problems, spec_path)
            continue
        if transcript is None:
            continue
        if line.strip() == "```":
            transcript = None
            continue
        match = re.match(r"^(-->|<--)(!?) ", line)
        if not match:
            problems.add(f"{spec_path}:{number}",
                         "session block lines start with '--> ', '<-- ', '-->! ' or '<--! '")
            continue
        try:
            msg = json.loads(line[match.end():])
        except ValueError as e:
            problems.add(f"{spec_path}:{number}", f"not JSON: {e}")
            continue
        transcript.message(number, match.group(1), msg, valid=not match.group(2))


# ---- field tables ---------------------------------------------------------


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def type_of(node):
    """A short human-readable type of schema NODE."""
    if "$ref" in node:
        return f"`{ref_name(node['$ref'])}`"
    if "allOf" in node and len(node["allOf"]) == 1:
        return type_of(node["allOf"][0])
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return " or ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            return " or ".join(type_of(alt) for alt in node[key])
    kind = node.get("type")
    if kind is None:
        return "any JSON"
    if isinstance(kind, list):
        return " or ".join(kind)
    return kind + bounds(node)


def bounds(node):
    kind = node["type"]
    if kind == "array":
        items = type_of(node["items"]) if "items" in node else "any JSON"
        most = f", at most {node['maxItems']}" if "maxItems" in node else ""
        return f" of {items}{most}"
    if kind == "integer" and "minimum" in node and "maximum" in node:
        return f" {node['minimum']}..{node['maximum']}"
    if kind == "integer" and "minimum" in node:
        return f" ≥ {node['minimum']}"
    if kind == "string" and "maxLength" in node:
        return f", at most {node['maxLength']} chars"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return f" of string to {type_of(node['additionalProperties'])}"
    return ""


def render_table(schemas, uri):
    """The markdown table of the object schema at URI."""
    node = schemas.resolve(uri)[1]
    if uri.endswith("#/$defs"):
        return render_types(node)
    if "oneOf" in node and all("const" in alt for alt in node["oneOf"]):
        return render_registry(node)
    while "properties" not in node and len(node.get("allOf", [])) == 1:
        node = schemas.resolve(resolve_uri(uri, node["allOf"][0]["$ref"]))[1]
    props = node.get("properties")
    if not props:
        return ["The object has no members (`{}`)."]
    required = set(node.get("required", []))
    rows = ["| Field | Type | Required | Default | Description |",
            "|---|---|---|---|---|"]
    for name, prop in props.items():
        described = prop
        if "description" not in prop and "$ref" in prop:
            described = schemas.resolve(resolve_uri(uri, prop["$ref"]))[1]
        default = f"`{json.dumps(prop['default'])}`" if "default" in prop else ""
        rows.append(f"| `{name}` | {cell(type_of(prop))} | "
                    f"{'yes' if name in required else 'no'} | {cell(default)} | "
                    f"{cell(described.get('description', ''))} |")
    return rows


def render_types(defs):
    """The named types that have no member table of their own."""
    rows = ["| Type | Definition | Description |", "|---|---|---|"]
    for name, node in defs.items():
        if "properties" in node or "oneOf" in node and all("const" in a for a in node["oneOf"]):
            continue
        rows.append(f"| `{name}` | {cell(type_of(node) if 'allOf' not in node else 'object')} | "
                    f"{cell(node.get('description', ''))} |")
    return rows


def render_registry(node):
    rows = ["| Code | Name | Meaning |", "|---|---|---|"]
    for alt in node["oneOf"]:
        rows.append(f"| {alt['const']} | `{alt['title']}` | {cell(alt['description'])} |")
    return rows


def resolve_uri(base, ref):
    if ref.startswith("#"):
        return base.split("#", 1)[0] + ref
    return BASE + ref


def tables(lines, schemas, problems, spec_path):
    """SPEC.md with every table regenerated, and the set of tables seen."""
    out, seen, i = [], set(), 0
    while i < len(lines):
        out.append(lines[i])
        match = TABLE_BEGIN.match(lines[i])
        i += 1
        if not match:
            continue
        end = i
        while end < len(lines) and lines[end] != TABLE_END:
            end += 1
        if end == len(lines):
            problems.add(f"{spec_path}:{i}", "schema-table without its end marker")
            return out + lines[i:], seen
        seen.add(match.group(1))
        try:
            out.extend(render_table(schemas, BASE + match.group(1)))
        except (jsonschema.RefResolutionError, KeyError, TypeError) as e:
            problems.add(f"{spec_path}:{i}", f"cannot render {match.group(1)}: {e!r}")
            out.extend(lines[i:end])
        out.append(TABLE_END)
        i = end + 1
    return out, seen


def wanted_tables(schemas):
    """Tables SPEC.md must hold: params and result of every method."""
    wanted = set()
    for method, schema in schemas.methods.items():
        name = schema["$id"][len(BASE):]
        for part in ("params", "result"):
            node = schema.get("$defs", {}).get(part)
            if node is not None and set(node) != {"$ref"}:
                wanted.add(f"{name}#/$defs/{part}")
    return wanted


# ---- requirement anchors ----------------------------------------------------


def check_reqs(lines, problems, spec_path):
    """Anchors defined (a tag starting a line) by name; checks references."""
    anchors, references, fenced, section = {}, [], False, ""
    for number, line in enumerate(lines, 1):
        where = f"{spec_path}:{number}"
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("<!--") or line.startswith("|"):
            references.extend((where, tag) for tag in REQ.findall(line))
            continue
        if line.startswith("#"):
            section = line.lstrip("# ").lower()
            continue
        text = re.sub(r"`[^`]*`", "``", line)
        defined = REQ.match(text.lstrip("-* "))
        keyword = BCP14.search(text)
        if defined:
            tag = defined.group(1)
            if tag in anchors:
                problems.add(where, f"{tag} already defined on line {anchors[tag]}")
            anchors[tag] = number
            if not keyword:
                problems.add(where, f"{tag} states no BCP 14 requirement")
        elif keyword and "conventions" not in section:
            problems.add(where, f"{keyword.group(0)} without a [REQ-...] anchor")
        rest = text.lstrip("-* ")[defined.end():] if defined else text
        references.extend((where, tag) for tag in REQ.findall(rest))
    for where, tag in references:
        if tag not in anchors:
            problems.add(where, f"reference to undefined {tag}")
    return anchors


# ---- driver ---------------------------------------------------------------


def check(root, write=False):
    problems = Problems()
    schemas = Schemas(root / "schema", problems)
    if problems:
        return problems, {}
    methods, codes = check_examples(root, schemas, problems)
    for method in sorted(set(schemas.methods) - methods):
        problems.add(root / "examples", f"no example of {method}")
    registry = schemas.resolve(BASE + "defs.json#/$defs/ErrorCode")[1]
    for alt in registry["oneOf"]:
        if alt["const"] not in codes:
            problems.add(root / "examples", f"no example of error {alt['title']} ({alt['const']})")

    spec_path = root / "SPEC.md"
    lines = spec_path.read_text(encoding="utf-8").split("\n")
    regenerated, seen = tables(lines, schemas, problems, spec_path)
    for missing in sorted(wanted_tables(schemas) - seen):
        problems.add(spec_path, f"no table for {missing} (add <!-- schema-table: {missing} -->)")
    if regenerated != lines:
        if write:
            spec_path.write_text("\n".join(regenerated), encoding="utf-8")
        else:
            first = next(i for i, (a, b) in enumerate(zip(lines + [""], regenerated + [""]))
                         if a != b)
            problems.add(f"{spec_path}:{first + 1}",
                         "field table differs from the schema (run check.py --write)")
    check_spec_examples(spec_path, regenerated, schemas, problems)
    anchors = check_reqs(regenerated, problems, spec_path)
    check_published(root / "tools" / "anchors.txt", anchors, regenerated, problems, write)
    return problems, anchors


def check_published(path, anchors, lines, problems, write):
    """Anchors once published stay defined or are withdrawn explicitly."""
    try:
        published = path.read_text(encoding="utf-8").split()
    except OSError as e:
        problems.add(path, f"cannot read: {e.strerror}")
        return
    withdrawn = {tag for line in lines if "withdrawn" in line.lower()
                 for tag in REQ.findall(line)}
    for tag in published:
        if tag not in anchors and tag not in withdrawn:
            problems.add(path, f"{tag} disappeared from SPEC.md (keep it, or withdraw it "
                         "in the changelog)")
    new = sorted(set(anchors) - set(published), key=anchor_order)
    if new and write:
        path.write_text("".join(f"{tag}\n" for tag in published + new), encoding="utf-8")
    elif new:
        problems.add(path, f"{len(new)} new anchor(s) not listed, first {new[0]} "
                     "(run check.py --write)")


def anchor_order(tag):
    prefix, number = tag.rsplit("-", 1)
    return prefix, int(number)


MUTATIONS = [
    ("schema/execute.json", '"description": "Python source to run;',
     '"description": "Source to run;', "field table differs"),
    ("schema/cancel.json", '"type": "boolean"', '"type": "bool"', "not a valid 2020-12 schema"),
    ("examples/session.jsonl", '"outcome":"ok"', '"outcome":"fine"', "response to execute"),
    ("examples/session.jsonl", '"method":"tmpfs/list"', '"method":"tmpfs/lsit"', "unknown method"),
    ("SPEC.md", "[REQ-FRAME-2] A", "[REQ-FRAME-1] A", "already defined"),
    ("SPEC.md", "[REQ-FRAME-2] A", "[REQ-FRAME-99] A", "reference to undefined REQ-FRAME-2"),
    ("SPEC.md", "[REQ-FRAME-1] ", "", "without a [REQ-...] anchor"),
    ("SPEC.md", "[REQ-FRAME-9] A", "[REQ-FRAME-10] A", "REQ-FRAME-9 disappeared"),
    ("SPEC.md", "[REQ-FRAME-9] A", "[REQ-FRAME-10] A", "REQ-FRAME-10"),
]


def self_test(root):
    """Proves check() can fail: each mutation of a copy must be reported."""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, old, new, expected in MUTATIONS:
            copy = pathlib.Path(tmp) / "protocol"
            shutil.rmtree(copy, ignore_errors=True)
            copy.mkdir()
            for part in ("SPEC.md", "schema", "examples", "tools/anchors.txt"):
                src = root / part
                (copy / part).parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if src.is_dir() else shutil.copy)(src, copy / part)
            target = copy / path
            text = target.read_text(encoding="utf-8")
            if old not in text:
                failures.append(f"self-test: {old!r} not found in {path}")
                continue
            target.write_text(text.replace(old, new, 1), encoding="utf-8")
            problems, _ = check(copy)
            if not any(expected in p for p in problems):
                failures.append(f"self-test: breaking {path} ({old!r} -> {new!r}) "
                                f"was not reported as {expected!r}; got {problems[:3]}")
    return failures


def check_transcripts(root, paths):
    problems = Problems()
    schemas = Schemas(root / "schema", problems)
    for path in paths if not problems else []:
        transcript = Transcript(schemas, problems, path)
        with path.open(encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                example_line(transcript, number, text, problems, path)
        for direction, pending in transcript.pending.items():
            for rid, stack in pending.items():
                if stack:
                    problems.add(path, f"request {rid!r} ({direction}) never answered")
    for p in problems:
        print(f"check.py: {p}", file=sys.stderr)
    print(f"check.py: {len(problems)} problem(s) in {len(paths)} transcript(s)",
          file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = pathlib.Path(__file__).resolve().parent.parent
    parser.add_argument("--root", type=pathlib.Path, default=here, help="the protocol/ directory")
    parser.add_argument("--write", action="store_true", help="regenerate SPEC.md's field tables")
    parser.add_argument("--list-reqs", action="store_true", help="print every requirement anchor")
    parser.add_argument("--self-test", action="store_true", help="prove the checks can fail")
    parser.add_argument("--transcript", type=pathlib.Path, nargs="+",
                        help="validate these recorded sessions (format of examples/) only")
    args = parser.parse_args(argv)
    if args.transcript:
        return check_transcripts(args.root, args.transcript)

    problems, anchors = check(args.root, args.write)
    if args.self_test and not problems:
        problems.extend(self_test(args.root))
    for p in problems:
        print(f"check.py: {p}", file=sys.stderr)
    if problems:
        print(f"check.py: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    if args.list_reqs:
        print("\n".join(sorted(anchors)))
    else:
        print(f"check.py: ok ({len(anchors)} requirements)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

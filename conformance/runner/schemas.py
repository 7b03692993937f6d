"""Validation of frames against protocol/schema/ (Debian's python3-jsonschema)."""

from __future__ import annotations

import json
import os
import re
import threading
import warnings
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

BASE = "https://python-sandbox.example/protocol/v1/"


ANNOTATIONS = {"description", "title", "$comment", "examples", "default"}
MAX_DEPTH = 64


class Schemas:
    """The protocol's schemas, by file and by method."""

    def __init__(self, directory: str) -> None:
        self.store: dict[str, Any] = {}
        self.methods: dict[str, str] = {}
        for name in sorted(os.listdir(directory)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                schema = json.load(f)
            self.store[BASE + name] = schema
            if "x-method" in schema:
                self.methods[schema["x-method"]] = BASE + name

    def is_parent_request(self, method: str) -> bool:
        schema = self.store[self.methods[method]]
        return schema.get("x-direction") == "parent-to-child" and schema.get("x-kind") == "request"

    def _resolver(self, uri: str) -> Any:
        with warnings.catch_warnings():
            # RefResolver is deprecated upstream but is what Debian's 4.10 offers.
            warnings.simplefilter("ignore", DeprecationWarning)
            return jsonschema.RefResolver("", {"$ref": uri}, store=self.store)

    def undeclared(self, uri: str, instance: Any) -> list[str]:
        """[REQ-VER-2]: the members of INSTANCE that the schema at URI, as it
        applies to this instance, does not declare. Free-form subtrees are not
        looked into: an object no applicable subschema gives `properties`
        (error data of most codes, host-call kwargs, values), or one whose
        members a schema describes (`additionalProperties` or
        `patternProperties`: the env map)."""
        out: list[str] = []
        resolver = self._resolver(uri)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            with resolver.resolving(uri) as schema:
                self._walk([(schema, resolver.resolution_scope)], instance, "", resolver, out)
        return out

    def _applicable(self, schema: Any, scope: str, inst: Any, resolver: Any, depth: int,
                    into: list[tuple[dict[str, Any], str]]) -> None:
        """Adds to INTO every subschema that applies in place to INST, with the
        base URI its references resolve against: SCHEMA itself, what it
        references, every allOf member, the anyOf/oneOf alternatives INST
        satisfies, and then or else as INST satisfies if."""
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return
        into.append((schema, scope))
        resolver.push_scope(scope)
        try:
            if "$ref" in schema:
                url, target = resolver.resolve(schema["$ref"])
                self._applicable(target, url, inst, resolver, depth + 1, into)
            for sub in schema.get("allOf", []):
                self._applicable(sub, scope, inst, resolver, depth + 1, into)
            for key in ("anyOf", "oneOf"):
                for sub in schema.get(key, []):
                    if self._valid(sub, scope, inst, resolver):
                        self._applicable(sub, scope, inst, resolver, depth + 1, into)
            if "if" in schema:
                branch = "then" if self._valid(schema["if"], scope, inst, resolver) else "else"
                self._applicable(schema.get(branch), scope, inst, resolver, depth + 1, into)
        finally:
            resolver.pop_scope()

    @staticmethod
    def _valid(schema: Any, scope: str, inst: Any, resolver: Any) -> bool:
        resolver.push_scope(scope)
        try:
            return Draft202012Validator(schema, resolver=resolver).is_valid(inst)
        finally:
            resolver.pop_scope()

    def _walk(self, subs: list[tuple[Any, str]], inst: Any, path: str, resolver: Any, out: list[str]) -> None:
        if len(path) > 4096 or not isinstance(inst, (dict, list)):
            return
        applied: list[tuple[dict[str, Any], str]] = []
        for schema, scope in subs:
            self._applicable(schema, scope, inst, resolver, 0, applied)
        if isinstance(inst, list):
            items = [(s["items"], sc) for s, sc in applied if isinstance(s.get("items"), dict)]
            for i, v in enumerate(inst):
                self._walk(items, v, f"{path}/{i}", resolver, out)
            return
        declared = {k: [] for s, _ in applied for k in s.get("properties", {})}
        free = not declared or any(isinstance(s.get("additionalProperties"), dict) or "patternProperties" in s
                                   for s, _ in applied)
        for key, value in inst.items():
            if key not in declared and not free:
                out.append(f"member {key!r} at {path or '/'} is not in the negotiated version")
                continue
            for s, sc in applied:
                if key in s.get("properties", {}):
                    declared[key].append((s["properties"][key], sc))
            self._walk(declared.get(key, []), value, f"{path}/{key}", resolver, out)

    def errors(self, uri: str, instance: Any) -> list[str]:
        resolver = self._resolver(uri)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            validator = Draft202012Validator({"$ref": uri}, resolver=resolver)
            found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{e.message[:200]} at /{'/'.join(map(str, e.absolute_path))}" for e in found]

    def check_parent_frame(self, msg: Any, child_requests: dict[Any, str]) -> list[str]:
        """Schema errors of MSG, a frame a parent sent, then the members this
        version does not declare ([REQ-VER-2]); CHILD_REQUESTS maps the ids of
        the mock child's requests to their methods."""
        errs = self.errors(BASE + "defs.json#/$defs/Message", msg)
        if errs or not isinstance(msg, dict):
            return errs
        uri, errs = self._parent_frame_uri(msg, child_requests)
        if uri is None:
            return errs
        errs = self.errors(uri, msg)
        return errs or [f"[REQ-VER-2] {e}" for e in self.undeclared(uri, msg)]

    def _parent_frame_uri(self, msg: dict[str, Any], child_requests: dict[Any, str]) -> tuple[str | None, list[str]]:
        method = msg.get("method")
        if isinstance(method, str):
            uri = self.methods.get(method)
            return (uri, []) if uri else (None, [f"parent sent unknown method {method!r}"])
        if msg.get("id") is None:
            return BASE + "defs.json#/$defs/ErrorResponse", []
        method = child_requests.get(json.dumps(msg.get("id")))
        if method is None:
            return None, [f"parent answered id {msg.get('id')!r}, which the child never used"]
        if method not in self.methods:  # a method the parent must refuse
            return BASE + "defs.json#/$defs/ErrorResponse", []
        return self.methods[method] + "#/$defs/response", []


_VERSIONS: dict[str, Schemas] = {}
_VERSIONS_LOCK = threading.Lock()


def for_version(protocol: str, version: Any) -> Schemas:
    """The schemas of VERSION: protocol/versions/VERSION/schema when that
    version is published and frozen there, else the current protocol/schema
    (the version being written, or one this suite does not know)."""
    frozen = os.path.join(protocol, "versions", version, "schema") if isinstance(version, str) else ""
    directory = frozen if re.fullmatch(r"[0-9]{1,4}\.[0-9]{1,4}", str(version)) and os.path.isdir(frozen) \
        else os.path.join(protocol, "schema")
    with _VERSIONS_LOCK:
        if directory not in _VERSIONS:
            _VERSIONS[directory] = Schemas(directory)
        return _VERSIONS[directory]

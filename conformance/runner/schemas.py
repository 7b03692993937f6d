"""Validation of frames against protocol/schema/ (Debian's python3-jsonschema)."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

BASE = "https://python-sandbox.example/protocol/v1/"


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

    def errors(self, uri: str, instance: Any) -> list[str]:
        with warnings.catch_warnings():
            # RefResolver is deprecated upstream but is what Debian's 4.10 offers.
            warnings.simplefilter("ignore", DeprecationWarning)
            resolver = jsonschema.RefResolver("", {"$ref": uri}, store=self.store)
            validator = Draft202012Validator({"$ref": uri}, resolver=resolver)
            found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{e.message[:200]} at /{'/'.join(map(str, e.absolute_path))}" for e in found]

    def check_parent_frame(self, msg: Any, child_requests: dict[Any, str]) -> list[str]:
        """Schema errors of MSG, a frame a parent sent; CHILD_REQUESTS maps the
        ids of the mock child's requests to their methods."""
        errs = self.errors(BASE + "defs.json#/$defs/Message", msg)
        if errs or not isinstance(msg, dict):
            return errs
        method = msg.get("method")
        if isinstance(method, str):
            uri = self.methods.get(method)
            return self.errors(uri, msg) if uri else [f"parent sent unknown method {method!r}"]
        if msg.get("id") is None:
            return self.errors(BASE + "defs.json#/$defs/ErrorResponse", msg)
        method = child_requests.get(json.dumps(msg.get("id")))
        if method is None:
            return [f"parent answered id {msg.get('id')!r}, which the child never used"]
        if method not in self.methods:  # a method the parent must refuse
            return self.errors(BASE + "defs.json#/$defs/ErrorResponse", msg)
        return self.errors(self.methods[method] + "#/$defs/response", msg)

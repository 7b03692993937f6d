"""Loading and checking case files (format in docs/conformance.md)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

ANCHOR = re.compile(r"^REQ-[A-Z]+-[0-9]+$")
GROUPS = ("e2e", "parent", "child")
MAX_CASE_FILE = 4 << 20


COMMON_KEYS = {"id", "title", "reqs", "timeout_s", "tags"}
GROUP_KEYS = {
    "e2e": {"session", "expect", "max_seconds", "child_via_env"},
    "parent": {"session", "script", "expect", "sent", "sent_has", "sent_none", "sent_count", "sent_order",
               "expect_eof", "startup", "max_seconds", "min_seconds", "child_writable_by_others"},
    "child": {"script", "transport", "inherit_extra_fd", "fault"},
}
# What conformance/faultshim/faultshim.c can inject into the real child.
FAULTS = ("poll-after-output",)
REQUIRED_KEYS = {"e2e": {"session", "expect"}, "parent": {"session", "script"}, "child": {"script"}}


class CaseError(Exception):
    """A case file is malformed; the message names the file and member."""


@dataclass
class Case:
    group: str
    id: str
    title: str
    reqs: list[str]
    body: dict[str, Any]
    source: str
    timeout_s: float = 30.0
    tags: list[str] = field(default_factory=list)


def _case(group: str, raw: Any, source: str, seen: set[str]) -> Case:
    if not isinstance(raw, dict):
        raise CaseError(f"{source}: a case is not an object")
    cid = raw.get("id")
    if not isinstance(cid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", cid):
        raise CaseError(f"{source}: case id {cid!r} is not lowercase-dashed, 1..80 chars")
    if f"{group}/{cid}" in seen:
        raise CaseError(f"{source}: duplicate case id '{cid}'")
    reqs = raw.get("reqs")
    if not isinstance(reqs, list) or not reqs or not all(isinstance(r, str) and ANCHOR.match(r) for r in reqs):
        raise CaseError(f"{source}: case '{cid}': reqs must be a non-empty list of REQ anchors")
    title = raw.get("title")
    if not isinstance(title, str) or not title:
        raise CaseError(f"{source}: case '{cid}': title missing")
    timeout = raw.get("timeout_s", 30)
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 120:
        raise CaseError(f"{source}: case '{cid}': timeout_s must be in (0, 120]")
    unknown = set(raw) - COMMON_KEYS - GROUP_KEYS[group]
    if unknown:
        raise CaseError(f"{source}: case '{cid}': unknown members {sorted(unknown)} for group {group}")
    missing = REQUIRED_KEYS[group] - set(raw)
    if missing:
        raise CaseError(f"{source}: case '{cid}': missing members {sorted(missing)}")
    if raw.get("fault", FAULTS[0]) not in FAULTS:
        raise CaseError(f"{source}: case '{cid}': fault {raw['fault']!r} is not one of {list(FAULTS)}")
    if "fault" in raw and raw.get("transport") == "socketpair":
        raise CaseError(f"{source}: case '{cid}': fault needs the pipe transport")
    seen.add(f"{group}/{cid}")
    return Case(group, cid, title, reqs, raw, source, float(timeout), list(raw.get("tags", [])))


def load(root: str, groups: list[str]) -> list[Case]:
    """Every case of GROUPS under ROOT/<group>/*.json, in file and list order."""
    out: list[Case] = []
    seen: set[str] = set()
    for group in groups:
        gdir = os.path.join(root, group)
        for name in sorted(os.listdir(gdir)):
            if not name.endswith(".json"):
                continue
            path = os.path.join(gdir, name)
            if os.path.getsize(path) > MAX_CASE_FILE:
                raise CaseError(f"{path}: larger than {MAX_CASE_FILE} bytes")
            with open(path, encoding="utf-8") as f:
                try:
                    doc = json.load(f)
                except json.JSONDecodeError as e:
                    raise CaseError(f"{path}: not JSON: {e}") from None
            if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
                raise CaseError(f"{path}: expected {{\"cases\": [...]}}")
            out += [_case(group, c, path, seen) for c in doc["cases"]]
    return out


def known_anchors(spec: str) -> list[str]:
    """Every anchor defined in SPEC (a sentence starting with [REQ-...])."""
    with open(spec, encoding="utf-8") as f:
        return sorted(set(re.findall(r"^\[(REQ-[A-Z]+-[0-9]+)\]", f.read(), re.M)))


def must_anchors(spec: str) -> set[str]:
    """Anchors whose sentence holds MUST, REQUIRED or SHALL."""
    out = set()
    with open(spec, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\[(REQ-[A-Z]+-[0-9]+)\]", line)
            if m and re.search(r"\b(MUST|REQUIRED|SHALL)\b", line):
                out.add(m.group(1))
    return out

"""Known deviations: failures of a program under test that are diagnosed and
waived until fixed (conformance/deviations.json, docs/conformance.md).

A waiver names one case and a regular expression of one failure line. A
waived failure does not fail the case but is printed with its reason; a
waiver that matches nothing when its case runs fails the case, so that it
is removed as soon as the deviation is fixed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cases import CaseError

KEYS = {"case", "failure", "reqs", "reason", "fix"}


@dataclass
class Waiver:
    case: str          # group/id
    failure: re.Pattern[str]
    reqs: list[str]
    reason: str
    fix: str


def load(path: str, case_ids: set[str]) -> list[Waiver]:
    """The waivers of PATH; each must name a case of CASE_IDS."""
    with open(path, encoding="utf-8") as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            raise CaseError(f"{path}: not JSON: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("deviations"), list):
        raise CaseError(f"{path}: expected {{\"deviations\": [...]}}")
    out = []
    for i, w in enumerate(doc["deviations"]):
        if not isinstance(w, dict) or set(w) != KEYS or not all(isinstance(w[k], (str, list)) for k in KEYS):
            raise CaseError(f"{path}: deviation {i} must have exactly the members {sorted(KEYS)}")
        if w["case"] not in case_ids:
            raise CaseError(f"{path}: deviation {i} names case '{w['case']}', which does not exist")
        try:
            pattern = re.compile(w["failure"])
        except re.error as e:
            raise CaseError(f"{path}: deviation {i}: bad failure pattern: {e}") from None
        out.append(Waiver(w["case"], pattern, list(w["reqs"]), w["reason"], w["fix"]))
    return out


def apply(waivers: list[Waiver], case: str, fails: list[str]) -> tuple[list[str], list[str]]:
    """(the failures that count, the notes of waived ones) of CASE."""
    mine = [w for w in waivers if w.case == case]
    left: list[str] = []
    hits: dict[int, list[str]] = {}
    for f in fails:
        hit = next((i for i, w in enumerate(mine) if w.failure.search(f)), None)
        if hit is None:
            left.append(f)
        else:
            hits.setdefault(hit, []).append(f)
    notes = []
    for i, w in enumerate(mine):
        if i not in hits:
            left.append(f"the waiver /{w.failure.pattern}/ of conformance/deviations.json matched no failure:"
                        " the deviation is fixed, remove the waiver")
            continue
        more = f" (and {len(hits[i]) - 1} more)" if len(hits[i]) > 1 else ""
        notes.append(f"known deviation [{', '.join(w.reqs)}]: {w.reason}: {hits[i][0][:100]}{more}")
    return left, notes

"""Which requirement anchors the cases cite, and which they do not.

A few requirements are about the protocol's documents rather than about a
running peer; those are covered by a check of the suite instead of a case,
and the report says which (CHECKS). It also lists the known deviations
(conformance/deviations.json), and the anchors whose every case fails for
all programs with a waiver: covered, but met by none.
"""

from __future__ import annotations

import os

from cases import Case, known_anchors, must_anchors
from deviations import Waiver

# anchor -> (the file that checks it, relative to the repository, and how it runs)
CHECKS: dict[str, tuple[str, str]] = {
    "REQ-VER-1": ("protocol/tools/compat.py",
                  "make conformance-compat: protocol/schema/ against every version frozen in protocol/versions/"),
}


def _only_waived(cases: list[Case], waivers: list[Waiver]) -> dict[str, list[Waiver]]:
    """Anchors every case citing them checks through a waived failure: no
    program under test meets them yet."""
    out: dict[str, list[Waiver]] = {}
    for w in waivers:
        for r in w.reqs:
            citing = {f"{c.group}/{c.id}" for c in cases if r in c.reqs}
            waived = {v.case for v in waivers if r in v.reqs}
            if citing and citing <= waived:
                out.setdefault(r, []).append(w)
    return out


def report(cases: list[Case], spec: str, waivers: list[Waiver]) -> int:
    """Prints the coverage report; 1 when a case cites an unknown anchor or a
    check is missing, else 0 (uncovered anchors are reported, not failed)."""
    root = os.path.dirname(os.path.dirname(spec))
    anchors = known_anchors(spec)
    musts = must_anchors(spec)
    cited: dict[str, set[str]] = {}
    for c in cases:
        for r in c.reqs:
            cited.setdefault(r, set()).add(c.group)
    unknown = sorted(set(cited) - set(anchors))
    checked = {r: how for r, how in CHECKS.items() if r in anchors}
    missing = sorted(r for r, (path, _) in checked.items() if not os.path.isfile(os.path.join(root, path)))
    uncovered = [r for r in anchors if r not in cited and r not in checked]
    must_un = [r for r in uncovered if r in musts]
    print(f"# {len(cases)} cases cite {len(set(cited) & set(anchors))} of {len(anchors)} anchors;"
          f" {len(checked)} more covered by a check")
    only_waived = _only_waived(cases, waivers)
    print(f"# MUST anchors: {len(musts)}, uncovered: {len(must_un)};"
          f" covered, but met by no program under test (only a waived failure): {len(only_waived)}")
    for r in unknown:
        print(f"unknown-anchor {r}")
    for r, (path, how) in sorted(checked.items()):
        print(f"checked {r} by {path} ({how}){' MISSING' if r in missing else ''}")
    for w in waivers:
        unmet = " (no program meets it)" if any(w in ws for ws in only_waived.values()) else ""
        print(f"deviation {','.join(w.reqs)} in {w.case}{unmet}: {w.reason}")
    for r in uncovered:
        print(f"uncovered {r}{' (MUST)' if r in musts else ''}")
    return 1 if unknown or missing else 0

"""Which requirement anchors the cases cite, and which they do not.

A few requirements are about the protocol's documents rather than about a
running peer; those are covered by a check of the suite instead of a case,
and the report says which (CHECKS).
"""

from __future__ import annotations

import os

from cases import Case, known_anchors, must_anchors

# anchor -> (the file that checks it, relative to the repository, and how it runs)
CHECKS: dict[str, tuple[str, str]] = {
    "REQ-VER-1": ("protocol/tools/compat.py",
                  "make conformance-compat: protocol/schema/ against every version frozen in protocol/versions/"),
}


def report(cases: list[Case], spec: str) -> int:
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
    print(f"# MUST anchors: {len(musts)}, uncovered: {len(must_un)}")
    for r in unknown:
        print(f"unknown-anchor {r}")
    for r, (path, how) in sorted(checked.items()):
        print(f"checked {r} by {path} ({how}){' MISSING' if r in missing else ''}")
    for r in uncovered:
        print(f"uncovered {r}{' (MUST)' if r in musts else ''}")
    return 1 if unknown or missing else 0

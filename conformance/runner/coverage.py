"""Which requirement anchors the cases cite, and which they do not."""

from __future__ import annotations

from cases import Case, known_anchors, must_anchors


def report(cases: list[Case], spec: str) -> int:
    """Prints the coverage report; 0 always (uncovered anchors are reported, not failed)."""
    anchors = known_anchors(spec)
    musts = must_anchors(spec)
    cited: dict[str, set[str]] = {}
    for c in cases:
        for r in c.reqs:
            cited.setdefault(r, set()).add(c.group)
    unknown = sorted(set(cited) - set(anchors))
    uncovered = [r for r in anchors if r not in cited]
    must_un = [r for r in uncovered if r in musts]
    print(f"# {len(cases)} cases cite {len(set(cited) & set(anchors))} of {len(anchors)} anchors")
    print(f"# MUST anchors: {len(musts)}, uncovered: {len(must_un)}")
    for r in unknown:
        print(f"unknown-anchor {r}")
    for r in uncovered:
        print(f"uncovered {r}{' (MUST)' if r in musts else ''}")
    return 1 if unknown else 0

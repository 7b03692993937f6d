"""Fast checks of the suite itself (make conformance-unit, part of make test):
the matcher on a table of cases, and every case file loading with anchors
that protocol/SPEC.md defines."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "conformance", "runner"))

import cases  # noqa: E402
from match import expand, match  # noqa: E402

# (expectation, actual, matches?)
TABLE = [
    ({"a": 1}, {"a": 1, "b": 2}, True),
    ({"a": 1}, {"a": 2}, False),
    ({"a": 1}, {}, False),
    ([1, 2], [1, 2], True),
    ([1, 2], [1, 2, 3], False),
    (True, 1, False),
    (1, True, False),
    (None, None, True),
    ({"a": {"$absent": True}}, {}, True),
    ({"a": {"$absent": True}}, {"a": None}, False),
    ({"a": {"$one_of": [{"$absent": True}, None]}}, {}, True),
    ({"a": {"$one_of": [{"$absent": True}, None]}}, {"a": 0}, False),
    ({"$re": "^ab+$"}, "abbb", True),
    ({"$re": "^ab+$"}, 5, False),
    ({"$contains": "x"}, "axb", True),
    ({"$gte": 3}, 3, True),
    ({"$gte": 3}, True, False),
    ({"$lte": 3}, 4, False),
    ({"$len": 2}, "ab", True),
    ({"$lenlte": 2}, [1, 2, 3], False),
    ({"$has": {"k": 1}}, [{"k": 2}, {"k": 1}], True),
    ({"$has": {"k": 1}}, [], False),
    ({"$not": 0}, 1, True),
    ({"$not": 0}, 0, False),
    ({"$type": "boolean"}, False, True),
    ({"$type": "integer"}, 1.5, False),
    ({"$any": True}, None, True),
    ({"x": {"$any": True}}, {}, False),
]


def main() -> int:
    bad = 0
    for n, (exp, act, want) in enumerate(TABLE, 1):
        got = not match(exp, act)
        if got != want:
            bad += 1
            print(f"not ok {n} - match({exp!r}, {act!r}) is {got}, expected {want}")
    if expand({"a": [{"$repeat": ["ab", 3]}]}) != {"a": ["ababab"]}:
        bad += 1
        print("not ok - $repeat expansion")
    spec = os.path.join(ROOT, "protocol", "SPEC.md")
    known = set(cases.known_anchors(spec))
    try:
        loaded = cases.load(os.path.join(ROOT, "conformance", "cases"), list(cases.GROUPS))
    except cases.CaseError as e:
        print(f"not ok - case files: {e}")
        return 1
    for c in loaded:
        for r in set(c.reqs) - known:
            bad += 1
            print(f"not ok - {c.group}/{c.id} cites {r}, which protocol/SPEC.md does not define")
    print(f"{len(TABLE) + 1 + len(loaded) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""TAP version 13 output."""

from __future__ import annotations

import sys


class Tap:
    def __init__(self, total: int) -> None:
        self.n = 0
        self.passed = 0
        self.failed: list[str] = []
        print("TAP version 13")
        print(f"1..{total}")
        sys.stdout.flush()

    def result(self, name: str, fails: list[str], reqs: list[str], notes: list[str] = ()) -> None:
        self.n += 1
        if fails:
            self.failed.append(name)
            print(f"not ok {self.n} - {name}")
            print("  ---")
            print(f"  reqs: [{', '.join(reqs)}]")
            print("  failures:")
            for f in fails[:20]:
                print("    - " + repr(f)[1:-1].replace('"', "'")[:400].join('""'))
            print("  ...")
        else:
            self.passed += 1
            print(f"ok {self.n} - {name}")
        for note in notes:
            print("# " + note[:400])
        sys.stdout.flush()

    def finish(self) -> int:
        print(f"{self.passed} passed, {len(self.failed)} failed")
        return 1 if self.failed else 0

"""Writes a file to the sandbox's /tmp, then reads it back.

/tmp is a private in-memory tmpfs with a byte and a file quota; the
parent can read its files back after the run (tmpfs/read).
"""

import hashlib
import os

PATH = "/tmp/greeting.txt"

with open(PATH, "w") as f:
    f.write("hello from inside the sandbox\n" * 3)

with open(PATH) as f:
    text = f.read()

print(f"wrote and read back {len(text)} bytes, sha256 {hashlib.sha256(text.encode()).hexdigest()[:16]}")
print("files in /tmp:", sorted(os.listdir("/tmp")))

"""Burns CPU forever; the sandbox ends it at its CPU limit."""

n = 0
while True:
    n += 1

#!/usr/bin/env bash
# make demo: runs examples/ through the pysandbox CLI and says what
# happened each time. Expects `make` to have built build/.
set -uo pipefail
cd "$(dirname "$0")/.."

cli=build/pysandbox
export PYSANDBOX_CHILD="$PWD/build/sandbox"

step() {
	printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"
	"${@:2}"
	status=$?
	printf '\033[2m(exit status %d)\033[0m\n' "$status"
}

step "A stdlib-heavy data job: csv, statistics, json, re, datetime" \
	$cli run examples/wordstats.py
step "A file written to the sandbox's private /tmp and read back" \
	$cli run examples/roundtrip.py
step "A runaway loop, stopped at its 1 s CPU limit (exit status 113)" \
	$cli run --cpu 1s examples/runaway.py
step "Hostile code: every attempt refused, the raw syscall ends the run (116)" \
	$cli run examples/escape.py
step "The full result as JSON" \
	$cli run --json -c 'import sys; print(sys.version.split()[0])'
echo
echo "demo: done. See README.md for the C API, docs/ for the rest."

#!/usr/bin/env bash
# Drives the ASan + UBSan supervisor and C driver (tests/san.mk) through
# the conformance suite and fails on any sanitizer report they wrote.
# Usage: tests/san/run.sh LOG_DIR CHILD DRIVER   (from the repository root)
#
# First a canary: each program is made to leak one block (the supervisor
# in a whole session that ends with shutdown), and its report
# must appear in LOG_DIR, so a report that would be lost (a wrong
# log_path, a directory the dropped supervisor cannot write, a leak scan
# the supervisor's filter breaks) fails the run instead of passing it.
set -euo pipefail

log=$1 child=$2 driver=$3
tmp=$(mktemp -d /tmp/h2-san.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The supervisor drops to another uid before it writes a report.
mkdir -p "$log"
if [ -O "$log" ]; then
	chmod 1777 "$log"
fi
# Another run of this target in the same tree would clear our reports.
exec 9<"$log"
flock -w 900 9

reports() { find "$log" -mindepth 1 -maxdepth 1 -newer "$tmp/start" "$@"; }

canary() {
	local what=$1 prefix=$2

	if ! reports -name "$prefix.*" -exec grep -l san_canary_leak {} + |
		grep -q .; then
		echo "san: the $what canary's leak report did not reach $log" >&2
		exit 1
	fi
}

rm -f "$log"/*
touch "$tmp/start"
printf '#!/bin/sh\nSAN_CANARY_LEAK=1 exec %s "$@"\n' "$(realpath "$child")" \
	>"$tmp/canary-child"
chmod 755 "$tmp" "$tmp/canary-child"
conformance/run --child "$tmp/canary-child" --case '^state-ended$' \
	>"$tmp/canary.tap" || true
canary supervisor sandbox
echo '{"steps": [{"execute": {"code": "pass"}}]}' |
	SAN_CANARY_LEAK=1 "$driver" --child "$child" >/dev/null || true
canary driver driver
echo "san: canaries reported"

rm -f "$log"/*
suite() {
	local name=$1

	shift
	if conformance/run "$@" --jobs 4 >"$tmp/$name.tap"; then
		echo "san: $name: $(tail -1 "$tmp/$name.tap")"
		return 0
	fi
	grep -A8 '^not ok' "$tmp/$name.tap" || true
	echo "san: $name: $(tail -1 "$tmp/$name.tap")" >&2
	return 1
}

rc=0
suite child --child "$child" || rc=1
suite driver --driver "$(realpath "$driver")" --child "$child" || rc=1

if [ -n "$(reports)" ]; then
	for f in $(reports); do
		echo "san: $f:"
		head -60 "$f"
	done
	echo "san: sanitizer reports in $log" >&2
	exit 1
fi
exit "$rc"

#!/usr/bin/env bash
# Regenerates (--write) or checks the policy table in docs/architecture.md
# from `build/sandbox --print-policy`, the table the filter is built from.
set -euo pipefail

doc=docs/architecture.md
table=$(build/sandbox --print-policy)
new=$(awk -v table="$table" '
	/<!-- policy:begin -->/ { print; print table; skip = 1; next }
	/<!-- policy:end -->/ { skip = 0 }
	!skip { print }' "$doc")

if [ "${1:-}" = "--write" ]; then
	printf '%s\n' "$new" > "$doc"
elif ! diff -u "$doc" <(printf '%s\n' "$new"); then
	echo "docs-check: $doc disagrees with child/policy.c; run scripts/policy-docs.sh --write" >&2
	exit 1
fi

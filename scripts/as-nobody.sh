#!/usr/bin/env bash
# Runs a test command as an unprivileged user (nobody) against a copy of
# the build that this user can reach, whatever the checkout's permissions.
# Usage: scripts/as-nobody.sh CMD [ARGS...]   (run from the repository root)
set -euo pipefail

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
mkdir -p "$dir/build"
cp build/sandbox build/sandbox-jail build/libsbpreload.so "$dir/build/"
cp -r lib tests "$dir/"
chmod -R a+rX "$dir"

cd "$dir"
PYSANDBOX_CHILD="$dir/build/sandbox" exec setpriv --reuid=65534 \
	--regid=65534 --clear-groups env HOME="$dir" \
	PYSANDBOX_CHILD="$dir/build/sandbox" "$@"

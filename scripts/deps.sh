#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages,
# idempotently: nothing is installed when all packages are present.
# Node tooling comes from npm inside parents/node (its own lock file).
set -euo pipefail

packages=(
	build-essential pkg-config
	python3.11 python3.11-dev libpython3.11-testsuite
	libjson-c-dev libseccomp-dev libsodium-dev check
	python3-jsonschema python3-pytest pyflakes3
	php-cli php-mbstring php-xml php-sqlite3 phpunit php-codesniffer
	nodejs
	clang clang-format libclang-rt-14-dev
	hyperfine strace
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

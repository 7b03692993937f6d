#!/usr/bin/env bash
# Runs one libFuzzer target for a set time, or until a number of
# executions, from its seeds and working corpus, and prints its execution
# count, speed, time and corpus size.
# Usage: fuzz/run.sh BUILD_DIR NAME SECONDS [RUNS]   (from the repository
# root; SECONDS 0 is no time limit, then RUNS must be given)
set -euo pipefail

build=$1 name=$2 seconds=$3 runs=${4:--1}
if [ "$seconds" -eq 0 ] && [ "$runs" -lt 0 ]; then
	echo "fuzz: $name: no time limit needs a number of runs" >&2
	exit 2
fi
root=$(pwd)
case "$name" in
frames) max_len=8192 ;;
*) max_len=9000 ;;
esac

dict=()
if [ -f "fuzz/$name.dict" ]; then
	dict=(-dict="$root/fuzz/$name.dict")
fi

# Known leaks in code under test, each with its report (one list for the
# fuzz targets and the ASan builds).
export LSAN_OPTIONS="suppressions=$root/tests/san/lsan.supp:print_suppressions=0"

mkdir -p "$build/fuzz/corpus-$name"
cd "$build/fuzz"
echo "fuzz: $name for $seconds s (0: no limit), $runs runs (-1: no limit)"
start=$(date +%s)
if ! "./fuzz_$name" -max_total_time="$seconds" -runs="$runs" -timeout=10 \
	-rss_limit_mb=1024 -max_len="$max_len" -print_final_stats=1 \
	"${dict[@]}" "corpus-$name" "$root/fuzz/corpus/$name" \
	>"$name.log" 2>&1; then
	tail -40 "$name.log"
	echo "fuzz: $name failed; the input is in $build/fuzz/" >&2
	exit 1
fi
grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' \
	"$name.log" | sed "s/^/fuzz: $name /"
echo "fuzz: $name wall seconds: $(($(date +%s) - start))," \
	"corpus: $(find "corpus-$name" -type f | wc -l) files," \
	"$(du -sk "corpus-$name" | cut -f1) KiB"

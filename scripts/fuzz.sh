#!/usr/bin/env bash
# Runs each libFuzzer binary given for FUZZ_SECONDS, starting from its seeds
# in tests/fuzz/seeds/<name> and a corpus kept in $BUILD/fuzz/corpus/<name>,
# and prints one line per fuzzer: executions and crashes. Crash inputs land
# in $BUILD/fuzz/artifacts/. Exit status: non-zero when any fuzzer crashed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
secs=${FUZZ_SECONDS:-20}
failed=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus="$BUILD/fuzz/corpus/$name"
	art="$BUILD/fuzz/artifacts/$name/"
	mkdir -p "$corpus" "$art"
	log="$BUILD/fuzz/$name.log"
	stamp="$BUILD/fuzz/$name.start" # crashes of earlier runs stay in $art: count this run's
	touch "$stamp"
	"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art" \
		"$corpus" "tests/fuzz/seeds/$name" >"$log" 2>&1
	rc=$?
	execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
	crashes=$(find "$art" -type f -newer "$stamp" | wc -l)
	if [ $rc -ne 0 ]; then
		failed=1
		echo "$name: CRASH after ${execs:-?} executions (rc $rc): $(find "$art" -type f -newer "$stamp" | head -3 | tr '\n' ' ') see $log"
	else
		echo "$name: ${execs:-?} executions in ${secs}s, $crashes crashes"
	fi
done
exit $failed

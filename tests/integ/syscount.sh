#!/usr/bin/env bash
# syscount: a target making exactly N getppid() calls is counted; -x counts
# only failures; -P names the process; -L adds latency; syscall names.
source "$(dirname "$0")/lib.bash"
plan 7

N=4321
missing="/tmp/bpfscope-nostat-$$"
# run_target NAME BPFSCOPE-ARGS...: a fresh iodo (getppid x N, a failing
# stat) traced with -p, report printed at exit.
run_target() {
	local name=$1
	shift
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	"$TARGETS/iodo" getppid $N stat "$missing" <"$TMP/go" &
	target=$!
	_pids+=("$target")
	exec 7>"$TMP/go"
	start_bpfscope "$name" syscount -o json -T 0 -p "$target" "$@" || exit 1
	echo go >&7
	exec 7>&-
	wait "$target"
	stop_bpfscope
}

run_target plain -P
getppid=$(jq -r 'select(.syscall == "getppid") | .count' "$TMP/plain.out")
[ -n "$getppid" ] && [ "$getppid" -ge $N ]
ok $? "getppid counted >= $N times (got ${getppid:-nothing})"
jq -se "map(select(.syscall == \"getppid\")) | .[0] | .pid == $target and .comm == \"iodo\" and .errors == 0" \
	"$TMP/plain.out" >/dev/null
ok $? "-P: pid $target, comm iodo, no errors"
[ "$(jq -r .pid "$TMP/plain.out" | sort -u)" = "$target" ]
ok $? "-p: no other process counted"

run_target failed -x
jq -se 'map(select(.syscall == "getppid")) | length == 0' "$TMP/failed.out" >/dev/null
ok $? "-x: successful getppid not counted"
jq -se 'map(select(.syscall | test("stat"))) | .[0] | .errors >= 1 and .count == .errors' "$TMP/failed.out" >/dev/null
ok $? "-x: the failed stat of $missing is counted ($(jq -c 'select(.syscall | test("stat"))' "$TMP/failed.out"))"

run_target lat -L
jq -se 'map(select(.syscall == "getppid")) | .[0] | .total_us > 0 and .avg_us >= 0' "$TMP/lat.out" >/dev/null
ok $? "-L: getppid has total and average latency"
bad_input "bad -T is one error line" "top\|-T" syscount -T -1
done_testing

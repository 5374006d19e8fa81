#!/usr/bin/env bash
# Target churn while traced: the -p process exits (bpfscope ends by itself),
# restarts (--follow picks up the new pid), is redeployed (binary replaced
# on disk by rename, the way deploys do it), execs itself, and unloads and
# reloads a traced library (dlclose). Counts are exact in every case.
source "$(dirname "$0")/lib.bash"
plan 12

T=$TMP/app
cp "$TARGETS/trace_target" "$T"
probe="u:$T:cache_fetch { count() }"
attached_times() { # file n: waits (bounded) until bpfscope attached n times
	for _ in $(seq 1 300); do
		[ "$(grep -c 'tracing, Ctrl-C' "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
hits() { grep -oE "cache_fetch: [0-9]+ hits" "$1" | awk '{s += $2} END {print s + 0}'; }

# 1. the traced process exits: bpfscope reports it and ends with exit 0
start_gated a1 "$T" wait 3
start_bpfscope exit1 trace -p "$GATED_PID" "$probe" || exit 1
release_gated a1 "$GATED_PID"
for _ in $(seq 1 100); do kill -0 "$BPFSCOPE_PID" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$BPFSCOPE_PID" 2>/dev/null
ok $? "bpfscope ended by itself when process $GATED_PID exited"
wait "$BPFSCOPE_PID"
[ $? -eq 0 ] && grep -q "process $GATED_PID exited" "$TMP/exit1.err" && [ "$(hits "$TMP/exit1.err")" -eq 3 ]
ok $? "it said so, exited 0 and counted the 3 calls" || show "$TMP/exit1.err"

# 2. --follow across a restart and a redeploy (new inode at the same path)
start_gated b1 "$T" wait 3
start_bpfscope follow trace --follow -p "$GATED_PID" "$probe" || exit 1
first=$GATED_PID
release_gated b1 "$first"
wait_for "$TMP/follow.err" "waiting for a new process" 200
ok $? "after the exit, --follow waits for a new process of $T"
start_gated b2 "$T" wait 5
second=$GATED_PID
attached_times "$TMP/follow.err" 2
release_gated b2 "$second"
wait_for "$TMP/follow.err" "process $second exited" 200
ok $? "it followed the restart to process $second"
cp "$TARGETS/trace_target" "$T.new" && mv "$T.new" "$T" # a deploy: rename over the old file
start_gated b3 "$T" wait 7
third=$GATED_PID
attached_times "$TMP/follow.err" 3
release_gated b3 "$third"
wait_for "$TMP/follow.err" "process $third exited" 200
stop_bpfscope
counts=$(grep -oE "cache_fetch: [0-9]+ hits" "$TMP/follow.err" | awk '{print $2}' | paste -sd,)
[ "$counts" = "3,5,7" ]
ok $? "each incarnation counted exactly, the redeployed binary included: $counts (want 3,5,7)" ||
	show "$TMP/follow.err"
[ "$(grep -c 'tracing, Ctrl-C' "$TMP/follow.err")" -eq 3 ]
ok $? "attached three times"

"$BPFSCOPE" trace --follow "$probe" 2>"$TMP/nofollow.err"
[ $? -eq 2 ] && [ "$(wc -l <"$TMP/nofollow.err")" -eq 1 ] && grep -q -- '--follow needs -p' "$TMP/nofollow.err"
ok $? "--follow without -p: one clear error line, exit 2"

# 3. exec of the same binary: the probes stay on the new image of the same pid
C=$TARGETS/churn
start_gated c1 "$C" exec 4 6
start_bpfscope exec trace -p "$GATED_PID" "u:$C:tick { count() }" || exit 1
echo go >&"$_gate_c1" # exec now; the new image waits for a second line
wait_for "$TMP/exec.err" "attaching again to the new image of process $GATED_PID" 200 &&
	attached_times "$TMP/exec.err" 2
ok $? "the exec was noticed and the probes attached again to the new image"
release_gated c1 "$GATED_PID"
for _ in $(seq 1 100); do kill -0 "$BPFSCOPE_PID" 2>/dev/null || break; sleep 0.05; done
stop_bpfscope
# the 4 calls before the gate happened before tracing started: not counted
grep -q 'ran 6' "$TMP/c1.stdout" && grep -qE 'tick: 6 hits' "$TMP/exec.err"
ok $? "after exec, the 6 calls of the new image are counted" || { show "$TMP/exec.err"; show "$TMP/c1.stdout"; }

# 4. dlclose + dlopen of a traced library
start_gated d1 "$C" dl 3 4
start_bpfscope dl trace -p "$GATED_PID" "u:libz:zlibVersion { count() }" || exit 1
release_gated d1 "$GATED_PID"
for _ in $(seq 1 100); do kill -0 "$BPFSCOPE_PID" 2>/dev/null || break; sleep 0.05; done
stop_bpfscope
grep -q 'unmapped yes' "$TMP/d1.stdout"
ok $? "the library really left the process between the calls"
grep -qE 'zlibVersion: 7 hits' "$TMP/dl.err"
ok $? "calls before dlclose and after the new dlopen are all counted (7)" || show "$TMP/dl.err"
grep -q "process $GATED_PID exited" "$TMP/dl.err"
ok $? "and bpfscope ended with the process"
done_testing

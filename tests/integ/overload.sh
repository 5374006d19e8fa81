#!/usr/bin/env bash
# Overload: a target calls a traced function as fast as it can while
# bpfscope's reader is stalled (its stdout is a pipe nobody reads), so the
# ring buffer overflows. The traced process must not be blocked (it finishes
# while the reader is still stalled), bpfscope's memory must stay bounded, and
# the accounting must be exact: hits = calls the target made, emitted +
# dropped = hits, lines delivered = emitted.
source "$(dirname "$0")/lib.bash"
plan 6

mkfifo "$TMP/gate"
"$BPFSCOPE" trace -o json "u:$TARGETS/trace_target:cache_fetch { print(arg1) }" \
	2>"$TMP/ov.err" | { read -r _ <"$TMP/gate"; cat >"$TMP/ov.out"; } &
_pids+=($!)
wait_for "$TMP/ov.err" 'tracing, Ctrl-C to end' 600 || { show "$TMP/ov.err"; exit 1; }
bpid=$(pgrep -n -f "trace -o json u:$TARGETS/trace_target:cache_fetch")

"$TARGETS/trace_target" loop 1.5 >"$TMP/target.out"
ok $? "the target finished its loop while bpfscope's reader was stalled"
calls=$(awk '/^calls/ {print $2}' "$TMP/target.out")
hwm_kb=$(awk '/^VmHWM/ {print $2}' /proc/"$bpid"/status)

echo go >"$TMP/gate"
kill -INT "$bpid"
for _ in $(seq 1 200); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.05; done
wait 2>/dev/null
show "$TMP/ov.err" 5

line=$(grep 'cache_fetch:' "$TMP/ov.err")
num() { echo "$line" | grep -oE "[0-9]+ $1" | awk '{print $1}'; }
hits=$(num hits)
emitted=$(num emitted)
dropped=$(num dropped)
delivered=$(wc -l <"$TMP/ov.out")
diag "calls $calls hits $hits emitted $emitted dropped $dropped delivered $delivered hwm ${hwm_kb} KiB"

[ -n "$calls" ] && [ "$hits" = "$calls" ]
ok $? "every call was counted: $hits hits for $calls calls"
[ "$dropped" -gt 0 ]
ok $? "the stalled reader made the ring overflow: $dropped dropped"
[ $((emitted + dropped)) -eq "$hits" ]
ok $? "emitted + dropped = hits ($emitted + $dropped = $hits)"
[ "$delivered" -eq "$emitted" ]
ok $? "every emitted event was delivered ($delivered lines)"
# the ring buffer is 1 MiB and events are not queued in user space: a flood
# must not grow bpfscope beyond its fixed buffers (64 MiB is generous)
[ -n "$hwm_kb" ] && [ "$hwm_kb" -lt 65536 ]
ok $? "bpfscope's peak RSS stayed bounded during the flood (${hwm_kb} KiB)"
done_testing

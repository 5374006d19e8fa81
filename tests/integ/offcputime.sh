#!/usr/bin/env bash
# offcputime: a thread that blocks 10 x 50 ms in read() from blocking_wait()
# shows about 500 ms off CPU on that stack; --min-block filters.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/stacky.bash"
plan 7

start_stacky sleep sleep 10 50 || exit 1
pid=$STACKY_PID
start_bpfscope folded offcputime -p "$pid" --folded || exit 1
"$BPFSCOPE" offcputime -p "$pid" -o json -m 20000 -d 2 >"$TMP/json.out" 2>"$TMP/json.err" &
json=$!
_pids+=("$json")
sleep 0.5
go_stacky
stop_bpfscope
wait "$json"
end_stacky

us=$(awk '/blocking_wait;read;.*schedule/ { n += $NF } END { print n + 0 }' "$TMP/folded.out")
[ "$us" -ge 450000 ] && [ "$us" -le 1500000 ]
ok $? "blocking_wait -> read -> schedule: $us us off CPU (10 x 50 ms plus scheduling delays expected)"
grep -q 'anon_pipe_read_\[k\]\|pipe_read_\[k\]' "$TMP/folded.out"
ok $? "kernel frames of the pipe read, suffixed _[k]"
! grep -q 'bpf_prog_\|bpf_trace_run' "$TMP/folded.out"
ok $? "no BPF glue frames in kernel stacks"
jq -e -s 'map(select(.frames | index("blocking_wait"))) | length == 1 and .[0].blocks == 10' \
	"$TMP/json.out" >/dev/null
ok $? "JSON: one blocking_wait stack with 10 blocks"
jq -e -s 'all(.value >= 20000)' "$TMP/json.out" >/dev/null
ok $? "-m 20000: no stack below 20 ms in total"
# negative: a thread blocked all along never switches in or out
start_stacky idle sleep 0 0 || exit 1
"$BPFSCOPE" offcputime -p "$STACKY_PID" --folded -d 1 >"$TMP/idle.out" 2>"$TMP/idle.err"
[ $? -eq 0 ] && [ ! -s "$TMP/idle.out" ]
ok $? "a process blocked all along: no stacks"
end_stacky
bad_input "--max-block below --min-block" "below --min-block" offcputime -m 100 -M 10
done_testing

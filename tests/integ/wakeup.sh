#!/usr/bin/env bash
# wakeup: thread stk-waker writes to a pipe 20 times from wake_partner();
# thread stk-wakee blocks reading it. The pair, its count, its latency
# histogram and the waker's stack must show.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/stacky.bash"
plan 8

start_stacky wake wake 20 20 || exit 1
pid=$STACKY_PID
start_bpfscope json wakeup -p "$pid" -o json || exit 1
"$BPFSCOPE" wakeup -p "$pid" --folded --svg "$TMP/w.svg" -d 2 >"$TMP/folded.out" 2>"$TMP/folded.err" &
folded=$!
_pids+=("$folded")
sleep 0.5
go_stacky
stop_bpfscope
wait "$folded"
end_stacky

pair=$(jq -c 'select(.waker == "stk-waker" and .wakee == "stk-wakee")' "$TMP/json.out")
n=$(jq -r .wakeups <<<"$pair")
# on a loaded machine the reader lags and many writes find no sleeper: >= 10
[ "${n:-0}" -ge 10 ] && [ "${n:-0}" -le 22 ]
ok $? "stk-waker -> stk-wakee: $n wakeups (20 writes to an empty pipe, 1 thread exit; a write finds no sleeper when the reader lags)"
[ "$(jq -r '.waker_pid == '"$pid"' and .wakee_pid == '"$pid" <<<"$pair")" = true ]
ok $? "pids of both sides"
[ "$(jq -r '.latency.count' <<<"$pair")" -ge 10 ] && [ "$(jq -r '.latency.unit' <<<"$pair")" = usecs ]
ok $? "wakeup-to-run latency histogram (usecs) for the pair"
jq -e -s 'all(.wakee_pid == null or .wakee_pid == '"$pid"')' "$TMP/json.out" >/dev/null
ok $? "-p selects the woken process"
jq -e -s 'map(select(.comm == "stk-waker>stk-wakee" and (.frames | index("anon_pipe_write_[k]"))))
	| map(.value) | add >= 10' "$TMP/json.out" >/dev/null
ok $? "waker stacks: the pipe write wakes stk-wakee"
grep -q '^stk-waker>stk-wakee;.*waker;.*pipe_write_\[k\]' "$TMP/folded.out"
ok $? "--folded: waker>wakee;...;waker;...;pipe_write_[k]"
xmllint --noout "$TMP/w.svg"
ok $? "--svg is valid XML"

# negative: nobody wakes a process blocked on a pipe nobody writes to
start_stacky idle sleep 0 0 || exit 1
"$BPFSCOPE" wakeup -p "$STACKY_PID" -o json -d 1 >"$TMP/idle.out" 2>"$TMP/idle.err"
[ $? -eq 0 ] && [ ! -s "$TMP/idle.out" ]
ok $? "a process nobody wakes: no pairs, no stacks"
end_stacky
done_testing

#!/usr/bin/env bash
# exitsnoop: exit code of a child, the signal of a killed child, -x, -p.
source "$(dirname "$0")/lib.bash"
plan 9

start_bpfscope all exitsnoop -o json || exit 1
sh -c 'exit 3' &
coder=$!
wait $coder
sleep 30 &
victim=$!
_pids+=("$victim")
sleep 0.2
kill -KILL "$victim"
wait "$victim" 2>/dev/null
wait_for "$TMP/all.out" "\"pid\":$victim"
stop_bpfscope

jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c "select(.pid == $coder)" "$TMP/all.out")
[ "$(jq -r .code <<<"$rec")" = 3 ] && [ "$(jq -r .signal <<<"$rec")" = "" ] &&
	[ "$(jq -r .ppid <<<"$rec")" = $$ ]
ok $? "child $coder exited with code 3, parent $$ (got: $rec)"
rec=$(jq -c "select(.pid == $victim)" "$TMP/all.out")
[ "$(jq -r .signal <<<"$rec")" = KILL ] && [ "$(jq -r .comm <<<"$rec")" = sleep ]
ok $? "child $victim killed by SIGKILL (got: $rec)"
age=$(jq -r .age_s <<<"$rec")
awk -v a="$age" 'BEGIN { exit !(a >= 0.15 && a < 10) }'
ok $? "its lifetime is the 0.2 s it lived (got $age)"

# -x: a clean exit is not shown, a failing one is; -p limits to one process.
start_bpfscope failed exitsnoop -x -o json || exit 1
true &
clean=$!
wait $clean
sh -c 'exit 7' &
bad=$!
wait $bad
wait_for "$TMP/failed.out" "\"pid\":$bad"
stop_bpfscope
jq -se "map(select(.pid == $bad)) | .[0].code == 7" "$TMP/failed.out" >/dev/null &&
	! grep -q "\"pid\":$clean," "$TMP/failed.out"
ok $? "-x: exit 7 of $bad shown, clean exit of $clean not"

sleep 1 &
only=$!
"$BPFSCOPE" exitsnoop -p "$only" -o json -d 1.5 >"$TMP/pid.out" 2>"$TMP/pid.err"
sh -c 'exit 1'
[ "$(jq -r .pid "$TMP/pid.out" | sort -u)" = "$only" ]
ok $? "-p $only: only that process (got: $(jq -r .pid "$TMP/pid.out" | tr '\n' ' '))"
# -t: a process with two extra threads; its comm is unique to this test.
spinx="spinx$$"
spinx=${spinx:0:15}
cp "$TARGETS/spin" "$TMP/$spinx"
start_bpfscope threads exitsnoop -t -o json -c "$spinx" || exit 1
threads_pid=$BPFSCOPE_PID
start_bpfscope procs exitsnoop -o json -c "$spinx" || exit 1
"$TMP/$spinx" 2 0.2 &
spun=$!
wait $spun
wait_for "$TMP/procs.out" "\"pid\":$spun"
stop_bpfscope
BPFSCOPE_PID=$threads_pid
wait_for "$TMP/threads.out" "\"tid\":$spun,"
stop_bpfscope
n=$(jq -s "map(select(.pid == $spun and .tid != $spun)) | length" "$TMP/threads.out")
[ "$n" = 2 ] && jq -se "map(select(.tid == $spun)) | length == 1" "$TMP/threads.out" >/dev/null
ok $? "-t: the 2 threads and the main thread of $spun exit (threads: $n)"
[ "$(jq -r '[.pid, .tid] | @tsv' "$TMP/procs.out")" = "$(printf '%s\t%s' $spun $spun)" ]
ok $? "without -t: only the process exit ($(jq -c '[.pid, .tid]' "$TMP/procs.out" | tr '\n' ' '))"
bad_input "bad option is one error line" "unknown option\|invalid\|unrecognized" exitsnoop --bogus
done_testing

#!/usr/bin/env bash
# killsnoop: the test's own kill of a sleeping child, a failed kill, -s, -x.
source "$(dirname "$0")/lib.bash"
plan 6

# The victim ignores USR1/USR2 (SIG_IGN survives exec), so it lives on.
(trap '' USR1 USR2; exec sleep 30) &
victim=$!
_pids+=("$victim")
# A pid that surely does not exist: past pid_max.
nopid=$(($(cat /proc/sys/kernel/pid_max) + 1000))

start_bpfscope all killsnoop -o json -p $$ || exit 1
kill -USR1 "$victim"
kill -0 "$nopid" 2>/dev/null
wait_for "$TMP/all.out" "\"target\":$nopid"
stop_bpfscope

jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c "select(.target == $victim)" "$TMP/all.out")
[ "$(jq -r .sig <<<"$rec")" = 10 ] && [ "$(jq -r .signal <<<"$rec")" = USR1 ] &&
	[ "$(jq -r .pid <<<"$rec")" = $$ ] && [ "$(jq -r .result <<<"$rec")" = 0 ] &&
	[ "$(jq -r .call <<<"$rec")" = kill ]
ok $? "kill -USR1 from $$ to $victim, result 0 (got: $rec)"
rec=$(jq -c "select(.target == $nopid)" "$TMP/all.out")
[ "$(jq -r .result <<<"$rec")" = ESRCH ] && [ "$(jq -r .sig <<<"$rec")" = 0 ]
ok $? "kill -0 of a missing pid fails with ESRCH (got: $rec)"

# -s TERM -x: only failed SIGTERMs; the successful USR2 and TERM are hidden.
sleep 30 &
other=$!
_pids+=("$other")
start_bpfscope filt killsnoop -o json -s SIGTERM -x -p $$ || exit 1
kill -USR2 "$victim"
kill -TERM "$other"
kill -TERM "$nopid" 2>/dev/null
wait_for "$TMP/filt.out" "\"target\":$nopid"
stop_bpfscope
[ "$(jq -r .target "$TMP/filt.out" | tr '\n' ' ')" = "$nopid " ]
ok $? "-s SIGTERM -x: only the failed TERM to $nopid (got: $(jq -c . "$TMP/filt.out" | tr '\n' ' '))"
bad_input "unknown signal is one error line" "unknown signal" killsnoop -s SIGNOPE
bad_input "signal out of range" "unknown signal" killsnoop -s 999
done_testing

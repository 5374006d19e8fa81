#!/usr/bin/env bash
# memleak: 40 blocks of 4096 bytes leaked from leak_blocks() are reported
# exactly, with the function; balanced malloc/calloc/realloc/free are not.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/stacky.bash"
plan 8

start_stacky leak leak 40 4096 || exit 1
pid=$STACKY_PID
start_bpfscope json memleak -p "$pid" -o json || exit 1
"$BPFSCOPE" memleak -p "$pid" -i 0.5 -d 1.5 >"$TMP/text.out" 2>"$TMP/text.err" &
text=$!
_pids+=("$text")
sleep 0.3
go_stacky
stop_bpfscope
wait "$text"

leak=$(jq -c 'select(.frames | index("leak_blocks"))' "$TMP/json.out")
[ "$(jq -r .value <<<"$leak")" = 163840 ] && [ "$(jq -r .allocations <<<"$leak")" = 40 ]
ok $? "leak_blocks: 163840 bytes in 40 allocations (got: $leak)"
[ "$(jq -r '.frames[0:2] | join(",")' <<<"$leak")" = "malloc,leak_blocks" ]
ok $? "the caller of malloc (not visible to the frame-pointer walk) is named"
jq -e -s 'map(select(.frames | index("churn"))) | length == 0' "$TMP/json.out" >/dev/null
ok $? "balanced malloc/calloc/realloc/free in churn() are not outstanding"
[ "$(jq -r .pid <<<"$leak")" = "$pid" ] && [ "$(jq -r .unit <<<"$leak")" = bytes ]
ok $? "pid and unit"
[ "$(grep -c 'bytes outstanding' "$TMP/text.out")" -ge 2 ]
ok $? "-i prints periodically"
grep -q '163840 bytes in 40 allocations' "$TMP/text.out"
ok $? "text report shows the leak"
end_stacky

bad_input "memleak needs -p" "needs -p PID" memleak -d 1
bad_input "memleak of a missing pid" "no process with pid 4000000" memleak -p 4000000
done_testing

#!/usr/bin/env bash
# profile: the hot function of a CPU-bound target shows in folded stacks, in
# JSON and in a valid SVG flame graph; an idle process gives no stacks.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/stacky.bash"
plan 9

start_stacky hot hot 2 || exit 1
hot=$STACKY_PID
start_bpfscope folded profile -p "$hot" -F 199 --folded --svg "$TMP/p.svg" || exit 1
"$BPFSCOPE" profile -p "$hot" -F 99 -o json -d 2.5 >"$TMP/json.out" 2>"$TMP/json.err" &
json=$!
_pids+=("$json")
sleep 0.5
go_stacky 120
stop_bpfscope
wait "$json"
end_stacky

samples=$(awk '/hot_spin_loop/ { n += $NF } END { print n + 0 }' "$TMP/folded.out")
[ "$samples" -ge 30 ]
ok $? "folded: $samples samples in hot_spin_loop (2 s of CPU at 199 Hz)"
grep -q '^stacky;.*main;hot_spin_loop' "$TMP/folded.out"
ok $? "folded: comm first, root to leaf (stacky;...;main;hot_spin_loop)"
! grep -qvE '^[^ ;][^;]*(;[^;]+)* [0-9]+$' "$TMP/folded.out"
ok $? "every folded line is 'frame;frame... count'"
[ "$(cut -d';' -f1 "$TMP/folded.out" | sort -u)" = stacky ]
ok $? "-p: only the target's stacks"
xmllint --noout "$TMP/p.svg"
ok $? "--svg writes valid XML (xmllint)"
grep -q '<title>hot_spin_loop ([0-9]* samples' "$TMP/p.svg"
ok $? "the SVG has a hot_spin_loop frame with its sample count"
jq -e -s 'map(select(.pid == '"$hot"' and (.frames[0:3] | index("hot_spin_loop")))) |
	map(.value) | add >= 10' "$TMP/json.out" >/dev/null
ok $? "JSON: hot_spin_loop near the leaf of the target's stacks"

# negative: a process that only waits on a pipe burns no CPU
start_stacky idle hot 1 || exit 1
"$BPFSCOPE" profile -p "$STACKY_PID" -F 199 --folded -d 1 >"$TMP/idle.out" 2>"$TMP/idle.err"
[ $? -eq 0 ] && [ ! -s "$TMP/idle.out" ]
ok $? "a blocked process gives no stacks"
end_stacky
bad_input "-F 0 is refused" "out of range" profile -F 0
done_testing

#!/usr/bin/env bash
# crash: the flight recorder against real crashes of tests/targets/crashy
# (built -O2 -fomit-frame-pointer): the last events with the corrupted
# length, stacks unwound from CFI and named after the process is gone,
# abort() from assert, one thread of several, a process tree with new
# children, --exec, the per-minute bound, and a traced program that does
# not crash behaving exactly as without tracing.
source "$(dirname "$0")/lib.bash"
plan 32

C=$TARGETS/crashy
P="u:$C:process_record { print(r->id, r->len) }"

# run_gated NAME ARGS...: crashy ARGS, released at once (its wait_go line)
run_gated() {
	local name=$1
	shift
	(echo go | "$C" "$@" >"$TMP/$name.stdout" 2>&1; echo $? >"$TMP/$name.rc") 2>/dev/null
}
report_of() { jq -c --arg m "$1" 'select(.user_stack | map(.symbol) | index($m))' "$TMP/bin.out"; }

# ---- session 1: every process running the binary, JSON, --exec
"$C" ok 300 >"$TMP/ok.plain"
start_bpfscope bin crash -o json --exec "echo ran >$TMP/exec.\$\$; cp -t $TMP" --dir "$TMP/reports" \
	"$P" "$C" || exit 1
run_gated records records 100
("$C" fast >/dev/null 2>&1; echo $? >"$TMP/fast.rc") 2>/dev/null
run_gated assert assert 7
run_gated threads threads 0
run_gated call call 10
"$C" ok 300 >"$TMP/ok.traced"
sleep 3 | "$C" records 5 >/dev/null 2>&1 & # waits for a line: killed by a signal that is no crash
victim=$!
sleep 0.2
kill -TERM $victim
wait $victim 2>/dev/null
wait_for "$TMP/bin.out" '"SIGSEGV"' 200
for _ in $(seq 1 200); do [ "$(wc -l <"$TMP/bin.out")" -ge 5 ] && break; sleep 0.05; done
stop_bpfscope

jq -e . "$TMP/bin.out" >/dev/null
ok $? "reports are JSON lines"
[ "$(cat "$TMP/records.rc")" = 139 ] && [ "$(cat "$TMP/assert.rc")" = 134 ] &&
	[ "$(cat "$TMP/fast.rc")" = 139 ]
ok $? "the targets died as they would have (SIGSEGV 139, SIGABRT 134)"
rec=$(jq -c 'select(.events_recorded == 101)' "$TMP/bin.out")
[ -n "$rec" ] && [ "$(jq -r .signal <<<"$rec")" = SIGSEGV ] && jq -e .fault_address <<<"$rec" >/dev/null
ok $? "records: SIGSEGV with a fault address, 101 events recorded"
[ "$(jq '.events | length' <<<"$rec")" = 64 ] &&
	[ "$(jq -c '.events[-1].fields' <<<"$rec")" = '{"r->id":100,"r->len":4398046511104}' ] &&
	[ "$(jq -c '.events[-2].fields' <<<"$rec")" = '{"r->id":99,"r->len":19}' ]
ok $? "records: the last 64 events, the corrupted length last (got $(jq -c '.events[-1].fields' <<<"$rec"))"
[ "$(jq -r '[.user_stack[].symbol] | .[0:4] | join(" ")' <<<"$rec")" = \
	"checksum_payload parse_record process_record run_records.isra.0" ] &&
	jq -e '[.user_stack[].symbol] | index("main")' <<<"$rec" >/dev/null
ok $? "records: leaf, both callers and main, unwound without frame pointers ($(jq -r '[.user_stack[].symbol] | join(" ")' <<<"$rec"))"
jq -e '.unwind_complete and (.kernel_stack | index("get_signal+0x279") or (map(startswith("get_signal")) | any))' <<<"$rec" >/dev/null
ok $? "records: unwinding reached the outermost frame; kernel stack through get_signal"

ab=$(jq -c 'select(.signal == "SIGABRT")' "$TMP/bin.out")
jq -e '(.code | startswith("SI_TKILL")) and ([.user_stack[].symbol] | index("abort") and index("__assert_fail") and index("process_record") and index("main"))' <<<"$ab" >/dev/null
ok $? "assert: SIGABRT from tkill, stack abort <- __assert_fail <- process_record <- main"
[ "$(jq -c '.events[-1].fields' <<<"$ab")" = '{"r->id":7,"r->len":100}' ]
ok $? "assert: the failing record is the last event"

fast=$(jq -c 'select(.events_recorded == 3)' "$TMP/bin.out")
jq -e '(.notes | contains("the process was gone")) and ([.user_stack[].symbol] | index("checksum_payload") and index("main"))' <<<"$fast" >/dev/null
ok $? "fast: gone before the report was made, still symbolized"
[ "$(jq -r '.user_stack[0].module' <<<"$fast")" = "$C" ]
ok $? "fast: frames name the binary's path"

th=$(jq -c 'select([.user_stack[].symbol] | index("worker"))' "$TMP/bin.out")
[ -n "$th" ] && [ "$(jq '.pid != .tid' <<<"$th")" = true ]
ok $? "threads: a worker thread (not the main one) crashed"
[ "$(jq --argjson t "$(jq .tid <<<"$th")" '[.events[].tid] | all(. == $t)' <<<"$th")" = true ] &&
	[ "$(jq '.events[-1].fields["r->len"]' <<<"$th")" = 4398046511104 ]
ok $? "threads: only the crashing thread's ring, corrupted length last"
[ "$(jq --argjson t "$(jq .tid <<<"$th")" '[.other_threads[] | select(.tid != $t)] | length' <<<"$th")" = 2 ]
ok $? "threads: the two other workers' last event listed"

call=$(jq -c 'select(.fault_address == "0x0")' "$TMP/bin.out")
jq -e '(.unwind_note | contains("bad pointer")) and .user_stack[0].pc == "0x0" and .user_stack[1].symbol == "dispatch_record" and ([.user_stack[].symbol] | index("main"))' <<<"$call" >/dev/null
ok $? "call through NULL: pc 0 shown, unwound from the return address (dispatch_record, main)"

[ "$(jq -s 'length' "$TMP/bin.out")" = 5 ]
ok $? "exactly 5 reports: SIGTERM and a clean exit are no crash (got $(jq -s length "$TMP/bin.out"))"
cmp -s "$TMP/ok.plain" "$TMP/ok.traced" && [ "$(wc -l <"$TMP/ok.plain")" = 300 ]
ok $? "a traced program that does not crash prints byte-identical output"
ls "$TMP"/reports/crash-*.json >/dev/null 2>&1 && [ "$(ls "$TMP"/reports | wc -l)" = 5 ] &&
	jq -e .signal "$TMP"/reports/crash-*-"$(jq .pid <<<"$rec")"-*.json >/dev/null
ok $? "--dir: one JSON file per report"
for _ in $(seq 1 200); do [ "$(ls "$TMP"/exec.* 2>/dev/null | wc -l)" -ge 5 ] && break; sleep 0.05; done
[ "$(ls "$TMP"/exec.* 2>/dev/null | wc -l)" = 5 ] && grep -q "^ran" "$TMP"/exec.* &&
	[ "$(ls "$TMP" | grep -c '^crash-')" = 5 ]
ok $? "--exec ran once per report with the report path (cp copied each)"
grep -q "5 crashes reported, 0 not reported" "$TMP/bin.err"
ok $? "summary counts the reports"

# ---- session 2: -p PARENT watches its children, new ones included; text;
# at most one report per minute
mkfifo "$TMP/tree.go"
bash -c "read _ <'$TMP/tree.go'; echo go | '$C' records 20; echo go | '$C' records 30; sleep 0.3" 2>/dev/null &
parent=$!
_pids+=("$parent")
start_bpfscope tree crash --max-per-minute 1 -p "$parent" "$P" "u:$C:checksum_payload" || exit 1
echo go >"$TMP/tree.go"
wait $parent
wait_for "$TMP/tree.err" "not reported" 200
stop_bpfscope
grep -q "^=== crash: SIGSEGV in pid" "$TMP/tree.out" && grep -q "r->id=20 r->len=4398046511104" "$TMP/tree.out"
ok $? "-p: a child forked after start is watched; the text report shows the corrupted length"
grep -E -q "^  #[0-9]+ +0x[0-9a-f]+ checksum_payload\+0x" "$TMP/tree.out" &&
	grep -E -q "^  #[0-9]+ +0x[0-9a-f]+ main\+0x" "$TMP/tree.out"
ok $? "-p: text stack names the leaf and main"
[ "$(grep -c '^=== crash' "$TMP/tree.out")" = 1 ] && grep -q "SIGSEGV in pid [0-9]* (crashy) not reported: more than 1 reports this minute" "$TMP/tree.err"
ok $? "--max-per-minute 1: the second crash is counted, not reported"
grep -q "checksum_payload hex(arg0)=0x[0-9a-f]* hex(arg1)=0x40000000000 hex(arg2)=" "$TMP/tree.out"
ok $? "a probe without an action records the argument registers (the corrupted length in arg1)"
! grep -q "r->id=30" "$TMP/tree.out"
ok $? "the suppressed crash printed nothing"

# ---- session 3: trace --crash -p prints the events and the report (it ends
# when the process is gone)
start_gated trc "$C" records 3
start_bpfscope tr trace --crash -p "$GATED_PID" "$P" || exit 1
release_gated trc "$GATED_PID"
wait_for "$TMP/tr.out" "^===$" 200
stop_bpfscope
[ "$(grep -c 'process_record r->id=' "$TMP/tr.out")" -ge 8 ] && grep -q "^=== crash: SIGSEGV" "$TMP/tr.out" &&
	grep -q "last 4 events of thread" "$TMP/tr.out"
ok $? "trace --crash: events printed as they come and the ring with the report"
last_event=$(grep -n 'process_record r->id=3 r->len=4398046511104' "$TMP/tr.out" | grep -v '^[0-9]*:  ' | tail -1 | cut -d: -f1)
[ -n "$last_event" ] && [ "$last_event" -lt "$(grep -n '^=== crash' "$TMP/tr.out" | cut -d: -f1)" ]
ok $? "trace --crash: the report follows the events printed before the crash"

# ---- session 4: no probe, -c COMM: signal, fault address and stacks all the same
start_bpfscope np crash -c crashy || exit 1
("$C" fast >/dev/null 2>&1; true) 2>/dev/null
wait_for "$TMP/np.out" "^===$" 200
stop_bpfscope
grep -q "^=== crash: SIGSEGV in pid [0-9]* tid [0-9]* (crashy)" "$TMP/np.out" &&
	grep -q "fault address 0x" "$TMP/np.out" && grep -q "^events: none recorded for this thread" "$TMP/np.out"
ok $? "no probe: the crash is reported with signal and fault address, no events"
grep -E -q "^  #[0-9]+ +0x[0-9a-f]+ checksum_payload\+0x" "$TMP/np.out" && grep -q "^  get_signal+0x" "$TMP/np.out"
ok $? "no probe: user and kernel stacks"

# ---- bad input
bad_input "--ring out of range" "ring" crash --ring 0
bad_input "a BINARY that does not exist" "no-such-binary" crash /tmp/no-such-binary-$$
bad_input "-p of no process" "no process with pid" crash -p 4000000
bad_input "two BINARY arguments" "one BINARY at most" crash "$C" /bin/true
done_testing

#!/usr/bin/env bash
# crash --serve: the crash recorder's metrics on /metrics, the reports on
# /api/crashes and the web UI's Crashes view in headless Chromium (DevTools
# protocol, tests/integ/ui-cdp.js, screenshot in $UI_SHOTS, default the
# test's temporary dir), against real crashes of tests/targets/crashy; then
# trace --crash --serve publishes its report the same way.
source "$(dirname "$0")/lib.bash"
plan 13

C=$TARGETS/crashy
P="u:$C:process_record { print(r->id, r->len) }"
SHOTS=${UI_SHOTS:-$TMP/shots}
mkdir -p "$SHOTS"
echo "crash-$$-token" >"$TMP/token"
port_of() { grep -o 'serving http://127.0.0.1:[0-9]*' "$TMP/$1.err" | sed 's/.*://'; }
get() { curl -s -H "Authorization: Bearer crash-$$-token" "http://127.0.0.1:$1$2"; }
# run_gated NAME ARGS...: crashy ARGS, released at once (its wait_go line)
run_gated() {
	local name=$1
	shift
	(echo go | "$C" "$@" >"$TMP/$name.stdout" 2>&1; echo $? >"$TMP/$name.rc") 2>/dev/null
}

# ---- crash --serve, at most one report per minute
start_bpfscope cs crash --serve 127.0.0.1:0 --token-file "$TMP/token" --max-per-minute 1 "$P" "$C" || exit 1
port=$(port_of cs)
get "$port" /api/crashes >"$TMP/empty.json"
jq -e '.reports == [] and .caught == 0 and .kept_at_most == 32' "$TMP/empty.json" >/dev/null
ok $? "before any crash: an empty list ($(cat "$TMP/empty.json"))"
sleep 3 | "$C" records 5 >/dev/null 2>&1 & # killed by a signal that is no crash
victim=$!
sleep 0.2
kill -TERM $victim
wait $victim 2>/dev/null
run_gated records records 100
wait_for "$TMP/cs.out" "^===$" 200
run_gated second records 30 # over the per-minute bound: counted, not listed
wait_for "$TMP/cs.err" "not reported" 200
get "$port" /metrics >"$TMP/metrics.txt"
grep -qx 'bpfscope_crash_reports_total{signal="SIGSEGV"} 1' "$TMP/metrics.txt"
ok $? "/metrics: one SIGSEGV reported (SIGTERM is no crash)"
grep -qx 'bpfscope_crash_reports_suppressed_total{signal="SIGSEGV"} 1' "$TMP/metrics.txt"
ok $? "/metrics: the second crash counted as suppressed by --max-per-minute"
grep -qx 'bpfscope_crash_ring_events_total 101' "$TMP/metrics.txt" &&
	grep -qx 'bpfscope_crash_ring_events_overwritten_total 37' "$TMP/metrics.txt" &&
	grep -q '^# TYPE bpfscope_crash_reports_total counter' "$TMP/metrics.txt" &&
	grep -q '^bpfscope_ringbuf_drops_total 0' "$TMP/metrics.txt"
ok $? "/metrics: 101 ring events of the crashed thread, 37 older than --ring 64, no drops"
get "$port" /api/crashes >"$TMP/crashes.json"
jq -e '.caught == 1 and .suppressed == 1 and (.reports | length) == 1' "$TMP/crashes.json" >/dev/null
ok $? "/api/crashes: one report listed, the suppressed one only counted"
rec=$(jq -c '.reports[0]' "$TMP/crashes.json")
jq -e '.signal == "SIGSEGV" and .si_code == 1 and (.fault_address | startswith("0x")) and .comm == "crashy" and .unwind_complete and .pid > 0' <<<"$rec" >/dev/null
ok $? "/api/crashes: SIGSEGV, SEGV_MAPERR, fault address, complete stack"
jq -e '[.user_stack[].symbol] | .[0] == "checksum_payload" and index("main")' <<<"$rec" >/dev/null
ok $? "/api/crashes: frames from checksum_payload to main ($(jq -r '[.user_stack[].symbol] | join(" ")' <<<"$rec"))"
[ "$(jq -c '.events[-1].fields' <<<"$rec")" = '{"r->id":100,"r->len":4398046511104}' ]
ok $? "/api/crashes: the last event has the corrupted length ($(jq -c '.events[-1].fields' <<<"$rec"))"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/crashes")" = 401 ]
ok $? "/api/crashes needs the token"

q="?token=crash-$$-token&refresh=300"
node --experimental-websocket "$(dirname "$0")/ui-cdp.js" "$SHOTS" "crash-$$-token" \
	"http://127.0.0.1:$port/$q#crashes" >"$TMP/ui.jsonl" 2>"$TMP/ui.err"
line=$(jq -c 'select(.view == "crashes")' "$TMP/ui.jsonl")
[ "$(jq -r .ok <<<"$line")" = true ] && [ -s "$SHOTS/ui-crashes.png" ]
ok $? "Crashes view shows what /api/crashes says, screenshot saved: $(jq -r .detail <<<"$line")"
stop_bpfscope
grep -q "1 crashes reported, 1 not reported" "$TMP/cs.err"
ok $? "the exit summary agrees"

# ---- trace --crash --serve: -c of a copy of crashy with a name of its own
# (trace -p would end with the process, before the API could be asked)
cp "$C" "$TMP/crashy$$"
start_bpfscope tr trace --crash --serve 127.0.0.1:0 -c "crashy$$" \
	"u:$TMP/crashy$$:process_record { print(r->id, r->len) }" || exit 1
tport=$(port_of tr)
(echo go | "$TMP/crashy$$" records 3 >/dev/null 2>&1) 2>/dev/null
wait_for "$TMP/tr.out" "^===$" 200
get "$tport" /api/crashes >"$TMP/tr.json"
get "$tport" /metrics >"$TMP/tr.metrics"
stop_bpfscope
jq -e '.caught == 1 and .reports[0].signal == "SIGSEGV" and (.reports[0].events[-1].fields == {"r->id":3,"r->len":4398046511104})' "$TMP/tr.json" >/dev/null &&
	grep -qx 'bpfscope_crash_reports_total{signal="SIGSEGV"} 1' "$TMP/tr.metrics"
ok $? "trace --crash --serve: the report on /api/crashes and counted on /metrics"
! grep -l 'Sanitizer' "$TMP/cs.err" "$TMP/tr.err"
ok $? "no sanitizer report from bpfscope (meaningful in the ASan build)"
[ "$_failed" -eq 0 ] || { show "$TMP/ui.jsonl"; show "$TMP/ui.err"; show "$TMP/crashes.json" 5; show "$TMP/tr.err"; }
done_testing

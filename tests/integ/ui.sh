#!/usr/bin/env bash
# The web UI in headless Chromium (DevTools protocol, tests/integ/ui-cdp.js):
# each view loaded while a workload runs, the numbers it shows compared with
# its JSON API, a screenshot per view in $UI_SHOTS (default: the test's
# temporary dir). Sources: trace --serve (latency, requests, service map,
# drops), profile --serve (flame graph), serve FILE (a record file).
source "$(dirname "$0")/lib.bash"
plan 13

T="$TARGETS/trace_target"
SHOTS=${UI_SHOTS:-$TMP/shots}
mkdir -p "$SHOTS"
echo "ui-$$-token" >"$TMP/token"
port_of() { grep -o 'serving http://127.0.0.1:[0-9]*' "$TMP/$1.err" | sed 's/.*://'; }

start_bpfscope trace trace --serve 127.0.0.1:0 --token-file "$TMP/token" "r:$T:recurse" \
	"r:$T:process_request { print(ip(r->connection->addr), r->method) }" \
	"r:$T:cache_fetch { hist(duration) }" || exit 1
tport=$(port_of trace)
servers=("$BPFSCOPE_PID")
# the workload: 2 rounds every 0.2 s, 25 s at most (killed at exit)
(for _ in $(seq 1 125); do "$T" run 2 >/dev/null; sleep 0.2; done) &
_pids+=($!)

"$TARGETS/spin" 1 25 &
spinner=$!
_pids+=("$spinner")
start_bpfscope prof profile --serve 127.0.0.1:0 --token-file "$TMP/token" -p "$spinner" -F 199 || exit 1
pport=$(port_of prof)
servers+=("$BPFSCOPE_PID")

python3 "$(dirname "$0")/mkrecord.py" "$TMP/rec.db" 6
start_bpfscope_file() { # serve prints no "tracing" line: wait for "spans from"
	"$BPFSCOPE" serve --serve 127.0.0.1:0 --token-file "$TMP/token" "$TMP/rec.db" >"$TMP/file.out" 2>"$TMP/file.err" &
	_pids+=($!)
	servers+=($!)
	wait_for "$TMP/file.err" 'spans from' 200
}
start_bpfscope_file
fport=$(port_of file)
grep -q "18 spans from" "$TMP/file.err"
ok $? "serve FILE loads the 18 spans of the record file"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$tport/")
[ "$code" = 401 ]
ok $? "the UI too needs the token ($code without)"
curl -s "http://127.0.0.1:$tport/?token=ui-$$-token" | grep -q '<title>bpfscope</title>'
ok $? "index.html served from the binary with ?token="

sleep 1.5 # a few workload rounds before the first view
q="?token=ui-$$-token&refresh=300"
node --experimental-websocket "$(dirname "$0")/ui-cdp.js" "$SHOTS" "ui-$$-token" \
	"http://127.0.0.1:$tport/$q#latency" "http://127.0.0.1:$tport/$q#requests" \
	"http://127.0.0.1:$tport/$q#map" "http://127.0.0.1:$tport/$q#loss" \
	"http://127.0.0.1:$pport/$q#flame" \
	"file-requests=http://127.0.0.1:$fport/$q#requests" "file-map=http://127.0.0.1:$fport/$q#map" \
	>"$TMP/ui.jsonl" 2>"$TMP/ui.err"
for v in latency requests map loss flame file-requests file-map; do
	line=$(jq -c --arg v "$v" 'select(.view == $v)' "$TMP/ui.jsonl")
	[ "$(jq -r .ok <<<"$line")" = true ] && [ -s "$SHOTS/ui-$v.png" ]
	ok $? "view $v shows what the API says, screenshot saved: $(jq -r .detail <<<"$line")"
done
jq -s -e 'any(.[]; .view == "map" and (.detail | test("trace_target -> 10.1.2.3:8080: [0-9]+ calls")))' "$TMP/ui.jsonl" >/dev/null
ok $? "service map of trace: trace_target -> 10.1.2.3:8080, the sockaddr_in that ip() printed as a peer"
jq -s -e 'any(.[]; .view == "file-map" and (.detail | test("handle -> 127.0.0.1:11211: 12 calls")))' "$TMP/ui.jsonl" >/dev/null
ok $? "service map of the record file: handle -> 127.0.0.1:11211, 12 calls"
[ "$_failed" -eq 0 ] || { show "$TMP/ui.jsonl"; show "$TMP/ui.err"; }
for p in "${servers[@]}"; do kill -INT "$p"; done
for p in "${servers[@]}"; do
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
done
! grep -l 'Sanitizer' "$TMP"/*.err
ok $? "no sanitizer report from any bpfscope (meaningful in the ASan build)"
done_testing

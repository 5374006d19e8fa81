#!/usr/bin/env bash
# Request spans (spans_target, the probes of tests/integ/spans.sh) exported
# live with spans --otlp and served with --serve, then the same kind of run
# recorded with `record` and exported from the file with `serve FILE
# --otlp`: the strict receiver (otlp_receiver.py) gets every span, children
# under their parents in one trace per request.
source "$(dirname "$0")/lib.bash"
plan 10

T=$TARGETS/spans_target
PROBES=("root u:$T:handle_request { attr(path, str(arg0->path)) }"
	"u:$T:cache_get" "u:$T:cache_mget" "u:$T:db_query" "span u:$T:db_exec" "u:$T:serve_one")
R="$(dirname "$0")/otlp_receiver.py"
receiver() { # DIR: starts it, RPORT is its port
	mkdir -p "$1"
	python3 "$R" "$1" &
	_pids+=($!)
	for _ in $(seq 1 100); do [ -s "$1/port" ] && break; sleep 0.05; done
	RPORT=$(cat "$1/port")
}
start_target() { # NAME ROUNDS: gated spans_target, PID and PORT
	start_gated "$1" "$T" "$2"
	PID=$GATED_PID
	wait_for "$TMP/$1.stdout" '^port ' || diag "target did not start"
	PORT=$(awk '/^port / {print $2}' "$TMP/$1.stdout")
}

receiver "$TMP/live"
start_target live 5
# no -p: a -p session ends with its process, before the scrape below
start_bpfscope spans spans -o json --serve 127.0.0.1:0 \
	--otlp "http://127.0.0.1:$RPORT/v1/traces" "${PROBES[@]}" || exit 1
sport=$(grep -o 'serving http://127.0.0.1:[0-9]*' "$TMP/spans.err" | sed 's/.*://')
release_gated live "$PID"
wait_for "$TMP/spans.out" '"/serve","id":"19"' 100
sleep 1.2 # one publish
curl -s "http://127.0.0.1:$sport/metrics" >"$TMP/metrics.txt"
curl -s "http://127.0.0.1:$sport/api/servicemap" >"$TMP/map.json"
stop_bpfscope
S="$TMP/live/spans.jsonl"

grep -q '^bpfscope_span_duration_seconds_count{probe="handle_request",role="root"} 20$' "$TMP/metrics.txt" &&
	grep -q '^bpfscope_span_duration_seconds_count{probe="cache_get",role="child"} 15$' "$TMP/metrics.txt"
ok $? "/metrics: 20 handle_request roots and 15 cache_get children" || show "$TMP/metrics.txt"
jq -e --arg p "127.0.0.1:$PORT" 'any(.edges[]; .from == "spans_target" and .to == $p and .calls > 0)' "$TMP/map.json" >/dev/null
ok $? "service map: spans_target -> 127.0.0.1:$PORT" || show "$TMP/map.json"
[ ! -s "$TMP/live/errors.txt" ] && [ "$(wc -l <"$S")" -eq 55 ]
ok $? "55 spans of 20 requests received, all valid OTLP ($(wc -l <"$S"))" || show "$TMP/live/errors.txt"
[ "$(jq -s '[.[] | select(.parentSpanId == null and .kind == 2 and .name == "handle_request")] | length' "$S")" -eq 20 ]
ok $? "20 roots: SERVER spans without a parent"
[ "$(jq -s '[.[].traceId] | unique | length' "$S")" -eq 20 ]
ok $? "one trace per request (20 trace ids)"
jq -s -e 'INDEX(.spanId) as $by | [.[] | select(.name == "db_exec")] | length == 5 and
	all(.[]; $by[.parentSpanId].name == "db_query" and $by[$by[.parentSpanId].parentSpanId].name == "handle_request"
	and $by[.parentSpanId].traceId == .traceId)' "$S" >/dev/null
ok $? "db_exec -> db_query -> handle_request by parentSpanId, in one trace"
jq -s -e --arg port "$PORT" '[.[] | select(.name == "cache_get")] | length == 15 and
	all(.[]; .attributes["server.address"] == "127.0.0.1" and .attributes["server.port"] == $port
	and .attributes["bpfscope.peer.round_trips"] == "1")' "$S" >/dev/null
ok $? "cache_get spans: peer 127.0.0.1:$PORT as server.address/port, 1 round trip each"
jq -s -e --arg pid "$PID" 'all(.[]; .resource["process.pid"] == $pid)
	and ([.[] | select(.attributes["bpfscope.path"] != null)] | length == 20)' "$S" >/dev/null
ok $? "resource process.pid is the target; the root attribute path is exported"

# the same from a record file
receiver "$TMP/file"
start_target rec 3
start_bpfscope rec record -p "$PID" -o "$TMP/run.db" "${PROBES[@]}" || exit 1
release_gated rec "$PID"
sleep 0.3
stop_bpfscope
rows=$(sqlite3 "$TMP/run.db" 'select count(*) from spans')
"$BPFSCOPE" serve --otlp "http://127.0.0.1:$RPORT/v1/traces" "$TMP/run.db" >"$TMP/sf.out" 2>"$TMP/sf.err"
n=$(wc -l <"$TMP/file/spans.jsonl")
[ "$rows" -gt 0 ] && [ "$n" -eq "$rows" ] && [ ! -s "$TMP/file/errors.txt" ] &&
	grep -q "otlp: $rows spans exported, 0 dropped" "$TMP/sf.err"
ok $? "serve FILE --otlp exports all $rows spans of a real record file ($n received)" || show "$TMP/sf.err"
jq -s -e 'INDEX(.spanId) as $by | ([.[] | select(.parentSpanId == null)] | length == 12)
	and all(.[] | select(.parentSpanId != null); $by[.parentSpanId].traceId == .traceId)' "$TMP/file/spans.jsonl" >/dev/null
ok $? "file export: 12 roots, every child in its parent's trace"
done_testing

#!/usr/bin/env bash
# trace --otlp against a strict OTLP/HTTP receiver (tests/integ/otlp_receiver.py,
# validates every field): nested return probes become parent/child spans of
# one trace, a burst arrives complete and exactly once despite the receiver
# refusing the first requests (retries with backoff), and a dead endpoint
# loses spans only with a count.
source "$(dirname "$0")/lib.bash"
plan 11

T="$TARGETS/trace_target"
R="$(dirname "$0")/otlp_receiver.py"

# receiver DIR [ARGS]: starts it, RPORT is its port
receiver() {
	mkdir -p "$1"
	python3 "$R" "$@" &
	_pids+=($!)
	for _ in $(seq 1 100); do [ -s "$1/port" ] && break; sleep 0.05; done
	RPORT=$(cat "$1/port")
}

# traced NAME ROUNDS PORT [ARGS...]: trace_target ROUNDS rounds under trace
# --otlp to 127.0.0.1:PORT with r:recurse; its pid in $target
traced() {
	local name=$1 rounds=$2 port=$3
	shift 3
	start_gated "$name" taskset -c 0 "$T" wait "$rounds"
	target=$GATED_PID
	start_bpfscope "$name" trace -p "$target" --otlp "http://127.0.0.1:$port/v1/traces" "$@" \
		"r:$T:recurse" || exit 1
	release_gated "$name" "$target"
	sleep 0.3
	stop_bpfscope
}
# tree_ok SPANS: 5 rounds' 35 recurse spans nest into 10 traces, each child
# inside a parent of its trace
tree_ok() {
	[ "$(jq -s '[.[] | select(.parentSpanId == null)] | length' "$1")" -eq 10 ] &&
		[ "$(jq -s '[.[].traceId] | unique | length' "$1")" -eq 10 ] &&
		jq -s -e 'INDEX(.spanId) as $by | all(.[] | select(.parentSpanId != null);
		.parentSpanId != .spanId and $by[.parentSpanId] != null and $by[.parentSpanId].traceId == .traceId
		and (.start | tonumber) >= ($by[.parentSpanId].start | tonumber)
		and (.end | tonumber) <= ($by[.parentSpanId].end | tonumber))' "$1" >/dev/null
}

receiver "$TMP/r1" --fail-first 2
traced tree 5 "$RPORT"
S="$TMP/r1/spans.jsonl"

[ ! -s "$TMP/r1/errors.txt" ]
ok $? "every request valid against the OTLP spec" || show "$TMP/r1/errors.txt"
n=$(wc -l <"$S" 2>/dev/null || echo 0)
[ "$n" -eq 35 ]
ok $? "35 recurse calls -> 35 spans received ($n), after 2 refused requests" || show "$TMP/tree.err"
grep -q 'otlp: 35 spans exported, 0 dropped.*, [1-9][0-9]* retries' "$TMP/tree.err"
ok $? "exporter accounting: 35 exported, 0 dropped, retries counted" || show "$TMP/tree.err"
# recurse(3) on the main thread: 1 root + 3 nested per round; worker recurse(2): 1 + 2
tree_ok "$S"
ok $? "10 root spans, one trace each; every child's parent exists, shares its trace id and encloses it"
jq -s -e --arg pid "$target" 'all(.[]; .resource["process.pid"] == $pid and .resource["host.name"] != ""
	and .attributes["code.function"] == "recurse" and .name == "recurse")' "$S" >/dev/null
ok $? "resource: process.pid of the target and host.name; attributes: code.function"

# the same in the protobuf wire format (decoded by field number in the receiver)
receiver "$TMP/pb"
traced pb 5 "$RPORT" --otlp-protobuf
[ "$(wc -l <"$TMP/pb/spans.jsonl")" -eq 35 ] && [ ! -s "$TMP/pb/errors.txt" ] &&
	[ "$(sort -u "$TMP/pb/types.txt")" = application/x-protobuf ]
ok $? "--otlp-protobuf: 35 spans as application/x-protobuf, all valid" || show "$TMP/pb/errors.txt"
tree_ok "$TMP/pb/spans.jsonl" &&
	jq -s -e --arg pid "$target" 'all(.[]; .resource["process.pid"] == $pid and .attributes["thread.id"] != null)' \
		"$TMP/pb/spans.jsonl" >/dev/null
ok $? "--otlp-protobuf: the same nesting, ids, resource and attributes as JSON"

# burst: 300 rounds -> 2100 spans in well under a second, all exactly once
receiver "$TMP/r2" --fail-first 1
traced burst 300 "$RPORT"
n=$(wc -l <"$TMP/r2/spans.jsonl")
uniq=$(jq -r .spanId "$TMP/r2/spans.jsonl" | sort -u | wc -l)
[ "$n" -eq 2100 ] && [ "$uniq" -eq 2100 ] && [ ! -s "$TMP/r2/errors.txt" ]
ok $? "burst of 2100 spans: $n received, $uniq distinct, all valid" || show "$TMP/burst.err"

# nobody listening: spans are dropped with a count, never silently
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
traced dead 2 "$dead"
grep -q 'otlp: 0 spans exported, 14 dropped' "$TMP/dead.err"
ok $? "dead endpoint: 14 spans dropped and counted" || show "$TMP/dead.err"

bad_input "--otlp-protobuf without --otlp" "needs --otlp" trace --otlp-protobuf "r:$T:recurse"
bad_input "--otlp needs an http URL with a numeric address" "--otlp: expected" \
	trace --otlp "https://collector.example:4318" "r:$T:recurse"
done_testing

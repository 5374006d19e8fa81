#!/usr/bin/env bash
# net --serve/--otlp in the network lab: the UI's network view against its
# API while TCP request/response traffic runs (Chromium inside the client
# namespace), and both agents (client and server namespace, each exporting
# on its own) give each message the same trace id: the flow normalized by
# direction plus the sequence number of the message's last byte. Then the
# same across hosts: both agents stream to `collect --otlp`, whose spans
# carry the boundary events of both hosts.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 10
trap 'lab_down; cleanup' EXIT
lab_up || { diag "cannot build the lab"; exit 1; }
COUNT=40
SHOTS=${UI_SHOTS:-$TMP/shots}
mkdir -p "$SHOTS" "$TMP/r"
echo "net-$$-token" >"$TMP/token"

in_ns "$NS_S" "$TARGETS/netlab" techo 7102 25 & disown # lab_down reaps it
in_ns "$NS_C" python3 "$(dirname "$0")/otlp_receiver.py" "$TMP/r" --bind 10.77.1.1 & disown
for _ in $(seq 1 100); do [ -s "$TMP/r/port" ] && break; sleep 0.05; done
url="http://10.77.1.1:$(cat "$TMP/r/port")/v1/traces"

# agent NAME NS IFACE ARGS...: bpfscope net in NS, waits until it traces
agent() {
	local name=$1 ns=$2 ifc=$3
	shift 3
	ip netns exec "$ns" "$BPFSCOPE" net -i "$ifc" --port 7102 --host "$name" -o json --otlp "$url" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	_pids+=($!)
	eval "${name}_pid=$!"
	wait_for "$TMP/$name.err" 'tracing, Ctrl-C' 300 || show "$TMP/$name.err"
}
agent client "$NS_C" "$IF_C" --serve 127.0.0.1:0 --token-file "$TMP/token"
agent server "$NS_S" "$IF_S"
port=$(grep -o 'serving http://127.0.0.1:[0-9]*' "$TMP/client.err" | sed 's/.*://')

in_ns "$NS_C" "$TARGETS/netlab" tcp 10.77.2.2 7102 "$COUNT" 50000 3000 >/dev/null & # 2 s of traffic
traffic=$!
sleep 0.8
in_ns "$NS_C" node --experimental-websocket "$(dirname "$0")/ui-cdp.js" "$SHOTS" "net-$$-token" \
	"http://127.0.0.1:$port/?token=net-$$-token&refresh=300#net" >"$TMP/ui.jsonl" 2>"$TMP/ui.err"
line=$(jq -c 'select(.view == "net")' "$TMP/ui.jsonl")
[ "$(jq -r .ok <<<"$line")" = true ] && [ -s "$SHOTS/ui-net.png" ]
ok $? "network view shows the API's flows while traffic runs: $(jq -r .detail <<<"$line")"
wait "$traffic"
sleep 0.3
for a in client server; do
	kill -INT "$(eval echo "\$${a}_pid")"
done
for _ in $(seq 1 200); do
	grep -q 'otlp:' "$TMP/client.err" && grep -q 'otlp:' "$TMP/server.err" && break
	sleep 0.05
done

S="$TMP/r/spans.jsonl"
[ -s "$S" ] && [ ! -s "$TMP/r/errors.txt" ]
ok $? "net spans valid against the OTLP spec" || show "$TMP/r/errors.txt"
msgs=$(jq -s '[.[] | select(.type == "flow") | .messages] | add // 0' "$TMP/client.out")
n=$(jq -s '[.[] | select(any(.events[]; .[2] == "client"))] | length' "$S")
[ "$msgs" -ge $((2 * COUNT)) ] && [ "$n" -eq "$msgs" ]
ok $? "one span per joined message on the client ($n spans, $msgs messages)" || show "$TMP/client.err"
grep -q "otlp: $msgs spans exported, 0 dropped" "$TMP/client.err"
ok $? "client exporter: $msgs exported, 0 dropped"
jq -s -e 'all(.[]; (.events | length) >= 2 and .name == "net tcp message"
	and .attributes["network.transport"] == "tcp"
	and (.attributes["server.port"] == "7102" or .attributes["client.port"] == "7102"))' "$S" >/dev/null
ok $? "each span: tcp message with boundary events and the flow as attributes"
jq -s -e 'all(.[]; . as $sp | all(.events[]; (.[1] | tonumber) >= ($sp.start | tonumber) and (.[1] | tonumber) <= ($sp.end | tonumber)))' "$S" >/dev/null
ok $? "every boundary event lies within its span"
both=$(jq -s -r '[.[] | {t: .traceId, h: (.events | map(.[2]) | unique | .[0])}] | group_by(.t)
	| map(select(map(.h) | unique | length == 2)) | length' "$S")
[ "$both" -eq $((2 * COUNT)) ]
ok $? "client and server agents give each of the $((2 * COUNT)) messages the same trace id ($both shared)"
for p in "$client_pid" "$server_pid"; do
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
done
! grep -l 'Sanitizer' "$TMP"/*.err
ok $? "no sanitizer report from any bpfscope (meaningful in the ASan build)"

# cross-host: agents --export to a collector in the client namespace
in_ns "$NS_S" "$TARGETS/netlab" techo 7103 20 & disown # lab_down reaps it
mkdir -p "$TMP/r2"
in_ns "$NS_C" python3 "$(dirname "$0")/otlp_receiver.py" "$TMP/r2" --bind 10.77.1.1 & disown
for _ in $(seq 1 100); do [ -s "$TMP/r2/port" ] && break; sleep 0.05; done
SOCK="$TMP/collect.sock"
ip netns exec "$NS_C" "$BPFSCOPE" collect --listen "unix:$SOCK" --db "$TMP/collect.db" --agents 2 -d 45 -o json \
	--otlp "http://10.77.1.1:$(cat "$TMP/r2/port")/v1/traces" >"$TMP/collect.out" 2>"$TMP/collect.err" &
collector=$!
_pids+=("$collector")
wait_for "$TMP/collect.err" listening || show "$TMP/collect.err"
exporters=()
for a in "client $NS_C $IF_C" "server $NS_S $IF_S"; do
	set -- $a
	ip netns exec "$2" "$BPFSCOPE" net -i "$3" --port 7103 --export "unix:$SOCK" --host "$1-x" \
		>"$TMP/$1-x.out" 2>"$TMP/$1-x.err" &
	exporters+=($!)
	_pids+=($!)
	wait_for "$TMP/$1-x.err" 'tracing, Ctrl-C' 300 || show "$TMP/$1-x.err"
done
in_ns "$NS_C" "$TARGETS/netlab" tcp 10.77.2.2 7103 20 10000 3000 >/dev/null
sleep 0.3
kill -INT "${exporters[@]}"
# the collector ends once both agents closed their streams (slow to detach
# on a loaded machine: 45 s at most)
for _ in $(seq 1 900); do kill -0 "$collector" 2>/dev/null || break; sleep 0.05; done
S2="$TMP/r2/spans.jsonl"
n=$(wc -l <"$S2" 2>/dev/null || echo 0)
[ "$n" -eq 40 ] && [ ! -s "$TMP/r2/errors.txt" ] && grep -q 'otlp: 40 spans exported, 0 dropped' "$TMP/collect.err"
st=$?
ok $st "collect --otlp: one valid span per joined message (40: 20 requests, 20 replies; got $n)"
[ $st -eq 0 ] || { diag "collect:"; cat "$TMP/collect.err" "$TMP/client-x.err" "$TMP/server-x.err" | sed "s/^/# /" >&2; }
[ $st -eq 0 ] || { show "$TMP/collect.err"; show "$TMP/client-x.err"; show "$TMP/server-x.err"; }
jq -s -e 'all(.[]; (.events | map(.[0]) | sort) == ["egress", "ingress", "recv", "send"]
	and (.events | map(.[2]) | unique) == ["client-x", "server-x"])' "$S2" >/dev/null
ok $? "each cross-host span has send and egress on one host, ingress and recv on the other"
done_testing

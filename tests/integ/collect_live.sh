#!/usr/bin/env bash
# collect -i: reports while the agents stream. Agents in the client and
# server namespaces, 20 UDP request/echo pairs, a pause, 30 more, and 5
# datagrams to a port nobody listens on (they never reach a receive). The
# first batch is reported before the second is sent; every message is
# reported in exactly one interval (the intervals add up to the final
# join); the 5 unanswered ones are reported once, after --max-age.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 6
trap 'lab_down; cleanup' EXIT
lab_up || { diag "cannot build the lab"; exit 1; }
SOCK=$TMP/collect.sock
in_ns "$NS_S" "$TARGETS/netlab" uecho 7121 25 & disown # lab_down reaps it
_pids+=($!)

"$BPFSCOPE" collect --listen "unix:$SOCK" --db "$TMP/live.db" -i 1 --max-age 2 -d 14 -o json \
	>"$TMP/live.out" 2>"$TMP/live.err" &
col=$!
_pids+=("$col")
wait_for "$TMP/live.err" listening 100
for side in "$NS_C $IF_C client" "$NS_S $IF_S server"; do
	set -- $side
	ip netns exec "$1" "$BPFSCOPE" net -i "$2" --export "unix:$SOCK" --host "$3" 2>"$TMP/$3.err" &
	_pids+=($!)
	agents+=($!)
	wait_for "$TMP/$3.err" 'tracing, Ctrl-C' 200 || show "$TMP/$3.err"
done
interval_msgs() { jq -s '[.[] | select(.type == "interval") | .messages] | add // 0' "$TMP/live.out"; }

in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.2.2 7121 20 2000 100 >/dev/null
sleep 4.5 # agents flush each second; complete chains settle 2 s; a report each second
early=$(interval_msgs)
[ "$early" = 40 ]
ok $? "the 20 requests and 20 echoes are reported while the agents still run ($early)"
in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.2.2 7121 30 2000 100 >/dev/null
in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.2.2 7122 5 2000 100 >/dev/null
sleep 1
for a in "${agents[@]}"; do kill -INT "$a"; done
for a in "${agents[@]}"; do wait "$a"; done
wait "$col"
r=$?; ok $r "collector exits 0 at -d"
[ $r = 0 ] || show "$TMP/live.err"

final=$(jq -s '[.[] | select(.type == "summary")] | last | .messages' "$TMP/live.out")
total=$(interval_msgs)
[ "$total" = "$final" ] && [ "$final" = 105 ]
ok $? "every message reported in exactly one interval: $total in intervals, $final in the final join (105 expected)"
# summaries: one per interval, the last is the final join
unanswered=$(jq -s '[.[] | select(.type == "summary")] | .[:-1] | map(.sends - .sends_received) | add' "$TMP/live.out")
[ "$unanswered" = 5 ]
ok $? "the 5 datagrams without a receive reported once, as sends without a receive ($unanswered)"
jq -s -e '[.[] | select(.type == "summary")] | last | .sends - .sends_received == 5' "$TMP/live.out" >/dev/null
ok $? "final join agrees: 5 sends without a receive"
bad_input "collect: bad --max-age" "max-age" collect --input /dev/null --max-age 0
done_testing

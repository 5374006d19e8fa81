#!/usr/bin/env bash
# net on one host (the client namespace of the lab): host TX and host RX per
# flow for a known number of UDP and TCP messages, with generic XDP (asked
# for) and with tc ingress (auto mode on a veth); --port filtering; SIGKILL
# leaves no XDP program on the link.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 16
trap 'lab_down; cleanup' EXIT
lab_up || { diag "cannot build the lab"; exit 1; }
COUNT=50

local_servers 15

run_local xdp --ingress xdp --slow 50
[ "$(count_of "$TMP/xdp.out" ':7101 udp' tx_host)" = "$COUNT" ]
ok $? "xdp: $COUNT UDP sends with host TX ($(count_of "$TMP/xdp.out" ':7101 udp' tx_host))"
[ "$(count_of "$TMP/xdp.out" '10.77.2.2:7101 -> .* udp' rx_host)" = "$COUNT" ]
ok $? "xdp: $COUNT UDP echoes with host RX"
[ "$(count_of "$TMP/xdp.out" ':7102 tcp' tx_host)" = "$COUNT" ]
ok $? "xdp: $COUNT TCP writes with host TX"
[ "$(count_of "$TMP/xdp.out" '10.77.2.2:7102 -> .* tcp' rx_host)" -ge "$COUNT" ]
ok $? "xdp: TCP echoes with host RX ($(count_of "$TMP/xdp.out" '10.77.2.2:7102 -> .* tcp' rx_host) reads)"
tx_p50=$(jq -s -r '[.[] | select(.type == "flow" and (.flow | test(":7101 udp"))) | .segments.tx_host.p50_us][0]' "$TMP/xdp.out")
awk -v v="$tx_p50" 'BEGIN { exit !(v > 0 && v < 20000) }'
ok $? "host TX p50 is a plausible latency ($tx_p50 us)"
jq -e -s 'map(select(.type == "summary" and .ring_drops == 0 and .records[0] > 0 and .tx_matched == .sends and .rx_matched > 0)) | length == 1' "$TMP/xdp.out" >/dev/null
ok $? "summary: every send matched its egress, receives matched, no ring-buffer drops"

run_local tc -v --port 7103
grep -q "net_tc_ingress: attached via" "$TMP/tc.err" && ! grep -q "net_xdp_ingress: attached" "$TMP/tc.err" &&
	[ "$(count_of "$TMP/tc.out" ':7103 udp' tx_host)" = "$COUNT" ] &&
	[ "$(count_of "$TMP/tc.out" '10.77.2.2:7103 -> .* udp' rx_host)" = "$COUNT" ]
ok $? "auto on a veth: tc ingress, $COUNT UDP messages each way on port 7103"
[ "$(jq -s '[.[] | select(.type == "flow" and (.flow | test(":710[12] ")))] | length' "$TMP/tc.out")" = 0 ]
ok $? "--port 7103: ports 7101/7102 not reported"

# driver-mode XDP as veth offers it (asked for; never chosen by auto)
run_local native -v --ingress xdp-native --port 7101
grep -q "net_xdp_ingress: attached via xdp_native" "$TMP/native.err" &&
	[ "$(count_of "$TMP/native.out" '10.77.2.2:7101 -> .* udp' rx_host)" = "$COUNT" ]
ok $? "--ingress xdp-native: veth's driver-mode XDP sees $COUNT arrivals"

# A first instance holds the interface's XDP slot: a second one asking for
# XDP is refused in one line, an auto one uses tc ingress; SIGKILL of the
# first removes its XDP link.
ip netns exec "$NS_C" "$BPFSCOPE" net -i "$IF_C" --ingress xdp >/dev/null 2>"$TMP/kill.err" &
victim=$!
_pids+=("$victim")
wait_for "$TMP/kill.err" 'tracing, Ctrl-C' 200
ip -n "$NS_C" link show "$IF_C" | grep -q xdpgeneric
attached=$?
ip netns exec "$NS_C" "$BPFSCOPE" net -i "$IF_C" --ingress xdp -d 1 >/dev/null 2>"$TMP/busy.err"
busy=$?
run_local second --port 7101
[ $busy != 0 ] && [ "$(grep -c . "$TMP/busy.err")" = 1 ] && grep -q "cannot attach XDP to $IF_C" "$TMP/busy.err" &&
	[ "$(count_of "$TMP/second.out" '10.77.2.2:7101 -> .* udp' rx_host)" = "$COUNT" ]
ok $? "XDP taken: --ingress xdp refused ($(head -1 "$TMP/busy.err")), auto still sees $COUNT arrivals"
kill -9 "$victim"
wait "$victim" 2>/dev/null
for _ in $(seq 1 40); do ip -n "$NS_C" link show "$IF_C" | grep -q xdp || break; sleep 0.05; done
[ $attached = 0 ] && ! ip -n "$NS_C" link show "$IF_C" | grep -q xdp
ok $? "XDP attached while running, gone after SIGKILL"

# Export over TCP to a collector in the same namespace, traced interfaces
# including lo: the export connection itself must not be traced.
CPORT=$((20000 + $$ % 20000))
ip netns exec "$NS_C" "$BPFSCOPE" collect --listen "127.0.0.1:$CPORT" --db "$TMP/tcp.db" --agents 1 \
	-d 20 -o json >"$TMP/ctcp.out" 2>"$TMP/ctcp.err" &
ccol=$!
_pids+=("$ccol")
wait_for "$TMP/ctcp.err" listening 100
ip netns exec "$NS_C" "$BPFSCOPE" net -i lo -i "$IF_C" --export "127.0.0.1:$CPORT" --host solo \
	2>"$TMP/solo.err" &
solo=$!
_pids+=("$solo")
wait_for "$TMP/solo.err" 'tracing, Ctrl-C' 200
in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.2.2 7101 "$COUNT" 2000 100 >/dev/null
kill -INT "$solo"
wait "$solo"
wait "$ccol"
ok $? "collector over TCP got the agent's stream and exited 0"
own=$(sqlite3 "$TMP/tcp.db" "SELECT count(*) FROM records WHERE sport = $CPORT OR dport = $CPORT")
udp_sends=$(sqlite3 "$TMP/tcp.db" "SELECT count(*) FROM records r JOIN hosts h ON h.id = r.host_id
	WHERE h.name = 'solo' AND r.boundary = 1 AND r.dport = 7101")
[ "$own" = 0 ] && [ "$udp_sends" = "$COUNT" ]
ok $? "export connection not traced ($own records), $udp_sends of $COUNT sends stored"

bad_input "net without -i" "need at least one -i" net
bad_input "net: bad --peer" "not an IPv4 or IPv6 address" net -i lo --peer 300.1.1.1
bad_input "net: bad --export" "expected ADDR:PORT" net -i lo --export nohost
done_testing

#!/usr/bin/env bash
# net + collect across three namespaces: a UDP relay that holds each datagram
# 5 ms, a TCP echo reached through the relay's routing, 10 ms of delay added
# by an NFQUEUE delayer to the client -> server TCP direction only.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 14
trap 'lab_down; cleanup' EXIT

HOLD_MS=5 DELAY_MS=10 COUNT=200 QNUM=$(($$ % 60000 + 1000))
lab_up || { diag "cannot build the lab"; exit 1; }
SOCK="$TMP/collect.sock"
DB="$TMP/net.db"

"$BPFSCOPE" collect --listen "unix:$SOCK" --db "$DB" --agents 3 -d 25 -o json --slow 8 \
	>"$TMP/collect.out" 2>"$TMP/collect.err" &
collector=$!
_pids+=("$collector")
wait_for "$TMP/collect.err" listening || { show "$TMP/collect.err"; exit 1; }

agents=()
start_agent() { # NAME NS IFACES...
	local name=$1 ns=$2
	shift 2
	local args=()
	for i in "$@"; do args+=(-i "$i"); done
	# not through a function: $! must be bpfscope itself (ip execs it)
	ip netns exec "$ns" "$BPFSCOPE" net "${args[@]}" --export "unix:$SOCK" --host "$name" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	agents+=($!)
	_pids+=($!)
}
start_agent client "$NS_C" "$IF_C"
start_agent relay "$NS_R" "$IF_R1" "$IF_R2"
start_agent server "$NS_S" "$IF_S"
for name in client relay server; do
	wait_for "$TMP/$name.err" 'tracing, Ctrl-C' 200 || { diag "$name agent did not start"; show "$TMP/$name.err"; }
done

# delay client -> server TCP in the relay's forwarding path only
in_ns "$NS_R" "$TARGETS/nfqdelay" "$QNUM" "$DELAY_MS" 20 >"$TMP/nfq.out" 2>&1 & disown # lab_down reaps it
_pids+=($!)
wait_for "$TMP/nfq.out" ready 100
in_ns "$NS_R" ip6tables-legacy -A FORWARD -p tcp --dport 7002 -j NFQUEUE --queue-num "$QNUM"

in_ns "$NS_S" "$TARGETS/netlab" uecho 7001 20 & disown # lab_down reaps it
_pids+=($!)
in_ns "$NS_S" "$TARGETS/netlab" techo 7002 20 & disown # lab_down reaps it
_pids+=($!)
in_ns "$NS_R" "$TARGETS/netlab" relay 7000 10.77.2.2 7001 "$HOLD_MS" 20 & disown # lab_down reaps it
_pids+=($!)
sleep 0.3
in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.1.2 7000 "$COUNT" 5000 200 >"$TMP/udp.out" &
udp=$!
in_ns "$NS_C" "$TARGETS/netlab" tcp fd77:2::2 7002 "$COUNT" 5000 3000 >"$TMP/tcp.out" &
tcp=$!
wait $udp $tcp
sleep 0.3
for a in "${agents[@]}"; do kill -INT "$a"; done
for _ in $(seq 1 200); do kill -0 "$collector" 2>/dev/null || break; sleep 0.05; done
wait "$collector"
ok $? "collector joined 3 agents and exited 0"
diag "udp: $(cat "$TMP/udp.out"); tcp: $(cat "$TMP/tcp.out")"
grep -q "echoed $COUNT" "$TMP/udp.out" && grep -q "echoed $COUNT" "$TMP/tcp.out"
ok $? "all $COUNT UDP and TCP messages were echoed"

flow() { jq -c --arg f "$1" 'select(.type == "flow" and (.flow | test($f)))' "$TMP/collect.out" | head -1; }
seg() { jq -r ".segments.$2.$3 // -1" <<<"$1"; }
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }

udp_cs=$(flow '^client .*-> server .*:7000 udp via relay')
udp_sc=$(flow '^server .*:7001 -> client .* udp via relay')
tcp_cs=$(flow '^client .*:7002 tcp via relay')
tcp_sc=$(flow '^server .*:7002 -> client .* tcp via relay')
[ -n "$udp_cs" ] && [ -n "$udp_sc" ] && [ -n "$tcp_cs" ] && [ -n "$tcp_sc" ]
ok $? "four directions found (udp/tcp, both ways, via relay)"
[ -n "$udp_cs" ] || { show "$TMP/collect.out" 60; show "$TMP/collect.err"; }

in_range "$(seg "$udp_cs" relay p50_us)" $((HOLD_MS * 1000)) $((HOLD_MS * 1000 + 1500))
ok $? "udp client->server relay dwell p50 ~ ${HOLD_MS} ms hold ($(seg "$udp_cs" relay p50_us) us)"
in_range "$(seg "$udp_sc" relay p50_us)" $((HOLD_MS * 1000)) $((HOLD_MS * 1000 + 1500))
ok $? "udp server->client relay dwell p50 ~ ${HOLD_MS} ms hold ($(seg "$udp_sc" relay p50_us) us)"
in_range "$(seg "$tcp_cs" relay p50_us)" $((DELAY_MS * 1000)) $((DELAY_MS * 1000 + 3000))
ok $? "tcp client->server (delayed) shows ${DELAY_MS} ms at the relay ($(seg "$tcp_cs" relay p50_us) us)"
in_range "$(seg "$tcp_sc" relay p50_us)" 0 2000 && in_range "$(seg "$tcp_sc" app p50_us)" 0 3000
ok $? "tcp server->client (not delayed) does not ($(seg "$tcp_sc" relay p50_us) us relay, $(seg "$tcp_sc" app p50_us) us app)"
in_range "$(seg "$tcp_cs" app p50_us)" $((DELAY_MS * 1000)) $((DELAY_MS * 1000 + 4000))
ok $? "tcp client->server app-to-app includes the delay ($(seg "$tcp_cs" app p50_us) us)"

sum_off=$(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE app_ns IS NOT NULL AND
	abs(tx_ns + net_ns + relay_ns + rx_ns - app_ns) > 1000")
complete=$(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE app_ns IS NOT NULL")
[ "$sum_off" = 0 ] && [ "$complete" -ge $((4 * COUNT * 99 / 100)) ]
ok $? "tx+network+relay+rx = app-to-app for all $complete complete messages (off: $sum_off)"

summary=$(jq -c 'select(.type == "summary")' "$TMP/collect.out")
sends=$(jq .sends <<<"$summary") received=$(jq .sends_received <<<"$summary")
[ "$sends" -gt 0 ] && [ $((received * 100)) -ge $((sends * 99)) ]
ok $? "matched fraction >= 99% ($received of $sends sends reached a receive)"
diag "summary: $summary"

hosts=$(sqlite3 "$DB" "SELECT count(*) FROM hosts WHERE drops IS NOT NULL AND events > 0")
[ "$hosts" = 3 ] && jq -e '.ring_drops | numbers' <<<"$summary" >/dev/null
ok $? "every agent reported its loss counters (ring drops counted: $(jq .ring_drops <<<"$summary"))"

slow_tcp=$(jq -s '[.[] | select(.type == "slow" and (.flow | test("tcp")))] | length' "$TMP/collect.out")
slow_tcp_relay=$(jq -s '[.[] | select(.type == "slow" and (.flow | test("tcp")) and .most_in == "relay")] | length' "$TMP/collect.out")
[ "$slow_tcp" -gt 0 ] && [ $((slow_tcp_relay * 100)) -ge $((slow_tcp * 95)) ]
ok $? "slow TCP lines (> 8 ms) name the relay as where the time went ($slow_tcp_relay of $slow_tcp)"

printf 'H 1 h tai 0 1 10 5\nR 2 T 10.0.0.1 1 10.0.0.2 2 5 100 0000000000000000 123 1\n' >"$TMP/bad.lines"
bad_input "malformed collector input is rejected with a reason" "line 2: record: expected 13 fields" \
	collect --input "$TMP/bad.lines" --db "$TMP/bad.db"
bad_input "net: unknown interface" "no interface 'nosuch$$'" net -i "nosuch$$"
done_testing

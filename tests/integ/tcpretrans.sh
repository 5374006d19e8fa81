#!/usr/bin/env bash
# tcpretrans: SYN retransmits provoked in a private network namespace whose
# loopback drops every packet for a moment (a tbf qdisc with a 1-byte burst:
# no netem or gact here), then heals.
source "$(dirname "$0")/lib.bash"
plan 5

ns="bpfscope-rt-$$"
ip netns add "$ns" || exit 1
trap 'ip netns del "$ns" 2>/dev/null; cleanup' EXIT
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

in_ns "$TARGETS/tcppeer" server 3 >"$TMP/server.out" &
_pids+=($!)
wait_for "$TMP/server.out" "^port " || exit 1
port=$(awk '/^port/ { print $2 }' "$TMP/server.out")

start_bpfscope r tcpretrans -o json -P "$port" || exit 1
in_ns tc qdisc add dev lo root tbf rate 1kbit burst 1 limit 1 || exit 1
in_ns "$TARGETS/tcppeer" client "$port" 5 >"$TMP/client.out" &
client=$!
_pids+=($client)
# the SYN is dropped; its retransmit timer fires after 1 s
wait_for "$TMP/r.out" "SYN_SENT" 60
in_ns tc qdisc del dev lo root
wait "$client"
ok $? "the client completes once the link heals"
stop_bpfscope
rec=$(jq -c 'select(.state == "SYN_SENT")' "$TMP/r.out" | head -1)
[ -n "$rec" ] && [ "$(jq -r .dport <<<"$rec")" = "$port" ] && [ "$(jq -r .daddr <<<"$rec")" = 127.0.0.1 ]
ok $? "a SYN retransmit to 127.0.0.1:$port in SYN_SENT (got: $rec)"
[ "$(jq -r .sport <<<"$rec")" -gt 0 ]
ok $? "with its source port"

in_ns "$TARGETS/tcppeer" server 3 >"$TMP/server2.out" &
_pids+=($!)
wait_for "$TMP/server2.out" "^port " || exit 1
port2=$(awk '/^port/ { print $2 }' "$TMP/server2.out")
start_bpfscope q tcpretrans -o json -P "$port2" || exit 1
in_ns "$TARGETS/tcppeer" client "$port2" 5 >/dev/null
sleep 0.1
stop_bpfscope
[ ! -s "$TMP/q.out" ]
ok $? "a healthy connection: no retransmits"
bad_input "-p is not offered" "unknown option" tcpretrans -p 1
done_testing

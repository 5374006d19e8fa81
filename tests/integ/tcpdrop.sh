#!/usr/bin/env bash
# tcpdrop: a SYN to a closed loopback port is dropped with reason NO_SOCKET
# (the kernel answers RST); the reason name comes from the kernel's BTF.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tcplib.bash"
plan 6

# a port that was just free: a server that exited
tcp_server 1 || exit 1
tcp_client 1
closed=$SERVER_PORT

start_bpfscope d tcpdrop -o json -P "$closed" || exit 1
"$TARGETS/tcppeer" client "$closed" 1 2>"$TMP/refused.err"
grep -q refused "$TMP/refused.err"
ok $? "connect to port $closed is refused"
wait_for "$TMP/d.out" NO_SOCKET
stop_bpfscope
rec=$(jq -c 'select(.reason == "NO_SOCKET")' "$TMP/d.out" | head -1)
[ -n "$rec" ] && [ "$(jq -r .dport <<<"$rec")" = "$closed" ] && [ "$(jq -r .daddr <<<"$rec")" = 127.0.0.1 ]
ok $? "a drop with reason NO_SOCKET to 127.0.0.1:$closed (got: $rec)"
[ "$(jq -r .flags <<<"$rec")" = S ] && [ "$(jq -r .state <<<"$rec")" = - ]
ok $? "the dropped packet is the SYN, with no socket"
jq -r .location <<<"$rec" | grep -q '^tcp_v[46]_rcv+0x'
ok $? "dropped in tcp_v4_rcv ($(jq -r .location <<<"$rec"))"

tcp_server 1 || exit 1
start_bpfscope n tcpdrop -o json -P "$SERVER_PORT" || exit 1
tcp_client 1
stop_bpfscope
[ ! -s "$TMP/n.out" ]
ok $? "a clean session on another port: no drops ($(head -c 300 "$TMP/n.out"))"
bad_input "bad port" "out of range" tcpdrop -P 0
done_testing

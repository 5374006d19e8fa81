#!/usr/bin/env bash
# tcpconnlat: connect latency of a loopback connection, threshold filter.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tcplib.bash"
plan 4

tcp_server 1 || exit 1
start_bpfscope l tcpconnlat -o json -P "$SERVER_PORT" || exit 1
tcp_client 1
stop_bpfscope
rec=$(jq -c . "$TMP/l.out")
[ "$(jq -r .pid <<<"$rec")" = "$CLIENT_PID" ] && [ "$(jq -r .dport <<<"$rec")" = "$SERVER_PORT" ] &&
	jq -e '.latency_ms > 0 and .latency_ms < 1000' <<<"$rec" >/dev/null
ok $? "client pid $CLIENT_PID, a latency in (0, 1000) ms (got: $rec)"
[ "$(wc -l <"$TMP/l.out")" -eq 1 ]
ok $? "one connect, one line"

tcp_server 1 || exit 1
start_bpfscope m tcpconnlat -o json -P "$SERVER_PORT" -m 5000 || exit 1
tcp_client 1
stop_bpfscope
[ ! -s "$TMP/m.out" ]
ok $? "-m 5000: a loopback connect is not that slow"
bad_input "negative threshold" "out of range" tcpconnlat -m -1
done_testing

#!/usr/bin/env bash
# tcpaccept: the server's accept of a loopback connection, filters.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tcplib.bash"
plan 5

tcp_server 1 || exit 1
start_bpfscope a tcpaccept -o json -p "$SERVER_PID" || exit 1
tcp_client 1
stop_bpfscope
rec=$(jq -c . "$TMP/a.out")
[ "$(jq -r .pid <<<"$rec")" = "$SERVER_PID" ] && [ "$(jq -r .sport <<<"$rec")" = "$SERVER_PORT" ] &&
	[ "$(jq -r .saddr <<<"$rec")" = 127.0.0.1 ] && [ "$(jq -r .comm <<<"$rec")" = tcppeer ]
ok $? "pid $SERVER_PID accepted on 127.0.0.1:$SERVER_PORT (got: $rec)"
cport=$(jq -r .dport <<<"$rec")
[ "$cport" -gt 0 ] && [ "$cport" != "$SERVER_PORT" ]
ok $? "remote port is the client's ephemeral port ($cport)"

tcp_server 1 -6 || exit 1
start_bpfscope t tcpaccept -P "$SERVER_PORT" || exit 1
tcp_client 1 -6
stop_bpfscope
grep -q "::1 *$SERVER_PORT ::1" "$TMP/t.out"
ok $? "IPv6 text row ($(tail -1 "$TMP/t.out"))"

tcp_server 1 || exit 1
start_bpfscope o tcpaccept -o json -P 1 || exit 1
tcp_client 1
stop_bpfscope
[ ! -s "$TMP/o.out" ]
ok $? "-P on another port: nothing"
bad_input "bad pid" "no process" tcpaccept -p 999999
done_testing

#!/usr/bin/env bash
# tcpconnect: a loopback connect by a known pid, a refused one, filters.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tcplib.bash"
plan 7

tcp_server 1 || exit 1
start_bpfscope c tcpconnect -o json || exit 1
tcp_client 1
# a refused connect: a port nobody listens on (the server has exited)
"$TARGETS/tcppeer" client "$SERVER_PORT" 1 2>/dev/null
sleep 0.1
stop_bpfscope
jq -e . "$TMP/c.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c "select(.pid == $CLIENT_PID)" "$TMP/c.out")
[ "$(jq -r .dport <<<"$rec")" = "$SERVER_PORT" ] && [ "$(jq -r .daddr <<<"$rec")" = 127.0.0.1 ] &&
	[ "$(jq -r .result <<<"$rec")" = ESTABLISHED ] && [ "$(jq -r .comm <<<"$rec")" = tcppeer ]
ok $? "pid $CLIENT_PID to 127.0.0.1:$SERVER_PORT ESTABLISHED (got: $rec)"
[ "$(jq -r .sport <<<"$rec")" -gt 0 ]
ok $? "source port known"
[ "$(jq -r "select(.dport == $SERVER_PORT and .pid != $CLIENT_PID) | .result" "$TMP/c.out")" = CLOSE ]
ok $? "the refused connect is reported with result CLOSE"

tcp_server 1 -6 || exit 1
start_bpfscope p tcpconnect -o json -P "$SERVER_PORT" || exit 1
tcp_client 1 -6
stop_bpfscope
rec=$(jq -c . "$TMP/p.out")
[ "$(jq -r .daddr <<<"$rec")" = ::1 ] && [ "$(jq -r .ip <<<"$rec")" = 6 ] && [ "$(wc -l <"$TMP/p.out")" -eq 1 ]
ok $? "IPv6, and -P $SERVER_PORT shows only that connect (got: $rec)"

tcp_server 1 || exit 1
start_bpfscope n tcpconnect -o json -c nosuchcomm$$ || exit 1
tcp_client 1
stop_bpfscope
[ ! -s "$TMP/n.out" ]
ok $? "-c with another command name: nothing"
bad_input "bad port value" "not a number" tcpconnect -P http
done_testing

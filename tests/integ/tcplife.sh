#!/usr/bin/env bash
# tcplife: the exact bytes each way of a loopback session, owners, filters.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tcplib.bash"
plan 9

tcp_server 7654 || exit 1
start_bpfscope all tcplife -o json || exit 1
tcp_client 123457
stop_bpfscope
jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
cli=$(jq -c "select(.dport == $SERVER_PORT and .pid == $CLIENT_PID)" "$TMP/all.out")
[ "$(jq -r .tx_bytes <<<"$cli")" = 123457 ] && [ "$(jq -r .rx_bytes <<<"$cli")" = 7654 ]
ok $? "client pid $CLIENT_PID: tx 123457, rx 7654 (got: $cli)"
srv=$(jq -c "select(.sport == $SERVER_PORT and .pid == $SERVER_PID)" "$TMP/all.out")
[ "$(jq -r .tx_bytes <<<"$srv")" = 7654 ] && [ "$(jq -r .rx_bytes <<<"$srv")" = 123457 ]
ok $? "server pid $SERVER_PID (owner from accept): tx 7654, rx 123457 (got: $srv)"
[ "$(jq -r .saddr <<<"$srv")" = 127.0.0.1 ] && [ "$(jq -r .comm <<<"$srv")" = tcppeer ] &&
	jq -e '.duration_ms > 0' <<<"$srv" >/dev/null
ok $? "address, comm and a positive duration"

tcp_server 11 -6 || exit 1
start_bpfscope pid tcplife -o json -p "$SERVER_PID" || exit 1
tcp_client 22 -6
stop_bpfscope
srv=$(jq -c "select(.sport == $SERVER_PORT)" "$TMP/pid.out")
[ "$(jq -r .saddr <<<"$srv")" = ::1 ] && [ "$(jq -r .ip <<<"$srv")" = 6 ] &&
	[ "$(jq -r .rx_bytes <<<"$srv")" = 22 ] && [ "$(jq -r .tx_bytes <<<"$srv")" = 11 ]
ok $? "IPv6 session: ::1, rx 22, tx 11 (got: $srv)"
[ "$(jq -r .pid "$TMP/pid.out" | sort -u)" = "$SERVER_PID" ]
ok $? "-p $SERVER_PID: only the server's session ($(jq -r .pid "$TMP/pid.out" | sort -u | tr '\n' ' '))"

tcp_server 1 || exit 1
start_bpfscope text tcplife -P "$SERVER_PORT" || exit 1
tcp_client 2
stop_bpfscope
head -1 "$TMP/text.out" | grep -q "PID.*COMM.*SADDR.*TX.*RX.*MS"
ok $? "text header"
[ "$(grep -c tcppeer "$TMP/text.out")" -eq 2 ]
ok $? "-P $SERVER_PORT: both ends of that session, nothing else ($(grep -vc tcppeer "$TMP/text.out") other lines)"
bad_input "bad port" "out of range" tcplife -P 70000
done_testing

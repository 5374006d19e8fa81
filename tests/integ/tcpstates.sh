#!/usr/bin/env bash
# tcpstates: the transitions of both ends of a loopback session, in order.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tcplib.bash"
plan 6

tcp_server 100 || exit 1
start_bpfscope st tcpstates -o json -P "$SERVER_PORT" || exit 1
tcp_client 200
stop_bpfscope
jq -e . "$TMP/st.out" >/dev/null
ok $? "json lines parse"
# the client socket: the one whose remote port is the server's
cli=$(jq -r "select(.dport == $SERVER_PORT) | .oldstate + \">\" + .newstate" "$TMP/st.out" | tr '\n' ' ')
[ "$cli" = "CLOSE>SYN_SENT SYN_SENT>ESTABLISHED ESTABLISHED>FIN_WAIT1 FIN_WAIT1>FIN_WAIT2 FIN_WAIT2>CLOSE " ]
ok $? "client transitions (got: $cli)"
srv=$(jq -r "select(.sport == $SERVER_PORT and .oldstate != \"CLOSE\" and .newstate != \"LISTEN\" and .oldstate != \"LISTEN\") | .oldstate + \">\" + .newstate" "$TMP/st.out" | tr '\n' ' ')
[ "$srv" = "SYN_RECV>ESTABLISHED ESTABLISHED>CLOSE_WAIT CLOSE_WAIT>LAST_ACK LAST_ACK>CLOSE " ]
ok $? "accepted socket transitions (got: $srv)"
last=$(jq -c "select(.dport == $SERVER_PORT and .newstate == \"CLOSE\")" "$TMP/st.out")
[ "$(jq -r .daddr <<<"$last")" = 127.0.0.1 ] && [ "$(jq -r .sport <<<"$last")" != 0 ] &&
	jq -e '.ms >= 0' <<<"$last" >/dev/null
ok $? "the CLOSE transition keeps the ports (got: $last)"
others=$(jq -r "select(.sport != $SERVER_PORT and .dport != $SERVER_PORT) | .sport" "$TMP/st.out" | wc -l)
[ "$others" -eq 0 ]
ok $? "-P $SERVER_PORT: no other sockets ($others)"
bad_input "-p is not offered (softirq context)" "unknown option" tcpstates -p 1
done_testing

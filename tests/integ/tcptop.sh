#!/usr/bin/env bash
# tcptop: the bytes of a loopback exchange, summed in the kernel per process
# and connection, both ends.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/tcplib.bash"
plan 6

tcp_server 54321 || exit 1
start_bpfscope t tcptop -o json -i 0.3 -p "$SERVER_PID" || exit 1
tcp_client 98765
sleep 0.4
stop_bpfscope
jq -e . "$TMP/t.out" >/dev/null
ok $? "json lines parse"
rx=$(jq -s "map(select(.sport == $SERVER_PORT)) | map(.rx_bytes) | add" "$TMP/t.out")
tx=$(jq -s "map(select(.sport == $SERVER_PORT)) | map(.tx_bytes) | add" "$TMP/t.out")
[ "$rx" = 98765 ] && [ "$tx" = 54321 ]
ok $? "server side: rx 98765, tx 54321 over the intervals (got rx $rx tx $tx)"
[ "$(jq -r .pid "$TMP/t.out" | sort -u)" = "$SERVER_PID" ]
ok $? "-p $SERVER_PID: only the server"

tcp_server 7 || exit 1
start_bpfscope x tcptop -i 5 || exit 1
tcp_client 12345
stop_bpfscope
row=$(grep "$CLIENT_PID" "$TMP/x.out")
[[ "$row" =~ tcppeer.*127\.0\.0\.1.*$SERVER_PORT\ +7\ +12345$ ]]
ok $? "text, final print at exit: client row with RX 7 TX 12345 (got: $row)"
grep -q "PID.*COMM.*RX.*TX" "$TMP/x.out"
ok $? "text header"
bad_input "bad -n" "out of range" tcptop -n 0
done_testing

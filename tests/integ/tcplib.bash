# A controlled TCP exchange on loopback for the tcp* tests (after lib.bash):
#   tcp_server REPLY [-6]     starts tests/targets/tcppeer server; sets
#                             SERVER_PID and SERVER_PORT (ephemeral port)
#   tcp_client SEND [-6]      connects to it, sends SEND bytes, reads the
#                             reply; sets CLIENT_PID; waits for both ends
tcp_server() {
	"$TARGETS/tcppeer" server ${2:-} "$1" >"$TMP/server.out" &
	SERVER_PID=$!
	_pids+=("$SERVER_PID")
	wait_for "$TMP/server.out" "^port " || return 1
	SERVER_PORT=$(awk '/^port/ { print $2 }' "$TMP/server.out")
}
tcp_client() {
	"$TARGETS/tcppeer" client ${2:-} "$SERVER_PORT" "$1" >"$TMP/client.out" &
	CLIENT_PID=$!
	_pids+=("$CLIENT_PID")
	wait "$CLIENT_PID"
	wait "$SERVER_PID"
	sleep 0.1 # the 10 ms ring-buffer drain
}

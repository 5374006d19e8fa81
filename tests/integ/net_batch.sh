#!/usr/bin/env bash
# net with several datagrams per system call: sendmmsg/recvmmsg (one record
# per message of the vector, entries past NET_MMSG_MAX = 8 counted as
# uncovered) and UDP GSO (UDP_SEGMENT as cmsg and as socket option: one send
# of SEGS * SIZE bytes is SEGS datagrams, each recorded at the send and at
# tc egress; past NET_GSO_MAX = 16 segments counted as uncovered).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 10
trap 'lab_down; cleanup' EXIT
lab_up || { diag "cannot build the lab"; exit 1; }
in_ns "$NS_S" "$TARGETS/netlab" uecho 7111 25 & disown # lab_down reaps it
_pids+=($!)
in_ns "$NS_S" "$TARGETS/netlab" uecho 7112 25 & disown
_pids+=($!)

# batch NAME ARGS...: bpfscope net in the client namespace during the
# udpbatch runs given as "MODE PORT CALLS N SIZE" strings
batch() {
	local name=$1 run
	shift
	ip netns exec "$NS_C" "$BPFSCOPE" net -i "$IF_C" -o json >"$TMP/$name.out" 2>"$TMP/$name.err" &
	BPFSCOPE_PID=$!
	_pids+=("$BPFSCOPE_PID")
	wait_for "$TMP/$name.err" 'tracing, Ctrl-C' 200 || { show "$TMP/$name.err"; return 1; }
	for run in "$@"; do
		set -- $run
		in_ns "$NS_C" "$TARGETS/udpbatch" "$1" 10.77.2.2 "$2" "$3" "$4" "$5" >>"$TMP/$name.traffic"
	done
	stop_bpfscope
}
summary() { jq -s -r ".[] | select(.type == \"summary\") | $2" "$TMP/$1.out"; }

# within the bounds: 5 sendmmsg calls of 4 datagrams (port 7111), 4 GSO
# sends of 5 x 200 bytes (port 7112)
batch within "mmsg 7111 5 4 100" "gso 7112 4 5 200"
check "the traffic went through: $(tr '\n' ' ' <"$TMP/within.traffic")" \
	test "$(cat "$TMP/within.traffic")" = "$(printf 'sent 20 echoed 20\nsent 20 echoed 20')"
[ "$(count_of "$TMP/within.out" ':7111 udp' tx_host)" = 20 ] &&
	[ "$(count_of "$TMP/within.out" '10.77.2.2:7111 -> .* udp' rx_host)" = 20 ]
ok $? "sendmmsg/recvmmsg: 20 datagrams with host TX, 20 echoes with host RX"
[ "$(count_of "$TMP/within.out" ':7112 udp' tx_host)" = 20 ] &&
	[ "$(count_of "$TMP/within.out" '10.77.2.2:7112 -> .* udp' rx_host)" = 20 ]
ok $? "UDP GSO: 4 sends of 5 segments are 20 datagrams with host TX, 20 echoes with host RX"
check "every send matched its egress, every receive its ingress: $(summary within '[.sends, .tx_matched, .records[3], .rx_matched] | @csv')" \
	test "$(summary within '[.sends, .tx_matched, .records[3], .rx_matched] | @csv')" = "40,40,40,40"
check "nothing unused, nothing uncovered: $(summary within '[.unused, .uncovered] | @json')" \
	test "$(summary within '[.unused, .uncovered] | @json')" = '[[0,0,0,0],0]'

# past the bounds: 3 sendmmsg calls of 10 (8 recorded each), one GSO send
# of 20 segments (16 recorded at the send and at egress)
batch over "mmsg 7111 3 10 100" "gso 7112 1 20 100"
[ "$(count_of "$TMP/over.out" ':7111 udp' tx_host)" = 24 ]
ok $? "sendmmsg of 10: 8 of each vector recorded (24)"
[ "$(count_of "$TMP/over.out" ':7112 udp' tx_host)" = 16 ] &&
	[ "$(count_of "$TMP/over.out" '10.77.2.2:7112 -> .* udp' rx_host)" = 20 ]
ok $? "GSO of 20 segments: 16 with host TX, all 20 echoes (plain recv) with host RX"
mm_rx=$(count_of "$TMP/over.out" '10.77.2.2:7111 -> .* udp' rx_host)
uncovered=$(summary over .uncovered)
# 6 sendmmsg entries + 4 GSO segments at the send + 4 at egress, and the
# recvmmsg entries past 8 (how the 30 echoes split into calls varies)
[ $((uncovered - 14 + mm_rx)) = 30 ] && [ "$mm_rx" -ge 24 ]
ok $? "uncovered $uncovered = 14 + the 30 - $mm_rx echoes recvmmsg returned past 8 entries"
[ "$(summary over '.unused[1]')" = 6 ] && [ "$(summary over '.unused[2]')" = $((30 - mm_rx)) ]
ok $? "unused: the egress of the 6 sendmmsg entries past 8, the ingress of the echoes recvmmsg did not record ($(summary over '.unused | @json'))"
check "sends all matched: $(summary over '[.sends, .tx_matched] | @csv')" \
	test "$(summary over '[.sends, .tx_matched] | @csv')" = "40,40"
done_testing

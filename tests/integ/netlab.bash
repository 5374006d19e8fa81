# The network lab: three namespaces (client, relay, server) joined by veth
# pairs, IPv4 and IPv6, the relay routing between the two links. Names carry
# $$ so concurrent runs do not collide; lab_down (run on exit) removes them.
#
#   client  vc$$ 10.77.1.1 fd77:1::1 ---- vr1$$ 10.77.1.2 fd77:1::2  relay
#   relay   vr2$$ 10.77.2.1 fd77:2::1 ---- vs$$ 10.77.2.2 fd77:2::2  server
#
# Every namespace counts as one "host" (they share the machine's clock).
NS_C=bpfs-c-$$ NS_R=bpfs-r-$$ NS_S=bpfs-s-$$
IF_C=vc$$ IF_R1=vr1$$ IF_R2=vr2$$ IF_S=vs$$

lab_down() {
	{
		for ns in "$NS_C" "$NS_R" "$NS_S"; do
			ip netns pids "$ns" | xargs -r kill -9
			ip netns del "$ns"
		done
		wait # reap here, quietly (no "Killed" job notices)
	} 2>/dev/null
}

lab_up() {
	lab_down
	ip netns add "$NS_C" && ip netns add "$NS_R" && ip netns add "$NS_S" || return 1
	ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_R1" netns "$NS_R" || return 1
	ip link add "$IF_R2" netns "$NS_R" type veth peer name "$IF_S" netns "$NS_S" || return 1
	ip -n "$NS_C" addr add 10.77.1.1/24 dev "$IF_C"
	ip -n "$NS_C" addr add fd77:1::1/64 dev "$IF_C" nodad
	ip -n "$NS_R" addr add 10.77.1.2/24 dev "$IF_R1"
	ip -n "$NS_R" addr add fd77:1::2/64 dev "$IF_R1" nodad
	ip -n "$NS_R" addr add 10.77.2.1/24 dev "$IF_R2"
	ip -n "$NS_R" addr add fd77:2::1/64 dev "$IF_R2" nodad
	ip -n "$NS_S" addr add 10.77.2.2/24 dev "$IF_S"
	ip -n "$NS_S" addr add fd77:2::2/64 dev "$IF_S" nodad
	for pair in "$NS_C $IF_C" "$NS_R $IF_R1" "$NS_R $IF_R2" "$NS_S $IF_S"; do
		set -- $pair
		ip -n "$1" link set "$2" up
	done
	for ns in "$NS_C" "$NS_R" "$NS_S"; do ip -n "$ns" link set lo up; done
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$NS_C" route add default via 10.77.1.2
	ip -n "$NS_C" -6 route add default via fd77:1::2
	ip -n "$NS_S" route add default via 10.77.2.1
	ip -n "$NS_S" -6 route add default via fd77:2::1
	ip -n "$NS_S" -6 route get fd77:1::1 >/dev/null
}

# in NS CMD...: run in a namespace
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# local_servers SECS: the echo servers of the single-host runs in the server
# namespace: UDP 7101 and 7103, TCP 7102
local_servers() {
	in_ns "$NS_S" "$TARGETS/netlab" uecho 7101 "$1" & disown # lab_down reaps it
	_pids+=($!)
	in_ns "$NS_S" "$TARGETS/netlab" techo 7102 "$1" & disown
	_pids+=($!)
	in_ns "$NS_S" "$TARGETS/netlab" uecho 7103 "$1" & disown
	_pids+=($!)
}

# run_local NAME ARGS...: bpfscope net in the client namespace during $COUNT
# UDP messages to 7101, TCP messages to 7102 and UDP messages to 7103
run_local() {
	local name=$1
	shift
	ip netns exec "$NS_C" "$BPFSCOPE" net -i "$IF_C" -o json "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	BPFSCOPE_PID=$!
	_pids+=("$BPFSCOPE_PID")
	wait_for "$TMP/$name.err" 'tracing, Ctrl-C' 200 || { show "$TMP/$name.err"; return 1; }
	in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.2.2 7101 "$COUNT" 2000 100 >/dev/null
	in_ns "$NS_C" "$TARGETS/netlab" tcp 10.77.2.2 7102 "$COUNT" 2000 5000 >/dev/null
	in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.2.2 7103 "$COUNT" 2000 100 >/dev/null
	stop_bpfscope
}
count_of() { # FILE FLOWREGEX SEGMENT
	jq -s -r --arg f "$2" --arg s "$3" \
		'[.[] | select(.type == "flow" and (.flow | test($f))) | .segments[$s].count // 0] | add // 0' "$1"
}


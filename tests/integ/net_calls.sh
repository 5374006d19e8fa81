#!/usr/bin/env bash
# net sees every send and receive call the issue names, through both sets of
# syscall programs: direct (BTF pointers and task storage, Linux 6.2+) and
# compat (CO-RE reads and an LRU hash, forced here with
# BPFSCOPE_DISABLE_FEATURES=rdonly_cast). Each syscall pair (sendto/recvfrom,
# sendmsg/recvmsg, write/read, writev/readv) sends COUNT messages over UDP
# and over TCP to its own echo port, so every flow names one pair; both sets
# must record exactly the same messages.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 9
trap 'lab_down; cleanup' EXIT
lab_up || { diag "cannot build the lab"; exit 1; }
COUNT=20 KINDS=(sendto msg rw iov)

for i in 0 1 2 3; do
	in_ns "$NS_S" "$TARGETS/netlab" uecho $((7121 + i)) 300 & disown # lab_down reaps it
	_pids+=($!)
	in_ns "$NS_S" "$TARGETS/netlab" techo $((7125 + i)) 300 & disown
	_pids+=($!)
done

# calls NAME: bpfscope net in the client namespace while each kind of call
# talks to its echo ports (UDP 7121+i, TCP 7125+i)
calls() {
	local name=$1 i
	ip netns exec "$NS_C" "$BPFSCOPE" net -v -i "$IF_C" -o json >"$TMP/$name.out" 2>"$TMP/$name.err" &
	BPFSCOPE_PID=$!
	_pids+=("$BPFSCOPE_PID")
	wait_for "$TMP/$name.err" 'tracing, Ctrl-C' 200 || { show "$TMP/$name.err"; return 1; }
	for i in 0 1 2 3; do
		in_ns "$NS_C" "$TARGETS/netlab" calls 10.77.2.2 $((7121 + i)) "$COUNT" udp "${KINDS[i]}" >>"$TMP/$name.traffic"
		in_ns "$NS_C" "$TARGETS/netlab" calls 10.77.2.2 $((7125 + i)) "$COUNT" tcp "${KINDS[i]}" >>"$TMP/$name.traffic"
	done
	stop_bpfscope
}
# "PORT SEGMENT COUNT" for every flow to or from an echo port, sorted: the
# client's own ports differ between runs
table() {
	jq -s -r '.[] | select(.type == "flow") | .flow as $f | .segments | to_entries[] |
		"\($f | capture(":(?<p>71[0-9][0-9]) ").p) \($f | test("^10.77.2.2") | if . then "in" else "out" end) \(.key) \(.value.count)"' \
		"$1" | sort
}

# the direct set needs bpf_rdonly_cast (6.2+); older kernels run compat only
sets="compat"
if "$BPFSCOPE" features | grep -qE '^rdonly_cast +yes'; then
	sets="direct compat"
	calls direct
else
	for _ in 1 2 3 4; do ok 0 "# SKIP no bpf_rdonly_cast: this kernel has no direct set"; done
fi
BPFSCOPE_DISABLE_FEATURES=rdonly_cast calls compat

for set in $sets; do
	check "$set: the $set syscall programs were loaded" grep -q "net: $set" "$TMP/$set.err"
	check "$set: every message echoed ($(sort "$TMP/$set.traffic" | uniq -c | tr -s ' \n' ' '))" \
		test "$(grep -c "sent $COUNT echoed $COUNT" "$TMP/$set.traffic")" = 8
	bad=""
	for i in 0 1 2 3; do
		u=$((7121 + i)) t=$((7125 + i))
		[ "$(count_of "$TMP/$set.out" ":$u udp" tx_host)" = "$COUNT" ] &&
			[ "$(count_of "$TMP/$set.out" "10.77.2.2:$u -> .* udp" rx_host)" = "$COUNT" ] ||
			bad+=" udp-${KINDS[i]}"
		[ "$(count_of "$TMP/$set.out" ":$t tcp" tx_host)" = "$COUNT" ] &&
			[ "$(count_of "$TMP/$set.out" "10.77.2.2:$t -> .* tcp" rx_host)" -ge "$COUNT" ] ||
			bad+=" tcp-${KINDS[i]}"
	done
	[ -z "$bad" ]
	ok $? "$set: host TX and RX for $COUNT messages of every call pair, UDP and TCP${bad:+ (wrong:$bad)}"
	jq -e -s 'map(select(.type == "summary" and .ring_drops == 0 and .tx_matched == .sends)) | length == 1' \
		"$TMP/$set.out" >/dev/null
	ok $? "$set: every send matched its egress, no ring-buffer drops"
done
if [ "$sets" = compat ]; then
	ok 0 "# SKIP no direct set to compare with"
	done_testing
fi
table "$TMP/direct.out" >"$TMP/direct.table"
table "$TMP/compat.out" >"$TMP/compat.table"
[ -s "$TMP/direct.table" ] && diff "$TMP/direct.table" "$TMP/compat.table" >"$TMP/diff"
r=$?
ok $r "direct and compat programs record the same messages per call pair and segment ($(wc -l <"$TMP/direct.table") rows)"
[ $r = 0 ] || show "$TMP/diff"
done_testing

#!/usr/bin/env bash
# The kernel join of `bpfscope net` (the default in local mode) against the
# user-space join (--join user), both running at once in the client
# namespace on the same traffic: UDP and TCP request/echo (messages of
# 100 bytes and of 5000 bytes, which leave as several segments and are read
# in pieces), IPv4 and IPv6, and a TCP bulk stream. Every flow must show the
# same counts of host TX and host RX in both joins, the same summary
# counts, and p50s that agree within the kernel histogram's resolution plus
# the two agents' programs running one after the other (25 % + 3 us).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 11
trap 'lab_down; cleanup' EXIT
lab_up || { diag "cannot build the lab"; exit 1; }
COUNT=40

in_ns "$NS_S" "$TARGETS/netlab" uecho 7131 120 & disown # lab_down reaps it
_pids+=($!)
in_ns "$NS_S" "$TARGETS/netlab" techo 7132 120 & disown
_pids+=($!)
in_ns "$NS_S" "$TARGETS/netlab" tsink 7133 120 & disown
_pids+=($!)

agent() { # NAME ARGS...
	local name=$1
	shift
	ip netns exec "$NS_C" "$BPFSCOPE" net -v -i "$IF_C" -o json "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	_pids+=($!)
	eval "PID_$name=$!"
	wait_for "$TMP/$name.err" 'tracing, Ctrl-C' 200 || { show "$TMP/$name.err"; return 1; }
}
agent kernel --series --slow 0.001
agent user --join user --slow 0.001
in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.2.2 7131 "$COUNT" 2000 100 >"$TMP/traffic"
in_ns "$NS_C" "$TARGETS/netlab" udp fd77:2::2 7131 "$COUNT" 2000 100 >>"$TMP/traffic"
in_ns "$NS_C" "$TARGETS/netlab" tcp 10.77.2.2 7132 "$COUNT" 2000 100 >>"$TMP/traffic"
in_ns "$NS_C" "$TARGETS/netlab" tcp fd77:2::2 7132 "$COUNT" 2000 5000 >>"$TMP/traffic"
in_ns "$NS_C" "$TARGETS/netlab" tstream 10.77.2.2 7133 1 >>"$TMP/traffic"
sleep 0.3
for name in kernel user; do
	pid=$(eval echo "\$PID_$name")
	kill -INT "$pid"
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
done

check "the default local join runs in the kernel" grep -q "net: joined in the kernel" "$TMP/kernel.err"
check "--join user joins in user space" grep -q "net: joined in user space" "$TMP/user.err"

# "PORT DIRECTION SEGMENT COUNT" per flow (the client's ports differ per
# connection, the family is kept)
table() {
	jq -s -r '.[] | select(.type == "flow") | .flow as $f | .segments | to_entries[] |
		"\($f | capture(":(?<p>713[0-9]) ").p) \($f | test("^\\? ") | if . then "in" else "out" end) \($f | test("\\[") | if . then 6 else 4 end) \(.key) \(.value.count)"' \
		"$1" | sort | awk '{ k = $1 " " $2 " " $3 " " $4; n[k] += $5 } END { for (k in n) print k, n[k] }' | sort
}
table "$TMP/kernel.out" >"$TMP/kernel.table"
table "$TMP/user.out" >"$TMP/user.table"
# request/echo flows: exact
grep -v '^7133' "$TMP/kernel.table" >"$TMP/k.echo"
grep -v '^7133' "$TMP/user.table" >"$TMP/u.echo"
[ "$(grep -c . "$TMP/k.echo")" -ge 8 ] && diff "$TMP/k.echo" "$TMP/u.echo" >"$TMP/diff"
r=$?
ok $r "request/echo flows: the same host TX and RX counts in both joins ($(tr '\n' ';' <"$TMP/k.echo"))"
[ $r = 0 ] || show "$TMP/diff"

udp_tx=$(count_of "$TMP/kernel.out" ':7131 udp' tx_host)
[ "$udp_tx" = $((2 * COUNT)) ]
ok $? "every UDP request has host TX in the kernel join ($udp_tx of $((2 * COUNT)))"
tcp_rx=$(count_of "$TMP/kernel.out" '7132 -> .* tcp' rx_host)
[ "$tcp_rx" -ge $((2 * COUNT)) ]
ok $? "TCP echoes have host RX in the kernel join ($tcp_rx reads, 5000-byte echoes in pieces)"

# bulk: the writes still queued in the socket buffer are timed too
kb=$(awk '$1 == 7133 && $4 == "tx_host" { print $5 }' "$TMP/kernel.table")
ub=$(awk '$1 == 7133 && $4 == "tx_host" { print $5 }' "$TMP/user.table")
awk -v k="${kb:-0}" -v u="${ub:-0}" 'BEGIN { exit !(u > 100 && k >= 0.99 * u && k <= u) }'
ok $? "TCP bulk: the kernel join times >= 99 % of the writes the user join times ($kb of $ub)"

# summaries: the same counts (the bulk stream's records included)
sumk=$(jq -s -c '.[] | select(.type == "summary") | [.sends, .tx_matched, .rx_matched, .records[0], .records[3]]' "$TMP/kernel.out")
sumu=$(jq -s -c '.[] | select(.type == "summary") | [.sends, .tx_matched, .rx_matched, .records[0], .records[3]]' "$TMP/user.out")
jq -e -n --argjson k "$sumk" --argjson u "$sumu" \
	'$k[0] == $u[0] and $k[3] == $u[3] and $k[4] == $u[4] and $k[1] >= 0.99 * $u[1] and $k[1] <= $u[1] and
	 $k[2] >= 0.99 * $u[2] and $k[2] <= $u[2]' >/dev/null
ok $? "summary (sends, with egress, receives with ingress, send and receive records): kernel $sumk, user $sumu"
jq -e -s 'map(select(.type == "summary" and .join == "kernel" and .ring_drops == 0 and .flows_full == 0)) | length == 1' \
	"$TMP/kernel.out" >/dev/null
ok $? "kernel join: no ring-buffer drops, the flow table never full"

# p50 per echo flow and segment, kernel vs user
p50s() {
	jq -s -r '.[] | select(.type == "flow" and (.flow | test(":713[12] "))) | .flow as $f | .segments | to_entries[] |
		"\($f | sub(":[0-9]+ (?<x>[-?])"; " \(.x)") | sub(":[0-9]+ (?<u>udp|tcp)$"; " \(.u)")) \(.key) \(.value.p50_us)"' "$1" | sort
}
bad=$(join -j1 <(p50s "$TMP/kernel.out" | awk '{ print $1 "_" $2 "_" $3 "_" $4 "_" $5 "_" $6 "_" $7, $8 }' | sort) \
	<(p50s "$TMP/user.out" | awk '{ print $1 "_" $2 "_" $3 "_" $4 "_" $5 "_" $6 "_" $7, $8 }' | sort) |
	awk '{ d = $2 - $3; if (d < 0) d = -d; n++; if (d > 0.25 * $3 + 3) print } END { if (!n) print "none compared" }')
[ -z "$bad" ]
ok $? "p50 per flow and segment agrees within 25 % + 3 us${bad:+ (off: $bad)}"

# --series: one row per flow and second, adding up to the flow's count
jq -e -s '([.[] | select(.type == "flow")] | map({key: .flow, value: (.segments[]).count}) | from_entries) as $c |
	([.[] | select(.type == "second")] | group_by(.flow) | map({key: .[0].flow, value: (map(.messages) | add)}) | from_entries) as $s |
	($c | length) > 0 and ($c | to_entries | all(.value == $s[.key])) and
	([.[] | select(.type == "second")] | group_by([.flow, .second]) | all(length == 1))' "$TMP/kernel.out" >/dev/null
ok $? "--series: one row per flow and second, adding up to every flow's total"

# --slow 0.001: the kernel sends slow messages through the ring
ks=$(jq -s '[.[] | select(.type == "slow")] | length' "$TMP/kernel.out")
us=$(jq -s '[.[] | select(.type == "slow")] | length' "$TMP/user.out")
awk -v k="$ks" -v u="$us" 'BEGIN { exit !(u > 100 && k >= 0.95 * u && k <= 1.05 * u) }'
ok $? "--slow: as many slow lines from the kernel join as from the user join ($ks, $us)"
done_testing

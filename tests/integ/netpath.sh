#!/usr/bin/env bash
# netpath: TCP segments followed across the lab's namespaces; the 10 ms
# NFQUEUE delay in the relay's forwarding path is found at the right step
# and namespace; a netfilter drop in the server is reported with its reason.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 6
trap 'lab_down; cleanup' EXIT
lab_up || { diag "cannot build the lab"; exit 1; }
QNUM=$(($$ % 60000 + 2000))
relay_ns=$(stat -L -c %i "/run/netns/$NS_R")
server_ns=$(stat -L -c %i "/run/netns/$NS_S")

in_ns "$NS_R" "$TARGETS/nfqdelay" "$QNUM" 10 15 >"$TMP/nfq.out" 2>&1 & disown # lab_down reaps it
_pids+=($!)
wait_for "$TMP/nfq.out" ready 100
in_ns "$NS_R" ip6tables-legacy -A FORWARD -p tcp --dport 7002 -j NFQUEUE --queue-num "$QNUM"
in_ns "$NS_S" iptables-legacy -A INPUT -p tcp --dport 7003 -j DROP
in_ns "$NS_S" "$TARGETS/netlab" techo 7002 15 & disown # lab_down reaps it
_pids+=($!)

start_bpfscope np netpath --slow 5000 -o json || exit 1
in_ns "$NS_C" "$TARGETS/netlab" tcp fd77:2::2 7002 30 5000 3000 >"$TMP/tcp.out"
in_ns "$NS_C" timeout 1 "$TARGETS/netlab" tcp 10.77.2.2 7003 1 0 10 >/dev/null 2>&1
stop_bpfscope
grep -q "echoed 30" "$TMP/tcp.out"
ok $? "30 TCP request/responses through the delaying relay"

fwd='-> \[fd77:2::2\]:7002$'
nslow=$(jq -s --arg f "$fwd" '[.[] | select(.type == "slow" and (.flow | test($f)))] | length' "$TMP/np.out")
[ "$nslow" -ge 25 ]
ok $? "client -> server segments are slow ($nslow of 30+)"
nright=$(jq -s --arg f "$fwd" --argjson ns "$relay_ns" '[.[] | select(.type == "slow" and (.flow | test($f))
	and .slowest_netns == $ns and .slowest_from == "receive" and .slowest_to == "queue" and .slowest_us >= 9000)] | length' "$TMP/np.out")
# (>= 90 %: on a loaded machine a segment can also wait for a CPU elsewhere)
[ "$nslow" -gt 0 ] && [ $((nright * 10)) -ge $((nslow * 9)) ]
ok $? "the time went between receive and queue in the relay namespace ($nright of $nslow)"
[ "$(jq -s '[.[] | select(.type == "slow" and (.flow | test("^\\[fd77:2::2\\]:7002")))] | length' "$TMP/np.out")" = 0 ]
ok $? "server -> client segments are not slow"
jq -e -s --argjson ns "$server_ns" 'map(select(.type == "drop" and (.flow | test("-> 10.77.2.2:7003$"))
	and .reason == "NETFILTER_DROP" and .netns == $ns)) | length > 0' "$TMP/np.out" >/dev/null
ok $? "SYN to the filtered port: drop in the server namespace, reason NETFILTER_DROP"
jq -e -s 'map(select(.type == "summary" and .ring_drops == 0 and .segments > 0)) | length == 1' "$TMP/np.out" >/dev/null
ok $? "summary with segment count and ring-buffer drops"
[ $_failed -eq 0 ] || { grep '"slow","flow":"\[fd77:2' "$TMP/np.out" | head -3; tail -1 "$TMP/np.out"; }
done_testing

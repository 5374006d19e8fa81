#!/usr/bin/env bash
# net with classic clsact filters instead of tcx links (the path of kernels
# before 6.6, forced here with BPFSCOPE_DISABLE_FEATURES=tcx): the single-host
# run of net_local.sh gives the same counts as with tcx; no filter is left on
# the interface after Ctrl-C or SIGTERM; a SIGKILLed run's filters are
# removed by the next start; two runs on one interface use different slots.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/netlab.bash"
plan 13
trap 'lab_down; cleanup' EXIT
lab_up || { diag "cannot build the lab"; exit 1; }
COUNT=40
local_servers 25

# counts FILE: UDP sends, UDP receives, TCP sends with their host segment
counts() {
	echo "$(count_of "$1" ':7101 udp' tx_host) $(count_of "$1" '10.77.2.2:7101 -> .* udp' rx_host)" \
		"$(count_of "$1" ':7102 tcp' tx_host)"
}
# filters DIR: our classic filters on the client's interface
filters() { tc -n "$NS_C" filter show dev "$IF_C" "$1" | grep -c 'handle 0xb5c'; }

run_local tcx --ingress tc -v
grep -q 'net_tc_egress: attached via tcx' "$TMP/tcx.err"
ok $? "tcx by default on this kernel"

export BPFSCOPE_DISABLE_FEATURES=tcx
run_local legacy --ingress tc -v
grep -q 'net_tc_egress: attached via tc_legacy' "$TMP/legacy.err" &&
	grep -q 'net_tc_ingress: attached via tc_legacy' "$TMP/legacy.err"
r=$?; ok $r "tcx disabled: egress and ingress attached as classic clsact filters"
[ $r = 0 ] || show "$TMP/legacy.err"
[ "$(counts "$TMP/tcx.out")" = "$(counts "$TMP/legacy.out")" ]
ok $? "same counts as with tcx (UDP tx, UDP rx, TCP tx: $(counts "$TMP/tcx.out") / $(counts "$TMP/legacy.out"))"
[ "$(counts "$TMP/legacy.out")" = "$COUNT $COUNT $COUNT" ]
ok $? "exact counts with classic filters"
[ "$(count_of "$TMP/legacy.out" '10.77.2.2:7102 -> .* tcp' rx_host)" -ge "$COUNT" ]
ok $? "TCP echoes with host RX ($(count_of "$TMP/legacy.out" '10.77.2.2:7102 -> .* tcp' rx_host) reads)"
[ "$(filters egress)" = 0 ] && [ "$(filters ingress)" = 0 ]
ok $? "no filter left on $IF_C after Ctrl-C: $(tc -n "$NS_C" filter show dev "$IF_C" egress | wc -l) egress lines"

run_local auto
[ "$(counts "$TMP/auto.out")" = "$COUNT $COUNT $COUNT" ] && [ "$(filters egress)" = 0 ]
ok $? "XDP ingress with a classic egress filter: exact counts, no filter left ($(counts "$TMP/auto.out"))"

# start_bg NAME: a background run on the client's interface, tc ingress
start_bg() {
	ip netns exec "$NS_C" "$BPFSCOPE" net -i "$IF_C" --ingress tc >/dev/null 2>"$TMP/$1.err" &
	BG=$!
	_pids+=("$BG")
	wait_for "$TMP/$1.err" 'tracing, Ctrl-C' 200 || show "$TMP/$1.err"
}
start_bg term
before=$(filters egress)
kill -TERM "$BG"
wait "$BG"
[ "$before" = 1 ] && [ "$(filters egress)" = 0 ] && [ "$(filters ingress)" = 0 ]
ok $? "SIGTERM: the filter that was there ($before) is removed"

start_bg killed
kill -9 "$BG"
wait "$BG" 2>/dev/null
[ "$(filters egress)" = 1 ] && [ "$(filters ingress)" = 1 ]
ok $? "SIGKILL leaves the classic filters (what the next start cleans)"
start_bg next
grep -q "removed 2 tc filter(s) left by a killed bpfscope net" "$TMP/next.err"
ok $? "the next start removes them and says so"
[ "$(filters egress)" = 1 ]
ok $? "and only its own filter is attached"

# a second run while the first holds slot 0
ip netns exec "$NS_C" "$BPFSCOPE" net -i "$IF_C" --ingress tc --port 7101 -o json \
	>"$TMP/second.out" 2>"$TMP/second.err" &
second=$!
_pids+=("$second")
wait_for "$TMP/second.err" 'tracing, Ctrl-C' 200
two=$(filters egress)
in_ns "$NS_C" "$TARGETS/netlab" udp 10.77.2.2 7101 "$COUNT" 2000 100 >/dev/null
kill -INT "$BG"
wait "$BG"
one=$(filters egress)
kill -INT "$second"
wait "$second"
[ "$two" = 2 ] && [ "$one" = 1 ] && [ "$(filters egress)" = 0 ] && ! grep -q removed "$TMP/second.err"
ok $? "two runs: two slots ($two filters), the first's exit leaves the second's ($one), none at the end"
[ "$(count_of "$TMP/second.out" ':7101 udp' tx_host)" = "$COUNT" ]
ok $? "the second run counted its $COUNT UDP sends"
done_testing

#!/usr/bin/env bash
# The traced program is unaffected: the same output byte for byte with and
# without tracing (entry and return probes, recursion, sampling, per-event
# output), and a real memcached keeps serving a client correctly while
# bpfscope attaches and detaches repeatedly on both of them.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 6

D=$TARGETS/digest
"$D" 3000 >"$TMP/plain.out"
ok $? "digest runs untraced"

start_bpfscope dg trace -c digest \
	"u:$D:update { print(arg1, arg0->name) }" \
	"r:$D:fold { hist(duration) }" \
	"r:$D:mix { count() by (retval & 7) }" || exit 1
"$D" 3000 >"$TMP/traced.out"
stop_bpfscope
cmp -s "$TMP/plain.out" "$TMP/traced.out"
ok $? "output identical with entry, recursive return and aggregated probes"
grep -q 'update: 3000 hits' "$TMP/dg.err" && grep -q 'fold: [0-9]* hits' "$TMP/dg.err"
ok $? "the probes really fired (3000 update hits)" || show "$TMP/dg.err"

start_bpfscope dgs trace -c digest --sample 7 "r:$D:fold { print(arg0, retval) }" || exit 1
"$D" 3000 >"$TMP/sampled.out"
stop_bpfscope
cmp -s "$TMP/plain.out" "$TMP/sampled.out"
ok $? "output identical with a sampled return probe printing per event"

# A server under load while tracers come and go: clients run back to back
# until the tracers are done, and each checks every value it fetched.
memcached_start || { echo "# memcached did not start"; exit 1; }
start_bpfscope duty trace --duty 0.02/0.05 -p "$MC_PID" 't:syscalls:sys_enter_sendmsg { count() }' || exit 1
duty=$BPFSCOPE_PID
(
	while [ ! -e "$TMP/stop" ]; do
		echo go | "$TARGETS/mc_client" "$MC_PORT" 16 300 || echo "client failed: $?"
	done
) >"$TMP/mc.stdout" 2>&1 &
clients=$!
_pids+=("$clients")
cycles=0
while [ $cycles -lt 3 ]; do
	start_bpfscope cyc$cycles trace -c mc_client \
		"r:libmemcached:memcached_mget { hist(duration) }" \
		"u:libmemcached:memcached_set { count() }" || break
	sleep 0.3
	stop_bpfscope
	grep -qE 'memcached_set: [1-9][0-9]* hits' "$TMP/cyc$cycles.err" || break
	cycles=$((cycles + 1))
done
touch "$TMP/stop"
for _ in $(seq 1 200); do kill -0 "$clients" 2>/dev/null || break; sleep 0.05; done
BPFSCOPE_PID=$duty
stop_bpfscope
runs=$(grep -c '^fetched 4800$' "$TMP/mc.stdout")
other=$(grep -vc '^fetched 4800$' "$TMP/mc.stdout")
[ "$runs" -ge 2 ] && [ "$other" -eq 0 ]
ok $? "memcached served every value correctly: $runs client runs of 4800 values, $other wrong"
[ "$cycles" -eq 3 ] && grep -q 'attached' "$TMP/duty.err"
ok $? "3 tracers attached, traced the clients and detached while it served (duty cycling on the server)" || show "$TMP/duty.err"
done_testing

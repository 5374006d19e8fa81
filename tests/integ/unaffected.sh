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

# A server under load while tracers come and go: the client checks every value.
memcached_start || { echo "# memcached did not start"; exit 1; }
start_gated mc "$TARGETS/mc_client" "$MC_PORT" 16 12000
mc=$GATED_PID
start_bpfscope duty trace --duty 0.02/0.05 -p "$MC_PID" 't:syscalls:sys_enter_sendmsg { count() }' || exit 1
duty=$BPFSCOPE_PID
echo go >&"$_gate_mc"
cycles=0
while kill -0 "$mc" 2>/dev/null && [ $cycles -lt 4 ]; do
	start_bpfscope cyc$cycles trace -p "$mc" \
		"r:libmemcached:memcached_mget { hist(duration) }" \
		"u:libmemcached:memcached_set { count() }" || break
	sleep 0.2
	stop_bpfscope
	cycles=$((cycles + 1))
done
for _ in $(seq 1 400); do kill -0 "$mc" 2>/dev/null || break; sleep 0.05; done
wait "$mc"
diag "client exit status $?: $(cat "$TMP/mc.stdout")"
BPFSCOPE_PID=$duty
stop_bpfscope
[ "$(cat "$TMP/mc.stdout")" = "fetched 192000" ]
ok $? "memcached served all 192000 values correctly across $cycles attach/detach cycles (client: $(cat "$TMP/mc.stdout"))"
[ "$cycles" -ge 2 ] && grep -q 'attached' "$TMP/duty.err"
ok $? "tracers attached and detached repeatedly while it served ($cycles cycles, duty cycling on the server)" || show "$TMP/duty.err"
done_testing

#!/usr/bin/env bash
# bpfscope discover on a known call graph (tests/targets/callgraph.c: per
# request 5 leaf_a, 2 leaf_b, leaf_c every second request; housekeeping
# outside requests) with exact counts, inside and outside a root, through
# uprobe_multi and per-function uprobes; then on libmemcached with a real
# memcached (tests/targets/mc_client).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 13

T="$TARGETS/callgraph"
# disc NAME REQUESTS ARGS...: discover -o json on callgraph serving REQUESTS
disc() {
	local name=$1 n=$2
	shift 2
	start_gated "$name-t" "$T" wait "$n"
	local target=$GATED_PID
	start_bpfscope "$name" discover -o json -p "$target" "$@" || return 1
	release_gated "$name-t" "$target"
	stop_bpfscope
}
# calls NAME FUNC [KEY]: a function's value in the ranking
calls() { jq -r --arg f "$2" --arg k "${3:-calls}" 'select(.function == $f) | .[$k]' "$TMP/$1.out"; }

disc within 40 "$T" --within handle_request --time
[ "$(calls within leaf_a)/$(calls within leaf_b)/$(calls within leaf_c)" = "200/80/20" ]
ok $? "--within: only calls inside handle_request count (got $(calls within leaf_a)/$(calls within leaf_b)/$(calls within leaf_c), want 200/80/20)"
[ "$(calls within leaf_a per_root)/$(calls within leaf_b per_root)/$(calls within leaf_c per_root)" = "5/2/0.5" ]
ok $? "calls per root invocation: leaf_a 5, leaf_b 2, leaf_c 0.5"
grep -q "40 invocations of handle_request; 120 calls outside it not counted" "$TMP/within.err"
ok $? "40 root invocations, the 120 housekeeping calls outside them excluded" || show "$TMP/within.err"
[ -z "$(calls within housekeeping)" ] && grep -q "skipped 1: the --within root itself" "$TMP/within.err"
ok $? "functions never called inside the root are not ranked; the root itself is not probed"
avg_c=$(calls within leaf_c avg_us)
awk -v c="$avg_c" 'BEGIN { exit !(c >= 200) }' && [ "$(jq -r 'select(.function) | .function' "$TMP/within.out" | head -1)" = leaf_a ]
ok $? "--time: leaf_c (sleeps 0.2 ms) averages at least 200 us (got $avg_c); ranked by calls"
grep -q "0 stale frames, 0 unpaired returns, 0 calls too deep" "$TMP/within.err"
ok $? "every return paired"

disc all 30 "$T"
[ "$(calls all leaf_a)/$(calls all leaf_b)/$(calls all leaf_c)/$(calls all handle_request)/$(calls all housekeeping)" = "180/60/45/30/30" ]
ok $? "without --within every call counts (got $(calls all leaf_a)/$(calls all leaf_b)/$(calls all leaf_c)/$(calls all handle_request)/$(calls all housekeeping))"
grep -q "probed via uprobe_multi" "$TMP/all.err"
ok $? "uprobe_multi used where the kernel has it"

disc each 30 "$T" 'leaf_*' --per-function
[ "$(calls each leaf_a)/$(calls each leaf_b)/$(calls each leaf_c)" = "180/60/45" ] &&
	grep -q "3 of 3 functions .* probed via per-function uprobes" "$TMP/each.err"
ok $? "--per-function (the fallback) counts the same"

# a root in another binary: libc's nanosleep inside callgraph's requests
# (leaf_c, every second request) but not in housekeeping
disc libc 40 libc '*nanosleep*' --within "$T:handle_request"
[ "$(calls libc nanosleep)/$(calls libc nanosleep per_root)" = "20/0.5" ] &&
	grep -q "40 invocations of handle_request; 80 calls outside it not counted" "$TMP/libc.err"
ok $? "--within BINARY:FUNCTION roots a library's calls in the program's requests (got $(calls libc nanosleep))" || show "$TMP/libc.err"

bad_input "a glob matching nothing" "no function matches 'nosuch_\*'" discover "$T" 'nosuch_*'
bad_input "an unknown root" "--within: no function 'nosuch'" discover "$T" --within nosuch

# a real library against a real server
if memcached_start; then
	start_gated mc "$TARGETS/mc_client" "$MC_PORT" 3 2
	mc=$GATED_PID
	start_bpfscope mc discover -o json -p "$mc" libmemcached 'memcached_*' --time
	release_gated mc "$mc"
	stop_bpfscope
	[ "$(calls mc memcached_set)/$(calls mc memcached_mget)/$(calls mc memcached_fetch_result)" = "6/2/8" ] &&
		grep -q "fetched 6" "$TMP/mc.stdout"
	ok $? "libmemcached: 6 sets, 2 mgets, 8 fetch_result calls (got $(calls mc memcached_set)/$(calls mc memcached_mget)/$(calls mc memcached_fetch_result))"
else
	ok 0 "# SKIP memcached not installed"
fi
done_testing

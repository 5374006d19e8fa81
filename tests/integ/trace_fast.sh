#!/usr/bin/env bash
# The fast path of the probe engine (bpf/probe_fast.bpf.h, probe/fastpath.h)
# gives the same answers as the generic interpreter: every workload runs
# twice, with the fast path and with BPFSCOPE_PROBE_GENERIC=1, and both must
# match known values: histogram slots of calls with known durations
# (tests/targets/naps: recursion in two threads), keys, -i intervals,
# counts, recursion, threads, longjmp (stale). --sample, triggers and --duty:
# trace_fast_modes.sh.
source "$(dirname "$0")/lib.bash"
plan 15

source "$(dirname "$0")/fastpath.bash"

HIST="r:$N:nap_recurse { hist(duration) }"
LHIST="r:$N:nap_recurse { lhist(duration, 0, 400000000, 50000000) }"
SUM="r:$N:nap_recurse if retval >= 2 { sum(duration) }"
PRED="r:$N:nap_recurse if retval == 3 && tid > 0 { count() }"
ENTRY="u:$N:nap_recurse { count() }"
for m in $MODES; do
	traced $m naps "$N" wait 4 -- "$HIST" "$LHIST" "$SUM" "$PRED" "$ENTRY" || exit 1
done

# the paths -v reports
[ "$(grep -o 'p[0-9] .*path.*' "$TMP/naps-fast.err" | sed -E 's/^(p[0-9]) [^ ]*: /\1 /' | paste -sd,)" = \
	"p0 fast path,p1 fast path,p2 fast path,p3 generic path: its predicate is not 'retval OP constant',p4 fast path" ]
ok $? "-v: hist/lhist/sum of duration, count() and 'retval OP constant' take the fast path, another predicate keeps the generic one" ||
	show "$TMP/naps-fast.err"
[ "$(grep -c 'generic path: BPFSCOPE_PROBE_GENERIC is set' "$TMP/naps-generic.err")" -eq 5 ]
ok $? "BPFSCOPE_PROBE_GENERIC=1 forces every probe onto the generic path"

# 24 calls: 2 threads x 4 rounds x 3 depths, 8 in each known slot
want='[[16777216,8],[67108864,8],[268435456,8]]'
for m in $MODES; do
	got=$(aggs naps-$m 1)
	[ "$got" = "[24,$want]" ]
	ok $? "$m: hist(duration) of a recursion in two threads: 8 calls in each of the 3 known log2 slots (got $got)"
	got=$(aggs naps-$m 2)
	[ "$got" = '[24,[[0,8],[50000000,8],[250000000,8]]]' ]
	ok $? "$m: lhist(duration) slots 0-50, 50-100, 250-300 ms, 8 each (got $got)"
done
jq -s -e '.[2] | .count == 16 and .sum > 2760000000 and .sum < 3300000000' "$TMP/naps-fast.out" >/dev/null &&
	summary naps-fast 3 | grep -q ": 24 hits, 0 sampled out, 8 filtered, 16 emitted"
ok $? "fast: 'if retval >= 2' sum(duration): 16 calls of (70 + 275 ms) x 8, 8 filtered"
[ "$(aggs naps-fast | paste -sd' ')" = "$(aggs naps-generic | paste -sd' ')" ] &&
	[ "$(aggs naps-fast 4)" = '[8,[]]' ] && [ "$(aggs naps-fast 5)" = '[24,[]]' ]
ok $? "fast and generic: the same counts and slots for every probe (generic predicate in the same stack: 8 outer calls; entry count 24)" ||
	diff <(aggs naps-fast) <(aggs naps-generic) | show /dev/stdin
summary naps-fast 1 | grep -q ": 24 hits, 0 sampled out, 0 filtered, 24 emitted, 0 dropped, 0 stale, 0 unpaired" &&
	[ "$(summary naps-fast)" = "$(summary naps-generic)" ]
ok $? "fast and generic: identical exit accounting (24 hits, 24 emitted, nothing stale or unpaired)" ||
	diff <(summary naps-fast) <(summary naps-generic) | show /dev/stdin

# keys (retval, an argument) and -i: each interval prints what came since
# the last one (the fast path keeps the last totals and hands out
# differences), the intervals add up to 8 calls per key in its known slot
KEYED="r:$N:nap_recurse { hist(duration) by (retval) }"
KEYARG="r:$N:nap_recurse if retval >= 2 { count() by (depth) }"
for m in $MODES; do
	traced $m keyed "$N" wait 4 -- -i 0.1 "$KEYED" "$KEYARG" || exit 1
done
# per key over all intervals: count and the slots seen
bykey() {
	jq -s -c 'map({k: (.keys | tostring), c: .count, b: ((.hist.buckets // []) | map(.low))})
		| group_by(.k) | map([.[0].k, (map(.c) | add), (map(.b) | add | unique)])' "$TMP/keyed-$1.out"
}
want='[["{\"depth\":1}",8,[]],["{\"depth\":2}",8,[]],["{\"retval\":1}",8,[16777216]],["{\"retval\":2}",8,[67108864]],["{\"retval\":3}",8,[268435456]]]'
[ "$(bykey fast)" = "$want" ] && [ "$(grep -c ': fast path' "$TMP/keyed-fast.err")" -eq 2 ] &&
	[ "$(wc -l <"$TMP/keyed-fast.out")" -gt 5 ]
ok $? "fast: by (retval) and by (depth) over $(wc -l <"$TMP/keyed-fast.out") interval lines: 8 per key in its slot (got $(bykey fast))"
[ "$(bykey generic)" = "$want" ] && [ "$(summary keyed-fast)" = "$(summary keyed-generic)" ]
ok $? "generic: the same keys, counts and slots, the same accounting (got $(bykey generic))"

# trace_target: recursion (main thread and a worker), longjmp, entry counts
for m in $MODES; do
	traced $m tt "$T" wait 6 -- "r:$T:recurse { hist(duration) }" "r:$T:jumpy { count() }" \
		"u:$T:process_request { count() }" "r:$T:process_request if retval < 100 { count() }" || exit 1
done
for m in $MODES; do
	summary tt-$m 1 | grep -q "recurse: 42 hits, 0 sampled out, 0 filtered, 42 emitted, 0 dropped, 0 stale, 0 unpaired" &&
		summary tt-$m 2 | grep -q "jumpy: 6 hits, 0 sampled out, 0 filtered, 3 emitted, 0 dropped, 3 stale, 0 unpaired" &&
		summary tt-$m 3 | grep -q "process_request: 6 hits, 0 sampled out, 0 filtered, 6 emitted" &&
		summary tt-$m 4 | grep -q "process_request: 6 hits, 0 sampled out, 4 filtered, 2 emitted"
	ok $? "$m: recursion 42 paired, longjmp 3 paired + 3 stale, 6 entry counts, 'retval < 100' (signed int) 2 of 6" ||
		show "$TMP/tt-$m.err"
done
[ "$(summary tt-fast)" = "$(summary tt-generic)" ] &&
	[ "$(aggs tt-fast | jq -c '.[0]' | paste -sd' ')" = "$(aggs tt-generic | jq -c '.[0]' | paste -sd' ')" ]
ok $? "fast and generic: identical accounting and counts on trace_target"

bad_input "BPFSCOPE_PROBE_GENERIC does not change bad input handling" "unknown name 'nosuch'" \
	trace "r:$N:nap_recurse { hist(nosuch) }"
done_testing

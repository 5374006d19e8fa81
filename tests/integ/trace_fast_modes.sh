#!/usr/bin/env bash
# The fast path of the probe engine under --sample, triggers and --duty:
# the same answers as the generic interpreter (BPFSCOPE_PROBE_GENERIC=1).
# Known durations, keys and pairing: trace_fast.sh.
source "$(dirname "$0")/lib.bash"
plan 6
source "$(dirname "$0")/fastpath.bash"

# --sample 3: sampled-out entries of a recursion in two threads (one CPU)
for m in $MODES; do
	traced $m sample "$T" wait 30 -- --sample 3 "r:$T:recurse { count() }" "r:$T:process_request { count() }" || exit 1
	summary sample-$m 1 | grep -q "recurse: 210 hits, 140 sampled out, 0 filtered, 70 emitted, 0 dropped, 0 stale, 0 unpaired, 0 read errors, 140 sampled-out returns" &&
		summary sample-$m 2 | grep -q "process_request: 30 hits, 20 sampled out, 0 filtered, 10 emitted, 0 dropped, 0 stale, 0 unpaired, 0 read errors, 20 sampled-out returns"
	ok $? "$m: --sample 3 keeps 70 of 210 recursive calls, 140 sampled-out returns, none unpaired" ||
		show "$TMP/sample-$m.err"
done

# triggers: a fast probe as source and as the captured probe
for m in $MODES; do
	traced $m trig "$B" wait 300 20000 1000 20000 1000 -- \
		--trigger 'rate(p0, 100ms) > 8000 -> capture(p1, 10) rearm < 3000' \
		"u:$B:tick { count() }" "r:$B:work { count() }" || exit 1
	jq -e 'select(.probe != null and (.probe | test("^r:"))) | .count == 20' "$TMP/trig-$m.out" >/dev/null &&
		grep -q "fired 2, re-armed 2, 20 events captured" "$TMP/trig-$m.err"
	ok $? "$m: trigger fired twice, 20 returns of work() captured" || show "$TMP/trig-$m.err"
done

# --duty: every entry is paired or counted stale at a window edge (returns of
# calls entered before a window opened are unpaired on both paths)
for m in $MODES; do
	if [ $m = generic ]; then export BPFSCOPE_PROBE_GENERIC=1; fi
	start_bpfscope duty-$m trace --duty 0.1/0.3 "r:$T:cache_fetch { count() }"
	unset BPFSCOPE_PROBE_GENERIC
	taskset -c 0 "$T" loop 1.2 >"$TMP/duty-$m.calls"
	stop_bpfscope
	line=$(summary duty-$m)
	awk '{ gsub(",", ""); for (i = 1; i <= NF; i++) v[$(i + 1)] = $i }
		END { d = v["hits"] - v["emitted"] - v["stale"]
			exit !(v["hits"] > 0 && d >= 0 && d <= 1) }' <<<"$line"
	ok $? "$m: --duty 0.1/0.3: hits = emitted + stale (+1 still open) ($line; $(cat "$TMP/duty-$m.calls"))"
done

done_testing

#!/usr/bin/env bash
# cpudist: on-CPU samples of a busy target; off-CPU (-O -m) time of a
# target that sleeps 100 ms six times lands in the 64..127 ms slot.
source "$(dirname "$0")/lib.bash"
plan 5

"$TARGETS/spin" 2 3 &
spinner=$!
_pids+=("$spinner")
"$BPFSCOPE" cpudist -o json -P -p "$spinner" -d 1 >"$TMP/on.json" 2>"$TMP/on.err"
ok $? "cpudist -P -p exits 0"
count=$(jq -s '[.[].hist.count] | add // 0' "$TMP/on.json")
[ "$(jq -r .pid "$TMP/on.json" | sort -u)" = "$spinner" ] && [ "$count" -gt 10 ]
ok $? "only the spinner ($spinner) has a histogram, $count on-CPU samples"
jq -e 'select(.comm == "spin") | .hist.unit == "usecs" and (.hist.buckets | length) > 0' "$TMP/on.json" >/dev/null
ok $? "histogram JSON has comm, unit and buckets"

mkfifo "$TMP/go"
"$TARGETS/iodo" sleep 100 sleep 100 sleep 100 sleep 100 sleep 100 sleep 100 <"$TMP/go" &
sleeper=$!
_pids+=("$sleeper")
exec 7>"$TMP/go"
start_bpfscope off cpudist -o json -O -m -p "$sleeper" || exit 1
echo go >&7
exec 7>&-
wait "$sleeper"
stop_bpfscope
slept=$(jq '[.hist.buckets[] | select(.low == 64 and .high == 127) | .count] | add // 0' "$TMP/off.out")
[ "$slept" -ge 5 ] && [ "$slept" -le 6 ]
ok $? "-O -m: the 100 ms sleeps are in the 64..127 ms slot ($slept of 6; $(jq -c .hist.buckets "$TMP/off.out"))"
bad_input "unknown option is one error line" "unknown option" cpudist --bogus
done_testing

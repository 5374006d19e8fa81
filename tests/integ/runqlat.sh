#!/usr/bin/env bash
# runqlat: histograms fill up under CPU contention (more threads than CPUs).
source "$(dirname "$0")/lib.bash"
plan 5

threads=$(($(nproc) * 3))
"$TARGETS/spin" "$threads" 30 & # killed at exit; outlives slow starts
spinner=$!
_pids+=("$spinner")

"$BPFSCOPE" runqlat -o json -d 1.5 >"$TMP/all.json" 2>"$TMP/all.err"
ok $? "runqlat -d 1.5 exits 0"
total=$(jq -s '[.[].hist.count] | add // 0' "$TMP/all.json")
[ "$total" -gt 100 ]
ok $? "system-wide: $total run-queue samples under $threads spinning threads on $(nproc) CPUs"

"$BPFSCOPE" runqlat -o json -P -p "$spinner" -d 1 >"$TMP/pid.json" 2>"$TMP/pid.err"
pids=$(jq -r .pid "$TMP/pid.json" | sort -u | tr '\n' ' ')
count=$(jq -s '[.[].hist.count] | add // 0' "$TMP/pid.json")
[ "$pids" = "$spinner " ] && [ "$count" -gt 10 ]
ok $? "-P -p: only the spinner ($spinner) has a histogram, $count samples (pids: $pids)"
jq -s -e 'map(select(.comm == "spin")) | length > 0 and all(.hist.p50 >= 0 and (.hist.buckets | length) > 0)' "$TMP/pid.json" >/dev/null
ok $? "histogram JSON has comm, p50 and buckets"

"$BPFSCOPE" runqlat -d 1 >"$TMP/text.out" 2>"$TMP/text.err"
grep -q 'usecs.*: count.*distribution' "$TMP/text.out"
ok $? "text histogram header printed"
done_testing

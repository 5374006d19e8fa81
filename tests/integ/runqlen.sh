#!/usr/bin/env bash
# runqlen: with three spinning threads per CPU the sampled run queues are
# not empty; -C gives one histogram per online CPU; -F sets the rate.
source "$(dirname "$0")/lib.bash"
plan 5

cpus=$(nproc)
threads=$((cpus * 3))
"$TARGETS/spin" "$threads" 4 &
spinner=$!
_pids+=("$spinner")
sleep 0.2

"$BPFSCOPE" runqlen -o json -F 50 -d 1.5 >"$TMP/all.json" 2>"$TMP/all.err"
ok $? "runqlen -F 50 -d 1.5 exits 0"
count=$(jq '.hist.count' "$TMP/all.json")
# 50 Hz x 1.5 s x CPUs, give or take timer slack
[ "$count" -ge $((cpus * 30)) ] && [ "$count" -le $((cpus * 150)) ]
ok $? "$count samples at 50 Hz on $cpus CPUs over 1.5 s"
busy=$(jq '[.hist.buckets[] | select(.low >= 1) | .count] | add // 0' "$TMP/all.json")
[ "$busy" -ge $((count / 2)) ]
ok $? "$threads spinning threads on $cpus CPUs: $busy of $count samples saw waiting tasks"

"$BPFSCOPE" runqlen -o json -C -F 50 -d 1 >"$TMP/cpu.json" 2>"$TMP/cpu.err"
online=$(jq -r .cpu "$TMP/cpu.json" | sort -n | tr '\n' ' ')
expect=$(seq 0 $((cpus - 1)) | tr '\n' ' ')
[ "$online" = "$expect" ]
ok $? "-C: one histogram per CPU ($online)"
bad_input "zero frequency is one error line" "frequency\|-F" runqlen -F 0
done_testing

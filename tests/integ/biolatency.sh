#!/usr/bin/env bash
# biolatency: 20 O_DIRECT writes of a known process on the real disk are
# counted, as "Write Sync" with -F and under the disk's name with -D; an
# idle process has none.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/blk.bash"
blk_skip_unless_disk
plan 5

blk_run all biolatency -o json
count=$(jq -s '[.[].hist.count] | add // 0' "$TMP/all.out")
[ "$count" -ge 20 ]
ok $? "20 O_DIRECT writes by $target counted (got $count)"

blk_run flags biolatency -o json -F
ws=$(jq -s '[.[] | select(.flags == "Write Sync") | .hist.count] | add // 0' "$TMP/flags.out")
[ "$ws" -ge 20 ] && [ "$ws" -le 24 ]
ok $? "-F: $ws 'Write Sync' requests ($(jq -c '[.flags, .hist.count]' "$TMP/flags.out" | tr '\n' ' '))"

blk_run disks biolatency -o json -D -m
jq -se --arg d "$BLKDISK" 'map(select(.disk == $d)) | .[0].hist | .count >= 20 and .unit == "msecs"' \
	"$TMP/disks.out" >/dev/null
ok $? "-D -m: the writes are on disk $BLKDISK ($(jq -c '[.disk, .dev, .hist.count]' "$TMP/disks.out" | tr '\n' ' '))"

sleep 5 &
idle=$!
_pids+=("$idle")
"$BPFSCOPE" biolatency -o json -p "$idle" -d 1 >"$TMP/idle.out" 2>"$TMP/idle.err"
[ ! -s "$TMP/idle.out" ]
ok $? "-p of an idle process: no I/O"
bad_input "-D with -F is one error line" "cannot be combined" biolatency -D -F
done_testing

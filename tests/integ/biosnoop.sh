#!/usr/bin/env bash
# biosnoop: each of 20 O_DIRECT 4 KiB writes of a known process is shown
# with its pid, comm, disk, type WS and size.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/blk.bash"
blk_skip_unless_disk
plan 5

blk_run all biosnoop -o json -Q
jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
n=$(jq -s --arg d "$BLKDISK" --argjson p "$target" \
	'map(select(.pid == $p and .comm == "iodo" and .disk == $d and .rwbs == "WS" and .bytes == 4096)) | length' \
	"$TMP/all.out")
[ "$n" -ge 20 ]
ok $? "$n writes: pid $target, iodo, disk $BLKDISK, WS, 4096 bytes"
sectors=$(jq -s --argjson p "$target" 'map(select(.rwbs == "WS" and .bytes == 4096) | .sector) | unique | length' "$TMP/all.out")
[ "$sectors" -ge 20 ]
ok $? "20 different sectors ($sectors)"
[ "$(jq -r .pid "$TMP/all.out" | sort -u)" = "$target" ]
ok $? "-p: only $target"
bad_input "bad pid is one error line" "process id" biosnoop -p 0
done_testing

#!/usr/bin/env bash
# bitesize: 20 O_DIRECT 4 KiB writes of a known process land in its
# 4..7 KiB slot.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/blk.bash"
blk_skip_unless_disk
plan 3

blk_run all bitesize -o json
rec=$(jq -c --argjson p "$target" 'select(.pid == $p)' "$TMP/all.out")
[ "$(jq -r .comm <<<"$rec")" = iodo ]
ok $? "a histogram for iodo, pid $target (got: $(head -c 200 <<<"$rec"))"
four=$(jq '[.hist.buckets[] | select(.low == 4 and .high == 7) | .count] | add // 0' <<<"$rec")
[ "$four" -ge 20 ]
ok $? "$four requests in the 4..7 KiB slot"
[ "$(jq -r .pid "$TMP/all.out" | sort -u)" = "$target" ]
ok $? "-p: only $target"
done_testing

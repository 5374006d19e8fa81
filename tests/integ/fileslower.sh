#!/usr/bin/env bash
# fileslower: -m 0 shows every write of a target with the file's path; a
# write into a FIFO whose reader sleeps is slow and shown with -m 100, while
# the fast writes of the same run are not.
source "$(dirname "$0")/lib.bash"
plan 5

file="$TMP/written-$$"
fifo="$TMP/slowpipe-$$"
mkfifo "$fifo" "$TMP/go"
# The reader holds the FIFO open, sleeps 0.5 s, then drains it: the writer
# fills the 64 KiB pipe buffer and its next write blocks until then.
( exec 8<"$fifo"; sleep 0.5; cat <&8 >/dev/null ) &
_pids+=($!)
"$TARGETS/iodo" write "$file" 10000 write "$fifo" 200000 <"$TMP/go" &
target=$!
_pids+=("$target")
exec 7>"$TMP/go"
start_bpfscope all fileslower -o json -m 0 -p "$target" || exit 1
# a second instance, only slow I/O
BPFSCOPE_ALL=$BPFSCOPE_PID
start_bpfscope slow fileslower -o json -m 100 -p "$target" || exit 1
echo go >&7
exec 7>&-
wait "$target"
wait_for "$TMP/slow.out" "$fifo"
stop_bpfscope
BPFSCOPE_PID=$BPFSCOPE_ALL
stop_bpfscope

jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
n=$(jq -s --arg f "$file" 'map(select(.file == $f and .dir == "W")) | length' "$TMP/all.out")
bytes=$(jq -s --arg f "$file" 'map(select(.file == $f and .dir == "W") | .bytes) | add' "$TMP/all.out")
[ "$n" = 3 ] && [ "$bytes" = 10000 ]
ok $? "-m 0: 3 writes of $file, 10000 bytes (got $n writes, $bytes bytes)"
rec=$(jq -c --arg f "$fifo" 'select(.file == $f)' "$TMP/slow.out" | head -1)
[ -n "$rec" ] && [ "$(jq -r .type <<<"$rec")" = F ] && [ "$(jq -r .pid <<<"$rec")" = "$target" ] &&
	jq -e '.lat_ms >= 100 and .dir == "W"' <<<"$rec" >/dev/null
ok $? "-m 100: the blocked write into FIFO $fifo (got: $rec)"
! grep -q -- "$file" "$TMP/slow.out"
ok $? "-m 100: the fast writes of $file are not shown"
bad_input "negative threshold is one error line" "min\|-m" fileslower -m -1
done_testing

#!/usr/bin/env bash
# syncsnoop: fsync and fdatasync of a known file by a known pid, with the
# file's full path read in the kernel (also across a mount point), -p.
source "$(dirname "$0")/lib.bash"
plan 5

file="$TMP/synced-$$"
shm=$(findmnt -n -o TARGET -t tmpfs /dev/shm 2>/dev/null | head -1)
mkfifo "$TMP/go"
args=(fsync "$file")
[ -n "$shm" ] && args+=(fsync "$shm/bpfscope-sync-$$")
"$TARGETS/iodo" "${args[@]}" <"$TMP/go" &
target=$!
_pids+=("$target")
exec 7>"$TMP/go"
start_bpfscope all syncsnoop -o json -p "$target" || exit 1
echo go >&7
exec 7>&-
wait "$target"
wait_for "$TMP/all.out" "fdatasync.*${shm:-$file}"
stop_bpfscope
rm -f "$shm/bpfscope-sync-$$"

jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c --arg f "$file" 'select(.file == $f and .call == "fsync")' "$TMP/all.out")
[ "$(jq -r .pid <<<"$rec")" = "$target" ] && [ "$(jq -r .errno <<<"$rec")" = 0 ] &&
	[ "$(jq -r .comm <<<"$rec")" = iodo ]
ok $? "fsync of $file by $target (got: $rec)"
jq -se --arg f "$file" 'map(select(.file == $f and .call == "fdatasync")) | length == 1' "$TMP/all.out" >/dev/null
ok $? "fdatasync of the same file"
if [ -n "$shm" ]; then
	jq -se --arg f "$shm/bpfscope-sync-$$" 'map(select(.file == $f)) | length == 2' "$TMP/all.out" >/dev/null
	ok $? "path across the $shm mount: $shm/bpfscope-sync-$$"
else
	ok 0 "# SKIP no tmpfs on /dev/shm to cross a mount"
fi
[ "$(jq -r .pid "$TMP/all.out" | sort -u)" = "$target" ]
ok $? "-p: only $target"
done_testing

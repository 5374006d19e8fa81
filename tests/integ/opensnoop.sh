#!/usr/bin/env bash
# opensnoop: path, errno and flags of opens made by a known process.
source "$(dirname "$0")/lib.bash"
plan 5

missing="/tmp/bpfscope-missing-$$-$RANDOM"
# The opener waits for a line on stdin, opens the path, reports, exits.
mkfifo "$TMP/go"
"$TARGETS/opener" "$missing" <"$TMP/go" >"$TMP/opener.out" &
opener=$!
_pids+=("$opener")
exec 7>"$TMP/go"

start_bpfscope json opensnoop -o json -p "$opener" || exit 1
echo go >&7
exec 7>&-
wait "$opener"
wait_for "$TMP/json.out" "$missing"
stop_bpfscope

jq -e . "$TMP/json.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c --arg p "$missing" 'select(.path == $p)' "$TMP/json.out")
[ -n "$rec" ]
ok $? "the missing path opened by pid $opener is reported"
[ "$(jq -r .errno <<<"$rec")" = ENOENT ] && [ "$(jq -r .fd <<<"$rec")" = -1 ] &&
	[ "$(jq -r .pid <<<"$rec")" = "$opener" ]
ok $? "ENOENT, fd -1, pid $opener (got: $rec)"
jq -r .flags <<<"$rec" | grep -q 'O_RDONLY'
ok $? "flags decoded"
[ "$(jq -r 'select(.pid != '"$opener"') | .pid' "$TMP/json.out" | wc -l)" -eq 0 ]
ok $? "-p: no opens from other processes"
done_testing

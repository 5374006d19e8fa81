#!/usr/bin/env bash
# statsnoop: a stat of a unique missing path fails with ENOENT; -x hides
# successful stats.
source "$(dirname "$0")/lib.bash"
plan 5

missing="/tmp/bpfscope-nostat-$$-$RANDOM"
present="$TMP/present-$$"
touch "$present"
# go_target NAME LAST ARGS...: a fresh iodo stats both paths on cue, traced
# with -p; waits for the LAST path expected in the output.
go_target() {
	local name=$1 last=$2
	shift 2
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	"$TARGETS/iodo" stat "$missing" stat "$present" <"$TMP/go" &
	target=$!
	_pids+=("$target")
	exec 7>"$TMP/go"
	start_bpfscope "$name" statsnoop -o json -p "$target" "$@" || exit 1
	echo go >&7
	exec 7>&-
	wait "$target"
	wait_for "$TMP/$name.out" "$last" 40
	stop_bpfscope
}

go_target all "$present"
jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c --arg p "$missing" 'select(.path == $p)' "$TMP/all.out")
[ "$(jq -r .errno <<<"$rec")" = ENOENT ] && [ "$(jq -r .pid <<<"$rec")" = "$target" ] &&
	[ "$(jq -r .comm <<<"$rec")" = iodo ]
ok $? "stat of $missing by $target: ENOENT (got: $rec)"
rec=$(jq -c --arg p "$present" 'select(.path == $p)' "$TMP/all.out")
[ "$(jq -r .errno <<<"$rec")" = 0 ]
ok $? "stat of an existing file: result 0 (got: $rec)"

go_target failed "$missing" -x
grep -q -- "$missing" "$TMP/failed.out" && ! grep -q -- "$present" "$TMP/failed.out"
ok $? "-x: only the failed stat"
bad_input "bad pid is one error line" "pid" statsnoop -p notapid
done_testing

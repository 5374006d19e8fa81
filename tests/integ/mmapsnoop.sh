#!/usr/bin/env bash
# mmapsnoop: a target maps a unique file with a known length; -f hides
# anonymous mappings; -x shows only the failing (length 0) mmap.
source "$(dirname "$0")/lib.bash"
plan 6

file="$TMP/mapped-$$.bin"
head -c 20000 /dev/zero >"$file"
# go_target NAME ARGS...: iodo maps the file with 12345 bytes, then with 0
# (EINVAL), after a 1 MiB malloc (an anonymous mmap), traced with -p.
go_target() {
	local name=$1
	shift
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	"$TARGETS/iodo" hog 1 mmap "$file" 12345 mmap "$file" 0 <"$TMP/go" &
	target=$!
	_pids+=("$target")
	exec 7>"$TMP/go"
	start_bpfscope "$name" mmapsnoop -o json -p "$target" "$@" || exit 1
	echo go >&7
	exec 7>&-
	wait "$target"
	wait_for "$TMP/$name.out" EINVAL
	stop_bpfscope
}

go_target all
jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c --arg f "$file" 'select(.file == $f and .len == 12345)' "$TMP/all.out")
[ "$(jq -r .pid <<<"$rec")" = "$target" ] && [ "$(jq -r .prot <<<"$rec")" = "r--" ] &&
	[ "$(jq -r .flags <<<"$rec")" = SHARED ] && [ "$(jq -r .errno <<<"$rec")" = 0 ] &&
	[[ "$(jq -r .addr <<<"$rec")" =~ ^0x[0-9a-f]{6,}$ ]]
ok $? "mmap of $file, 12345 bytes, r--, SHARED, by $target (got: $rec)"
jq -se 'map(select(.flags | test("ANON"))) | length > 0' "$TMP/all.out" >/dev/null
ok $? "the anonymous mapping of a 1 MiB malloc is shown without -f"

go_target files -f
jq -se 'map(select(.flags | test("ANON"))) | length == 0' "$TMP/files.out" >/dev/null &&
	grep -q -- "$file" "$TMP/files.out"
ok $? "-f: file mappings only"

go_target failed -x
[ "$(jq -r '[.len, .errno, .file] | @tsv' "$TMP/failed.out")" = "$(printf '0\tEINVAL\t%s' "$file")" ]
ok $? "-x: only the zero-length mmap, EINVAL (got: $(cat "$TMP/failed.out"))"
bad_input "bad duration is one error line" "duration\|-d" mmapsnoop -d -5
done_testing

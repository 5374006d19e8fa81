#!/usr/bin/env bash
# filetop: a unique file written by a target appears with its exact byte
# and call counts; -p keeps other processes out; devices only with -a.
source "$(dirname "$0")/lib.bash"
plan 6

file="$TMP/topfile-$$"
# go_target NAME ARGS...: iodo writes 123456 bytes (31 writes of <= 4 KiB)
# then reads them back, and reads /dev/null; the report is printed at exit.
go_target() {
	local name=$1
	shift
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	"$TARGETS/iodo" write "$file" 123456 read "$file" read /dev/null <"$TMP/go" &
	target=$!
	_pids+=("$target")
	exec 7>"$TMP/go"
	start_bpfscope "$name" filetop -o json -T 0 -p "$target" "$@" || exit 1
	echo go >&7
	exec 7>&-
	wait "$target"
	stop_bpfscope
}

go_target plain
rec=$(jq -c --arg f "$file" 'select(.file == $f)' "$TMP/plain.out")
[ "$(jq -r '[.pid, .comm, .writes, .wbytes, .reads, .rbytes, .type] | @tsv' <<<"$rec")" = \
	"$(printf '%s\tiodo\t31\t123456\t32\t123456\tR' "$target")" ]
ok $? "$file: 31 writes, 123456 bytes, 32 reads (last one at EOF) by $target (got: $rec)"
[ "$(jq -r .pid "$TMP/plain.out" | sort -u)" = "$target" ]
ok $? "-p: only $target"
! grep -q /dev/null "$TMP/plain.out"
ok $? "/dev/null (a device) not shown without -a"

go_target all -a
jq -se 'map(select(.file == "/dev/null" and .type == "C" and .reads == 1)) | length == 1' "$TMP/all.out" >/dev/null
ok $? "-a: the read of /dev/null is shown ($(jq -c 'select(.type == "C")' "$TMP/all.out"))"
# -i: counts are per interval. File A is written, then 1.5 s later file B;
# with -i 0.5 they are in different reports and A is not counted again.
rm -f "$TMP/go"
mkfifo "$TMP/go"
"$TARGETS/iodo" write "$file.A" 8192 sleep 1500 write "$file.B" 4096 <"$TMP/go" &
target=$!
_pids+=("$target")
exec 7>"$TMP/go"
start_bpfscope intervals filetop -i 0.5 -p "$target" || exit 1
echo go >&7
exec 7>&-
wait "$target"
sleep 0.6
stop_bpfscope
# report number (counting time lines) of each file's rows
awk -v a="$file.A" -v b="$file.B" '/^[0-9][0-9]:[0-9][0-9]:/ { n++ } $NF == a { ra = ra " " n } $NF == b { rb = rb " " n }
	END { print ra "|" rb }' "$TMP/intervals.out" >"$TMP/reports"
IFS='|' read -r ra rb <"$TMP/reports"
[ "$(wc -w <<<"$ra")" = 1 ] && [ "$(wc -w <<<"$rb")" = 1 ] && [ "$ra" -lt "$rb" ] &&
	grep -q "8192 R $file.A\$" "$TMP/intervals.out"
ok $? "-i 0.5: A and B each in one report, A earlier (reports of A|B: $(cat "$TMP/reports"))"
bad_input "bad sort key is one error line" "sort" filetop -s size
done_testing

#!/usr/bin/env bash
# pagefaults: a target writing to 300 new anonymous pages from touch_pages()
# faults 300 times there; writing 64 pages of a mapped file shows the file.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/stacky.bash"
plan 6

start_stacky anon fault 300 || exit 1
start_bpfscope stacks pagefaults -p "$STACKY_PID" --folded || exit 1
go_stacky
stop_bpfscope
end_stacky
n=$(awk '/;touch_pages;/ { n += $NF } END { print n + 0 }' "$TMP/stacks.out")
[ "$n" -ge 300 ] && [ "$n" -le 303 ]
ok $? "touch_pages: $n faults for 300 new pages"
grep -q 'touch_pages;.*exc_page_fault_\[k\]' "$TMP/stacks.out"
ok $? "kernel side of the fault, suffixed _[k]"

file="$TMP/mapped-$$.dat"
head -c $((64 * 4096)) /dev/zero >"$file"
start_stacky file fault 64 "$file" || exit 1
start_bpfscope files pagefaults -p "$STACKY_PID" --by-file -o json || exit 1
go_stacky
stop_bpfscope
end_stacky
# (jq 1.6 -e looks only at the last input's result: slurp)
jq -e -s --arg f "mapped-$$.dat" 'map(select(.file == $f)) | length == 1 and .[0].faults == 64' \
	"$TMP/files.out" >/dev/null
ok $? "--by-file: 64 faults on mapped-$$.dat"
jq -e -s 'all(.pid == '"$STACKY_PID"')' "$TMP/files.out" >/dev/null
ok $? "--by-file -p: only the target"

# negative: a process that touches nothing new
start_stacky idle sleep 0 0 || exit 1
"$BPFSCOPE" pagefaults -p "$STACKY_PID" --folded -d 0.5 >"$TMP/idle.out" 2>"$TMP/idle.err"
[ $? -eq 0 ] && [ ! -s "$TMP/idle.out" ]
ok $? "a blocked process has no page faults"
end_stacky
bad_input "--by-file with --folded" "no --folded or --svg" pagefaults --by-file --folded
done_testing

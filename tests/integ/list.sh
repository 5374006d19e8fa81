#!/usr/bin/env bash
# list: functions (with their uprobe site kind) of libc and of our target,
# demangled names, USDT probes and semaphores, tracepoints and their fields,
# -p resolution through a live process, a stripped library, bad input.
# Every expected value comes from an independent tool (nm, readelf, the
# tracefs format file) or from the target's own source.
source "$(dirname "$0")/lib.bash"
plan 24

T="$TARGETS/usdt_target"
hexnorm() { printf '0x%x' "$((16#${1#0x}))"; }

# ---- libc by short name ----
"$BPFSCOPE" list libc malloc -o json >"$TMP/libc.json" 2>"$TMP/libc.err"
ok $? "list libc malloc exits 0"
rec=$(grep -F '"function":"malloc"}' "$TMP/libc.json")
libc=$(ldconfig -p | awk '$1 == "libc.so.6" && /x86-64/ {print $NF; exit}')
want=$(hexnorm "$(nm -D --defined-only "$libc" | awk '$3 ~ /^malloc(@|$)/ {print $1; exit}')")
grep -qF "\"address\":\"$want\"," <<<"$rec"
ok $? "malloc found at nm's address $want (got: $rec)"
grep -qE '"size":[1-9][0-9]*,"site":"(emulated|single-step)","instruction":"[^"]+"' <<<"$rec"
ok $? "malloc: site kind, first instruction and size printed"

# ---- functions of a -g target: names, addresses, site kinds ----
"$BPFSCOPE" list "$T" 'lt_*' >"$TMP/lt.txt" 2>&1
ok $? "list usdt_target 'lt_*' exits 0"
addr_of() { hexnorm "$(nm "$T" | awk -v s="$1" '$3 == s {print $1}')"; }
row() { awk -v f="$1" '$NF == f' "$TMP/lt.txt"; }
row lt_emulated | grep -qE "^$(addr_of lt_emulated) .* emulated +push %rbx +lt_emulated$"
ok $? "lt_emulated: nm address, emulated, push %rbx ($(row lt_emulated))"
row lt_singlestep | grep -qE "^$(addr_of lt_singlestep) .* single-step +sub \\\$0x8,%rsp +lt_singlestep$"
ok $? "lt_singlestep: nm address, single-step, sub \$0x8,%rsp ($(row lt_singlestep))"
[ "$(grep -c ' lt_' "$TMP/lt.txt")" -eq 3 ] && row lt_compute | grep -q .
ok $? "exactly lt_compute, lt_emulated, lt_singlestep match 'lt_*'"

# ---- site kinds agree with the running kernel ----
# uprobe_kinds attaches a real uprobe to each k_* function and reports what
# the kernel did (XOL page mapped: single-step; none: emulated; ENOTSUPP:
# refused); list must have predicted the same for every one of them.
K="$TARGETS/uprobe_kinds"
"$K" >"$TMP/kernel.txt" 2>&1
"$BPFSCOPE" list "$K" 'k_*' | awk 'NR > 1 {print $NF, ($3 == "unknown" && / \(refused\) /) ? "refused" : $3}' |
	sort >"$TMP/predicted.txt"
sort "$TMP/kernel.txt" | diff "$TMP/predicted.txt" - >"$TMP/kinds.diff"
[ "$(wc -l <"$TMP/kernel.txt")" -ge 26 ] && [ ! -s "$TMP/kinds.diff" ] && ! grep -q error "$TMP/kernel.txt"
ok $? "list's site kind matches the kernel for $(wc -l <"$TMP/kernel.txt") first instructions ($(grep -c emulated "$TMP/kernel.txt") emulated, $(grep -c single-step "$TMP/kernel.txt") single-step, $(grep -c refused "$TMP/kernel.txt") refused)"
[ -s "$TMP/kinds.diff" ] && show "$TMP/kinds.diff"

# ---- C++ names: listed demangled, matched demangled or raw ----
"$BPFSCOPE" list "$T" 'Server::*' -o json >"$TMP/cxx.json" 2>&1
[ "$(grep -o '"function":"[^"]*"' "$TMP/cxx.json" | sort | tr '\n' ' ')" = \
	'"function":"Server::Connection::peer() const" "function":"Server::handle(int)" ' ]
ok $? "'Server::*' lists Server::handle(int) and Server::Connection::peer() const"
[ "$("$BPFSCOPE" list "$T" '_ZN6Server6handle*' -o json | grep -o '"function":"[^"]*"')" = '"function":"Server::handle(int)"' ]
ok $? "the raw mangled name matches too"

# ---- USDT ----
"$BPFSCOPE" list --usdt "$T" -o json >"$TMP/usdt.json" 2>&1
sem=$(hexnorm "$(nm "$T" | awk '$3 == "bpfscope_test_guarded_semaphore" {print $1}')")
grep -qE "\"provider\":\"bpfscope_test\",\"name\":\"guarded\",.*\"semaphore\":\"$sem\"" "$TMP/usdt.json"
ok $? "--usdt: bpfscope_test:guarded has the semaphore $sem"
grep -qE '"name":"plain",.*"semaphore":"0x0","args":"-4@[^ ]+ [^ ]+ [^ ]+"' "$TMP/usdt.json"
ok $? "--usdt: plain has no semaphore and 3 argument specs"
readelf -n "$T" | awk '/Location:/ {print $2}' | tr -d , | while read -r a; do hexnorm "$a"; echo; done |
	sort >"$TMP/usdt.want"
grep -o '"address":"[^"]*"' "$TMP/usdt.json" | cut -d'"' -f4 | sort >"$TMP/usdt.got"
cmp -s "$TMP/usdt.want" "$TMP/usdt.got"
ok $? "--usdt: probe addresses equal readelf's ($(tr '\n' ' ' <"$TMP/usdt.got"))"
"$BPFSCOPE" list --usdt "$T" 'bpfscope_test:g*' | grep -c bpfscope_test | grep -qx 1
ok $? "--usdt with a provider:name glob"

# ---- tracepoints ----
"$BPFSCOPE" list --tracepoints 'sched:sched_sw*' >"$TMP/tp.txt" 2>&1
grep -q '^sched:sched_switch ' "$TMP/tp.txt" &&
	[ "$(tail -n +2 "$TMP/tp.txt" | grep -cv '^sched:sched_sw')" -eq 0 ]
ok $? "--tracepoints 'sched:sched_sw*': sched_switch, nothing outside the glob"
"$BPFSCOPE" list --tracepoint sched:sched_switch -o json >"$TMP/ss.json" 2>&1
fmt=/sys/kernel/tracing/events/sched/sched_switch/format
off=$(grep -o 'pid_t prev_pid;[[:space:]]*offset:[0-9]*' "$fmt" | grep -o '[0-9]*$')
[ -n "$off" ] && grep -qF "{\"field\":\"prev_pid\",\"type\":\"pid_t\",\"offset\":$off,\"size\":4,\"signed\":true," "$TMP/ss.json"
ok $? "--tracepoint sched:sched_switch: prev_pid at offset $off as in the format file, signed, 4 bytes"
grep -qE '"field":"prev_comm","type":"char\[16\]",.*"kind":"char array"' "$TMP/ss.json" &&
	jq -e -s 'length == 7' "$TMP/ss.json" >/dev/null && ! grep -q common_ "$TMP/ss.json"
ok $? "prev_comm is a char[16] string; 7 fields, common_* left out"
"$BPFSCOPE" list --tracepoint sched:sched_process_exec -o json |
	grep -qF '"field":"filename","type":"__data_loc char[]",'"\"offset\":8,\"size\":4,\"signed\":false,\"kind\":\"string (__data_loc)\""
ok $? "__data_loc strings are shown as such (sched_process_exec filename)"

# ---- -p: the binary as the process sees it (through /proc/PID/root) ----
mkfifo "$TMP/go"
"$T" 1 <"$TMP/go" >"$TMP/target.out" &
tpid=$!
_pids+=("$tpid")
exec 7>"$TMP/go"
wait_for "$TMP/target.out" ready
"$BPFSCOPE" list -p "$tpid" usdt_target 'lt_single*' -o json >"$TMP/p.json" 2>&1
grep -qF "{\"address\":\"$(addr_of lt_singlestep)\"," "$TMP/p.json" && grep -qF '"function":"lt_singlestep"}' "$TMP/p.json" &&
	[ "$(wc -l <"$TMP/p.json")" -eq 1 ]
ok $? "-p $tpid resolves 'usdt_target' through the process's maps"
echo go >&7
exec 7>&-
wait "$tpid"

# ---- a stripped library: still listed from .dynsym, and said so ----
z=$(ldconfig -p | awk '$1 == "libz.so.1" && /x86-64/ {print $NF; exit}')
strip --strip-all -R .gnu_debuglink -R .note.gnu.build-id -o "$TMP/libz-stripped.so" "$z"
"$BPFSCOPE" list "$TMP/libz-stripped.so" 'inflate' >"$TMP/z.out" 2>"$TMP/z.err"
[ $? -eq 0 ] && grep -q ' inflate$' "$TMP/z.out" && grep -q 'is stripped' "$TMP/z.err"
ok $? "stripped libz copy: inflate listed from .dynsym, stderr says stripped"

# ---- bad input: one line, non-zero ----
bad_input "unknown library" "'libnosuch$$' not found" list "libnosuch$$"
bad_input "glob without a match" "no function matches 'zz_nomatch\*'" list "$T" 'zz_nomatch*'
bad_input "unknown tracepoint" "no tracepoint sched:nosuch" list --tracepoint sched:nosuch
bad_input "binary without USDT probes" "has no USDT probes" list --usdt "$TMP/libz-stripped.so"
done_testing

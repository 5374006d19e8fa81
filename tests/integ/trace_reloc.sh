#!/usr/bin/env bash
# Entry-probe relocation (src/probe/prologue.h) on tests/targets/reloc_target,
# whose functions start with single-stepped instructions: the probe moves to
# the first emulated instruction and the arguments read there are still the
# exact values the caller passed; functions that cannot be relocated keep
# their site and -v says why; --no-relocate keeps every site; sites the
# kernel mis-emulates are refused unless forced.
source "$(dirname "$0")/lib.bash"
plan 12

T="$TARGETS/reloc_target"
PROBES=("u:$T:rl_endbr { print(arg0, arg1) }"
	"u:$T:rl_movpush { print(arg0, arg1, arg2) }"
	"u:$T:rl_stack { print(arg0, arg1) }"
	"u:$T:rl_seven { print(arg0, arg6) }"
	"u:$T:rl_store { print(arg1) }"
	"u:$T:rl_jumpback { print(arg1) }")

# run NAME ROUNDS ARGS...: reloc_target under bpfscope trace -v -p
run() {
	local name=$1 rounds=$2
	shift 2
	start_gated "$name-t" "$T" wait "$rounds"
	local target=$GATED_PID
	start_bpfscope "$name" trace -v -o json -p "$target" "$@" || return 1
	release_gated "$name-t" "$target"
	sleep 0.2
	stop_bpfscope
}
# values FILE FUNC FIELD: the field of every event of FUNC, in order, one line
values() {
	jq -r --arg f ":$2" --arg k "$3" 'select(.probe | endswith($f)) | .fields[$k]' "$1" | paste -sd' '
}

run rel 3 "${PROBES[@]}"
grep -q "rl_endbr: moved +0x4 past endbr64" "$TMP/rel.err"
ok $? "rl_endbr: the probe moved past endbr64 to push %rbp (+0x4)"
grep -q "rl_movpush: moved +0x5 .*arg0=%rax" "$TMP/rel.err" &&
	grep -q "rl_stack: moved +0xd .*arg0=16(%rsp)" "$TMP/rel.err" &&
	grep -q "rl_seven: moved +0x4" "$TMP/rel.err"
ok $? "register moves and %rsp changes are followed (arg0 in %rax, at 16(%rsp))"
[ "$(values "$TMP/rel.out" rl_endbr arg0)" = "1001 1002 1003" ] &&
	[ "$(values "$TMP/rel.out" rl_endbr arg1)" = "2001 2002 2003" ]
ok $? "rl_endbr arguments exact (got $(values "$TMP/rel.out" rl_endbr arg0))"
[ "$(values "$TMP/rel.out" rl_movpush arg0)" = "3001 3002 3003" ] &&
	[ "$(values "$TMP/rel.out" rl_movpush arg1)" = "4001 4002 4003" ] &&
	[ "$(values "$TMP/rel.out" rl_movpush arg2)" = "5001 5002 5003" ]
ok $? "rl_movpush: arg0 read from the register it was moved to (got $(values "$TMP/rel.out" rl_movpush arg0))"
[ "$(values "$TMP/rel.out" rl_stack arg0)" = "6001 6002 6003" ] &&
	[ "$(values "$TMP/rel.out" rl_stack arg1)" = "7001 7002 7003" ]
ok $? "rl_stack: arg0 read from its stack slot (got $(values "$TMP/rel.out" rl_stack arg0))"
[ "$(values "$TMP/rel.out" rl_seven arg6)" = "17001 17002 17003" ] &&
	[ "$(values "$TMP/rel.out" rl_seven arg0)" = "11 11 11" ]
ok $? "rl_seven: the 7th (stack) argument exact (got $(values "$TMP/rel.out" rl_seven arg6))"
grep -q "rl_store: first instruction single-stepped; not moved: +0x0: mov %rsi,(%rdi) is a store outside the stack frame" "$TMP/rel.err" &&
	grep -q "rl_jumpback: first instruction single-stepped; not moved: a jump at +0x8 lands inside the prologue" "$TMP/rel.err"
ok $? "a store through a pointer and a jump into the prologue keep the original site, -v says why"
[ "$(values "$TMP/rel.out" rl_store arg1)" = "8001 8002 8003" ] &&
	[ "$(values "$TMP/rel.out" rl_jumpback arg1)" = "9001 9002 9003" ]
ok $? "unrelocated probes still fire once per call"

run norel 2 --no-relocate "${PROBES[0]}" "${PROBES[1]}"
grep -q "rl_endbr: first instruction single-stepped; --no-relocate" "$TMP/norel.err" &&
	! grep -q "moved" "$TMP/norel.err" &&
	[ "$(values "$TMP/norel.out" rl_movpush arg0)" = "3001 3002" ]
ok $? "--no-relocate keeps the original sites"

# the uprobe offset itself, as the kernel reports the perf event of the link
start_gated off-t "$T" wait 1
start_bpfscope off trace -p "$GATED_PID" "u:$T:rl_endbr { count() }"
got=$(bpftool perf list 2>/dev/null | awk -v p="$BPFSCOPE_PID" '$1 == "pid" && $2 == p && /uprobe/ { print $NF }')
sym=$(nm "$T" | awk '$3 == "rl_endbr" { print $1 }')
release_gated off-t "$GATED_PID"
stop_bpfscope
[ -n "$got" ] && [ "$got" -eq $((0x$sym + 4)) ]
ok $? "the kernel's uprobe sits at rl_endbr+4 (got offset $got, symbol 0x$sym)"

# refusal of a mis-emulated site
bad_input "a mis-emulated AVX site is refused" "would skip the first instruction (vzeroupper).*--force" trace "u:$TARGETS/uprobe_kinds:k_vzeroupper"
# return probes are never relocated
start_gated ret-t "$T" wait 2
start_bpfscope ret trace -v -p "$GATED_PID" "r:$T:rl_movpush { print(arg0, retval) }"
release_gated ret-t "$GATED_PID"
sleep 0.2
stop_bpfscope
! grep -q moved "$TMP/ret.err" && [ "$(grep -c 'arg0=300[12] retval=' "$TMP/ret.out")" -eq 2 ]
ok $? "return probes stay at the function's start"
done_testing

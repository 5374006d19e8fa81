#!/usr/bin/env bash
# crash on the programs of kernels without bpf_loop (Debian 11's 5.10;
# bpf/crash.bpf.h *_compat), forced here with BPFSCOPE_DISABLE_FEATURES: the
# user registers read from the top of the kernel stack, the signal and the
# ring of probe events must be what the preferred programs report. (The
# mappings come from the mm's list of mappings, which only kernels before
# 6.1 have: tests/kernel/guest.sh proves the unwound stack on 5.10.)
source "$(dirname "$0")/lib.bash"
plan 5

C=$TARGETS/crashy

# crash_once NAME DISABLED: one crash of crashy records 5 under bpfscope crash
crash_once() {
	BPFSCOPE_DISABLE_FEATURES=$2 start_bpfscope "$1" crash -v -o json -c crashy \
		"u:$C:process_record { print(r->id, r->len) }" || return 1
	(echo go | "$C" records 5 >/dev/null 2>&1) 2>/dev/null
	wait_for "$TMP/$1.out" '"SIGSEGV"' 200
	stop_bpfscope
	# what does not depend on the run: the signal, the registers that hold
	# the test's values (not addresses), the events' fields
	jq -c '[.signal, .code, .handler, (.registers | [.rbp, .rsi, .r12, .r13, .r15]),
		[.events[] | .fields]]' "$TMP/$1.out" >"$TMP/$1.norm"
}

crash_once pref ""
crash_once old bpf_loop,bpf_cookie,task_storage
grep -q '"SIGSEGV","SEGV_MAPERR (address not mapped)","default",\["0x3ed","0x40000000000","0x5"' "$TMP/pref.norm" &&
	grep -q '{"r->id":5,"r->len":4398046511104}' "$TMP/pref.norm"
ok $? "preferred programs: SIGSEGV, registers, the 6 events with the corrupted length" || show "$TMP/pref.norm"
grep -q 'crash recorder: registers from the kernel stack' "$TMP/old.err" &&
	grep -q 'crash_signal_compat: attached via raw_tp' "$TMP/old.err" && ! grep -q 'crash_signal: attached' "$TMP/old.err"
ok $? "with bpf_loop disabled: the *_compat programs, registers from the kernel stack"
[ -s "$TMP/old.norm" ] && cmp -s "$TMP/pref.norm" "$TMP/old.norm"
ok $? "same signal, registers and ring of events as the preferred programs" ||
	diff "$TMP/pref.norm" "$TMP/old.norm" | sed 's/^/# /'
# the stack copy (bounded loop) reached the same number of bytes above sp
[ "$(jq '.stack_bytes > 1000' "$TMP/old.out")" = true ]
ok $? "the user stack was copied in the bounded loop ($(jq .stack_bytes "$TMP/old.out") bytes)"
# no mappings list on this kernel: the report says where its mappings came from
jq -e '.maps_source | test("mappings read at the crash")' "$TMP/old.out" >/dev/null
ok $? "the report names where its mappings came from ($(jq -r .maps_source "$TMP/old.out"))"
done_testing

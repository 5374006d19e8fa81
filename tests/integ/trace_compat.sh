#!/usr/bin/env bash
# bpfscope trace on the fallbacks of kernels without bpf_loop, BPF cookies
# or task-local storage (Debian 11's 5.10; src/probe/compat.c), forced on
# this kernel with BPFSCOPE_DISABLE_FEATURES: the same probes must give the
# same values, counts and accounting as on the preferred path.
source "$(dirname "$0")/lib.bash"
plan 14

T="$TARGETS/trace_target"
U="$TARGETS/usdt_target"
ALL=bpf_loop,bpf_cookie,task_storage

# normalized NAME: what must not depend on the mechanism (no times, pids)
normalized() {
	jq -c 'if .fields then [.probe, .fields] else [.probe, .keys, .count] end' "$TMP/$1.out" | sort
	sed -n 's/^bpfscope: \(.*: [0-9]* hits, .*\)/\1/p' "$TMP/$1.err"
}

# uprobes: struct fields from DWARF, a paired uretprobe histogram, a
# predicate on the return value with entry arguments, longjmp (stale frames)
uprobes() {
	local name=$1
	start_gated "$name-t" taskset -c 0 "$T" wait 6
	local target=$GATED_PID
	BPFSCOPE_DISABLE_FEATURES=$2 start_bpfscope "$name" trace -v -o json -p "$target" \
		"u:$T:process_request { print(r->id, r->the_request, r->hostname) }" \
		"r:$T:recurse { hist(duration) }" \
		"r:$T:cache_fetch if retval == 0 { print(str(key->val, key->len), key->len, ttl) }" \
		"r:$T:jumpy" || return 1
	release_gated "$name-t" "$target"
	sleep 0.2
	stop_bpfscope
	normalized "$name" >"$TMP/$name.norm"
}

# USDT (-p: without cookies libbpf finds a spec by its absolute address)
usdt() {
	local name=$1
	start_gated "$name-t" "$U" 4
	local target=$GATED_PID
	BPFSCOPE_DISABLE_FEATURES=$2 start_bpfscope "$name" trace -v -o json -p "$target" \
		"usdt:$U:bpfscope_test:guarded { print(arg0, str(arg1)) }" \
		"usdt:$U:plain { print(arg0, arg1, str(arg2)) }" || return 1
	release_gated "$name-t" "$target"
	sleep 0.2
	stop_bpfscope
	normalized "$name" >"$TMP/$name.norm"
}

# tracepoint: a field read as a user string, a predicate on pid, count() by
tracepoint() {
	local name=$1 missing="/tmp/bpfscope-compat-missing-$$"
	BPFSCOPE_DISABLE_FEATURES=$2 start_bpfscope "$name" trace -v -o json \
		"t:syscalls:sys_enter_openat if pid == $$ { print(str(filename), flags) }" \
		"t:syscalls:sys_enter_openat if pid == $$ { count() by (str(filename)) }" || return 1
	for _ in 1 2 3; do : 2>/dev/null <"$missing"; done
	sleep 0.3
	stop_bpfscope
	normalized "$name" | grep -v ' hits' >"$TMP/$name.norm" # other pids hit the event
}

uprobes up ""
uprobes up_all "$ALL"
grep -q '"r->id":1,"r->the_request":"POST /item/1 HTTP/1.1","r->hostname":"host1.example"' "$TMP/up.norm" &&
	grep -q '"r:.*recurse",{},42\]' "$TMP/up.norm" && grep -q 'jumpy: 6 hits.* 3 emitted.* 3 stale' "$TMP/up.norm"
r=$?; ok $r "preferred path: fields, 42 paired returns, 3 stale frames (longjmp)"; [ $r -eq 0 ] || show "$TMP/up.norm" 20
grep -q 'probe engine: a program per probe, bounded loop, per-thread hash' "$TMP/up_all.err" &&
	grep -q 'probe_entry_c0: attached via uprobe' "$TMP/up_all.err" &&
	! grep -q 'probe_entry: attached' "$TMP/up_all.err"
ok $? "with $ALL disabled: per-probe programs, bounded loop, per-thread hash"
cmp -s "$TMP/up.norm" "$TMP/up_all.norm"
ok $? "uprobes: same fields, histogram count, predicate results and accounting" ||
	diff "$TMP/up.norm" "$TMP/up_all.norm" | head -20 | sed 's/^/# /'

for one in task_storage bpf_loop bpf_cookie; do
	uprobes "up_$one" "$one"
	cmp -s "$TMP/up.norm" "$TMP/up_$one.norm"
	ok $? "uprobes with only $one disabled: same values ($(grep -o 'probe engine: .*' "$TMP/up_$one.err"))"
done

usdt us ""
usdt us_all "$ALL"
grep -q '"arg0":3,"str(arg1)":"guarded-word"' "$TMP/us.norm" && grep -q '"arg0":-2,"arg1":2000' "$TMP/us.norm"
ok $? "preferred path: USDT arguments" || show "$TMP/us.norm"
cmp -s "$TMP/us.norm" "$TMP/us_all.norm"
ok $? "USDT: same arguments and accounting with $ALL disabled" ||
	diff "$TMP/us.norm" "$TMP/us_all.norm" | head | sed 's/^/# /'

tracepoint tp ""
tracepoint tp_all "$ALL"
grep -q "bpfscope-compat-missing-$$\"},3\]" "$TMP/tp.norm" && [ "$(grep -c 'missing' "$TMP/tp.norm")" -eq 4 ]
ok $? "preferred path: tracepoint fields and a count of 3" || show "$TMP/tp.norm"
cmp -s "$TMP/tp.norm" "$TMP/tp_all.norm"
ok $? "tracepoint: same fields and counts with $ALL disabled (two probes on one event)" ||
	diff "$TMP/tp.norm" "$TMP/tp_all.norm" | head | sed 's/^/# /'

# a thread that exits inside a return-probed call (spans_target chaos:
# /exit calls pthread_exit in handle_request; /longjmp leaves it too)
chaos() {
	local S=$TARGETS/spans_target
	start_gated "$1-t" "$S" 1 0 chaos
	local pid=$GATED_PID
	BPFSCOPE_DISABLE_FEATURES=$2 start_bpfscope "$1" trace -p "$pid" "r:$S:handle_request { count() }" || return 1
	release_gated "$1-t" "$pid"
	sleep 0.2
	stop_bpfscope
}
chaos ch ""
chaos ch_all "$ALL"
grep -q 'handle_request: 7 hits, .* 5 emitted, 0 dropped, 1 stale, 0 unpaired' "$TMP/ch.err" &&
	grep -q 'handle_request: 7 hits, .* 5 emitted, 0 dropped, 2 stale, 0 unpaired' "$TMP/ch_all.err"
ok $? "a frame left by an exiting thread: freed with task storage (1 stale: the longjmp), counted stale when the hash entry is deleted at exit (2)" ||
	{ show "$TMP/ch.err" 3; show "$TMP/ch_all.err" 3; }

# what the fallback cannot do: one line each
export BPFSCOPE_DISABLE_FEATURES=$ALL
bad_input "triggers are refused without cookies and bpf_loop" "triggers need BPF cookies (Linux 5.15+) and bpf_loop" \
	trace --trigger 'rate(p0) > 10 -> capture(p0, 1)' "u:$T:process_request"
many=()
for i in $(seq 1 17); do many+=("u:$T:process_request"); done
bad_input "more probes than program copies is refused" "at most 16 probes on a kernel without BPF cookies" trace "${many[@]}"
bad_input "USDT in a PIE without -p is refused without cookies" "USDT in a position-independent file needs -p PID" \
	trace "usdt:$U:plain"
unset BPFSCOPE_DISABLE_FEATURES
done_testing

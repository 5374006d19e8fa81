#!/usr/bin/env bash
# Mechanism fallback chosen from the feature table: BPFSCOPE_DISABLE_FEATURES
# makes a feature count as missing, the loader then picks the next mechanism
# (or says in one line that there is none). make kernel-test runs the same
# comparison on kernels that have fentry and kprobes.
source "$(dirname "$0")/lib.bash"
plan 7

BPFSCOPE_DISABLE_FEATURES=tp_btf,uprobe "$BPFSCOPE" features >"$TMP/f.out" 2>&1
grep -q '^tp_btf .* no .*disabled by BPFSCOPE_DISABLE_FEATURES' "$TMP/f.out" &&
	grep -q '^uprobe .* no .*disabled by' "$TMP/f.out" && grep -q '^raw_tp .* yes' "$TMP/f.out"
ok $? "features: listed features reported as disabled, the others probed"

"$TARGETS/spin" 4 3 &
_pids+=($!)
BPFSCOPE_DISABLE_FEATURES=tp_btf "$BPFSCOPE" runqlat -v -o json -d 1 >"$TMP/rq.json" 2>"$TMP/rq.err"
grep -q 'sched_switch__raw_tp: attached via raw_tp' "$TMP/rq.err" && ! grep -q 'via tp_btf' "$TMP/rq.err"
ok $? "runqlat without tp_btf: every handler attached via raw_tp"
count=$(jq -s '[.[].hist.count] | add // 0' "$TMP/rq.json")
[ "$count" -gt 10 ]
ok $? "runqlat raw_tp path: $count run-queue samples"

BPFSCOPE_DISABLE_FEATURES=tp_btf,raw_tp bad_input "runqlat with neither tp_btf nor raw_tp: one error line" \
	"no way to attach 'sched_wakeup' on this kernel" runqlat -d 1
BPFSCOPE_DISABLE_FEATURES=tracepoint,fentry bad_input "opensnoop with neither fentry nor tracepoints: one error line" \
	"no way to attach 'open' on this kernel" opensnoop -d 1
# trace without bpf_loop or cookies (Debian 11's 5.10) runs on its
# fallbacks (tests/integ/trace_compat.sh compares their values)
for f in bpf_loop bpf_cookie; do
	BPFSCOPE_DISABLE_FEATURES=$f timeout 30 "$BPFSCOPE" trace -v -d 1 -o json 't:sched:sched_switch { count() }' \
		>"$TMP/t.out" 2>"$TMP/t.err"
	[ $? -eq 0 ] && grep -q 'probe engine: a program per probe, bounded loop' "$TMP/t.err" &&
		[ "$(jq -s '[.[].count] | add // 0' "$TMP/t.out")" -gt 0 ]
	ok $? "trace without $f: the fallback programs count sched_switch ($(jq -s '[.[].count] | add' "$TMP/t.out"))"
done
done_testing

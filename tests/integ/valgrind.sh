#!/usr/bin/env bash
# Memcheck: the user-space paths (listing, DWARF and type packs, the probe
# compiler and its error paths, flame graphs) with full checking; commands
# that load BPF with uninitialised-value tracking off, because valgrind does
# not know which bytes the bpf syscall writes (see tests/valgrind.supp).
# Any invalid read/write, use after free or definite leak fails the check.
source "$(dirname "$0")/lib.bash"
command -v valgrind >/dev/null || { echo "1..0 # SKIP valgrind not installed"; exit 0; }
[ "${BUILD:-build}" = build ] || { echo "1..0 # SKIP sanitizer build (ASan and valgrind exclude each other)"; exit 0; }
plan 10

SUPP=$(dirname "$0")/../valgrind.supp
T=$TARGETS/trace_target
vg() { # name [memcheck options] -- bpfscope args: exit 99 on any error
	local name=$1
	shift
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	valgrind -q --suppressions="$SUPP" --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite "${opts[@]}" "$BPFSCOPE" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err"
}
clean() { # name expected-exit: exit status as expected and no valgrind report
	local st=$2
	[ "$st" -ne 99 ] && ! grep -q '^==[0-9]*==' "$TMP/$1.err" || { show "$TMP/$1.err" 30; return 1; }
}

vg list -- list "$T" '*'
clean list $?
ok $? "list functions of a binary (ELF symbols, site decoding)"
vg usdt -- list -u "$TARGETS/usdt_target"
clean usdt $?
ok $? "list -u (USDT notes)"
vg tps -- list -T sched:sched_switch
clean tps $?
ok $? "list -T (tracepoint format parsing)"
vg dbg -- types show "$TARGETS/typed.stripped" --debug-dir "$TARGETS" request
clean dbg $?
ok $? "types show through a separate debug file (DWARF)"
printf 'main;a;b 3\nmain;a;c 2\nmain;<d&> 1\n' >"$TMP/f.folded"
vg fg -- flamegraph "$TMP/f.folded"
clean fg $?
ok $? "flamegraph (folded parser, SVG writer)"
vg bad -- trace "u:$T:cache_fetch { print(arg0->nosuch) }"
st=$?
[ "$st" -ne 0 ] && clean bad "$st"
ok $? "compiler error path (unknown field) fails cleanly"
vg syn -- trace 'u:x:y { print(arg0 }'
st=$?
[ "$st" -ne 0 ] && clean syn "$st"
ok $? "parser error path (syntax) fails cleanly"

# BPF-loading commands: addressability and leaks only
start_gated tgt "$T" wait 20
vg trace --undef-value-errors=no -- trace -d 4 -p "$GATED_PID" \
	"u:$T:cache_fetch { print(str(arg0->val)) }" "r:$T:cache_fetch { hist(duration) }" &
vpid=$!
_pids+=("$vpid")
wait_for "$TMP/trace.err" 'tracing, Ctrl-C' 400
release_gated tgt "$GATED_PID"
wait "$vpid"
clean trace $?
ok $? "trace with per-event strings and a paired histogram" 
grep -q 'cache_fetch: 20 hits' "$TMP/trace.err"
ok $? "and it traced the 20 calls under valgrind" || show "$TMP/trace.err"
vg runq --undef-value-errors=no -- runqlat -d 1 -i 0.5
clean runq $?
ok $? "runqlat (per-CPU map drain, histograms)"
done_testing

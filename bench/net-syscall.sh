#!/usr/bin/env bash
# bench/net-syscall.sh [ROUNDS]: what `bpfscope net` adds to one UDP send +
# receive (ns per call pair, bench/sendloop on loopback in a namespace of
# its own, one thread, best of 5 runs per measurement), against:
#   base    nothing attached
#   bare    empty programs on the same 20 syscall tracepoints (bench/
#           bare_syscalls): the kernel's tracepoint dispatch, the floor of any
#           tool that timestamps send and receive calls this way
#   direct  `bpfscope net -i lo` with its direct programs (6.2+)
#   compat  the same, BPFSCOPE_DISABLE_FEATURES=rdonly_cast
# Modes alternate within each round; each ratio divides by the base of the
# same round; the table gives medians over the rounds.
#   usage: bench/net-syscall.sh [ROUNDS]   (root; make bench-bins first)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BPFSCOPE=$PWD/$BUILD/bpfscope
ROUNDS=${1:-5}
NS=bpfscope-bench-$$
TMP=$(mktemp -d /tmp/bpfscope-bench.XXXXXX)
tracer=
trap '[ -n "$tracer" ] && kill -INT $tracer 2>/dev/null; wait; ip netns del $NS; rm -rf "$TMP"' EXIT
ip netns add $NS && ip -n $NS link set lo up || exit 1

start() { # MODE: the tracer of this mode, running when it returns
	case $1 in
	base) tracer= ; return ;;
	bare) "$BUILD/bench/bare_syscalls" 2>"$TMP/err" & ;; # tracepoints are global
	direct) ip netns exec $NS "$BPFSCOPE" net -v -i lo >/dev/null 2>"$TMP/err" & ;;
	compat) BPFSCOPE_DISABLE_FEATURES=rdonly_cast ip netns exec $NS "$BPFSCOPE" net -v -i lo \
		>/dev/null 2>"$TMP/err" & ;;
	esac
	tracer=$!
	for _ in $(seq 1 100); do grep -qE '^attached|tracing' "$TMP/err" && break; sleep 0.05; done
	grep -qE '^attached|tracing' "$TMP/err" || { echo "$1 did not start: $(cat "$TMP/err")" >&2; exit 1; }
	case $1 in direct | compat) grep -q "net: $1 " "$TMP/err" ||
		{ echo "$1: the $1 syscall programs did not load" >&2; exit 1; } ;;
	esac
}
stop() { [ -n "$tracer" ] && kill -INT $tracer && wait $tracer; tracer=; }

MODES="base bare direct compat"
for r in $(seq 1 "$ROUNDS"); do
	line="# round $r:"
	for m in $MODES; do
		start $m
		ns=$(ip netns exec $NS "$BUILD/bench/sendloop" 200000) || exit 1
		stop
		echo "$m $r $ns" >>"$TMP/all"
		line+=" $m $ns"
	done
	echo "$line" >&2
done
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%d\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| mode | ns per send + receive (median of $ROUNDS) | added ns | ratio to base (median of rounds) |"
echo "| --- | ---: | ---: | ---: |"
base=$(awk '$1 == "base" { print $3 }' "$TMP/all" | median)
for m in $MODES; do
	med=$(awk -v m=$m '$1 == m { print $3 }' "$TMP/all" | median)
	ratio=$(awk -v m=$m '$1 == "base" { b[$2] = $3 } $1 == m { v[$2] = $3 } END { for (r in v) printf "%.3f\n", v[r] / b[r] }' "$TMP/all" |
		sort -g | awk '{ v[NR] = $1 } END { printf "%.3f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
	echo "| $m | $med | $((med - base)) | $ratio |"
done

# Helpers of the fast-path tests (trace_fast.sh, trace_fast_modes.sh): run
# a workload under bpfscope trace with the fast path or with the generic
# interpreter forced, and read the results back in probe order.
N="$TARGETS/naps" T="$TARGETS/trace_target" B="$TARGETS/burst"
MODES="fast generic"

# traced MODE NAME TARGET-ARGS -- BPFSCOPE-ARGS...: a gated target (on CPU 0)
# under bpfscope trace -v -o json -p; output in $TMP/NAME-MODE.out/.err
traced() {
	local mode=$1 name=$2-$1 targs=()
	shift 2
	while [ "$1" != -- ]; do targs+=("$1"); shift; done
	shift
	start_gated "$name-t" taskset -c 0 "${targs[@]}"
	local target=$GATED_PID
	if [ "$mode" = generic ]; then export BPFSCOPE_PROBE_GENERIC=1; fi
	start_bpfscope "$name" trace -v -o json -p "$target" "$@"
	local rc=$?
	unset BPFSCOPE_PROBE_GENERIC
	[ $rc = 0 ] || return 1
	release_gated "$name-t" "$target"
	sleep 0.2
	stop_bpfscope
}
# summary NAME [N]: the exit accounting lines (line N: of probe pN-1)
summary() { grep '^bpfscope: [ur]:' "$TMP/$1.err" | sed "s|$TARGETS/||" | sed -n "${2:-1,\$}p"; }
# aggs NAME [N]: count and buckets of each aggregation, in probe order (one
# line each: no keys), or of the Nth only
aggs() {
	jq -c '[.count, (.hist.buckets // [] | map([.low, .count]))]' "$TMP/$1.out" | sed -n "${2:-1,\$}p"
}


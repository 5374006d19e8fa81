#!/usr/bin/env bash
# bench/stream.sh: event streaming. How many per-event records per second
# reach user space, what the consumer's CPU costs per event, and that drops
# are counted exactly when the producers outrun it (delivered + dropped =
# calls). Written to bench/RESULTS-stream.md.
#
#   usage: BUILD=build bench/stream.sh   (root, after make test-bins)
#   knobs: REPS (3) SECS (2, producer loop length) OUT
#
# The target calls a traced function in a tight loop for SECS seconds
# (tests/targets/trace_target loop). Ratios against the untraced loop of
# the same repetition, min and median over REPS: this machine is noisy.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BS=$PWD/$BUILD/bpfscope
T=$PWD/$BUILD/targets/trace_target
REPS=${REPS:-3} SECS=${SECS:-2}
OUT=${OUT:-bench/RESULTS-stream.md}
TMP=$(mktemp -d /tmp/bpfscope-stream.$$.XXXXXX)
trap 'pkill -INT -f "$TMP/marker" 2>/dev/null; rm -rf "$TMP"' EXIT
[ -x "$BS" ] && [ -x "$T" ] || { echo "stream: build first (make test-bins)" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' /proc/"$1"/stat 2>/dev/null || echo 0; }
loop_calls() { taskset -c "$1" "$T" loop "$SECS" | awk '/^calls/ {print $2}'; }

# one measurement: MODE (one: 1 producer on CPU 0, tracer on CPU 1; two: a
# producer on each CPU), prints "calls hits emitted dropped delivered cpu_ms"
measure() {
	local mode=$1 pid calls=0 c t0 t1 line
	rm -f "$TMP/ev.err" # the marker of the previous run must not count
	if [ "$mode" = stalled ]; then
		# a consumer whose output nobody reads until the producer is done
		rm -f "$TMP/gate" && mkfifo "$TMP/gate"
		taskset -c 1 "$BS" trace -o json "u:$T:cache_fetch { print(arg1) }" --strsize 8 \
			2>"$TMP/ev.err" | { read -r _ <"$TMP/gate"; cat >"$TMP/ev.out"; } &
		for _ in $(seq 1 100); do pid=$(pgrep -n -f "json u:$T:cache_fetch") && break; sleep 0.05; done
	else
		taskset -c 1 "$BS" trace -o json "u:$T:cache_fetch { print(arg1) }" --strsize 8 \
			>"$TMP/ev.out" 2>"$TMP/ev.err" &
		pid=$!
	fi
	for _ in $(seq 1 600); do grep -q 'tracing, Ctrl-C' "$TMP/ev.err" && break; sleep 0.05; done
	t0=$(cpu_ticks "$pid")
	if [ "$mode" != two ]; then
		calls=$(loop_calls 0)
	else
		loop_calls 1 >"$TMP/c1" &
		c=$(loop_calls 0)
		wait $!
		calls=$((c + $(cat "$TMP/c1")))
	fi
	sleep 0.3 # the last 10 ms drain
	t1=$(cpu_ticks "$pid")
	[ "$mode" = stalled ] && echo go >"$TMP/gate"
	kill -INT "$pid"
	for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	wait
	line=$(grep 'cache_fetch:' "$TMP/ev.err")
	num() { echo "$line" | grep -oE "[0-9]+ $1" | awk '{print $1}'; }
	echo "$calls $(num hits) $(num emitted) $(num dropped) $(wc -l <"$TMP/ev.out") $(((t1 - t0) * 1000 / $(getconf CLK_TCK)))"
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
minimum() { sort -n | head -1; }

: >"$TMP/one"
: >"$TMP/two"
: >"$TMP/base"
: >"$TMP/stalled"
for r in $(seq 1 "$REPS"); do
	echo "stream: repetition $r/$REPS" >&2
	loop_calls 0 >>"$TMP/base"
	measure one >>"$TMP/one"
	measure two >>"$TMP/two"
	measure stalled >>"$TMP/stalled"
done

summarize() { # file: rate/s, slowdown, consumer cpu us/event, drops, exactness
	local f=$1 base_med
	base_med=$(median <"$TMP/base")
	awk -v secs="$SECS" -v base="$base_med" '
	{ calls = $1; hits = $2; em = $3; dr = $4; dl = $5; cpu = $6
	  rate[NR] = dl / secs; slow[NR] = 1e6 * secs / (calls ? calls : 1) - 1e6 * secs / base
	  us[NR] = dl ? cpu * 1000 / dl : 0; drop[NR] = hits ? 100 * dr / hits : 0
	  exact = exact && (hits == calls) && (em + dr == hits) && (dl == em) }
	BEGIN { exact = 1 }
	END { n = asort(rate); asort(slow); asort(us); asort(drop); m = int((n + 1) / 2)
	  printf "| %.0f | %.0f | %.1f | %.2f | %.1f%% | %s |\n", rate[n], rate[m], slow[m], us[m], drop[m], exact ? "yes" : "NO" }' "$f"
}

{
	echo "# Event streaming"
	echo
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -r), $(nproc) CPUs, by"
	echo "\`BUILD=$BUILD bench/stream.sh\` (REPS=$REPS, SECS=$SECS). A target calls a traced"
	echo "function in a tight loop; \`trace -o json 'u:...:cache_fetch { print(arg1) }'\` writes"
	echo "one JSON line per call to a file. Untraced loop: median $(median <"$TMP/base") calls in ${SECS} s."
	echo
	echo "| producers | delivered/s max | delivered/s median | added cost per traced call, µs (median) | consumer CPU µs/event | dropped (median) | hits = calls, emitted + dropped = hits, lines = emitted |"
	echo "|---|---|---|---|---|---|---|"
	printf "| 1 (CPU 0; tracer on CPU 1) "
	summarize "$TMP/one"
	printf "| 2 (both CPUs, tracer shares them) "
	summarize "$TMP/two"
	printf "| 1, consumer stalled (stdout not read) "
	summarize "$TMP/stalled"
	echo
	echo "Raw runs (calls hits emitted dropped delivered consumer-cpu-ms):"
	echo
	echo '```'
	sed 's/^/one: /' "$TMP/one"
	sed 's/^/two: /' "$TMP/two"
	sed 's/^/stalled: /' "$TMP/stalled"
	echo '```'
	echo
	echo "Reading: the added cost is what each traced call costs the traced program"
	echo "(SECS/calls traced - SECS/calls untraced). cache_fetch's first instruction is"
	echo "single-stepped by the kernel (see \`bpfscope list\`), so the trap, not the consumer,"
	echo "limits the rate: a free consumer keeps up with no drop. A stalled consumer"
	echo "(nobody reads its output) makes the ring overflow: the kernel drops records"
	echo "and counts each one, and the producer is never blocked. The last column checks"
	echo "the accounting identity of every run."
} >"$OUT"
cat "$OUT"

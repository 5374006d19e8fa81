#!/usr/bin/env bash
# bench/progstats.sh: BPF run time per call of each tracer's programs
# (kernel.bpf_stats_enabled: run_time_ns / run_cnt per program), for the
# histogram of bench/run.sh part 1 on work_emul: the bare uprobe+uretprobe
# pair, bpftrace, bpfscope (fast path) and bpfscope with the generic
# interpreter forced (BPFSCOPE_PROBE_GENERIC=1), in one run.
#
#   usage: BUILD=build bench/progstats.sh [ROUNDS (3)] [SECS (1)]
#
# Programs are found through the tracer's own bpf-prog file descriptors
# (fdinfo prog_id): other developers' programs of the same name are never
# counted. bpf_stats adds its own clock reads to every program run; the
# figures compare programs measured the same way. The sysctl is set back to
# its previous value at exit.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$PWD/$BUILD ;; esac
BS=$B/bpfscope CALLEE=$B/bench/callee BARE=$B/bench/bare_uprobe
ROUNDS=${1:-3} SECS=${2:-1}
TMP=$(mktemp -d /tmp/bpfscope-progstats.$$.XXXXXX)
OLD=$(sysctl -n kernel.bpf_stats_enabled)
PID=
cleanup() {
	[ -n "$PID" ] && kill -INT "$PID" 2>/dev/null && sleep 0.5
	sysctl -qw kernel.bpf_stats_enabled="$OLD"
	rm -rf "$TMP"
}
trap cleanup EXIT
FE="$CALLEE:work_emul"
declare -A CMD=(
	[bare]="$BARE $CALLEE work_emul"
	[bpftrace]="bpftrace -e 'BEGIN { printf(\"ready\\n\"); } uprobe:$FE { @s[tid] = nsecs; } uretprobe:$FE /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }'"
	[bpfscope]="$BS trace 'r:$FE { hist(duration) }'"
	[generic]="env BPFSCOPE_PROBE_GENERIC=1 $BS trace 'r:$FE { hist(duration) }'"
)
declare -A MARK=([bare]=attached [bpftrace]=ready [bpfscope]="tracing, Ctrl-C" [generic]="tracing, Ctrl-C")

# prog_ids PID: the ids of the BPF programs PID holds open
prog_ids() {
	for fd in /proc/$1/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:bpf-prog" ] || continue
		awk '/^prog_id/ { print $2 }' "/proc/$1/fdinfo/${fd##*/}"
	done | sort -un
}

sysctl -qw kernel.bpf_stats_enabled=1
for round in $(seq 1 "$ROUNDS"); do
	for mode in bare bpftrace bpfscope generic; do
		# exec all the way down: $! is the tracer's own pid
		taskset -c 1 bash -c "exec ${CMD[$mode]}" >"$TMP/out" 2>"$TMP/err" &
		PID=$!
		for _ in $(seq 1 600); do
			grep -qs -- "${MARK[$mode]}" "$TMP/out" "$TMP/err" && break
			sleep 0.05
		done
		calls=$(taskset -c 0 "$CALLEE" emul "$SECS" | awk '{ print $3 }')
		for id in $(prog_ids "$PID"); do
			bpftool prog show id "$id" -j 2>/dev/null
			echo
		done | python3 -c '
import json, sys
seen = {}
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    p = json.loads(line)
    name = p.get("name", "?")
    seen[name] = seen.get(name, 0) + 1
    if seen[name] > 1:  # bpftrace names entry and return after the function
        name += "#%d" % seen[name]
    if p.get("run_cnt"):
        print(name, p["run_cnt"], p["run_time_ns"], "%.1f" % (p["run_time_ns"] / p["run_cnt"]))
' | sed "s/^/$mode $round /" | tee -a "$TMP/all" >&2
		kill -INT "$PID" 2>/dev/null
		wait 2>/dev/null
		PID=
		echo "$mode $round calls $calls" >&2
	done
done
echo "# mode program: min / median ns per run over $ROUNDS rounds"
sort -k1,1 -k3,3 -k6,6g "$TMP/all" | awk '
	function flush() { if (n) printf "%-9s %-24s %6.1f / %6.1f ns (run_cnt %s)\n", m, p, v[1], (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2), c; n = 0 }
	{ k = $1 " " $3; if (k != key) { flush(); key = k; m = $1; p = $3 } v[++n] = $6; c = $4 }
	END { flush() }'

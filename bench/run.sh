#!/usr/bin/env bash
# bench/run.sh: what bpfscope costs, side by side with a bare BPF
# uprobe+uretprobe pair and bpftrace, in one run, written to bench/RESULTS.md.
#
#   usage: make bench      (root; or BUILD=build bench/run.sh after make)
#   knobs: REPS (5) SECS (0.5, per measurement) DUTY_SECS (3) ATTACH_REPS (2)
#          OUT (bench/RESULTS.md)
#
# The machine is noisy and shared (2 CPUs, other developers' builds), so
# every figure is a ratio against a baseline measured in the same run, the
# modes are interleaved inside each repetition, and min and median are kept.
# The traced target runs on CPU 0, the tracer on CPU 1.
#
# Parts: 1. per-call cost of a traced function (emulated and single-stepped
# first instruction; 1b. a single-stepped site with and without entry-probe
# relocation); 2. attach time and time to first event (2b. discover on
# 1,000 functions); 3. memory (VmHWM, BPF map memlock); 4. binary size and ldd.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BS=$PWD/$BUILD/bpfscope
CALLEE=$PWD/$BUILD/bench/callee
BARE=$PWD/$BUILD/bench/bare_uprobe
REPS=${REPS:-5} SECS=${SECS:-0.5} DUTY_SECS=${DUTY_SECS:-3} ATTACH_REPS=${ATTACH_REPS:-2}
OUT=${OUT:-bench/RESULTS.md}
TMP=$(mktemp -d /tmp/bpfscope-bench.$$.XXXXXX)
TRACER_PID=
MANY_PID=
cleanup() {
	[ -n "$TRACER_PID" ] && kill -INT "$TRACER_PID" 2>/dev/null
	[ -n "$MANY_PID" ] && kill "$MANY_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
for f in "$BS" "$CALLEE" "$BARE"; do
	[ -x "$f" ] || { echo "bench: $f missing: run make bench" >&2; exit 1; }
done
command -v bpftrace >/dev/null || { echo "bench: bpftrace not installed" >&2; exit 1; }
ulimit -l unlimited 2>/dev/null

now_ns() { date +%s%N; }
log() { echo "bench: $*" >&2; }

# tracer_start NAME MARKER CMD...: starts CMD on CPU 1 (stdout in
# $TMP/NAME.out, stderr in $TMP/NAME.err) and waits (60 s at most) until
# MARKER appears in either: the tracer has attached.
tracer_start() {
	local name=$1 marker=$2 out=$TMP/$1.out
	shift 2
	[ "$name" = print ] && out=/dev/null # per-event output: its cost, not the file's
	# the previous run's files hold the marker: the shell may poll before
	# the background redirection truncates them
	rm -f "$TMP/$name.out" "$TMP/$name.err"
	taskset -c 1 "$@" >"$out" 2>"$TMP/$name.err" &
	TRACER_PID=$!
	for _ in $(seq 1 1200); do
		grep -qs -- "$marker" "$TMP/$name.out" "$TMP/$name.err" && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	log "$name did not start:"
	cat "$TMP/$name.err" >&2
	return 1
}

# tracer_stop [SECONDS]: SIGINT, bounded wait (20 s), then SIGKILL. The
# kernel detaches uprobes in the exit path, so a killed tracer may still
# take long to go: it is left to finish exiting on its own (returns 1).
tracer_stop() {
	kill -INT "$TRACER_PID" 2>/dev/null
	for _ in $(seq 1 $((${1:-20} * 20))); do
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$TRACER_PID" 2>/dev/null; then
		kill -KILL "$TRACER_PID" 2>/dev/null
		log "tracer $TRACER_PID killed after ${1:-20} s; it exits in the background"
		TRACER_PID=
		return 1
	fi
	wait "$TRACER_PID" 2>/dev/null
	TRACER_PID=
}

# ---------------------------------------------------------------- part 1
FE="$CALLEE:work_emul" FS="$CALLEE:work_step"
BT_ENTRY="uprobe:$FE,uprobe:$FS"
BT_RET="uretprobe:$FE,uretprobe:$FS"
BT_PROG="BEGIN { printf(\"ready\\n\"); } $BT_ENTRY { @s[tid] = nsecs; } $BT_RET /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }"
BT_EMPTY="BEGIN { printf(\"ready\\n\"); } $BT_ENTRY { } $BT_RET { }"
MODES="none bare_entry bare bt_empty bpftrace hist hist_generic count print sample duty"
declare -A CMD MARK
CMD[bare]="$BARE $CALLEE work_emul work_step"
MARK[bare]=attached
CMD[bare_entry]="$BARE -e $CALLEE work_emul work_step"
MARK[bare_entry]=attached
CMD[bt_empty]="bpftrace -e '$BT_EMPTY'"
MARK[bt_empty]=ready
CMD[bpftrace]="bpftrace -e '$BT_PROG'"
MARK[bpftrace]=ready
for m in hist hist_generic count print sample duty; do MARK[$m]="tracing, Ctrl-C"; done
CMD[hist]="$BS trace 'r:$FE { hist(duration) }' 'r:$FS { hist(duration) }'"
# the same probes with the generic interpreter forced (docs/probe-language.md, "Cost")
CMD[hist_generic]="env BPFSCOPE_PROBE_GENERIC=1 $BS trace 'r:$FE { hist(duration) }' 'r:$FS { hist(duration) }'"
CMD[count]="$BS trace 'u:$FE { count() }' 'u:$FS { count() }'"
CMD[print]="$BS trace 'u:$FE { print(arg0, arg1) }' 'u:$FS { print(arg0, arg1) }'"
CMD[sample]="$BS trace --sample 100 'r:$FE { hist(duration) }' 'r:$FS { hist(duration) }'"
CMD[duty]="$BS trace --duty 0.1/1 'r:$FE { hist(duration) }' 'r:$FS { hist(duration) }'"
declare -A LABEL=(
	[none]="no probe"
	[bare_entry]="bare uprobe only (bench/bare_uprobe -e, empty BPF program): baseline for entry-only modes"
	[bare]="bare uprobe+uretprobe (bench/bare_uprobe, empty BPF programs)"
	[bt_empty]="bpftrace, empty uprobe+uretprobe actions"
	[bpftrace]="bpftrace, same histogram (@s[tid] / hist / delete)"
	[hist]="bpfscope trace r: { hist(duration) } (fast path)"
	[hist_generic]="same, BPFSCOPE_PROBE_GENERIC=1 (generic interpreter)"
	[count]="bpfscope trace u: { count() }"
	[print]="bpfscope trace u: { print(arg0, arg1) } > /dev/null"
	[sample]="bpfscope trace --sample 100 r: { hist(duration) }"
	[duty]="bpfscope trace --duty 0.1/1 r: { hist(duration) }"
)

# run_callee MODE REP: both sites under the running tracer (or none)
run_callee() {
	local mode=$1 rep=$2 secs=$SECS site res
	[ "$mode" = duty ] && secs=$DUTY_SECS
	for site in emul step; do
		res=$(taskset -c 0 "$CALLEE" $site "$secs") || return 1
		echo "$mode $site $rep $res" >>"$TMP/percall"
	done
}

percall() {
	local rep mode i
	: >"$TMP/percall"
	local modes=($MODES)
	for rep in $(seq 1 "$REPS"); do
		# rotate the order each repetition: no mode always follows the same one
		for i in "${!modes[@]}"; do
			mode=${modes[$(((i + rep - 1) % ${#modes[@]}))]}
			log "per-call rep $rep/$REPS: $mode"
			if [ "$mode" = none ]; then
				run_callee none "$rep"
				continue
			fi
			eval "tracer_start $mode '${MARK[$mode]}' ${CMD[$mode]}" || return 1
			run_callee "$mode" "$rep"
			tracer_stop
			# keep bpfscope's exit accounting (hits, drops) of the last rep
			[ "$rep" = "$REPS" ] && cp "$TMP/$mode.err" "$TMP/$mode.summary"
			rm -f "$TMP/$mode.out"
		done
	done
}

# stats FILE COL: "mode site min median" of column COL of "mode site rep ..." lines
stats() {
	sort -k1,1 -k2,2 -k"$2,$2"g "$1" | awk -v c="$2" '
		function flush() { if (n) { med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			print key, v[1], med } n = 0 }
		{ k = $1 " " $2; if (k != key) { flush(); key = k } v[++n] = $c }
		END { flush() }'
}

# paired MODE BASE SITE COL: MODE's ns/call (column COL: 4 wall, 5 CPU) over
# BASE's in the same repetition (measured seconds apart, so load changes
# cancel better), as "min / median"
paired() {
	awk -v m="$1" -v b="$2" -v s="$3" -v c="$4" '$2 == s && $1 == m { x[$3] = $c } $2 == s && $1 == b { y[$3] = $c }
		END { for (r in x) if (y[r] > 0) print x[r] / y[r] }' "$TMP/percall" | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit } m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f / %.2f", v[1], m }'
}
goal() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "-" && r <= g) ? "met" : "NOT met" }'; }

# percall_table COL: the tables of one measure (4: wall, 5: CPU time)
percall_table() {
	local st col=$1
	st=$(stats "$TMP/percall" "$col")
	val() { awk -v m="$1" -v s="$2" -v c="$3" '$1 == m && $2 == s { print $c }' <<<"$st"; }
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
	for site in emul step; do
		if [ $site = emul ]; then
			echo "### work_emul: first instruction emulated (push %rbp), $MEASURE"
		else
			echo "### work_step: first instruction single-stepped (mov %rdi,-0x8(%rsp)), $MEASURE"
		fi
		echo
		echo "ns/call over $REPS repetitions; \"added\" is median minus the no-probe median; \"vs\""
		echo "columns divide medians of added cost (ratio of mins in brackets); \"per-rep\" columns divide"
		echo "each repetition's ns/call by the baseline's of the same repetition, then take min and median."
		echo
		echo "| mode | min ns/call | median ns/call | added ns | vs bare pair | vs bpftrace | per-rep / bare, min / median | per-rep / bpftrace, min / median |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		local n0 n0min b bmin t tmin
		n0=$(val none $site 4) n0min=$(val none $site 3)
		b=$(val bare $site 4) bmin=$(val bare $site 3)
		t=$(val bpftrace $site 4) tmin=$(val bpftrace $site 3)
		for mode in $MODES; do
			local mn md add addmin rb rt
			mn=$(val "$mode" $site 3) md=$(val "$mode" $site 4)
			add=$(awk -v a="$md" -v b="$n0" 'BEGIN { printf "%.1f", a - b }')
			addmin=$(awk -v a="$mn" -v b="$n0min" 'BEGIN { printf "%.1f", a - b }')
			rb="$(ratio "$add" "$(awk -v a="$b" -v b="$n0" 'BEGIN { print a - b }')") ($(ratio "$addmin" "$(awk -v a="$bmin" -v b="$n0min" 'BEGIN { print a - b }')"))"
			rt="$(ratio "$add" "$(awk -v a="$t" -v b="$n0" 'BEGIN { print a - b }')") ($(ratio "$addmin" "$(awk -v a="$tmin" -v b="$n0min" 'BEGIN { print a - b }')"))"
			[ "$mode" = none ] && rb=- rt=-
			local pb pt
			pb=$(paired "$mode" bare $site $col) pt=$(paired "$mode" bpftrace $site $col)
			[ "$mode" = none ] && pb=- pt=-
			echo "| ${LABEL[$mode]} | $mn | $md | $add | $rb | $rt | $pb | $pt |"
		done
		echo
		local hb ht
		hb=$(ratio "$(val hist $site 4)" "$b") ht=$(ratio "$(val hist $site 4)" "$t")
		echo "Goals of issue 4 on this site (median ns/call, whole call): bpfscope hist / bare pair = **$hb**"
		echo "(goal <= 1.10: $(goal "$hb" 1.10)); bpfscope hist / bpftrace = **$ht** (goal <= 0.75: $(goal "$ht" 0.75))."
		hb=$(paired hist bare $site $col) ht=$(paired hist bpftrace $site $col)
		echo "Per-repetition ratios, min / median: hist / bare pair = **$hb** (goal on the median: $(goal "${hb#* / }" 1.10));"
		echo "hist / bpftrace = **$ht** (goal on the median: $(goal "${ht#* / }" 0.75))."
		echo "Entry-only modes against the bare entry uprobe, per-repetition min / median: count = **$(paired count bare_entry $site $col)**,"
		echo "print = **$(paired print bare_entry $site $col)**."
		echo
	done
}

percall_raw() {
	echo "The duty cycle's ns/call is time / calls over ${DUTY_SECS} s: while detached (90% of the"
	echo "time) calls run at full speed, so almost all calls are untraced and the mean is near the"
	echo "no-probe figure. What the traced program loses is time: about 10% of its wall time runs at"
	echo "the traced cost. The exit accounting below shows how many calls were traced (hits)."
	echo
	echo "Raw measurements (mode site rep wall_ns/call cpu_ns/call calls):"
	echo
	echo '```'
	cat "$TMP/percall"
	echo '```'
	echo
	echo "bpfscope exit accounting of the last repetition (print mode: events delivered vs dropped):"
	echo
	echo '```'
	for m in hist hist_generic count print sample duty; do
		grep -h 'bpfscope: [ru]:\|delivered' "$TMP/$m.summary" 2>/dev/null | sed "s|$CALLEE|CALLEE|; s|^|$m: |"
	done
	echo '```'
}

# headline: the goal ratios, CPU time, min / median of per-repetition ratios
# (the goals are judged on the median)
headline() {
	local col=5 site r
	med() { r=$(paired "$1" "$2" "$site" "$col"); echo "${r#* / }"; }
	echo "| site | bpfscope hist / bare pair, min / median (goal <= 1.10) | bpfscope hist / bpftrace hist, min / median (goal <= 0.75) | generic interpreter hist / bare pair | bpftrace hist / bare pair | count / bare entry uprobe | --sample 100 hist / hist |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for site in emul step; do
		local hb ht
		hb=$(med hist bare) ht=$(med hist bpftrace)
		echo "| work_$site | $(paired hist bare $site $col) ($(goal "$hb" 1.10)) | $(paired hist bpftrace $site $col) ($(goal "$ht" 0.75)) | $(med hist_generic bare) | $(med bpftrace bare) | $(med count bare_entry) | $(med sample hist) |"
	done
}

# ---------------------------------------------------------------- part 1b
# Entry-probe relocation: work_reloc starts with two single-stepped
# instructions before an emulated push; the same count() probe where it is
# (--no-relocate) and moved (the default), interleaved per repetition.
declare -A RCMD=(
	[reloc_off]="$BS trace --no-relocate 'u:$CALLEE:work_reloc { count() }'"
	[reloc_on]="$BS trace 'u:$CALLEE:work_reloc { count() }'"
)
reloc_percall() {
	local rep mode res
	for rep in $(seq 1 "$REPS"); do
		for mode in none reloc_off reloc_on; do
			log "relocation rep $rep/$REPS: $mode"
			if [ "$mode" != none ]; then
				eval "tracer_start $mode 'tracing, Ctrl-C' ${RCMD[$mode]}" || return 1
			fi
			res=$(taskset -c 0 "$CALLEE" reloc "$SECS") || return 1
			echo "$mode reloc $rep $res" >>"$TMP/percall"
			[ "$mode" != none ] && tracer_stop
		done
	done
	grep -h 'bpfscope: u:' "$TMP/reloc_off.err" "$TMP/reloc_on.err" | sed "s|$CALLEE|CALLEE|" >"$TMP/reloc.summary"
}

reloc_table() {
	local st
	st=$(stats "$TMP/percall" 5)
	echo "| mode | min CPU ns/call | median CPU ns/call | min wall ns/call | median wall ns/call |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for mode in none reloc_off reloc_on; do
		local label=$mode
		[ $mode = none ] && label="no probe"
		[ $mode = reloc_off ] && label="bpfscope trace --no-relocate u: { count() } (probe on the single-stepped mov)"
		[ $mode = reloc_on ] && label="bpfscope trace u: { count() } (moved to the emulated push %rbx)"
		echo "| $label | $(awk -v m=$mode '$1 == m && $2 == "reloc" { print $3 " | " $4 }' <<<"$st") | $(stats "$TMP/percall" 4 | awk -v m=$mode '$1 == m && $2 == "reloc" { print $3 " | " $4 }') |"
	done
	echo
	echo "Per-repetition ratio --no-relocate / relocated, min / median: CPU time **$(paired reloc_off reloc_on reloc 5)**,"
	echo "wall time **$(paired reloc_off reloc_on reloc 4)** (goal of issue 4: at least 5x cheaper)."
	echo
	echo '```'
	cat "$TMP/reloc.summary"
	echo '```'
}

# ---------------------------------------------------------------- part 2
# A target with 1,000 functions, all called about every 2 ms.
build_many() {
	{
		echo '#include <time.h>'
		for i in $(seq 0 999); do
			printf '__attribute__((noinline)) long f%04d(long a) { volatile long x = a; return x + %d; }\n' "$i" "$i"
		done
		echo 'static long (*const fns[])(long) = {'
		for i in $(seq 0 999); do printf 'f%04d,' "$i"; done
		echo '};'
		# bounded: stops by itself after 10 minutes
		echo 'int main(void) { struct timespec ms = { 0, 2000000 }; volatile long s = 0;'
		echo '  for (int r = 0; r < 300000; r++) { for (int i = 0; i < 1000; i++) s += fns[i](i); nanosleep(&ms, 0); } return 0; }'
	} >"$TMP/many.c"
	gcc -O1 -fno-omit-frame-pointer -fcf-protection=none -o "$TMP/many" "$TMP/many.c"
}

# attach_one TOOL N REP: times start -> attached marker -> first event -> exit
attach_one() {
	local tool=$1 n=$2 rep=$3 i probes=() t0 t_ready t_first t_int t_end marker
	rm -f "$TMP/at.out" "$TMP/at.err" # stale markers (see tracer_start)
	if [ "$tool" = bpfscope ]; then
		for i in $(seq 0 $((n - 1))); do probes+=("$(printf 'u:%s:f%04d { print(arg0) }' "$TMP/many" "$i")"); done
		marker="tracing, Ctrl-C"
		t0=$(now_ns)
		taskset -c 1 "$BS" trace "${probes[@]}" >"$TMP/at.out" 2>"$TMP/at.err" &
	else
		local list
		list=$(for i in $(seq 0 $((n - 1))); do printf 'uprobe:%s:f%04d,' "$TMP/many" "$i"; done)
		marker=ready
		t0=$(now_ns)
		BPFTRACE_MAX_PROBES=2000 taskset -c 1 bpftrace -e "BEGIN { printf(\"ready\\n\"); } ${list%,} { printf(\"hit %d\\n\", arg0); }" \
			>"$TMP/at.out" 2>"$TMP/at.err" &
	fi
	TRACER_PID=$!
	t_ready= t_first=
	for _ in $(seq 1 2400); do # 120 s at most
		[ -z "$t_ready" ] && grep -qs -- "$marker" "$TMP/at.out" "$TMP/at.err" && t_ready=$(now_ns)
		[ -z "$t_first" ] && grep -qs 'arg0=\|^hit ' "$TMP/at.out" && t_first=$(now_ns)
		[ -n "$t_ready" ] && [ -n "$t_first" ] && break
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	t_int=$(now_ns)
	# detaching costs the kernel ~0.1-0.2 s per uprobe here: 1,000 would
	# take minutes, so that exit is cut at 30 s (SIGKILL; reported as >=)
	local stopped=
	tracer_stop $((n >= 1000 ? 30 : 60)) || stopped=">="
	t_end=$(now_ns)
	if [ -z "$t_ready" ] || [ -z "$t_first" ]; then
		log "attach $tool $n failed:"
		head -3 "$TMP/at.err" >&2
		echo "$tool $n $rep failed" >>"$TMP/attach"
		return
	fi
	echo "$tool $n $rep $(((t_ready - t0) / 1000000)) $(((t_first - t0) / 1000000)) $stopped$(((t_end - t_int) / 1000000))" >>"$TMP/attach"
}

attach_times() {
	: >"$TMP/attach"
	build_many || return 1
	taskset -c 0 "$TMP/many" &
	MANY_PID=$!
	for rep in $(seq 1 "$ATTACH_REPS"); do
		for cfg in "bpfscope 10" "bpftrace 10" "bpfscope 50" "bpftrace 50" "bpftrace 100"; do
			log "attach rep $rep/$ATTACH_REPS: $cfg"
			attach_one $cfg "$rep"
		done
	done
}

# discover_one METHOD GLOB REP: bpfscope discover on the many target for 1 s:
# attach time as discover reports it, exec to exit, functions with calls
discover_one() {
	local method=$1 glob=$2 rep=$3 t0 t1 extra=
	[ "$method" = per-function ] && extra=--per-function
	t0=$(now_ns)
	timeout 120 taskset -c 1 "$BS" discover $extra -o json --top 0 -d 1 "$TMP/many" "$glob" \
		>"$TMP/disc.out" 2>"$TMP/disc.err"
	t1=$(now_ns)
	local n ms called
	n=$(sed -n 's/.*: \([0-9]*\) of [0-9]* functions.*/\1/p' "$TMP/disc.err")
	ms=$(sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' "$TMP/disc.err")
	called=$(jq -s 'map(select(.calls > 0)) | length' "$TMP/disc.out" 2>/dev/null)
	echo "$method ${n:-0} $rep ${ms:-failed} $(((t1 - t0) / 1000000)) ${called:-0}" >>"$TMP/discover"
}

discover_times() {
	: >"$TMP/discover"
	for rep in $(seq 1 "$ATTACH_REPS"); do
		log "discover rep $rep/$ATTACH_REPS: uprobe_multi, 1000 functions"
		discover_one uprobe_multi 'f*' "$rep"
	done
	log "discover: per-function uprobes, 100 functions (once)"
	discover_one per-function 'f00*' 1
}

discover_table() {
	echo "| method | functions | runs | attach (ms) min / median | exec to exit (ms) median | functions seen called |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for m in uprobe_multi per-function; do
		awk -v m=$m '$1 == m && $4 != "failed"' "$TMP/discover" >"$TMP/d1"
		[ -s "$TMP/d1" ] || { echo "| $m | - | 0 | failed | | |"; continue; }
		col() { awk -v c="$1" '{ print $c }' "$TMP/d1" | sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print v[1] " / " m }'; }
		echo "| $m | $(awk 'NR == 1 { print $2 }' "$TMP/d1") | $(wc -l <"$TMP/d1") | $(col 4) | $(col 5 | sed 's|.* / ||') | $(awk 'NR == 1 { print $6 }' "$TMP/d1") |"
	done
}

# last of all: its exit (detach of 1,000 uprobes) may outlast the run
attach_1000() {
	log "attach: bpftrace 1000 (once)"
	attach_one bpftrace 1000 1
	kill "$MANY_PID"
	wait "$MANY_PID" 2>/dev/null
	MANY_PID=
}

attach_table() {
	echo "| tool | uprobes | runs | attached (ms) min / median | first event (ms) min / median | SIGINT to exit (ms) median |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for cfg in "bpfscope 10" "bpftrace 10" "bpfscope 50" "bpftrace 50" "bpftrace 100" "bpftrace 1000"; do
		set -- $cfg
		awk -v t="$1" -v n="$2" '$1 == t && $2 == n && $4 != "failed"' "$TMP/attach" >"$TMP/a1"
		local runs
		runs=$(wc -l <"$TMP/a1")
		[ "$runs" -gt 0 ] || { echo "| $1 | $2 | 0 | failed | | |"; continue; }
		col() { awk -v c="$1" '{ print $c }' "$TMP/a1" | sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print v[1] " / " m }'; }
		echo "| $1 | $2 | $runs | $(col 4) | $(col 5) | $(col 6 | sed 's|.* / ||') |"
	done
	echo
	echo "| bpfscope | 100 and 1000 | - | not possible: at most PROBE_MAX = $(awk '/define PROBE_MAX /{ print $3 }' src/bpf/probe.h) probes per trace session (src/bpf/probe.h) | | |"
}

# ---------------------------------------------------------------- part 3
# mem_one NAME CMD...: runs CMD for 2 s (a workload runs meanwhile), then
# reads VmHWM/VmRSS and sums memlock of the BPF maps held by its pid.
mem_one() {
	local name=$1 pid hwm rss maps memlock
	shift
	rm -f "$TMP/mem.err"
	"$@" >/dev/null 2>"$TMP/mem.err" &
	pid=$!
	for _ in $(seq 1 600); do
		grep -qs 'tracing, Ctrl-C\|^bpfscope: ' "$TMP/mem.err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	for _ in $(seq 1 20); do /bin/true; taskset -c 0 "$CALLEE" emul 0.05 >/dev/null; done
	hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$pid/status)
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)
	# the maps are the pid's bpf-map fds; fdinfo carries each one's memlock
	# (this bpftool has no pids field); a map shared by two fds counts once
	read -r maps memlock < <(for fd in /proc/$pid/fd/*; do
		[ "$(readlink "$fd")" = "anon_inode:bpf-map" ] || continue
		awk '/^map_id/ { id = $2 } /^memlock/ { m = $2 } END { print id, m }' "/proc/$pid/fdinfo/${fd##*/}"
	done | sort -u | awk '{ n++; s += $2 } END { print n + 0, s + 0 }')
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	echo "| $name | $hwm | $rss | $maps | $((memlock / 1024)) |"
}

memory_table() {
	echo "| command | VmHWM (KiB) | VmRSS (KiB) | BPF maps | map memlock (KiB) |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	mem_one "bpfscope execsnoop" "$BS" execsnoop
	mem_one "bpfscope runqlat" "$BS" runqlat
	mem_one "bpfscope trace 'r:callee:work_emul { hist(duration) }'" "$BS" trace "r:$FE { hist(duration) }"
	mem_one "bpfscope trace 'u:callee:work_emul { print(arg0, arg1) }'" "$BS" trace "u:$FE { print(arg0, arg1) }"
}

# ---------------------------------------------------------------- report
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
START_TIME=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
T0=$(now_ns)
percall || exit 1
log "BPF run time per program (bench/progstats.sh)"
PROGSTATS=$(BUILD=$BUILD bench/progstats.sh "$REPS" 1 2>/dev/null)
reloc_percall || exit 1
attach_times || exit 1
discover_times
log "memory"
MEM=$(memory_table)
attach_1000
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((($(now_ns) - T0) / 1000000000))
{
	echo "# bpfscope benchmarks (bench/run.sh)"
	echo
	echo "Generated by \`make bench\` (bench/run.sh with REPS=$REPS SECS=$SECS DUTY_SECS=$DUTY_SECS ATTACH_REPS=$ATTACH_REPS), $START_TIME, ${ELAPSED} s."
	echo "Network overhead of \`bpfscope net\` (veth TCP throughput, UDP packet rate): bench/net.sh, results in [RESULTS-net.md](RESULTS-net.md)."
	echo "How well \`bpfscope predict\` foresees a slower peer (predicted vs really delayed): bench/predict.sh, results in [RESULTS-predict.md](RESULTS-predict.md)."
	echo "Event streaming (events/s, consumer CPU, exact drops under overload): bench/stream.sh (run by make bench), results in [RESULTS-stream.md](RESULTS-stream.md)."
	echo "Crash recorder probe vs a bare uprobe: bench/crash.sh, results in [RESULTS-crash.md](RESULTS-crash.md)."
	echo "Fuzzing of every parser of user or network input (executions, coverage, crashes per fuzzer): bench/fuzz.sh, results in [RESULTS-fuzz.md](RESULTS-fuzz.md)."
	echo
	echo "## Machine"
	echo
	echo "- kernel: $(uname -r) ($(uname -m))"
	echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), nproc $(nproc)"
	echo "- load average at start: $START_LOAD; at end: $END_LOAD (shared with other developers: ratios, not absolute numbers, are the result)"
	echo "- bpftrace: $(bpftrace --version 2>/dev/null); bpfscope: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo ' + local changes')"
	echo "- target pinned to CPU 0 (\`taskset -c 0\`), tracers to CPU 1 (\`taskset -c 1\`)"
	echo
	echo "## Headline"
	echo
	echo "Per-call cost, CPU time of the traced thread, median over $REPS repetitions of the ratio to the"
	echo "baseline measured in the same repetition (details and wall-time figures in part 1):"
	echo
	headline
	echo
	echo "Reading of the per-call goals (written 2026-11-26; the table above is this run's). \`hist(duration)\` takes"
	echo "the fast path (docs/probe-language.md, \"Cost: the fast path\"); the column \"generic interpreter\" is the"
	echo "same probe with BPFSCOPE_PROBE_GENERIC=1. Three runs that day with the final fast path (REPS=7, medians"
	echo "of per-repetition CPU-time ratios on the emulated site): hist / bare pair 1.18, 1.19, 1.12 (interpreter:"
	echo "1.35, 1.36, 1.27), hist / bpftrace 0.75, 0.72, 0.76. So \"<= 0.75 of bpftrace\" is reached at its edge"
	echo "(met in two runs of three, the spread between runs is larger than the margin) and \"<= 1.10 of the bare"
	echo "pair\" is not met. Part 1a shows why 1.10 is out of reach for this design here: 10% of the bare pair is"
	echo "~90-110 ns, and the two \`bpf_ktime_get_ns()\` reads any in-kernel duration needs cost ~68 ns on this"
	echo "virtual machine, the per-thread pairing state (task-local storage, stack-pointer frames) ~37 ns more."
	echo "Getting below would take per-call storage the kernel pairs itself (uprobe session cookies, Linux"
	echo "6.13+), not tried yet. On the single-stepped site the bare pair itself costs ~10 us and bpftrace"
	echo "only ~1.05-1.1x of it, so 0.75 of bpftrace lies below the bare pair: no tracer can meet that goal"
	echo "there; 1.10 of the bare pair is met."
	echo
	echo "Entry-probe relocation (part 1b), single-stepped work_reloc with \`count()\`: --no-relocate / relocated"
	echo "per repetition, min / median: CPU **$(paired reloc_off reloc_on reloc 5)**, wall **$(paired reloc_off reloc_on reloc 4)** (goal: >= 5)."
	echo "\`bpfscope discover\` on 1,000 functions (part 2b): attach through one uprobe_multi link, min / median ms:"
	echo "**$(awk '$1 == "uprobe_multi" && $4 != "failed" { print $4 }' "$TMP/discover" | sort -g | paste -sd' ' | awk '{ if (!NF) print "failed"; else printf "%s / %s", $1, (NF % 2 ? $((NF + 1) / 2) : ($(NF / 2) + $(NF / 2 + 1)) / 2) }')**."
	echo
	echo "## 1. Per-call cost of a traced user function"
	echo
	echo "Target: \`$BUILD/bench/callee emul|step SECS\` (bench/callee.c, built \`-O1 -fno-omit-frame-pointer -fcf-protection=none\`)"
	echo "calls a noinline two-argument function in a tight loop for SECS seconds and prints ns/call"
	echo "in wall time (CLOCK_MONOTONIC) and in the thread's CPU time (CLOCK_THREAD_CPUTIME_ID, user +"
	echo "system: the trap and the BPF programs are charged to the traced thread, time waiting for a CPU"
	echo "other developers' processes hold is not, so on this shared machine CPU time is the steadier"
	echo "measure; both are reported, CPU time first). Sites as \`bpfscope list\` reports them:"
	echo
	echo '```'
	"$BS" list "$CALLEE" 'work_*' 2>&1
	echo '```'
	echo
	echo "Each repetition runs every mode in turn (tracer started, attached, both sites measured"
	echo "for ${SECS} s each (${DUTY_SECS} s for the duty cycle, which must span several periods), tracer stopped). Commands (CALLEE = $CALLEE):"
	echo
	echo '```'
	for m in $MODES; do
		[ "$m" = none ] && { echo "none:     taskset -c 0 CALLEE emul|step $SECS"; continue; }
		printf '%-11s taskset -c 1 %s\n' "$m:" "${CMD[$m]//$CALLEE/CALLEE}"
	done
	echo '```'
	echo
	MEASURE="CPU time (CLOCK_THREAD_CPUTIME_ID)"
	percall_table 5
	MEASURE="wall time (CLOCK_MONOTONIC)"
	percall_table 4
	percall_raw
	echo
	echo "## 1a. BPF run time per program"
	echo
	echo "\`bench/progstats.sh $REPS 1\`: kernel.bpf_stats_enabled=1 for the run (set back after), one tracer at a time"
	echo "on \`callee emul 1\` (work_emul, same histogram as part 1), run_time_ns / run_cnt of each program the"
	echo "tracer's pid holds, min / median over $REPS rounds. bpf_stats adds its own two clock reads to every"
	echo "run (the empty bare programs' figure is mostly that): compare differences to bare, not absolute values."
	echo "bpftrace names both its programs after the function (#2: the second, its return program)."
	echo
	echo '```'
	echo "$PROGSTATS"
	echo '```'
	echo
	echo "Where the fast path's time goes (measured with bench/progstats.sh on variant builds of"
	echo "bpf/probe_fast.bpf.h, 2026-11-26): each \`bpf_ktime_get_ns()\` costs ~34 ns on this virtual machine"
	echo "(one per program, ~68 ns per call: a floor any in-kernel duration pays, bpftrace included); the"
	echo "task-storage lookup and frame push/pop ~18-20 ns per program; probe lookup, filter, counters and"
	echo "the per-CPU array ~12-15 ns per program."
	echo
	echo "## 1b. Entry-probe relocation"
	echo
	echo "Target: \`callee reloc SECS\` calls work_reloc (bench/callee.c: \`mov %rdi,%rax; xor %edi,%edi; push %rbx; ...\`),"
	echo "whose first instruction the kernel single-steps. Without --no-relocate, \`bpfscope trace\` moves the entry probe to the"
	echo "push (emulated: one trap instead of two) and reads arg0 from %rax (docs/probe-language.md, \"Entry-probe relocation\")."
	echo "Modes interleaved in each of the $REPS repetitions, ${SECS} s each; CPU time of the traced thread and wall time:"
	echo
	reloc_table
	echo
	echo "## 2. Attach time and time to first event"
	echo
	echo "Target: a generated program with 1,000 functions f0000..f0999 (\`volatile long x = a; return x + N;\`),"
	echo "calling all of them every ~2 ms on CPU 0. Each tool probes f0000..f(N-1) with a per-event"
	echo "action (bpfscope: \`u:MANY:fNNNN { print(arg0) }\` per function; bpftrace: one program"
	echo "\`BEGIN { printf(\"ready\\n\"); } uprobe:MANY:f0000,... { printf(\"hit %d\\n\", arg0); }\`)."
	echo "\"attached\" is from exec to bpfscope's \"tracing, Ctrl-C to end\" / bpftrace's BEGIN output"
	echo "(both printed after every probe is attached); \"first event\" until the first event line"
	echo "appears in the output file (polled every 50 ms). Times in ms; bpftrace 1000 runs once."
	echo
	attach_table
	echo
	echo "Raw (tool uprobes rep attached_ms first_event_ms exit_ms):"
	echo
	echo '```'
	cat "$TMP/attach"
	echo '```'
	echo
	echo "## 2b. bpfscope discover: attach time on 1,000 functions"
	echo
	echo "The same 1,000-function target: \`bpfscope discover -d 1 MANY 'f*'\` (uprobe_multi: one link, one system call,"
	echo "for every function) and, for comparison, \`--per-function\` on 'f00*' (100 functions: one perf-event uprobe each;"
	echo "detaching those costs the kernel ~0.1 s each, hence only 100). \"attach\" is what discover reports (function probes"
	echo "only); \"exec to exit\" includes reading the ELF, loading, the 1 s run and detaching."
	echo
	discover_table
	echo
	echo "Raw (method functions rep attach_ms exec_to_exit_ms functions_called):"
	echo
	echo '```'
	cat "$TMP/discover"
	echo '```'
	echo
	echo "## 3. Memory"
	echo
	echo "Each command runs about 2 s while the callee and /bin/true run; VmHWM and VmRSS from"
	echo "/proc/PID/status, BPF maps held by the pid from its bpf-map file descriptors (/proc/PID/fdinfo: map_id, memlock;"
	echo "the same values \`bpftool map show\` prints), memlock summed over distinct maps."
	echo
	echo "$MEM"
	echo
	echo "## 4. Binary"
	echo
	echo '```'
	echo "\$ ls -l $BUILD/bpfscope; size $BUILD/bpfscope; ldd $BUILD/bpfscope"
	ls -l "$BUILD/bpfscope" | awk '{ print $5, $9 }'
	size "$BUILD/bpfscope"
	ldd "$BUILD/bpfscope"
	echo '```'
	echo
	if ldd "$BUILD/bpfscope" | grep -q 'libbpf\|libelf\|libdw\|libz\|libjson'; then
		echo "ldd lists a -dev library: the binary is NOT self-contained."
	else
		echo "ldd lists none of libbpf, libelf, libdw, zlib, json-c: only the C library's own parts."
	fi
} >"$TMP/RESULTS.md"
cp "$TMP/RESULTS.md" "$OUT"
log "wrote $OUT in ${ELAPSED} s"

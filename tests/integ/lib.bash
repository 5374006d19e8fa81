# TAP helpers and process control shared by the integration tests.
# Each test: `source "$(dirname "$0")/lib.bash"`, then `plan N`, then checks.
# Every wait is bounded; background processes are killed on exit.

set -u
: "${BPFSCOPE:?BPFSCOPE must point at the binary (run through tests/run.sh)}"
TMP=$(mktemp -d /tmp/bpfscope-test.XXXXXX)
_n=0
_failed=0
_pids=()

cleanup() {
	for p in "${_pids[@]:-}"; do
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

plan() { echo "1..$1"; }
diag() { echo "# $*"; }
ok() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	local desc=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$desc"
}
# show a file's content as TAP diagnostics (after a failure)
show() { sed 's/^/#   /' "$1" | head -${2:-40}; }

# start_bpfscope NAME ARGS...: runs bpfscope in the background with stdout
# in $TMP/NAME.out and stderr in $TMP/NAME.err, waits until it has attached.
start_bpfscope() {
	local name=$1
	shift
	# closes the gates of start_gated: a gated target must see EOF when released
	(
		for v in ${!_gate_@}; do eval "exec ${!v}>&-"; done
		exec "$BPFSCOPE" "$@"
	) >"$TMP/$name.out" 2>"$TMP/$name.err" &
	BPFSCOPE_PID=$!
	_pids+=("$BPFSCOPE_PID")
	# loading can take seconds on a loaded 2-CPU machine: allow 30 s
	for _ in $(seq 1 600); do
		grep -q 'tracing, Ctrl-C to end' "$TMP/$name.err" 2>/dev/null && return 0
		kill -0 "$BPFSCOPE_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "bpfscope $* did not start:"
	show "$TMP/$name.err"
	return 1
}

# stop_bpfscope: SIGINT, then wait (bounded) for its exit summary.
stop_bpfscope() {
	kill -INT "$BPFSCOPE_PID" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$BPFSCOPE_PID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$BPFSCOPE_PID" 2>/dev/null
}

# bpf_ids PID KIND: the prog_id or link_id values of a process's BPF fds
# (by id, because other tracers run concurrently)
bpf_ids() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | awk -v k="$2" '$1 == k":" {print $2}' | sort -u
}

# wait_for FILE PATTERN [TRIES]: bounded poll (0.05 s steps) for a line.
wait_for() {
	for _ in $(seq 1 "${3:-100}"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# One clear error line and a non-zero exit for bad input.
# bad_input DESCRIPTION PATTERN ARGS...
bad_input() {
	local desc=$1 pat=$2 rc lines
	shift 2
	"$BPFSCOPE" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	lines=$(wc -l <"$TMP/bad.err")
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$TMP/bad.err"; then
		ok 0 "$desc"
	else
		ok 1 "$desc (rc=$rc, $lines stderr lines)"
		show "$TMP/bad.err"
	fi
}

done_testing() {
	[ "$_failed" -eq 0 ]
	exit $?
}

# start_gated NAME CMD...: starts CMD with stdin on a FIFO so it can wait for
# a line before doing its work; GATED_PID is its pid. release_gated NAME
# sends the line and waits (bounded) for it to exit.
start_gated() {
	local name=$1
	shift
	mkfifo "$TMP/$name.gate"
	"$@" <"$TMP/$name.gate" >"$TMP/$name.stdout" 2>&1 &
	GATED_PID=$!
	_pids+=("$GATED_PID")
	exec {_gate_fd}>"$TMP/$name.gate"
	eval "_gate_${name//[^a-zA-Z0-9_]/_}=$_gate_fd"
	# the child opens the FIFO, then execs (through taskset, maybe): wait
	# until the program itself runs, so -p and uprobes see the right image
	for _ in $(seq 1 100); do
		case "$(cat /proc/$GATED_PID/comm 2>/dev/null)" in
		bash | taskset) sleep 0.02 ;;
		*) break ;;
		esac
	done
}
release_gated() {
	local fd_var="_gate_${1//[^a-zA-Z0-9_]/_}" pid=$2
	echo go >&"${!fd_var}"
	eval "exec ${!fd_var}>&-"
	for _ in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
}

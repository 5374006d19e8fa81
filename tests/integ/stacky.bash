# Drives tests/targets/stacky for the stack tools' tests (source after
# lib.bash). stacky prints "ready", waits for a line, works, prints "done",
# waits for EOF.

# start_stacky NAME MODE ARGS...: STACKY_PID, waiting for go_stacky.
start_stacky() {
	local name=$1
	shift
	STACKY_OUT="$TMP/$name.stacky"
	mkfifo "$TMP/$name.go"
	"$TARGETS/stacky" "$@" <"$TMP/$name.go" >"$STACKY_OUT" &
	STACKY_PID=$!
	_pids+=("$STACKY_PID")
	exec {STACKY_FD}>"$TMP/$name.go"
	wait_for "$STACKY_OUT" ready
}

# go_stacky [TRIES]: starts the work and waits (bounded) until it is done.
go_stacky() {
	echo go >&"$STACKY_FD"
	wait_for "$STACKY_OUT" done "${1:-200}"
}

# end_stacky: lets stacky exit.
end_stacky() {
	exec {STACKY_FD}>&-
	wait "$STACKY_PID" 2>/dev/null
}

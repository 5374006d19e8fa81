# Shared by tests/integ/php*.sh (source after lib.bash): the php8.2 binary,
# the test script, and one traced run of it.
PHP=/usr/bin/php8.2
SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../targets/php" && pwd)/calls.php"

# calls.php waits for $TMP/go-NAME so bpfscope can attach to it first.
run_traced() { # NAME FLAGS [env...]: trace one run of calls.php with -p, JSON out
	local name=$1 flags=$2 pid
	shift 2
	env "$@" "$PHP" "$SCRIPT" "$TMP/go-$name" >"$TMP/$name.php.out" 2>&1 &
	pid=$!
	_pids+=("$pid")
	for _ in $(seq 1 100); do # until env has exec'd php
		[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$PHP")" ] && break
		sleep 0.02
	done
	start_bpfscope "$name" php $flags -o json -p "$pid" || return 1
	touch "$TMP/go-$name"
	for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	wait_for "$TMP/$name.out" '"guarded()"'
	stop_bpfscope
}

calls() { jq -r "$2" "$TMP/$1.out" | sort; }


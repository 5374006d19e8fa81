# The web service lab of record/report/predict: tests/targets/websvc.c with a
# private memcached and MariaDB (services.bash), driven by webload, recorded by
# `bpfscope record`, and an NFQUEUE delayer (nfqdelay) that holds packets to
# memcached. Used by tests/integ/predict.sh, bench/predict.sh and
# scripts/demo.sh. Source after lib.bash and services.bash, except
# weblab_in_netns, which runs before them. Every wait is bounded.

# weblab_in_netns SCRIPT ARGS...: runs SCRIPT again inside a new network
# namespace with only lo up, so its ports, iptables rules and NFQUEUE
# numbers are its own, then deletes the namespace and exits with the
# script's status. Inside (WEBLAB_NS set) it returns at once.
weblab_in_netns() {
	[ -n "${WEBLAB_NS:-}" ] && return 0
	local ns=bpfscope-weblab-$$ rc
	ip netns add "$ns" || {
		echo "weblab: cannot create network namespace $ns" >&2
		exit 1
	}
	ip -n "$ns" link set lo up
	# ip netns exec mounts a fresh /sys in a private mount namespace, without
	# tracefs: mount it there (only this script's processes see it)
	WEBLAB_NS=$ns ip netns exec "$ns" bash -c \
		'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
		exec bash "$@"' weblab "$@"
	rc=$?
	ip netns del "$ns"
	exit $rc
}

# The probes: handle_request is the root (its path the attribute), the
# client library calls are its children.
weblab_probes() {
	WEB_PROBES=(
		"root u:$TARGETS/websvc:handle_request { attr(path, str(req->path)) }"
		"u:libmemcached:memcached_get"
		"u:libmemcached:memcached_set"
		"u:libmemcached:memcached_mget"
		"u:libmariadb:mysql_real_query"
	)
}

# weblab_fail WHAT [FILE]: why the lab failed, on stderr (prove shows it
# without -v), with the tail of FILE.
weblab_fail() {
	echo "weblab: $1" >&2
	[ -n "${2:-}" ] && tail -n 15 "$2" 2>/dev/null | sed 's/^/weblab:   /' >&2
	return 1
}

# weblab_priority PID...: nice -10 for every thread of the servers (websvc
# starts with it). On this shared 2-CPU machine other work keeps the load
# at 10 and more; a server thread woken after a 5 ms wait then queues behind
# it for milliseconds, which a real slower network does not add. A higher
# weight (not a real-time class: nothing can starve) lets them run at once.
weblab_priority() {
	local pid t
	for pid in "$@"; do
		for t in /proc/"$pid"/task/*; do
			renice -n -10 -p "${t##*/}" >/dev/null 2>&1
		done
	done
}

# weblab_start WORKERS SECONDS: memcached, MariaDB and websvc (WORKERS 0:
# single process); sets WEB_PORT, WEB_PID. Warms the service up.
weblab_start() {
	local t0=$SECONDS
	memcached_start || { weblab_fail "memcached did not start on port $MC_PORT"; return 1; }
	mariadb_start || {
		weblab_fail "MariaDB did not start on port $DB_PORT in $((SECONDS - t0)) s" "$TMP/mariadb/error.log"
		return 1
	}
	local try
	# below the ephemeral range (32768-60999), where no outgoing socket sits;
	# another port if one is taken all the same
	for try in 0 1 2; do
		WEB_PORT=$(($(_free_port 11000) + try * 3))
		nice -n -10 "$TARGETS/websvc" "$WEB_PORT" "$MC_PORT" "$DB_PORT" "$1" "$2" >"$TMP/websvc.out" 2>&1 &
		WEB_PID=$!
		_pids+=("$WEB_PID")
		wait_for "$TMP/websvc.out" 'listening\|listen:' 400 && grep -q listening "$TMP/websvc.out" && break
	done
	grep -q listening "$TMP/websvc.out" || { weblab_fail "websvc did not start" "$TMP/websvc.out"; return 1; }
	weblab_priority "$MC_PID" "$DB_PID"
	"$TARGETS/webload" "$WEB_PORT" 40 1 >/dev/null # one connection: also fine for WORKERS 0
	weblab_probes
}

# weblab_run NAME REQUESTS CONCURRENCY [MIX]: records $TMP/NAME.db while
# webload sends REQUESTS requests (MIX: webload's H:I:S:T[:L] weights); its
# client-side table goes to $TMP/NAME.load.
weblab_run() {
	local name=$1
	rm -f "$TMP/$name.db"
	start_bpfscope "$name" record -o "$TMP/$name.db" -c websvc "${WEB_PROBES[@]}" ||
		{ weblab_fail "bpfscope record did not start" "$TMP/$name.err"; return 1; }
	"$TARGETS/webload" "$WEB_PORT" "$2" "$3" ${4:+"$4"} >"$TMP/$name.load"
	local rc=$?
	sleep 0.3 # the last spans reach the file
	stop_bpfscope
	[ $rc -eq 0 ] || weblab_fail "webload failed" "$TMP/$name.load"
	return $rc
}

# weblab_delay_on MS: every packet to the memcached port waits MS in
# nfqdelay (a unique queue number, a rule marked with this shell's pid).
# weblab_delay_off removes the rule; it runs on exit too.
weblab_delay_on() {
	NFQ_NUM=$(($$ % 50000 + 10000))
	NFQ_RULE=(OUTPUT -o lo -p tcp --dport "$MC_PORT" -m comment --comment "bpfscope-weblab-$$"
		-j NFQUEUE --queue-num "$NFQ_NUM" --queue-bypass)
	# real-time priority: on a loaded machine the delayer must not add its own
	# scheduling delay on top of MS (it sleeps between packets)
	local rt=(chrt -f 20)
	"${rt[@]}" true 2>/dev/null || rt=() # where real-time scheduling is not allowed
	"${rt[@]}" "$TARGETS/nfqdelay" "$NFQ_NUM" "$1" 120 >"$TMP/nfqdelay.out" 2>&1 &
	NFQ_PID=$!
	_pids+=("$NFQ_PID")
	wait_for "$TMP/nfqdelay.out" ready 100 || { weblab_fail "nfqdelay did not start" "$TMP/nfqdelay.out"; return 1; }
	trap 'weblab_delay_off; cleanup' EXIT
	iptables -A "${NFQ_RULE[@]}"
}
weblab_delay_off() {
	[ -n "${NFQ_RULE+x}" ] || return 0
	iptables -D "${NFQ_RULE[@]}" 2>/dev/null
	unset NFQ_RULE
	kill "$NFQ_PID" 2>/dev/null
}

# weblab_compare PREDICT_JSON REPORT_JSON: one line per kind and statistic,
# "KIND STAT PREDICTED MEASURED BEFORE", milliseconds.
weblab_compare() {
	jq -r --slurpfile m "$2" '
		select(.type == "kind") | . as $p
		| ($m[] | select(.type == "kind" and .kind == $p.kind) | .duration) as $d
		| ["mean", "p50", "p90"][] as $s
		| [$p.kind, $s, $p.after[$s + "_ms"], $d[$s + "_ms"], $p.before[$s + "_ms"]]
		| @tsv' "$1"
}

#!/usr/bin/env bash
# make demo: the flagship use of bpfscope in under a minute. A web service
# (tests/targets/websvc.c) talks to a real memcached and a real MariaDB on
# 127.0.0.1; bpfscope records every request with its cache and database
# calls and the peers they went to, reports per request kind, and predicts
# what moving the cache 20 ms away would do. Everything it starts it stops
# (lib.bash's exit trap); every wait is bounded.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BPFSCOPE=${BPFSCOPE:-$PWD/$BUILD/bpfscope} TARGETS=$PWD/$BUILD/targets
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (BPF): try sudo make demo" >&2
	exit 1
fi
source tests/integ/lib.bash
source tests/integ/services.bash
source tests/integ/weblab.bash

section() { printf '\n\033[1m== %s ==\033[0m\n' "$1"; [ $# -gt 1 ] && printf '$ %s\n' "$2"; }

section "A web service with its cache and database on 127.0.0.1"
weblab_start 2 55 || exit 1
echo "websvc :$WEB_PORT (2 workers) -> memcached :$MC_PORT, MariaDB :$DB_PORT"

section "Record 440 requests: the handler is the root span, client library calls its children" \
	"bpfscope record -o demo.db -c websvc $(printf "'%s' " "${WEB_PROBES[@]}" | sed "s|$TARGETS/||")"
weblab_run demo 440 2 3:4:2:1:1 || exit 1
sed 's/^/  /' "$TMP/demo.load"
grep -v 'tracing, Ctrl-C' "$TMP/demo.err"

section "Per request kind: durations, calls per request, and the peers they went to" \
	"bpfscope report demo.db"
"$BPFSCOPE" report "$TMP/demo.db" | sed "s|$TMP/||"

section "What if the cache moved to a site 20 ms away?" \
	"bpfscope predict demo.db --add 127.0.0.1:$MC_PORT=+20"
"$BPFSCOPE" predict "$TMP/demo.db" --add "127.0.0.1:$MC_PORT=+20" | sed "s|$TMP/||"

#!/usr/bin/env bash
# record -> report -> predict, validated against reality: websvc (2 pre-forked
# workers) with a real memcached and MariaDB, recorded while webload sends a
# fixed mix; predict +DELAY_MS per round trip to memcached; then the same
# workload with DELAY_MS really added to every packet towards memcached
# (iptables NFQUEUE + nfqdelay, in a private network namespace), recorded
# again; predicted and measured mean/p50/p90 per request kind must agree.
# /login opens a new connection per request: its connect is a round trip too.
source "$(dirname "$0")/weblab.bash"
weblab_in_netns "$(realpath "$0")" "$@"
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 16

DELAY_MS=5 REQUESTS=165 CONC=2 MIX=3:4:2:1:1
weblab_start 2 90 || exit 1

weblab_run base "$REQUESTS" "$CONC" "$MIX" || exit 1
"$BPFSCOPE" report -o json "$TMP/base.db" >"$TMP/base.json" 2>"$TMP/report.err"
ok $? "report reads the recording"
kind() { jq -c --arg k "$2" 'select(.type == "kind" and .kind == $k)' "$TMP/$1.json"; }
calls() { # FILE KIND PROBE: child calls per request
	kind "$1" "$2" | jq -r --arg p "$3" '[.children[] | select(.probe == $p) | .calls_per_request] | add // 0'
}
mc() { # FILE KIND FIELD: FIELD per request of the memcached peer
	kind "$1" "$2" | jq -r --arg p "127.0.0.1:$MC_PORT" --arg f "$3" '[.peers[] | select(.peer == $p) | .[$f]] | add // 0'
}
rtts() { mc "$1" "$2" round_trips_per_request; }
near() { awk -v v="$1" -v want="$2" 'BEGIN { exit !(v >= want - 0.05 && v <= want + 0.05) }'; }

# what websvc does per kind (tests/targets/websvc.c) against what was recorded
expect() { # DESCRIPTION GOT WANT...: each number of GOT within 0.05 of WANT
	local desc=$1 got=$2 i=0 bad=0
	shift 2
	for v in $got; do
		i=$((i + 1))
		near "$v" "${!i}" || bad=1
	done
	[ $bad -eq 0 ] && [ $i -eq $# ]
	ok $? "$desc (got $got)"
}
expect "/home: 4 gets, 1 mget, 1 query per request" \
	"$(calls base /home memcached_get) $(calls base /home memcached_mget) $(calls base /home mysql_real_query)" 4 1 1
expect "/item: 1 get, 1 set, 1 query per request" \
	"$(calls base /item memcached_get) $(calls base /item memcached_set) $(calls base /item mysql_real_query)" 1 1 1
expect "/search: 10 gets, 2 queries per request" \
	"$(calls base /search memcached_get) $(calls base /search mysql_real_query)" 10 2
expect "memcached round trips per request: home 5 (the mget is one), item 2, search 10, static 0" \
	"$(rtts base /home) $(rtts base /item) $(rtts base /search) $(rtts base /static/logo.png)" 5 2 10 0
expect "/login: a new memcached connection per request, 1 connect and 1 round trip" \
	"$(mc base /login connects_per_request) $(rtts base /login) $(mc base /home connects_per_request)" 1 1 0

"$BPFSCOPE" predict -o json "$TMP/base.db" --add "127.0.0.1:$MC_PORT=+$DELAY_MS" >"$TMP/predict.json"
ok $? "predict +$DELAY_MS ms for 127.0.0.1:$MC_PORT"
top=$(jq -r 'select(.type == "rank") | .peer' "$TMP/predict.json" | head -1)
[ "$top" = "127.0.0.1:$MC_PORT" ]
ok $? "memcached (more round trips than MariaDB) ranks first (got $top)"

weblab_delay_on "$DELAY_MS" || exit 1
weblab_run delayed "$REQUESTS" "$CONC" "$MIX" || exit 1
weblab_delay_off
"$BPFSCOPE" report -o json "$TMP/delayed.db" >"$TMP/delayed.json"
ok $? "report reads the delayed recording"
diag "client side, no delay:"; show "$TMP/base.load"
diag "client side, +$DELAY_MS ms to memcached:"; show "$TMP/delayed.load"

# Tolerance, for kinds that wait for memcached: predicted / measured within
# [LOW, 1.15], LOW 0.85 for p50, 0.80 for the mean, 0.70 for p90. The added
# latency dominates (10..50 ms against a baseline under 1.5 ms). What the
# model leaves out is per round trip and only makes reality slower: the
# delayer's queueing (0.05-0.3 ms), and waking memcached and the worker
# after each held packet, which on this shared 2-CPU machine waits for a CPU
# behind other developers' builds. Under load average 13 during development,
# before the lab ran its servers at nice -10 (weblab_priority), that kept
# p50 within 5 %, but took the mean to 0.85 and p90 down to 0.5 (tails of
# 15-60 requests collect those scheduling delays); at nice -10 and the same
# load: p50 0.96-0.99, mean 0.94-0.98, p90 0.88-0.98. Hence lower bounds
# that widen with the statistic. Nothing makes reality faster than the model, so
# the upper bound stays tight: over-counting round trips (e.g. the 8 keys of
# the mget as 8) would exceed it, and under-counting them (the mget as 0)
# takes /home's p50 to 0.8, below its bound. For /static (no memcached
# calls) a ratio of two sub-millisecond numbers says nothing; there the
# error must stay below a quarter of one added round trip (DELAY_MS / 4):
# the delay must not leak into requests that never wait for the cache.
weblab_compare "$TMP/predict.json" "$TMP/delayed.json" >"$TMP/compare.tsv"
diag "kind stat predicted measured before (ms):"; show "$TMP/compare.tsv"
check_kind() { # KIND: every statistic of KIND within tolerance
	awk -F'\t' -v k="$1" -v d="$DELAY_MS" '
		$1 == k { n++
			low = $2 == "p50" ? 0.85 : $2 == "mean" ? 0.80 : 0.70
			if ($5 + d / 2 < $3) { r = $3 / $4; if (r < low || r > 1.15) bad++ }
			else if ($4 - $3 > d / 4 || $3 - $4 > d / 4) bad++ }
		END { exit !(n == 3 && !bad) }' "$TMP/compare.tsv"
}
for k in /home /item /search /static/logo.png /login; do
	check_kind "$k"
	ok $? "$k: predicted mean/p50/p90 agree with the measured ones"
done
# what went in must have mattered: the delayed /search is ~10 round trips slower
awk -F'\t' '$1 == "/search" && $2 == "mean" { exit !($4 > $5 + 8 * '"$DELAY_MS"') }' "$TMP/compare.tsv"
ok $? "the delay was real: /search measured mean grew by more than 8 x $DELAY_MS ms"

bad_input "predict: malformed --add is one error line" "is not PEER=+MS" predict "$TMP/base.db" --add 127.0.0.1=fast
done_testing

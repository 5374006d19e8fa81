#!/usr/bin/env bash
# trace --serve scraped by a real Prometheus (Debian's prometheus, private
# data dir, 127.0.0.1, 1 s scrape interval, bearer token): the values that
# Prometheus stored, read back through its HTTP API, equal the calls the
# target made.
source "$(dirname "$0")/lib.bash"
plan 12

T="$TARGETS/trace_target"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
echo "tok-$$-secret" >"$TMP/token"

start_bpfscope srv trace --serve 127.0.0.1:0 --token-file "$TMP/token" \
	"r:$T:cache_fetch { hist(duration) }" || exit 1
port=$(grep -o 'serving http://127.0.0.1:[0-9]*' "$TMP/srv.err" | sed 's/.*://')
[ -n "$port" ]
ok $? "serving on 127.0.0.1:$port (port 0: a free one)"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
[ "$code" = 401 ]
ok $? "no token: 401 (got $code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer tok-$$-secret" \
	"http://127.0.0.1:$port/metrics")
[ "$code" = 405 ]
ok $? "read-only: POST is 405 (got $code)"

ppath="$TMP/prom"
mkdir -p "$ppath"
pport=$(free_port)
cat >"$ppath/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: bpfscope
    authorization:
      credentials_file: $TMP/token
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
prometheus --config.file="$ppath/prometheus.yml" --storage.tsdb.path="$ppath/data" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$TMP/prom.log" 2>&1 &
_pids+=($!)
for _ in $(seq 1 200); do
	curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null && break
	sleep 0.1
done
curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null
ok $? "prometheus ready on 127.0.0.1:$pport" || show "$TMP/prom.log"

# query EXPR: the first sample's value, or empty
query() {
	curl -s "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty'
}

calls=$("$T" loop 1.5 | sed -n 's/^calls //p')
diag "target made $calls calls of cache_fetch"
# bounded wait: the next scrapes carry the final counts
for _ in $(seq 1 80); do
	[ "$(query 'bpfscope_probe_hits_total')" = "$calls" ] && break
	sleep 0.1
done
[ "$(query 'up{job="bpfscope"}')" = 1 ]
ok $? "Prometheus scrapes bpfscope with the bearer token (up == 1)"
hits=$(query "bpfscope_probe_hits_total{probe=\"r:$T:cache_fetch\"}")
[ -n "$calls" ] && [ "$hits" = "$calls" ]
ok $? "stored hit count equals the calls the target made ($hits = $calls)"
count=$(query "bpfscope_probe_duration_seconds_count{probe=\"r:$T:cache_fetch\"}")
[ "$count" = "$calls" ]
ok $? "histogram _count equals the calls ($count)"
inf=$(query "bpfscope_probe_duration_seconds_bucket{le=\"+Inf\"}")
[ "$inf" = "$calls" ]
ok $? "le=\"+Inf\" bucket equals the calls ($inf)"
# buckets are cumulative: each is <= the next and the last equals _count
jq_in=$(curl -s "http://127.0.0.1:$pport/api/v1/query" \
	--data-urlencode 'query=bpfscope_probe_duration_seconds_bucket')
echo "$jq_in" | jq -e '[.data.result[] | {le: (.metric.le | if . == "+Inf" then 1e300 else tonumber end), v: (.value[1] | tonumber)}]
	| sort_by(.le) | . as $b | (length > 2) and all(range(1; length); $b[.].v >= $b[. - 1].v)' >/dev/null
ok $? "stored buckets are cumulative in le order"
p50=$(query 'histogram_quantile(0.5, bpfscope_probe_duration_seconds_bucket)')
awk -v p="$p50" 'BEGIN { exit !(p > 0 && p < 1) }'
ok $? "histogram_quantile(0.5) of call durations is between 0 and 1 s ($p50)"
sum=$(query 'bpfscope_probe_duration_seconds_sum')
awk -v s="$sum" -v n="$calls" 'BEGIN { exit !(s > 0 && s / n < 0.001) }'
ok $? "_sum in seconds: mean per call below 1 ms ($sum s over $calls calls)"
stop_bpfscope

bad_input "--serve with a malformed address: one error line" "--serve: expected" \
	trace --serve 'nohost:abc' "r:$T:cache_fetch"
done_testing

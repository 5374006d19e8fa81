#!/usr/bin/env bash
# report and predict on a real recording of websvc in single-process mode:
# text tables, grouping (--by, --keep-query), CIDR peers, bad input.
source "$(dirname "$0")/weblab.bash"
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 11

weblab_start 0 60 || exit 1
# 3:1:0:1 -> 30 /home, 10 /item (ids 1, 6, 11, ...: 10 distinct), 10 /static
weblab_run single 50 1 3:1:0:1 || exit 1
DB=$TMP/single.db

"$BPFSCOPE" report "$DB" >"$TMP/report.txt" 2>"$TMP/report.err"
ok $? "report exits 0"
show "$TMP/report.txt" 30
row() { awk -v k="$1" '$1 == k { print $2; exit }' "$TMP/report.txt"; }
[ "$(row /home)" = 30 ] && [ "$(row /item)" = 10 ] && [ "$(row /static/logo.png)" = 10 ] && [ "$(row '(all)')" = 50 ]
ok $? "counts per kind: 30 /home, 10 /item, 10 /static (query strings stripped), 50 in all"
grep -q "^/home  *memcached_mget  *1.00 .* 127.0.0.1:$MC_PORT 1.00$" "$TMP/report.txt" &&
	grep -q "^/home  *memcached_get  *4.00 .* 127.0.0.1:$MC_PORT 4.00$" "$TMP/report.txt" &&
	grep -q "^/home  *mysql_real_query  *1.00 .* 127.0.0.1:$DB_PORT 1.00$" "$TMP/report.txt"
ok $? "child calls per request and by peer: /home makes 4 gets and 1 mget to memcached, 1 query to MariaDB"
grep -q "^/item  *127.0.0.1:$DB_PORT  " "$TMP/report.txt" && ! grep -q "^/static/logo.png  *127" "$TMP/report.txt"
ok $? "peers: /item queried MariaDB (127.0.0.1:$DB_PORT), /static talked to no peer"

"$BPFSCOPE" report --keep-query -o json "$DB" >"$TMP/keep.json"
n=$(jq -r 'select(.type == "kind") | .kind' "$TMP/keep.json" | grep -c '^/item?id=')
[ "$n" -eq 10 ]
ok $? "--keep-query: the 10 item ids are 10 kinds (got $n)"

"$BPFSCOPE" predict -o json "$DB" --add 127.0.0.0/8=+3 >"$TMP/cidr.json"
matched=$(jq -r 'select(.type == "add") | .matched | length' "$TMP/cidr.json")
d=$(jq -r 'select(.type == "kind" and .kind == "/item") | .mean_delta_ms' "$TMP/cidr.json")
all=$(jq -r 'select(.type == "all") | .mean_delta_ms' "$TMP/cidr.json")
# /item: 2 memcached + 1 MariaDB round trips -> +9 ms (CIDR takes both
# peers); all: (30 x 6 + 10 x 3) x 3 ms / 50 requests = +12.6 ms
[ "$matched" = 2 ] && awk -v d="$d" -v a="$all" 'BEGIN { exit !(d > 8.9 && d < 9.1 && a > 12.5 && a < 12.7) }'
ok $? "--add 127.0.0.0/8=+3 matches both peers; /item +9 ms, all +12.6 ms (got $matched peers, +$d, +$all)"

# offline: no BPF, so no privileges needed
if command -v setpriv >/dev/null; then
	# a copy the user can execute wherever the build lives
	cp "$BPFSCOPE" "$TMP/bpfscope" && chmod 755 "$TMP" "$TMP/bpfscope" && chmod 644 "$DB"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMP/bpfscope" report "$DB" >"$TMP/nobody.txt" 2>&1 &&
		grep -q "^/home  *30 " "$TMP/nobody.txt"
	ok $? "report runs as an unprivileged user" || show "$TMP/nobody.txt"
else
	ok 0 "# SKIP setpriv not installed"
fi

bad_input "report: unknown --by attribute" "no request (root span) has the attribute" report --by nosuch "$DB"
bad_input "report: not a record file" "not a readable record file" report /etc/hostname
bad_input "predict: needs --add" "needs at least one --add" predict "$DB"
sqlite3 "$TMP/empty.db" "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema_version', '2');"
bad_input "report: other schema version" "schema version '2'" report "$TMP/empty.db"
done_testing

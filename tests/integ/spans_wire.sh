#!/usr/bin/env bash
# spans/record --wire on websvc (weblab.bash): the MySQL statements and
# memcached commands each request makes, parsed from its socket I/O, are
# child spans wire:mysql / wire:memcache of that request, with SQL text,
# keys, hits/misses, and the innermost probe span around them as parent.
source "$(dirname "$0")/weblab.bash"
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 14

weblab_start 0 60 || exit 1
DB=$TMP/wire.db
start_bpfscope wire record --wire -o "$DB" -c websvc "${WEB_PROBES[@]}" ||
	{ weblab_fail "bpfscope record did not start" "$TMP/wire.err"; exit 1; }
# 1:1:1:1:1 -> 4 each of /home, /item, /search, /static, /login
"$TARGETS/webload" "$WEB_PORT" 20 1 1:1:1:1:1 >"$TMP/wire.load" || weblab_fail "webload failed" "$TMP/wire.load"
sleep 0.5 # the last requests are held for their wire operations
stop_bpfscope
q() { sqlite3 -separator ' ' "$DB" "$1"; }
show "$TMP/wire.err" 10

[ "$(q "SELECT name || '/' || role FROM probes WHERE name LIKE 'wire:%' ORDER BY name" | tr '\n' ' ')" = "wire:memcache/child wire:mysql/child " ]
ok $? "probes: wire:memcache and wire:mysql with role child"

# per kind (query string cut): requests, wire:mysql and wire:memcache children
per_kind() {
	sqlite3 -separator ' ' "$DB" "CREATE TEMP VIEW k AS SELECT s.id, CASE WHEN instr(a.value, '?')
		THEN substr(a.value, 1, instr(a.value, '?') - 1) ELSE a.value END AS kind
		FROM spans s JOIN span_attrs a ON a.span_id = s.id AND a.name = 'path' WHERE s.depth = 0;
		SELECT k.kind, count(DISTINCT k.id),
		  (SELECT count(*) FROM spans c JOIN probes p ON p.id = c.probe_id JOIN k k2 ON k2.id = c.root_id
		   WHERE k2.kind = k.kind AND p.name = 'wire:mysql'),
		  (SELECT count(*) FROM spans c JOIN probes p ON p.id = c.probe_id JOIN k k2 ON k2.id = c.root_id
		   WHERE k2.kind = k.kind AND p.name = 'wire:memcache')
		FROM k GROUP BY k.kind ORDER BY k.kind;"
}
per_kind >"$TMP/kinds.txt"
show "$TMP/kinds.txt"
kind() { awk -v k="$1" '$1 == k { print $2, $3, $4 }' "$TMP/kinds.txt"; }
[ "$(kind /home)" = "4 4 20" ]
ok $? "/home: 4 requests, 1 query and 5 memcached commands each (4 get + 1 multi-key get)"
[ "$(kind /item)" = "4 4 8" ]
ok $? "/item: 1 query, 2 memcached commands (get, set) each"
[ "$(kind /search)" = "4 8 40" ]
ok $? "/search: 2 queries, 10 gets each"
[ "$(kind /static/logo.png)" = "4 0 0" ]
ok $? "/static: no wire operation"
[ "$(kind /login)" = "4 0 8" ]
ok $? "/login: the get and the quit of its own connection (memcached_free)"

# every /item?id=1 request: its query, under its mysql_real_query span
n=$(q "SELECT count(*) FROM spans w JOIN probes p ON p.id = w.probe_id
	JOIN span_attrs a ON a.span_id = w.id AND a.name = 'sql' AND a.value = 'SELECT price FROM websvc_items WHERE id = 1'
	JOIN span_attrs r ON r.span_id = w.id AND r.name = 'rows' AND r.value = '1'
	JOIN spans par ON par.id = w.parent_id JOIN probes pp ON pp.id = par.probe_id AND pp.name = 'mysql_real_query'
	JOIN span_attrs path ON path.span_id = w.root_id AND path.name = 'path' AND path.value = '/item?id=1'
	WHERE p.name = 'wire:mysql' AND par.root_id = w.root_id AND w.depth = 2")
[ "$n" = 1 ]
ok $? "the SQL text and rows of /item?id=1's query, child of its mysql_real_query span (got $n)"

# /home: get session:1 (a hit) under a memcached_get span of the same root
n=$(q "SELECT count(*) FROM spans w
	JOIN span_attrs k ON k.span_id = w.id AND k.name = 'keys' AND k.value = 'session:1'
	JOIN span_attrs h ON h.span_id = w.id AND h.name = 'hits' AND h.value = '1'
	JOIN span_attrs m ON m.span_id = w.id AND m.name = 'misses' AND m.value = '0'
	JOIN spans par ON par.id = w.parent_id JOIN probes pp ON pp.id = par.probe_id AND pp.name = 'memcached_get'
	JOIN span_attrs path ON path.span_id = w.root_id AND path.name = 'path' AND path.value = '/home'
	WHERE par.root_id = w.root_id")
[ "$n" = 4 ]
ok $? "/home's get of session:1: keys, 1 hit, 0 misses, child of memcached_get (got $n of 4)"
# the 8-key get of memcached_mget: its replies are read by memcached_fetch_result,
# after memcached_mget returned, so the root is the innermost span around it
n=$(q "SELECT count(*) FROM spans w
	JOIN span_attrs k ON k.span_id = w.id AND k.name = 'keys' AND k.value = 'item:0 item:7 item:14 item:21 item:28 item:35 item:42 item:49'
	JOIN span_attrs h ON h.span_id = w.id AND h.name = 'hits' AND h.value = '8'
	WHERE w.parent_id = w.root_id AND w.depth = 1")
[ "$n" = 4 ]
ok $? "/home's multi-get: 8 keys, 8 hits, child of the root (got $n of 4)"

# no wire span is attached to another thread's request or across requests
n=$(q "SELECT count(*) FROM spans w JOIN probes p ON p.id = w.probe_id AND p.name LIKE 'wire:%'
	JOIN spans root ON root.id = w.root_id JOIN spans par ON par.id = w.parent_id
	WHERE root.depth != 0 OR root.tid != w.tid OR par.root_id != w.root_id
	   OR w.start_ns < root.start_ns OR w.start_ns + w.duration_ns > root.start_ns + root.duration_ns")
[ "$n" = 0 ] && [ "$(q "SELECT count FROM losses WHERE what = 'wire_outside_requests'")" = 0 ]
ok $? "every wire span lies inside its root, on its thread; none outside a request (bad: $n)"

"$BPFSCOPE" report "$DB" >"$TMP/report.txt" 2>&1
grep -q "^/home  *wire:memcache  *5.00 " "$TMP/report.txt" && grep -q "^/search  *wire:mysql  *2.00 " "$TMP/report.txt"
ok $? "report lists the wire children per kind (/home 5 memcached commands, /search 2 queries)" || show "$TMP/report.txt" 40

# outside any request: with page_home as the root, /item's operations are counted
start_bpfscope out record --wire -o "$TMP/out.db" -c websvc "root u:$TARGETS/websvc:page_home" ||
	{ weblab_fail "bpfscope record did not start" "$TMP/out.err"; exit 1; }
"$TARGETS/webload" "$WEB_PORT" 3 1 0:1:0:0 >/dev/null
sleep 0.3
stop_bpfscope
n=$(sqlite3 "$TMP/out.db" "SELECT count FROM losses WHERE what = 'wire_outside_requests'")
[ "$n" = 9 ] && [ "$(sqlite3 "$TMP/out.db" "SELECT count(*) FROM spans")" = 0 ] && grep -q "9 outside any request" "$TMP/out.err"
rc=$?
ok $rc "3 /item requests outside the root: 9 operations counted outside, none dropped silently (got $n)"
[ $rc -eq 0 ] || show "$TMP/out.err" 20

# live: spans -o json
start_bpfscope live spans --wire -o json -c websvc "root u:$TARGETS/websvc:handle_request" ||
	{ weblab_fail "bpfscope spans did not start" "$TMP/live.err"; exit 1; }
"$TARGETS/webload" "$WEB_PORT" 2 1 0:1:0:0 >/dev/null
sleep 0.6
stop_bpfscope
n=$(jq -r '.id as $root | .spans[] | select(.probe == "wire:mysql" and .parent_id == $root) | .id' "$TMP/live.out" | wc -l)
m=$(jq -r 'select(.children["wire:memcache"] == 2 and .children["wire:mysql"] == 1) | .id' "$TMP/live.out" | wc -l)
jq -e -s '[.[].spans[] | select(.probe == "wire:mysql") | .attrs.sql | test("^SELECT price FROM websvc_items WHERE id = ")] | length == 2 and all' "$TMP/live.out" >/dev/null && [ "$m" = 2 ] && [ "$n" = 2 ]
ok $? "spans --wire: each /item request has 1 wire:mysql (its SQL) and 2 wire:memcache children" || show "$TMP/live.out" 5

bad_input "spans --wire: no probe" "no probe given" spans --wire
done_testing

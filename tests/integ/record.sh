#!/usr/bin/env bash
# bpfscope record: the spans of tests/targets/spans_target written into an
# SQLite file per docs/record-schema.md, read back with sqlite3; then a
# recording killed with SIGKILL must leave a consistent file holding the
# batches committed before the kill, each request complete.
source "$(dirname "$0")/lib.bash"
plan 17

command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 0; }
T=$TARGETS/spans_target
PROBES=("root u:$T:handle_request { attr(path, str(arg0->path)) }"
	"u:$T:cache_get" "u:$T:cache_mget" "u:$T:db_query" "u:$T:db_exec" "u:$T:serve_one")

start_gated rec "$T" 10
PID=$GATED_PID
wait_for "$TMP/rec.stdout" '^port ' || diag "target did not start"
PORT=$(awk '/^port / {print $2}' "$TMP/rec.stdout")
DB=$TMP/run.db
start_bpfscope rec record -p "$PID" -o "$DB" "${PROBES[@]}" || exit 1
release_gated rec "$PID"
sleep 0.3
stop_bpfscope
sql() { sqlite3 "$DB" "$1" 2>&1; }

[ "$(sql 'pragma integrity_check')" = ok ] && [ "$(sql 'pragma journal_mode')" = wal ]
ok $? "file is a consistent SQLite database in WAL mode"
[ "$(sql "select value from meta where key = 'schema_version'")" = 1 ] &&
	[ "$(sql "select count(*) from meta where key in ('host','kernel','command','started_ns','ended_ns','clock','sample')")" -eq 7 ]
ok $? "meta: schema_version 1, host, kernel, command, start/end, clock, sample"
[ "$(sql "select group_concat(id || ':' || role || ':' || name, ' ') from probes")" = "0:root:handle_request 1:child:cache_get 2:child:cache_mget 3:child:db_query 4:child:db_exec 5:child:serve_one" ]
ok $? "probes: ids in script order, roles and short names"
[ "$(sql 'select count(*) from spans where depth = 0 and parent_id is null and root_id = id')" -eq 40 ] &&
	[ "$(sql 'select count(*) from spans')" -eq 110 ]
ok $? "40 requests (root_id = id, no parent) and 110 spans"
[ "$(sql "select group_concat(v || '=' || n, ',') from (select a.value v, count(*) n from spans s join span_attrs a on a.span_id = s.id and a.name = 'path' where s.depth = 0 group by a.value)")" = "/db=10,/get=10,/mget=10,/serve=10" ]
ok $? "root attribute 'path' recorded for every request"
[ "$(sql "select count(*) from (select r.id from spans r join span_attrs a on a.span_id = r.id and a.value = '/get' join spans c on c.parent_id = r.id and c.root_id = r.id and c.probe_id = 1 group by r.id having count(*) = 3)")" -eq 10 ]
ok $? "every /get has 3 cache_get children whose parent_id and root_id are the root"
[ "$(sql "select count(*) from span_peers p join spans s on s.id = p.span_id where s.probe_id = 1 and p.peer = '127.0.0.1:$PORT' and p.calls = 2 and p.round_trips = 1 and p.bytes_out = p.bytes_in and p.io_ns > 0")" -eq 30 ]
ok $? "span_peers: each cache_get made 2 calls, 1 round trip to 127.0.0.1:$PORT"
[ "$(sql "select count(*) from spans e join spans q on e.parent_id = q.id where e.probe_id = 4 and q.probe_id = 3 and e.depth = 2 and q.child_ns = e.duration_ns")" -eq 10 ]
ok $? "nested db_exec under db_query; db_query's child_ns is db_exec's duration"
[ "$(sql "select group_concat(event || '=' || n, ',') from (select c.event, count(*) n from connections c join spans s on s.id = c.span_id where (s.probe_id = 3 and c.peer = '127.0.0.1:$PORT') or s.probe_id = 5 group by c.event)")" = "accept=10,close=20,connect=10" ]
ok $? "connections: 10 connects + 10 closes of 127.0.0.1:$PORT in db_query, 10 accepts + 10 closes in serve_one"
[ "$(sql "select count(*) from spans where start_ns between (select value from meta where key = 'started_ns') and (select value from meta where key = 'ended_ns')")" -eq 110 ]
ok $? "start_ns are wall-clock times within the recording"
[ "$(sql "select count(*) from losses where probe_id = 0 and what = 'sampled_out' and count = 0")" -eq 1 ] &&
	[ "$(sql "select count(*) from losses where probe_id is null and what = 'roots_sampled_out'")" -eq 1 ]
ok $? "losses: per probe and session totals"

# SIGKILL while recording: a long run (8000 requests, 0.5 ms apart: at least 4 s)
start_gated kill "$T" 2000 500
PID=$GATED_PID
wait_for "$TMP/kill.stdout" '^port ' || diag "target did not start"
DB=$TMP/killed.db
start_bpfscope killed record -p "$PID" -o "$DB" "${PROBES[@]}" || exit 1
echo go >&"$_gate_kill"
sleep 2.5 # the writer commits at least every second
kill -9 "$BPFSCOPE_PID"
wait "$BPFSCOPE_PID" 2>/dev/null
{ kill -9 "$PID" && wait "$PID"; } 2>/dev/null
[ "$(sql 'pragma integrity_check')" = ok ]
ok $? "killed with SIGKILL mid-recording: integrity_check ok"
n=$(sql 'select count(*) from spans where depth = 0')
[ "$n" -gt 0 ] 2>/dev/null
ok $? "committed requests are readable after the kill ($n requests)"
[ "$(sql "select count(*) from spans r join span_attrs a on a.span_id = r.id where r.depth = 0 and (select count(*) from spans c where c.root_id = r.id and c.depth > 0) != case a.value when '/get' then 3 when '/db' then 2 else 1 end")" -eq 0 ]
ok $? "every committed request is complete (a batch is one transaction)"
# `ip netns exec` gives the command a fresh /sys without tracefs: record must
# mount it itself to attach its socket syscall tracepoints
NS=bpfscope-rec-$$
ip netns add "$NS"
out=$(ip netns exec "$NS" "$BPFSCOPE" record -o "$TMP/netns.db" -d 0.5 "root u:$T:handle_request" 2>&1)
rc=$?
ip netns del "$NS"
[ $rc -eq 0 ] && grep -q "0 requests, 0 spans written" <<<"$out"
ok $? "record inside ip netns exec (no tracefs mounted there) attaches and ends cleanly" || diag "$out"
bad_input "record needs -o FILE" "-o FILE is required" record -d 1 "root u:$T:handle_request"
bad_input "record never replaces what is not a regular file" "is not a regular file" record -o /dev/null -d 1 "root u:$T:handle_request"
done_testing

#!/usr/bin/env bash
# bpfscope spans against tests/targets/spans_target: a root span
# (handle_request) with child spans, nested children (db_query > db_exec),
# socket I/O attributed in the kernel to the target's own echo server on
# 127.0.0.1:PORT, connections opened, accepted and closed per request, and
# per-root sampling. Every count below is fixed by the target's code.
source "$(dirname "$0")/lib.bash"
plan 28

T=$TARGETS/spans_target
PROBES=("root u:$T:handle_request { attr(path, str(arg0->path)); attr(id, arg0->id) }"
	"r:$T:cache_get { attr(ok, retval); attr(key, str(arg0)) }" "u:$T:cache_mget" "u:$T:db_query" "span u:$T:db_exec" "u:$T:serve_one")

# start_target NAME ARGS...: gated target, sets PID and PORT (its echo server)
start_target() {
	local name=$1
	shift
	start_gated "$name" "$T" "$@"
	PID=$GATED_PID
	wait_for "$TMP/$name.stdout" '^port ' || diag "target did not start"
	PORT=$(awk '/^port / {print $2}' "$TMP/$name.stdout")
}

start_target all 5
start_bpfscope spans spans -p "$PID" -o json "${PROBES[@]}" || exit 1
release_gated all "$PID"
wait_for "$TMP/spans.out" '"/serve","id":"19"' 100
stop_bpfscope
OUT=$TMP/spans.out
q() { jq -s "$@" "$OUT"; }

grep -q "served 20" "$TMP/all.stdout"
ok $? "target served 20 requests (5 of each kind), echo server on 127.0.0.1:$PORT"
[ "$(q 'length')" -eq 20 ]
ok $? "one line per request: 20 (got $(q length))"
[ "$(q '[.[] | .attrs.path] | group_by(.) | map("\(.[0])=\(length)") | join(",")')" = '"/db=5,/get=5,/mget=5,/serve=5"' ]
ok $? "root attribute path read from arg0->path: 5 of each kind"
[ "$(q '[.[] | select(.attrs.path == "/get") | select(.children == {"cache_get": 3})] | length')" -eq 5 ]
ok $? "/get: exactly 3 cache_get child spans in each request"
[ "$(q --arg p "127.0.0.1:$PORT" '[.[] | select(.attrs.path == "/get") | .peers | select(length == 1 and .[0].peer == $p and .[0].calls == 6 and .[0].round_trips == 3 and .[0].bytes_out == .[0].bytes_in)] | length')" -eq 5 ]
ok $? "/get: peer 127.0.0.1:$PORT, 6 socket calls, 3 round trips, bytes out = bytes in"
[ "$(q '[.[] | select(.attrs.path == "/get") | .spans[] | select(.probe == "cache_get") | select(.peers[0].round_trips == 1 and .peers[0].calls == 2)] | length')" -eq 15 ]
ok $? "/get: each cache_get span has its own 2 calls and 1 round trip"
[ "$(q -c '[.[] | select(.attrs.path == "/get") | [.spans[] | select(.probe == "cache_get") | .attrs]] | unique')" = '[[{"ok":"1","key":"user"},{"ok":"1","key":"cart"},{"ok":"1","key":"prefs"}]]' ]
ok $? "child attributes read at return (r:): retval and the entry argument, per cache_get"
[ "$(q '[.[] | select(.attrs.path == "/mget") | select(.children == {"cache_mget": 1} and .peers[0].round_trips == 1 and .peers[0].calls >= 4 and .peers[0].bytes_out == 21)] | length')" -eq 5 ]
ok $? "/mget: 3 writes then the replies: one round trip, 21 bytes out"
[ "$(q '[.[] | select(.attrs.path == "/db") | select(.children == {"db_query": 1, "db_exec": 1})] | length')" -eq 5 ]
ok $? "/db: db_query and the nested db_exec counted"
[ "$(q '[.[] | select(.attrs.path == "/db") | . as $r | (.spans | map({(.probe): .}) | add) as $s | select($s.db_query.parent_id == $r.id and $s.db_exec.parent_id == $s.db_query.id and $s.db_exec.depth == 2 and $s.handle_request.parent_id == null)] | length')" -eq 5 ]
ok $? "parent ids: db_exec -> db_query -> handle_request (root, no parent)"
[ "$(q --arg p "127.0.0.1:$PORT" '[.[] | select(.attrs.path == "/db") | (.spans | map({(.probe): .}) | add) as $s | select($s.db_exec.peers[0].peer == $p and $s.db_exec.peers[0].round_trips == 1 and ($s.db_query.peers | length) == 0)] | length')" -eq 5 ]
ok $? "/db: socket I/O attributed to the innermost span (db_exec), none to db_query"
[ "$(q --arg p "127.0.0.1:$PORT" '[.[] | select(.attrs.path == "/db") | (.spans | map({(.probe): .id}) | add) as $s | select([.connections[] | "\(.event) \(.peer) \(.span_id == $s.db_query)"] == ["connect \($p) true", "close \($p) true"])] | length')" -eq 5 ]
ok $? "/db: reconnect per request: connect and close of 127.0.0.1:$PORT inside db_query"
[ "$(q --arg port "$PORT" '[.[] | select(.attrs.path == "/serve") | select((.connections | map(.event)) == ["accept", "close"] and .connections[0].peer == .connections[1].peer and (.connections[0].peer | test("^127\\.0\\.0\\.1:[0-9]+$")) and (.connections[0].peer | endswith(":" + $port) | not) and .peers[0].round_trips == 0 and .peers[0].bytes_in == 6 and .peers[0].bytes_out == 3)] | length')" -eq 5 ]
ok $? "/serve: accepted client peer, read 6 then wrote 3 bytes (no round trip), closed"
[ "$(q '[.[] | select(.self_ns == .duration_ns - (.spans[-1].child_ns) and .spans[-1].child_ns == ([. as $r | .spans[] | select(.parent_id == $r.id) | .duration_ns] | add // 0))] | length')" -eq 20 ]
ok $? "self time = duration - time in direct children, in every request"
grep -q "20 roots seen, 0 sampled out" "$TMP/spans.err"
ok $? "summary: 20 roots seen, none sampled out"
grep -q "20 requests (55 spans)" "$TMP/spans.err"
ok $? "summary: 20 requests, 55 spans (20 roots + 15 cache_get + 5 cache_mget + 10 db + 5 serve_one)"

# per-root sampling: 1 of 3 of 20 roots, decided in the kernel: roots 0, 3, ..., 18
start_target sampled 5
start_bpfscope sampled spans -p "$PID" --sample 3 "${PROBES[@]}" || exit 1
release_gated sampled "$PID"
wait_for "$TMP/sampled.err" never 20
stop_bpfscope
[ "$(grep -c ' handle_request ' "$TMP/sampled.out")" -eq 7 ] &&
	grep -q "20 roots seen, 13 sampled out" "$TMP/sampled.err"
ok $? "--sample 3: 7 of 20 requests kept, 13 sampled out (counted)"
[ "$(grep ' path=/get ' "$TMP/sampled.out" | grep -c "| cache_get=3 | 127.0.0.1:$PORT calls=6 rt=3 ")" -eq "$(grep -c ' path=/get ' "$TMP/sampled.out")" ] &&
	grep -q "cache_get: 15 hits, 0 sampled out, 0 filtered, [0-9]* emitted" "$TMP/sampled.err" &&
	! grep -q "cache_get: 15 hits, 0 sampled out, 0 filtered, 15 emitted" "$TMP/sampled.err"
ok $? "children and peers follow the root's decision (kept /get lines complete, fewer spans emitted)"

# 4 threads serving /get and /mget at the same time as main serves its 12
# requests: spans and peers stay per thread; 1 of 2 kept exactly over all
start_target threads 3 0 threads
start_bpfscope threads spans -p "$PID" -o json --sample 2 "${PROBES[@]}" || exit 1
release_gated threads "$PID"
wait_for "$TMP/threads.err" never 10
stop_bpfscope
OUT=$TMP/threads.out
grep -q "36 roots seen, 18 sampled out" "$TMP/threads.err" && [ "$(q length)" -eq 18 ]
ok $? "--sample 2 over 5 threads: exactly 18 of 36 requests kept"
[ "$(q '[.[] | .tid] | unique | length')" -ge 2 ] && [ "$(q '[.[] | select(.tid == .spans[0].tid // .tid)] | length')" -eq 18 ]
ok $? "requests from several threads ($(q -c '[.[] | .tid] | unique | length') tids)"
[ "$(q --arg p "127.0.0.1:$PORT" '[.[] | select((.attrs.path == "/get" and .children == {"cache_get": 3} and .peers[0].calls == 6 and .peers[0].round_trips == 3) or (.attrs.path == "/mget" and .children == {"cache_mget": 1} and .peers[0].round_trips == 1) or .attrs.path == "/db" or .attrs.path == "/serve") | select(.peers[0].peer == $p or .attrs.path == "/serve")] | length')" -eq 18 ]
ok $? "concurrent requests keep exact children, calls and round trips each"

# a request in progress when bpfscope attached (a uretprobe only sees
# returns of calls entered after it: ignored, nothing counted wrong), an
# IPv6 peer; then requests that never return: longjmp out of one (stale,
# found by the next root's entry), a thread exiting inside one (evicted at
# the end); the last request after them is complete
start_target chaos 1 0 v6,chaos,held
PORT6=$(awk '/^port6/ {print $2}' "$TMP/chaos.stdout")
start_bpfscope chaos spans -p "$PID" "${PROBES[0]}" "u:$T:cache_get" || exit 1
release_gated chaos "$PID"
wait_for "$TMP/chaos.err" never 6
stop_bpfscope
grep -q "path=/v6 id=4 | \[::1\]:$PORT6 calls=2 rt=1 io=[0-9.]*ms | connect \[::1\]:$PORT6, close \[::1\]:$PORT6\$" "$TMP/chaos.out"
ok $? "IPv6 peer [::1]:$PORT6: 2 calls, 1 round trip, connect and close"
grep -q "6 requests (12 spans); 8 roots seen, 0 sampled out; 1 stale, 1 evicted" "$TMP/chaos.err"
ok $? "longjmp out of a request: 1 stale; thread exited inside a request: 1 evicted; 6 complete"
grep -q "handle_request: 8 hits, .* 1 stale, 0 unpaired" "$TMP/chaos.err"
ok $? "the stale root is counted on its probe; the request in progress at attach is ignored"
[ "$(tail -1 "$TMP/chaos.out" | grep -c "path=/get id=7 | cache_get=3 | 127.0.0.1:$PORT calls=6 rt=3 ")" -eq 1 ]
ok $? "the request after them is complete and correct"

bad_input "no root span: one error line" "no root span" spans -d 1 "u:$T:cache_get"
bad_input "span probes are functions" "a span is a function call" spans -d 1 "root u:$T:handle_request" "span t:syscalls:sys_enter_read"
bad_input "trace refuses span roles" "need 'bpfscope spans'" trace -d 1 "root u:$T:handle_request"
done_testing

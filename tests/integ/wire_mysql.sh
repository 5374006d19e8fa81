#!/usr/bin/env bash
# wire / sql: MySQL statements recovered from the socket syscalls of real
# clients (libmariadb C client, the mariadb CLI) talking to a private
# MariaDB: text, prepared statements and cursors mapped to their text, rows,
# affected rows, error 1146, latencies ordered by SLEEP, credentials never
# shown, a connection older than the tracing, --redact; bad input.
# (Large results, --stats, the server side and non-socket I/O:
# wire_mysql_more.sh.)
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 22

if ! mariadb_start; then
	diag "MariaDB did not start"
	show "$TMP/mariadb/error.log"
	exit 1
fi
user="wu_$$" pass="pw_$$_secret" table="t_$$"
$DB_CLI -e "CREATE USER '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
	GRANT ALL ON bpfscope.* TO '$user'@'127.0.0.1';"

# --- the C client (libmariadb): text queries, prepared statements, an error
start_gated dbc "$TARGETS/db_client" "$DB_PORT" "$user" "$pass" "$table"
client=$GATED_PID
start_bpfscope c wire -v -o json -p "$client" || exit 1
release_gated dbc "$client"
wait_for "$TMP/c.out" '"COM_QUIT"' 100
stop_bpfscope
J=$TMP/c.out
jq -e . "$J" >/dev/null
ok $? "json lines parse"
# q FILTER: true when some row matches
q() { jq -e -s "any(.[]; $1)" "$J" >/dev/null; }

q ".cmd == \"COM_QUERY\" and (.text | startswith(\"INSERT INTO $table VALUES (1, 'alpha')\")) and .result.affected == 3"
ok $? "INSERT: full text, 3 affected rows"
q ".cmd == \"COM_QUERY\" and .text == \"SELECT id, name FROM $table ORDER BY id\" and .result.rows == 3"
ok $? "SELECT: 3 rows"
q ".cmd == \"COM_STMT_PREPARE\" and .text == \"SELECT name FROM $table WHERE id = ?\""
ok $? "COM_STMT_PREPARE with its text"
q ".cmd == \"COM_STMT_EXECUTE\" and .text == \"SELECT name FROM $table WHERE id = ?\" and .result.rows == 1"
ok $? "COM_STMT_EXECUTE mapped back to its statement text: 1 row"
q ".cmd == \"COM_STMT_EXECUTE\" and .text == \"SELECT name FROM $table WHERE id > ?\" and .result.rows == 3"
ok $? "the second prepared statement: 3 rows"
fetched=$(jq -s "map(select(.cmd == \"COM_STMT_FETCH\" and .text == \"SELECT id FROM $table WHERE id >= ?\") | .result.rows) | add" "$J")
[ "$fetched" = 3 ] && grep -q 'cursor 3' "$TMP/dbc.stdout"
ok $? "server-side cursor: COM_STMT_FETCH rows mapped to the statement add up to 3 (got $fetched)"
q '.text == "SELECT * FROM no_such_table_wire" and .result.error == 1146 and (.result.message | test("doesn.t exist"))'
ok $? "missing table: error 1146 with its message"
sleep_ms=$(jq -r 'select(.text == "SELECT SLEEP(0.2)") | .latency_ms' "$J")
one_ms=$(jq -r 'select(.text == "SELECT 1") | .latency_ms' "$J")
awk -v s="${sleep_ms:-0}" -v o="${one_ms:-0}" 'BEGIN { exit !(s >= 195 && o > 0 && s > o) }'
ok $? "SELECT SLEEP(0.2) took >= 195 ms and longer than SELECT 1 (${sleep_ms} vs ${one_ms} ms)"
q '(.result.no_response | not) and .latency_ms <= 0'
[ $? -ne 0 ] && [ "$(jq -s 'map(select(.result.no_response | not)) | length' "$J")" -ge 9 ]
ok $? "every answered operation has a positive latency"
[ "$(jq -r "select(.pid != $client or .peer != \"127.0.0.1:$DB_PORT\") | .pid" "$J" | wc -l)" -eq 0 ]
ok $? "every row: pid $client, peer 127.0.0.1:$DB_PORT"
q '.cmd == "AUTH" and .text == "" and .result.status == "OK"'
ok $? "the connection phase is one AUTH row without text"
! grep -q -e "$pass" -e "$user" "$J" "$TMP/c.err"
ok $? "neither the password nor the user name appears"
grep -q ' [1-9][0-9]* client auth packets cut to their header in the kernel' "$TMP/c.err"
ok $? "the handshake response was cut to its header in the kernel"
grep -q ' 0 connections followed' "$TMP/c.err"
ok $? "the connection was forgotten when the client closed it"

# --- a connection made before the tracing started: found by its content
start_gated early "$TARGETS/db_client" "$DB_PORT" "$user" "$pass" "e_$table" early
client=$GATED_PID
for _ in $(seq 1 100); do # connected: the socket to the server exists
	grep -q " 0100007F:$(printf %04X "$DB_PORT") 01 " /proc/$client/net/tcp 2>/dev/null && break
	sleep 0.05
done
start_bpfscope e sql -o json -p "$client" || exit 1
release_gated early "$client"
wait_for "$TMP/e.out" '"COM_QUIT"' 100
stop_bpfscope
J=$TMP/e.out
q ".cmd == \"COM_QUERY\" and .text == \"SELECT id, name FROM e_$table ORDER BY id\" and .result.rows == 3" &&
	q ".cmd == \"COM_STMT_EXECUTE\" and .text == \"SELECT name FROM e_$table WHERE id > ?\" and .result.rows == 3" &&
	! q '.cmd == "AUTH"'
ok $? "joined mid-connection: statements, prepared texts and rows, no AUTH row"

# --- the mariadb CLI, through `sql` with --redact
start_gated cli sh -c "read x; exec $DB_CLI -e \"SELECT 'topsecret_$$' AS s, 4242 AS n; SELECT * FROM bpfscope.nope_$$\" bpfscope"
start_bpfscope r sql --redact -o json -p "$GATED_PID" || exit 1
release_gated cli "$GATED_PID"
wait_for "$TMP/r.out" '"COM_QUIT"' 100
stop_bpfscope
J=$TMP/r.out
q '.text == "SELECT ? AS s, ? AS n" and .result.rows == 1 and .comm == "mariadb"'
ok $? "--redact: literals replaced (mariadb CLI)"
! grep -q -e "topsecret_$$" -e 4242 "$J"
ok $? "--redact: no literal shown"
q ".text == \"SELECT * FROM bpfscope.nope_$$\" and .result.error == 1146"
ok $? "CLI: error 1146"

# --- bad input
sh -c 'exit 0' &
dead=$!
wait $dead
bad_input "a pid that does not exist" "no process with pid $dead" wire -p "$dead"
bad_input "an unknown protocol" "--proto" wire --proto nfs
bad_input "a capture size out of range" "bytes" sql -b 1
done_testing

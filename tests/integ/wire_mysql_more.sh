#!/usr/bin/env bash
# wire / sql, continued: a large result set over the Unix socket (all rows
# counted; flagged incomplete with a small capture), --stats, mariadbd
# traced itself, --min-ms, and protocol-looking bytes on files and pipes
# ignored.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 7

if ! mariadb_start; then
	diag "MariaDB did not start"
	show "$TMP/mariadb/error.log"
	exit 1
fi

# q FILTER: true when some row matches
q() { jq -e -s "any(.[]; $1)" "$J" >/dev/null; }
# --- a large result set over the Unix socket: every row counted with the
# default capture; with a small one the count is flagged incomplete
$DB_CLI bpfscope -e "CREATE TABLE big_$$ (id INT PRIMARY KEY, pad VARCHAR(100));
	INSERT INTO big_$$ SELECT seq, REPEAT('x', 80) FROM seq_1_to_3000;"
for bytes in 16384 1024; do
	start_gated big$bytes sh -c "read x; exec mariadb --no-defaults -S '$DB_SOCK' -u root -e 'SELECT * FROM bpfscope.big_$$; SELECT 1' >/dev/null"
	start_bpfscope big$bytes sql -b $bytes -o json -p "$GATED_PID" || exit 1
	release_gated big$bytes "$GATED_PID"
	wait_for "$TMP/big$bytes.out" '"COM_QUIT"' 100
	stop_bpfscope
done
J=$TMP/big16384.out
q ".text == \"SELECT * FROM bpfscope.big_$$\" and .result.rows == 3000 and .peer == \"unix\" and (.result.incomplete | not)"
ok $? "Unix socket, 3000 rows (~270 KB) all counted"
J=$TMP/big1024.out
q ".text == \"SELECT * FROM bpfscope.big_$$\" and .result.rows < 3000 and .result.incomplete" &&
	q '.text == "SELECT 1" and .result.rows == 1'
ok $? "-b 1024: the count is flagged incomplete, the next statement is parsed again"

# --- --stats: three statements that differ only in their literal
start_gated st sh -c "read x; exec $DB_CLI -e 'SELECT 1; SELECT 22; SELECT 333; SELECT SLEEP(0.05)'"
start_bpfscope s sql --stats -o json -p "$GATED_PID" || exit 1
release_gated st "$GATED_PID"
sleep 0.2
stop_bpfscope
J=$TMP/s.out
q '.text == "SELECT ?" and .cmd == "COM_QUERY" and .count == 3 and .latency.count == 3 and .rows == 3'
ok $? "--stats: SELECT ? counted 3 times with a 3-sample histogram"
q '.text == "SELECT SLEEP(?)" and .count == 1 and .avg_ms >= 45'
ok $? "--stats: SELECT SLEEP(?) once, >= 45 ms"

# --- the server side: mariadbd traced, requests are what it reads
start_gated srv sh -c "read x; exec $DB_CLI -e 'SELECT 1 AS fast_$$; SELECT SLEEP(0.1) AS server_side_$$'"
start_bpfscope srv sql --min-ms 50 -o json -p "$DB_PID" || exit 1
release_gated srv "$GATED_PID"
wait_for "$TMP/srv.out" 'server_side' 100
sleep 0.2
stop_bpfscope
J=$TMP/srv.out
q ".text == \"SELECT SLEEP(0.1) AS server_side_$$\" and .result.rows == 1 and .pid == $DB_PID and .latency_ms >= 95"
ok $? "traced server: mariadbd's own view of the statement and its latency"
[ "$(jq -s length "$J")" -eq 1 ]
ok $? "--min-ms 50: only the slow statement"

# --- bytes that look like the protocols, written to files and pipes only
start_gated nosock sh -c "read x; printf 'get k\r\n' >'$TMP/f'; cat '$TMP/f'; printf '\011\000\000\000\003SELECT 1' >'$TMP/g'; cat '$TMP/g' >/dev/null"
start_bpfscope n wire -o json -p "$GATED_PID" || exit 1
release_gated nosock "$GATED_PID"
sleep 0.2
stop_bpfscope
[ ! -s "$TMP/n.out" ] && grep -q ' 0 events delivered' "$TMP/n.err"
ok $? "file and pipe I/O: no event, no row"

done_testing

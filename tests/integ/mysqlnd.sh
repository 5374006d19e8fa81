#!/usr/bin/env bash
# mysqlnd: SQL of a PHP process from uprobes on mysqlnd's methods (found
# through its method tables), against a private MariaDB: mysqli queries,
# prepared statements, an error, a 0.2 s SLEEP, PDO emulated and native
# prepares, a MYSQLI_ASYNC query, each with the PHP request (the CLI
# script; php-fpm requests); and the same statements as the wire parser
# (`bpfscope sql`) saw in the same run.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 20

command -v php >/dev/null || { diag "php missing"; exit 1; }
if ! mariadb_start; then
	diag "MariaDB did not start"
	show "$TMP/mariadb/error.log"
	exit 1
fi
tag=$$
$DB_CLI -e "CREATE TABLE bpfscope.t_$tag (v INT)"

cat >"$TMP/client.php" <<'PHP'
<?php
[, $port, $tag] = $argv;
mysqli_report(MYSQLI_REPORT_OFF);
$db = new mysqli("127.0.0.1", "root", "", "bpfscope", (int)$port);
$db->query("SELECT 41 + 1 AS answer_$tag")->fetch_all();
$db->query("INSERT INTO t_$tag VALUES (1), (2), (3)");
$st = $db->prepare("SELECT ? + 1 AS p_$tag");
$v = 5;
$st->bind_param("i", $v);
$st->execute();
$st->get_result()->fetch_all();
$st->close();
$db->query("SELECT * FROM missing_$tag");
$db->query("SELECT SLEEP(0.2) AS s_$tag")->fetch_all();
$db->query("SELECT SLEEP(0.1) AS async_$tag", MYSQLI_ASYNC);
$links = $errors = $rejects = [$db];
mysqli_poll($links, $errors, $rejects, 5);
$db->reap_async_query()->fetch_all();
$db->close();
$pdo = new PDO("mysql:host=127.0.0.1;port=$port;dbname=bpfscope", "root", "");
$pdo->query("SELECT 'pdo_$tag' AS src")->fetchAll();
$pdo->setAttribute(PDO::ATTR_EMULATE_PREPARES, false);
$s = $pdo->prepare("UPDATE t_$tag SET v = v + ? WHERE v > 1");
$s->execute([7]);
$pdo = null;
echo "done\n";
PHP
# a shell that becomes PHP when released: its request starts while traced
start_gated php sh -c 'read -r go; exec php "$0" "$@"' "$TMP/client.php" "$DB_PORT" "$tag"
client=$GATED_PID
lib=$(ls /usr/lib/php/*/mysqlnd.so)
start_bpfscope wire sql -o json -p "$client" || exit 1
wire_pid=$BPFSCOPE_PID
start_bpfscope m mysqlnd -o json -p "$client" --php "$(command -v php8.2)" "$lib" || exit 1
release_gated php "$client"
grep -q done "$TMP/php.stdout" || show "$TMP/php.stdout"
sleep 0.2
stop_bpfscope
BPFSCOPE_PID=$wire_pid stop_bpfscope
J=$TMP/m.out
q() { jq -e -s "any(.[]; $1)" "$J" >/dev/null; }
jq -e . "$J" >/dev/null
ok $? "json lines parse"
q ".call == \"query\" and .text == \"SELECT 41 + 1 AS answer_$tag\" and .result.error == 0"
ok $? "mysqli query: exact text, no error"
q ".call == \"query\" and .text == \"INSERT INTO t_$tag VALUES (1), (2), (3)\" and .result.affected == 3"
ok $? "mysqli insert: 3 affected rows"
q ".call == \"prepare\" and .text == \"SELECT ? + 1 AS p_$tag\" and .result.stmt_id > 0"
ok $? "mysqli prepare: text and statement id"
q ".call == \"execute\" and .text == \"SELECT ? + 1 AS p_$tag\" and .result.error == 0"
ok $? "mysqli execute: the text of its prepare"
q ".call == \"query\" and .text == \"SELECT * FROM missing_$tag\" and .result.error == 1146 and .result.ok == false"
ok $? "mysqli error query: error 1146, call failed"
sleep_ms=$(jq -r "select(.text == \"SELECT SLEEP(0.2) AS s_$tag\") | .latency_ms" "$J")
awk -v s="${sleep_ms:-0}" 'BEGIN { exit !(s >= 200) }'
ok $? "SELECT SLEEP(0.2) took >= 200 ms ($sleep_ms ms)"
jq -e -s 'length > 0 and all(.[]; .latency_ms > 0)' "$J" >/dev/null
ok $? "every duration is positive"
async_ms=$(jq -r "select(.text == \"SELECT SLEEP(0.1) AS async_$tag\" and .result.async) | .latency_ms" "$J")
awk -v s="${async_ms:-0}" 'BEGIN { exit !(s >= 100) }'
ok $? "MYSQLI_ASYNC query: from send_query to reap_query, >= 100 ms ($async_ms ms)"
q ".call == \"query\" and .text == \"SELECT 'pdo_$tag' AS src\""
ok $? "PDO emulated prepare: the interpolated query"
q ".call == \"execute\" and .text == \"UPDATE t_$tag SET v = v + ? WHERE v > 1\" and .result.affected == 2"
ok $? "PDO native prepare: execute with its text, 2 affected rows"
jq -e -s "all(.[]; .request == \"$TMP/client.php\" and .pid == $client)" "$J" >/dev/null
ok $? "every call belongs to the CLI request of the script, in the client"
grep -q 'mysqlnd: 6 queries, 2 prepares, 2 executes (0 of statements prepared before tracing), 1 with an error' "$TMP/m.err"
ok $? "summary counts 6 queries, 2 prepares, 2 executes, 1 error"
[ $? -eq 0 ] || show "$TMP/m.err"

# the wire parser saw the same statements, in the same order
W=$TMP/wire.out
norm='select(.cmd == "COM_QUERY" or .cmd == "COM_STMT_PREPARE" or .cmd == "COM_STMT_EXECUTE")
	| [(.cmd | sub("COM_STMT_"; "") | sub("COM_"; "") | ascii_downcase), .text] | @tsv'
jq -r "$norm" "$W" >"$TMP/wire.tsv"
jq -r '[.call, .text] | @tsv' "$J" >"$TMP/mnd.tsv"
diff "$TMP/wire.tsv" "$TMP/mnd.tsv" >"$TMP/diff" && [ -s "$TMP/mnd.tsv" ]
ok $? "mysqlnd and the wire report the same $(wc -l <"$TMP/mnd.tsv") statements"
[ -s "$TMP/diff" ] && show "$TMP/diff"
werr=$(jq -r "select(.text == \"SELECT * FROM missing_$tag\") | .result.error" "$W")
[ "$werr" = 1146 ]
ok $? "and the same error code ($werr)"

# php-fpm: a private pool with one worker; each query belongs to the
# request (method and URI) the worker was serving
cat >"$TMP/app.php" <<PHP
<?php
\$db = new mysqli("127.0.0.1", "root", "", "bpfscope", $DB_PORT);
\$db->query("SELECT '" . \$_SERVER["SCRIPT_NAME"] . "' AS uri_$tag");
PHP
chmod 644 "$TMP/app.php"
fpm_start || diag "php-fpm did not start"
worker=$FPM_WORKER fpm=$FPM_PID
start_bpfscope fpm mysqlnd -o json -p "$worker" || exit 1
"$TARGETS/fcgi_get" "$TMP/fpm.sock" "$TMP/app.php" GET "/shop/cart.php?id=7" >"$TMP/r1"
"$TARGETS/fcgi_get" "$TMP/fpm.sock" "$TMP/app.php" POST "/shop/pay.php" >"$TMP/r2"
stop_bpfscope
kill -TERM "$fpm" 2>/dev/null
F=$TMP/fpm.out
jq -e -s --arg t "$tag" 'any(.[]; .request == "GET /shop/cart.php" and .text == "SELECT '"'"'/shop/cart.php'"'"' AS uri_" + $t)' "$F" >/dev/null
ok $? "php-fpm: the query of GET /shop/cart.php belongs to that request"
jq -e -s 'length == 2 and any(.[]; .request == "POST /shop/pay.php" and (.text | startswith("SELECT '"'"'/shop/pay.php'"'"'")))' "$F" >/dev/null
ok $? "php-fpm: and the POST's to the POST"
[ $? -eq 0 ] || show "$F"

bad_input "a library that is not mysqlnd" "is not mysqlnd" mysqlnd /bin/true
sed 's/mysqlnd 8\.2\./mysqlnd 8.9./g' "$lib" >"$TMP/mysqlnd89.so"
bad_input "mysqlnd of an unknown version" "unsupported mysqlnd 8.9" mysqlnd "$TMP/mysqlnd89.so"
sleep 30 &
sleeper=$!
_pids+=("$sleeper")
bad_input "a process without mysqlnd" "process $sleeper has no mysqlnd.so mapped" mysqlnd -p "$sleeper"
done_testing

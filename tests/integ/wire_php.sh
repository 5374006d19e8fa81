#!/usr/bin/env bash
# wire: the same statements and keys from PHP clients (mysqli with
# mysqlnd, PDO emulated and native prepares, php-memcached on
# libmemcached) as from C: one PHP process traced by pid against a private
# MariaDB and memcached.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 13

command -v php >/dev/null || { diag "php missing"; exit 1; }
memcached_start || { diag "memcached did not start"; exit 1; }
if ! mariadb_start; then
	diag "MariaDB did not start"
	show "$TMP/mariadb/error.log"
	exit 1
fi
user="phpu_$$" pass="phppw_$$_secret" tag=$$
$DB_CLI -e "CREATE USER '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
	GRANT ALL ON bpfscope.* TO '$user'@'127.0.0.1';"

cat >"$TMP/client.php" <<'PHP'
<?php
fgets(STDIN);
[, $port, $mcport, $user, $pass, $tag] = $argv;
mysqli_report(MYSQLI_REPORT_OFF);
$db = new mysqli("127.0.0.1", $user, $pass, "bpfscope", (int)$port);
$db->query("SELECT 41 + 1 AS answer_$tag")->fetch_all();
$st = $db->prepare("SELECT ? + 1 AS p_$tag");
$v = 5;
$st->bind_param("i", $v);
$st->execute();
$st->get_result()->fetch_all();
$st->close();
$db->query("SELECT * FROM missing_$tag");
$db->query("SELECT SLEEP(0.15) AS s_$tag")->fetch_all();
$db->close();
$pdo = new PDO("mysql:host=127.0.0.1;port=$port;dbname=bpfscope", $user, $pass);
$pdo->query("SELECT 'pdo_$tag' AS src")->fetchAll();
$pdo->setAttribute(PDO::ATTR_EMULATE_PREPARES, false);
$s = $pdo->prepare("SELECT ? AS pdo_native_$tag");
$s->execute([7]);
$s->fetchAll();
$pdo = null;
$mc = new Memcached();
$mc->addServer("127.0.0.1", (int)$mcport);
$mc->set("php_$tag", "v");
$mc->get("php_$tag");
$mc->get("php_missing_$tag");
$mc->getMulti(["php_$tag", "php_missing_$tag"]);
echo "done\n";
PHP
start_gated php php "$TMP/client.php" "$DB_PORT" "$MC_PORT" "$user" "$pass" "$tag"
client=$GATED_PID
start_bpfscope w wire -o json -p "$client" || exit 1
release_gated php "$client"
grep -q done "$TMP/php.stdout" || show "$TMP/php.stdout"
sleep 0.2
stop_bpfscope
J=$TMP/w.out
q() { jq -e -s "any(.[]; $1)" "$J" >/dev/null; }
jq -e . "$J" >/dev/null
ok $? "json lines parse"
q ".cmd == \"COM_QUERY\" and .text == \"SELECT 41 + 1 AS answer_$tag\" and .result.rows == 1"
ok $? "mysqli query: text, 1 row"
q ".cmd == \"COM_STMT_PREPARE\" and .text == \"SELECT ? + 1 AS p_$tag\""
ok $? "mysqli prepare"
q ".cmd == \"COM_STMT_EXECUTE\" and .text == \"SELECT ? + 1 AS p_$tag\" and .result.rows == 1"
ok $? "mysqli execute mapped to its text, 1 row"
q ".text == \"SELECT * FROM missing_$tag\" and .result.error == 1146"
ok $? "mysqli: error 1146"
sleep_ms=$(jq -r "select(.text == \"SELECT SLEEP(0.15) AS s_$tag\") | .latency_ms" "$J")
one_ms=$(jq -r "select(.text == \"SELECT 41 + 1 AS answer_$tag\") | .latency_ms" "$J")
awk -v s="${sleep_ms:-0}" -v o="${one_ms:-0}" 'BEGIN { exit !(s >= 145 && o > 0 && s > o) }'
ok $? "SLEEP(0.15) >= 145 ms and longer than the plain query (${sleep_ms} vs ${one_ms} ms)"
q ".cmd == \"COM_QUERY\" and .text == \"SELECT 'pdo_$tag' AS src\" and .result.rows == 1"
ok $? "PDO emulated prepare: the interpolated query"
q ".cmd == \"COM_STMT_EXECUTE\" and .text == \"SELECT ? AS pdo_native_$tag\" and .result.rows == 1"
ok $? "PDO native prepare: execute mapped to its text"
q ".cmd == \"set\" and .text == \"php_$tag\" and .result.status == \"STORED\" and .proto == \"memcache\""
ok $? "php-memcached: set STORED"
q ".cmd == \"get\" and .text == \"php_$tag\" and .result.hits == 1 and .result.misses == 0"
ok $? "php-memcached: get hit"
q ".cmd == \"get\" and .text == \"php_missing_$tag\" and .result.hits == 0 and .result.misses == 1"
ok $? "php-memcached: get miss"
q ".cmd == \"get\" and .result.keys == 2 and .result.hits == 1 and .result.misses == 1"
ok $? "php-memcached: getMulti, 1 hit 1 miss"
! grep -q -e "$pass" -e "$user" "$J" && [ "$(jq -r "select(.pid != $client) | .pid" "$J" | wc -l)" -eq 0 ]
ok $? "no credentials shown; every row from pid $client"
done_testing

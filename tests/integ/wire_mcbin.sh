#!/usr/bin/env bash
# cache: the memcached binary protocol, from php-memcached switched to it
# (Memcached::OPT_BINARY_PROTOCOL, libmemcached underneath) against a
# private memcached: set, get hit and miss, getMulti, delete, increment,
# each with its key(s), hit/miss counts or status and a positive latency;
# the same calls in the text protocol give the same rows.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 9

command -v php >/dev/null || { diag "php missing"; exit 1; }
memcached_start || { diag "memcached did not start"; exit 1; }
tag=$$
cat >"$TMP/client.php" <<'PHP'
<?php
[, $mcport, $tag, $binary] = $argv;
$mc = new Memcached();
$mc->setOption(Memcached::OPT_BINARY_PROTOCOL, $binary === "1");
$mc->addServer("127.0.0.1", (int)$mcport);
$mc->set("b_$tag", "v1");
$mc->get("b_$tag");
$mc->get("b_missing_$tag");
$mc->getMulti(["b_$tag", "b_missing_$tag"]);
$mc->delete("b_$tag");
$mc->set("n_$tag", "5");
echo $mc->increment("n_$tag", 2), "\n";
PHP
run() { # NAME BINARY: one traced run, JSON rows in $TMP/NAME.out
	start_gated "$1" sh -c 'read -r go; exec php "$0" "$@"' "$TMP/client.php" "$MC_PORT" "$tag" "$2"
	local pid=$GATED_PID
	start_bpfscope "$1" cache -o json -p "$pid" || return 1
	release_gated "$1" "$pid"
	grep -qx 7 "$TMP/$1.stdout" || show "$TMP/$1.stdout"
	wait_for "$TMP/$1.out" '"incr"'
	stop_bpfscope
}
run bin 1
run text 0

J=$TMP/bin.out
q() { jq -e -s "any(.[]; $1)" "$J" >/dev/null; }
q ".cmd == \"set\" and .text == \"b_$tag\" and .result.status == \"STORED\""
ok $? "binary set: key, STORED"
q ".cmd == \"get\" and .text == \"b_$tag\" and .result.hits == 1 and .result.misses == 0"
ok $? "binary get (GetKQ + NoOp): hit"
q ".cmd == \"get\" and .text == \"b_missing_$tag\" and .result.hits == 0 and .result.misses == 1"
ok $? "binary get: miss"
q ".cmd == \"get\" and .text == \"b_$tag b_missing_$tag\" and .result.keys == 2 and .result.hits == 1 and .result.misses == 1"
ok $? "binary getMulti: 2 keys, 1 hit, 1 miss"
q ".cmd == \"delete\" and .text == \"b_$tag\" and .result.status == \"DELETED\""
ok $? "binary delete: DELETED"
q ".cmd == \"incr\" and .text == \"n_$tag\" and .result.status == \"7\""
ok $? "binary increment: the new value 7"
jq -e -s 'length == 8 and all(.[]; (.result.no_response or .latency_ms > 0) and .proto == "memcache")' "$J" >/dev/null
ok $? "$(jq -s length "$J") operations (the quit at exit without reply), every latency positive"
shape='select(.cmd != "quit") | [.cmd, .text, (.result.hits // 0), (.result.misses // 0)] | @tsv'
diff <(jq -r "$shape" "$TMP/text.out") <(jq -r "$shape" "$J") >"$TMP/diff"
ok $? "the text protocol run gives the same commands, keys, hits and misses"
[ -s "$TMP/diff" ] && show "$TMP/diff"
[ "$(jq -r .pid "$J" | sort -u | wc -l)" -eq 1 ]
ok $? "all from the traced client"
done_testing

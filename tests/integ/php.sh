#!/usr/bin/env bash
# php: function calls of a real php8.2-cli script, through both mechanisms
# (VM handler uprobes, and the USDT probes with USE_ZEND_DTRACE=1), the
# --uri request filter with --tree and --flame, and bad input.
source "$(dirname "$0")/lib.bash"
plan 39

source "$(dirname "$0")/php.bash"
source "$(dirname "$0")/services.bash"
if [ ! -x "$PHP" ]; then
	for i in $(seq 1 39); do echo "ok $i # skip php8.2-cli not installed"; done
	exit 0
fi

for mode in uprobe usdt; do
	if [ $mode = usdt ]; then run_traced $mode "" USE_ZEND_DTRACE=1; else
		run_traced $mode -v
		grep -q "10 of them at branches the kernel emulates, as uprobe_multi links" "$TMP/$mode.err"
		ok $? "uprobe: call and RETURN handlers probed at their emulated branches, uprobe_multi links"
	fi
	grep -q "tracing through" "$TMP/$mode.err" && grep -q "$([ $mode = usdt ] && echo USDT || echo uprobes)" "$TMP/$mode.err"
	ok $? "$mode: the mechanism is chosen from the process's environment"
	[ "$(jq -r 'select(.call | startswith("fib(")) | .via' "$TMP/$mode.out" | grep -c "^$mode$")" -eq 177 ]
	ok $? "$mode: fib(10) made exactly 177 fib calls, all via $mode"
	[ "$(jq -r 'select(.call == "fib(10)") | .depth' "$TMP/$mode.out")" = 0 ] &&
		[ "$(jq -r 'select(.call == "fib(0)") | .depth' "$TMP/$mode.out" | sort -n | tail -1)" = 9 ]
	ok $? "$mode: fib(10) at depth 0, deepest fib(0) at depth 9"
	rec=$(jq -c 'select(.call | startswith("Shop->price"))' "$TMP/$mode.out")
	[ "$(jq -r .call <<<"$rec")" = 'Shop->price("sku-\"42\"", 3, 2.25, true, array(3), null)' ] &&
		[[ "$(jq -r .location <<<"$rec")" == */calls.php:13 ]]
	ok $? "$mode: method with string/int/float/bool/array/null arguments, file:line (got $rec)"
	[ "$(calls $mode 'select(.depth == 0 and (.call | startswith("fib") | not)) | .call' | tr '\n' ' ')" = \
		'Shop->price("sku-\"42\"", 3, 2.25, true, array(3), null) Shop::tax(7.5) guarded() refs(41, object(Shop), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...") twice(1) twice(2) ' ]
	ok $? "$mode: static method, callbacks from array_map, the exception path, by-reference/object/long string arguments"
	[ "$(jq -r 'select(.call == "fail(\"boom\")") | .depth' "$TMP/$mode.out")" = 1 ]
	ok $? "$mode: fail() nested under guarded()"
	big=$(jq -r 'select(.call == "fib(10)") | .dur_us' "$TMP/$mode.out")
	small=$(jq -r 'select(.call == "fib(9)") | .dur_us' "$TMP/$mode.out")
	awk -v b="$big" -v s="$small" 'BEGIN { exit !(s > 0 && b > s) }'
	ok $? "$mode: durations positive, fib(10) ($big us) longer than its child fib(9) ($small us)"
	[ "$(jq -r .pid "$TMP/$mode.out" | sort -u)" = "$(jq -r .pid "$TMP/$mode.out" | head -1)" ]
	ok $? "$mode: -p: one process only"
	grep -q "^php: 184 calls .* 0 returns without entry" "$TMP/$mode.err" && grep -q " 0 dropped .* 0 read errors" "$TMP/$mode.err"
	ok $? "$mode: accounting: 184 calls, every return paired, nothing dropped, no read error"
done
diff <(calls uprobe '"\(.depth) \(.call) \(.location)"') <(calls usdt '"\(.depth) \(.call) \(.location)"') >"$TMP/diff"
ok $? "both mechanisms report the same calls, depths and locations"
show "$TMP/diff" 10


# Request filter (CLI: the script path), call tree and flame graph; no -p,
# so other php8.2 processes on the machine may run too: only the scripts
# named here are asserted on.
cp "$SCRIPT" "$TMP/slow-$$.php"
cp "$SCRIPT" "$TMP/fast-$$.php"
start_bpfscope tree php --tree --uri "*/slow-$$.php" --flame "$TMP/php.folded" "$PHP" || exit 1
"$PHP" "$TMP/fast-$$.php" >/dev/null
USE_ZEND_DTRACE=1 "$PHP" "$TMP/slow-$$.php" >/dev/null
"$PHP" "$TMP/slow-$$.php" >/dev/null
stop_bpfscope
[ "$(grep -c "^request .*slow-$$.php" "$TMP/tree.out")" -eq 2 ] && ! grep -q "fast-$$" "$TMP/tree.out"
ok $? "--uri: both runs of slow-$$.php traced, fast-$$.php not"
grep -Eq "filtered out" "$TMP/tree.err" && ! grep -Eq "\(0 filtered out\)" "$TMP/tree.err"
ok $? "--uri: the skipped request is counted"
awk '/^request .*slow/ { n++; next } n == 1 && $4 == "fib" { sum += $3 } END { exit sum != 177 }' "$TMP/tree.out"
ok $? "--tree: fib calls summed over tree levels = 177"
awk '/^request .*slow/ { n++; next } n == 1 && $4 == "guarded" { g = $1 } n == 1 && $4 == "fail" { f = $1; self = $2 } END { exit !(g > 0 && g >= f && f > 0) }' "$TMP/tree.out"
ok $? "--tree: guarded's total includes its child fail"
grep -q '^guarded;fail [0-9]' "$TMP/php.folded" && grep -q '^fib;fib;fib [0-9]' "$TMP/php.folded"
ok $? "--flame: folded PHP frames"
show "$TMP/tree.out" 20

# php-fpm: a private pool on a unix socket, one worker, driven by a tiny
# FastCGI client; the filter sees the path PHP reports (SCRIPT_NAME).
cp "$SCRIPT" "$TMP/app.php"
chmod 644 "$TMP/app.php"
fpm_start || diag "php-fpm did not start"
fpm=$FPM_PID worker=$FPM_WORKER
bad_input "php-fpm: -p of the master is refused" "is the php-fpm master" php -p "$fpm"
start_bpfscope fpm php --tree --uri '/slow*' --method GET -p "$worker" || exit 1
"$TARGETS/fcgi_get" "$TMP/fpm.sock" "$TMP/app.php" GET "/slow/app.php?id=7" >"$TMP/r1"
"$TARGETS/fcgi_get" "$TMP/fpm.sock" "$TMP/app.php" POST "/slow/app.php" >"$TMP/r2"
"$TARGETS/fcgi_get" "$TMP/fpm.sock" "$TMP/app.php" GET "/fast/app.php" >"$TMP/r3"
stop_bpfscope
kill -TERM "$fpm" 2>/dev/null
[ "$(grep -c '^request ' "$TMP/fpm.out")" -eq 1 ] && grep -q "^request pid $worker .*: GET /slow/app.php ($TMP/app.php)" "$TMP/fpm.out"
ok $? "php-fpm: --uri/--method keep GET /slow/app.php only"
grep -q "3 requests (2 filtered out)" "$TMP/fpm.err"
ok $? "php-fpm: the POST and the other URI are counted as filtered"
awk '$4 == "fib" { sum += $3 } END { exit sum != 177 }' "$TMP/fpm.out"
ok $? "php-fpm: the request's call tree has the 177 fib calls"
show "$TMP/fpm.out" 8
show "$TMP/fpm.err" 4

# mod_php: a private apache2 -X (one process) on a 127.0.0.1 port serving
# calls.php; -p finds libphp8.2.so in its maps.
if [ -r /usr/lib/apache2/modules/libphp8.2.so ] && [ -x /usr/sbin/apache2 ]; then
	port=$((20000 + $$ % 20000))
	mkdir -p "$TMP/www/slow"
	cp "$SCRIPT" "$TMP/www/slow/app.php"
	chmod -R a+rX "$TMP/www"
	cat >"$TMP/httpd.conf" <<EOF
ServerRoot /etc/apache2
ServerName localhost
PidFile $TMP/httpd.pid
ErrorLog $TMP/httpd.log
Mutex file:$TMP default
DefaultRuntimeDir $TMP
Listen 127.0.0.1:$port
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so
User nobody
Group nogroup
DocumentRoot $TMP/www
<Directory $TMP/www>
  Require all granted
</Directory>
<FilesMatch "\.php$">
  SetHandler application/x-httpd-php
</FilesMatch>
EOF
	start_httpd() { # [env...]: a fresh apache2 -X, its pid in $httpd
		env "$@" /usr/sbin/apache2 -X -f "$TMP/httpd.conf" &
		httpd=$!
		_pids+=("$httpd")
		for _ in $(seq 1 100); do
			grep -q libphp "/proc/$httpd/maps" 2>/dev/null &&
				(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
			sleep 0.05
		done
	}
	start_httpd
	http_get() { # PATH: one HTTP/1.0 request through bash's /dev/tcp
		exec 5<>"/dev/tcp/127.0.0.1/$port" || return 1
		printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&5
		timeout 5 cat <&5 >/dev/null
		exec 5<&-
	}
	start_bpfscope modphp php --tree -o json --uri '/slow/*' -p "$httpd" || exit 1
	http_get "/slow/app.php?id=1"
	http_get "/index.php"
	stop_bpfscope
	grep -q "libphp8.2.so, pid $httpd: tracing through uprobes" "$TMP/modphp.err" &&
		[ "$(jq -r .request "$TMP/modphp.out")" = "GET /slow/app.php ($TMP/www/slow/app.php)" ]
	ok $? "mod_php: libphp8.2.so found in apache2's maps, only /slow/* traced"
	[ "$(jq '[.tree | .. | objects | select(.function == "fib") | .calls] | add' "$TMP/modphp.out")" = 177 ] &&
		[ "$(jq '.tree[] | select(.function == "guarded") | .children[0].function' "$TMP/modphp.out")" = '"fail"' ]
	ok $? "mod_php: JSON call tree: 177 fib calls, fail under guarded"
	show "$TMP/modphp.err" 4
	kill "$httpd"
	wait "$httpd" 2>/dev/null
	start_httpd USE_ZEND_DTRACE=1
	start_bpfscope modusdt php -o json -p "$httpd" || exit 1
	http_get "/slow/app.php"
	stop_bpfscope
	kill "$httpd"
	[ "$(jq -r 'select(.via == "usdt") | .call' "$TMP/modusdt.out" | grep -c '^fib(')" -eq 177 ] &&
		[ "$(jq -r 'select(.call | startswith("Shop->price")) | .call' "$TMP/modusdt.out")" = 'Shop->price("sku-\"42\"", 3, 2.25, true, array(3), null)' ]
	ok $? "mod_php with USE_ZEND_DTRACE=1: the USDT probes of libphp8.2.so, 177 fib calls, arguments"
	show "$TMP/modusdt.err" 4
	"$BPFSCOPE" php libphp8.2.so -d 0.1 >/dev/null 2>"$TMP/short.err" &&
		grep -q "in /usr/lib/apache2/modules/libphp8.2.so:" "$TMP/short.err"
	ok $? "mod_php: the short name libphp8.2.so is found in Apache's module directory"
else
	for _ in 1 2 3 4; do ok 0 "# skip libapache2-mod-php8.2 not installed"; done
fi

# Bad input
bad_input "a process that is not PHP" "process $$ .* is not PHP" php -p $$
cp "$PHP" "$TMP/php9"
sed -i 's|X-Powered-By: PHP/8\.2\.|X-Powered-By: PHP/8.9.|' "$TMP/php9"
bad_input "a PHP binary of an unknown version" "unsupported PHP 8\.9\." php "$TMP/php9"
bad_input "a file that is not PHP" "is not PHP" php /bin/true
bad_input "a binary that does not exist" "cannot find" php /nonexistent-$$
bad_input "no target" "give a PHP binary" php
BPFSCOPE_DISABLE_FEATURES=bpf_cookie bad_input "a kernel without BPF cookies" "needs BPF cookies" php "$PHP"
done_testing

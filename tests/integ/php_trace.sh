#!/usr/bin/env bash
# PHP inside `bpfscope trace`: a type pack built from the php8.2-dev headers
# gives the Zend structs to probes on the stripped php8.2 (execute_ex's
# frame), and the php USDT probes take string arguments.
source "$(dirname "$0")/lib.bash"
plan 5

PHP=/usr/bin/php8.2
INC=/usr/include/php/20220829
SCRIPT="$(cd "$(dirname "$0")/../targets/php" && pwd)/calls.php"
if [ ! -x "$PHP" ] || [ ! -r "$INC/Zend/zend.h" ]; then
	for i in 1 2 3 4 5; do echo "ok $i # skip php8.2-cli or php8.2-dev not installed"; done
	exit 0
fi

"$BPFSCOPE" types build zend.h zend_execute.h -I "$INC" -I "$INC/main" -I "$INC/Zend" \
	-I "$INC/TSRM" -o "$TMP/php.types" >"$TMP/build.out" 2>&1
ok $? "types build: a type pack from the php8.2-dev headers"
show "$TMP/build.out" 3

start_bpfscope trace trace -o json -c php8.2 --types "$TMP/php.types" \
	"u:$PHP:execute_ex if arg0 != 0 { print(str(arg0->func->op_array.filename->val), arg0->func->op_array.line_start) }" \
	"usdt:$PHP:php:request__startup { print(str(arg0)) }" || exit 1
"$PHP" "$SCRIPT" >/dev/null
USE_ZEND_DTRACE=1 "$PHP" "$SCRIPT" >/dev/null
stop_bpfscope
rows() { jq -r "select(.probe | startswith(\"$1\")) | [.fields[]] | map(tostring) | join(\" \")" "$TMP/trace.out"; }
[ "$(rows u: | grep -c "^$SCRIPT 24$")" -ge 2 ]
ok $? "execute_ex frames through the pack: twice() (line 24) called back from array_map"
[ "$(rows u: | grep -c "^$SCRIPT 1$")" -eq 2 ]
ok $? "execute_ex frames through the pack: the main script of both runs"
[ "$(rows u: | grep -c "^$SCRIPT 6$")" -eq 177 ]
ok $? "execute_ex sees fib() (line 6) 177 times: only in the USE_ZEND_DTRACE=1 run, the hybrid VM does not recurse otherwise"
[ "$(rows usdt: | grep -c "^$SCRIPT$")" -eq 2 ]
ok $? "php:request__startup gives the script path of both runs"
show "$TMP/trace.out" 6
show "$TMP/trace.err" 6
done_testing

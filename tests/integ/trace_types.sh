#!/usr/bin/env bash
# A binary built without -g, typed by a type pack built from its header:
# arguments typed from the pack's prototype, fields by name, no casts; and
# without the pack, one line saying how to get types.
source "$(dirname "$0")/lib.bash"
plan 4

B="$TARGETS/typed.nodebug"
H="$(dirname "$0")/../targets/typed.h"
"$BPFSCOPE" types build "$H" -o "$TMP/typed.types" >/dev/null 2>"$TMP/build.err"
ok $? "type pack built from tests/targets/typed.h" || show "$TMP/build.err"

start_gated typed "$B"
pid=$GATED_PID
start_bpfscope tr trace -p "$pid" --types "$TMP/typed.types" -o json \
	"u:$B:handle_request { print(arg0->method, arg0->conn->client_ip, arg1, arg2, str(arg0->name->val, arg0->name->len)) }" || exit 1
# three calls: the first may find the binary's string constants not yet
# paged in (BPF cannot fault them in; counted as read errors, never silent)
echo a >&"$_gate_typed"
echo b >&"$_gate_typed"
release_gated typed "$pid"
sleep 0.2
stop_bpfscope
rec=$(jq -c 'select(.fields.arg2 == 3) | .fields' "$TMP/tr.out")
[ "$(jq -r '.["arg0->method"]' <<<"$rec")" = GET ] &&
	[ "$(jq -r '.["arg0->conn->client_ip"]' <<<"$rec")" = 127.0.0.1 ] &&
	[ "$(jq -r '.arg1' <<<"$rec")" = localhost ] &&
	[ "$(jq -r '.["str(arg0->name->val, arg0->name->len)"]' <<<"$rec")" = hello ]
ok $? "no debug info + type pack: typed arguments and fields by name (got $rec)"
grep -q 'handle_request: 3 hits' "$TMP/tr.err"
ok $? "3 calls hit"

bad_input "without the pack: one line naming --types" "has no debug info.*--types" \
	trace "u:$B:handle_request { print(arg0->method) }"
done_testing

#!/usr/bin/env bash
# gethostlatency: lookups of "localhost" by known processes, each function,
# the -p filter.
source "$(dirname "$0")/lib.bash"
plan 7

# start_resolver NAME FUNC HOST: a resolver blocked until release NAME
start_resolver() {
	mkfifo "$TMP/$1.go"
	"$TARGETS/resolver" "$2" "$3" <"$TMP/$1.go" >"$TMP/$1.res" &
	_pids+=($!)
	eval "${1}_pid=$!"
}
release() { echo go >"$TMP/$1.go"; }

start_resolver r1 getaddrinfo localhost
start_resolver r2 gethostbyname localhost
start_resolver r3 getaddrinfo localhost
start_bpfscope all gethostlatency -o json || exit 1
release r1
release r2
wait "$r1_pid" "$r2_pid"
sleep 0.1
stop_bpfscope
jq -e . "$TMP/all.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c "select(.pid == $r1_pid)" "$TMP/all.out")
[ "$(jq -r .host <<<"$rec")" = localhost ] && [ "$(jq -r .func <<<"$rec")" = getaddrinfo ] &&
	[ "$(jq -r .ret <<<"$rec")" = 0 ] && jq -e '.latency_ms > 0' <<<"$rec" >/dev/null
ok $? "getaddrinfo(localhost) by pid $r1_pid, ret 0, latency > 0 (got: $rec)"
rec=$(jq -c "select(.pid == $r2_pid)" "$TMP/all.out")
[ "$(jq -r .func <<<"$rec")" = gethostbyname ] && [ "$(jq -r .host <<<"$rec")" = localhost ] &&
	[ "$(jq -r .ret <<<"$rec")" = 1 ]
ok $? "gethostbyname(localhost) by pid $r2_pid, found (got: $rec)"
[ "$(jq -r .comm <<<"$rec")" = resolver ]
ok $? "comm"

start_resolver r4 getaddrinfo "nosuchhost-$$.invalid"
start_bpfscope pid gethostlatency -o json -p "$r4_pid" || exit 1
release r3
release r4
wait "$r3_pid" "$r4_pid"
sleep 0.1
stop_bpfscope
[ "$(jq -r .pid "$TMP/pid.out" | sort -u)" = "$r4_pid" ]
ok $? "-p $r4_pid: only that process ($(jq -r .pid "$TMP/pid.out" | sort -u | tr '\n' ' '))"
rec=$(jq -c . "$TMP/pid.out" | head -1)
[ "$(jq -r .host <<<"$rec")" = "nosuchhost-$$.invalid" ] && [ "$(jq -r .ret <<<"$rec")" != 0 ]
ok $? "a failed lookup has a non-zero EAI code (got: $rec)"
bad_input "unknown library" "cannot find" gethostlatency --lib libdoesnotexist-$$
done_testing
